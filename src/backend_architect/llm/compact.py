"""Compact tool schemas for small context windows.

pydantic's JSON schemas say everything twice: a `title` beside every property, `default` on every
optional one, `anyOf [X, null]` for each optional object, `additionalProperties: false` on every
object and the identifier pattern on every name. None of it helps a model write the arguments (the
validators check all of it and say what was wrong), and it is most of the tokens: the database
schema tool went from 4,100 tokens to about 2,500. `omit` drops optional properties a later phase
asks for, so a phase's tools say only what that phase needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["compact_schema"]

# The identifier pattern repeats on every name; "snake_case" in a description says it in two tokens.
_IDENT = "^[a-z_][a-z0-9_]{0,62}$"
_NULL = {"type": "null"}


def compact_schema(schema: dict[str, Any], omit: Iterable[str] = ()) -> dict[str, Any]:
    """`omit` names optional properties as `Definition.property` (a `$defs` entry or the root's `title`)."""
    dropped = set(omit)
    root_name = str(schema.get("title", ""))
    out = _compact(schema, dropped, root_name)
    if isinstance(schema.get("$defs"), dict):
        out["$defs"] = {name: _compact(d, dropped, name) for name, d in schema["$defs"].items()}
        _prune_unused(out)
    return out


def _compact(node: Any, dropped: set[str], owner: str = "") -> Any:
    if isinstance(node, list):
        return [_compact(n, dropped) for n in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    required = set(node.get("required", []))
    for key, value in node.items():
        if key in ("title", "default", "$defs") or (key == "additionalProperties" and value is False):
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: _compact(sub, dropped) for name, sub in value.items()
                        if name in required or f"{owner}.{name}" not in dropped}
            continue
        out[key] = _compact(value, dropped)
    branches = out.get("anyOf")
    if isinstance(branches, list) and _NULL in branches:
        rest = [b for b in branches if b != _NULL]
        if len(rest) == 1:  # optional-ness is said by `required`; the null branch is noise
            del out["anyOf"]
            out.update(rest[0])
    if out.get("pattern") == _IDENT:
        del out["pattern"]
        # PostgreSQL's limit, kept: in a response grammar it ends a name the model would loop on (a 1.5B model
        # wrote access-pattern names of 180 characters and more until its 3,000-token cap)
        out["maxLength"] = 63
        if "description" not in out:
            out["description"] = "snake_case"
    return out


def _prune_unused(schema: dict[str, Any]) -> None:
    """Drop definitions nothing refers to any more (an omitted property was their only user)."""
    import json

    defs = schema["$defs"]
    while True:
        text = json.dumps({k: v for k, v in schema.items() if k != "$defs"}) + json.dumps(defs)
        unused = [name for name in defs if f'"#/$defs/{name}"' not in text]
        if not unused:
            return
        for name in unused:
            del defs[name]
