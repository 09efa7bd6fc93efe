"""Validation of AsyncAPI 3.0.0 documents against the official JSON Schema, plus the reference checks
the schema cannot express.

The JSON Schema (vendored from `@asyncapi/specs`, see schemas/README.md) checks shapes, but a
`$ref` to nothing is still a well-formed Reference Object, and 3.0's rule that an operation's
messages come from its own channel is prose in the specification. Both are checked here, as the
official parser checks them; the specification's other prose-only rules are not.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from importlib.resources import files
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError, best_match

__all__ = ["check_asyncapi"]

SCHEMA_FILE = "asyncapi-3.0.0.json"


@lru_cache(maxsize=1)
def _validator() -> Draft7Validator:
    # Loading and compiling the 380 kB schema takes a noticeable moment; do it once per process.
    schema = json.loads((files("backend_architect") / "schemas" / SCHEMA_FILE).read_text(encoding="utf-8"))
    return Draft7Validator(schema)


def _pointer(parts: Any) -> str:
    """An RFC 6901 JSON pointer, '/' for the root."""
    escaped = [str(p).replace("~", "~0").replace("/", "~1") for p in parts]
    return "/" + "/".join(escaped) if escaped else "/"


def _resolve(document: Any, ref: str) -> Any | None:
    """The value a local `#/…` reference points at, or None when it points at nothing."""
    node = document
    for raw in ref[2:].split("/") if ref not in ("#", "#/") else []:
        key = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


def _refs(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield path + ("$ref",), ref
        for key, value in node.items():
            if key != "$ref":
                yield from _refs(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _refs(value, path + (i,))


def _reference_errors(document: dict[str, Any]) -> list[str]:
    errors = []
    for path, ref in _refs(document):
        # Only local references can be checked offline; external ones (files, URLs) are left to the reader.
        if ref.startswith("#") and _resolve(document, ref) is None:
            errors.append(f"{_pointer(path)}: $ref {ref!r} points at nothing in the document")
    operations = document.get("operations")
    for op_id, operation in (operations.items() if isinstance(operations, dict) else []):
        channel = operation.get("channel") if isinstance(operation, dict) else None
        channel_ref = channel.get("$ref") if isinstance(channel, dict) else None
        if not isinstance(channel_ref, str) or not channel_ref.startswith("#/channels/"):
            continue
        for i, message in enumerate(operation.get("messages") or []):
            ref = message.get("$ref") if isinstance(message, dict) else None
            if isinstance(ref, str) and not ref.startswith(channel_ref + "/messages/"):
                errors.append(f"{_pointer(('operations', op_id, 'messages', i, '$ref'))}: message {ref!r} is not "
                              f"one of the messages of its channel {channel_ref!r}")
    return errors


def check_asyncapi(document: dict[str, Any], *, limit: int = 20) -> list[str]:
    """Readable problems ('<JSON pointer>: <message>'); empty means the document is valid."""
    if not isinstance(document, dict):
        return [f"/: an AsyncAPI document is an object, not {type(document).__name__}"]
    problems = []
    # best_match-style ordering: shallow errors first, so a missing top-level field leads.
    errors = sorted(_validator().iter_errors(document), key=lambda e: (len(e.absolute_path), str(e.absolute_path)))
    for error in errors:
        specific = _specific(error)
        problems.append(f"{_pointer(specific.absolute_path)}: {specific.message[:300]}")
    problems += _reference_errors(document)
    return problems[:limit]


def _specific(error: ValidationError) -> ValidationError:
    """The error that says what is wrong.

    Nearly every object in the schema is `oneOf: [Reference, <object>]`, whose own message is only
    'is not valid under any of the given schemas' plus the whole instance. The branch that failed
    because '$ref' is missing is noise unless the instance is a reference, so descend into the other.
    """
    while error.context:
        candidates = [e for e in error.context if not (e.validator == "required" and "'$ref'" in e.message)]
        if not candidates:
            break
        error = best_match(candidates)
    return error
