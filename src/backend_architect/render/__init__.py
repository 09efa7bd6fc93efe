"""One module per output format. Renderers are pure: spec models in, text or documents out."""
