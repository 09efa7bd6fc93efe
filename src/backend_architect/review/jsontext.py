"""`json.dumps(value, indent=2, ensure_ascii=False)`, the same text, about five times faster on big reports.

With an indent the standard library leaves its C encoder for a pure-Python generator that yields every
bracket, comma and key separately: 1.1 s of a SARIF report of 35,000 findings (32 MB), against 0.2 s for
the C encoder without an indent. Here strings go through the C string encoder and each container is one
`str.join`; anything else JSON can hold but a report does not (non-string keys, other types) goes to
`json.dumps`, so the text, and the errors, stay the standard library's.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring  # type: ignore[attr-defined]  # the C encoder when available
from typing import Any

__all__ = ["dumps_indented"]


class _Unusual(Exception):
    """A value outside what this encoder writes itself: the whole document goes to `json.dumps`."""


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return encode_basestring(value)  # type: ignore[no-any-return]
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    raise _Unusual


def _item(value: Any, indent: str) -> str:
    kind = type(value)  # the common types by identity: a call less per value than isinstance chains
    if kind is str:
        return encode_basestring(value)  # type: ignore[no-any-return]
    if kind is dict:
        return _object(value, indent) if value else "{}"
    if kind is list or kind is tuple:
        return _array(value, indent) if value else "[]"
    if kind is int:
        return int.__repr__(value)
    if isinstance(value, dict):
        return _object(value, indent) if value else "{}"
    if isinstance(value, (list, tuple)):
        return _array(value, indent) if value else "[]"
    return _scalar(value)


def _object(value: dict[Any, Any], indent: str) -> str:
    inner = indent + "  "
    parts = []
    for key, item in value.items():
        if type(key) is not str and not isinstance(key, str):
            raise _Unusual
        parts.append(encode_basestring(key) + ": " + (encode_basestring(item) if type(item) is str
                                                      else _item(item, inner)))
    return "{\n" + inner + (",\n" + inner).join(parts) + "\n" + indent + "}"


def _array(value: list[Any] | tuple[Any, ...], indent: str) -> str:
    inner = indent + "  "
    return "[\n" + inner + (",\n" + inner).join([encode_basestring(item) if type(item) is str
                                                   else _item(item, inner) for item in value]) + "\n" + indent + "]"


def dumps_indented(value: Any) -> str:
    """Exactly `json.dumps(value, indent=2, ensure_ascii=False)`."""
    try:
        return _item(value, "")
    except (_Unusual, RecursionError):
        return json.dumps(value, indent=2, ensure_ascii=False)
