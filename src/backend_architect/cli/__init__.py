"""The command line: one thin module per command; `app` gathers them."""

from .app import app, main

__all__ = ["app", "main"]
