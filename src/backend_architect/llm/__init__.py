"""The one way to reach a model: an AsyncOpenAI client built by `make_client`."""

from .client import make_client

__all__ = ["make_client"]
