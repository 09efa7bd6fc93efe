"""backend-architect: a requirements brief in, a validated backend design out."""

__version__ = "0.1.0"

__all__ = ["__version__"]
