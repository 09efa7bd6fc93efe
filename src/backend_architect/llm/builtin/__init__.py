"""The builtin model: a deterministic, rule-based architect that speaks Chat Completions.

It is not an LLM. It reads the brief out of the conversation, derives the design by rules and
the knowledge base's defaults, and answers with tool calls, so offline runs exercise the real
client, tool-call parsing, validation and repair.
"""

from .model import BuiltinModel
from .transport import BuiltinTransport, builtin_http_client

__all__ = ["BuiltinModel", "BuiltinTransport", "builtin_http_client"]
