"""What the builtin model reads a brief into: entities with their fields and parents, and the brief's field
mini-language (`name: type unique ?`). Apart from domain.py, so that the steps that read a brief further
(belonging.py) build fields without importing the reader that calls them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .words import _snake

__all__ = ["EntityModel", "FieldModel", "guess_kind", "parse_field"]


@dataclass
class FieldModel:
    name: str
    kind: str = "string"  # string text email url int decimal money bool timestamp date enum secret
    unique: bool = False
    required: bool = True
    enum_values: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.kind == "enum" and not self.enum_values:
            self.enum_values = ["active", "inactive"]


@dataclass
class EntityModel:
    name: str
    fields: list[FieldModel] = field(default_factory=list)
    parents: list[tuple[str, bool]] = field(default_factory=list)  # (parent entity, composition?)
    context: str = ""
    inferred: bool = True
    notes: str = ""
    # Declared `x_id` fields: column -> the entity it references (follower_id -> user).
    fk_columns: dict[str, str] = field(default_factory=dict)
    creator: str | None = None  # the person whose requirement creates it ("doctors write prescriptions")
    takers: set[str] = field(default_factory=set)  # people set on it later ("the driver accepts the trip")
    source: str = ""  # the sentence an inferred entity was read from
    # Offered by its owner to others ("tools they are happy to lend", "items they sell"): others browse it.
    offered: bool = False
    # A request of a thing a person owns, which that owner approves or declines: the thing (a loan's tool).
    decider: str | None = None

    def field(self, name: str) -> FieldModel | None:
        return next((f for f in self.fields if f.name == name), None)

    def key_columns(self, parent: str) -> list[str]:
        """The foreign-key columns that reference `parent`: declared ones (follower_id, followee_id), else
        `parent_id`."""
        return [c for c, p in self.fk_columns.items() if p == parent] or [f"{parent}_id"]

    def add_parent(self, parent: str, composition: bool = False) -> None:
        if parent != self.name and parent not in [p for p, _ in self.parents]:
            self.parents.append((parent, composition))


def parse_field(spec: str) -> FieldModel | None:
    """The brief's field mini-language: `name[: type] [unique] [?]`, type one of string, text, email, url,
    int, decimal, money, bool, timestamp, date, secret, enum(a, b), or `ref Entity` (handled by the caller)."""
    text = spec.strip()
    if not text:
        return None
    name_part, _, type_part = text.partition(":")
    name = _snake(name_part)
    if not name or not re.match(r"^[a-z_]", name):
        return None
    type_part = type_part.strip().lower()
    optional = type_part.endswith("?") or "optional" in type_part or name_part.strip().endswith("?")
    unique = "unique" in type_part
    enum_match = re.search(r"enum\s*\(([^)]*)\)", type_part)
    if enum_match:
        values = [_snake(v) for v in enum_match.group(1).split(",") if _snake(v)]
        return FieldModel(name=name, kind="enum", unique=False, required=not optional, enum_values=values)
    words = re.sub(r"[?]|unique|optional|required", " ", type_part).split()
    kind = _KINDS.get(words[0], words[0]) if words else guess_kind(name)
    if kind not in _KIND_SET:
        kind = guess_kind(name)
    return FieldModel(name=name, kind=kind, unique=unique, required=not optional)


_KINDS = {"str": "string", "varchar": "string", "integer": "int", "number": "decimal", "float": "decimal",
          "numeric": "decimal", "boolean": "bool", "datetime": "timestamp", "timestamptz": "timestamp",
          "uri": "url", "password": "secret", "currency": "money", "price": "money"}
_KIND_SET = {"string", "text", "email", "url", "int", "decimal", "money", "bool", "timestamp", "date", "enum",
             "secret", "uuid"}


def guess_kind(name: str) -> str:
    if name.endswith("_at") or name in {"timestamp", "time"}:
        return "timestamp"
    if name.endswith("date") or name in {"birthday", "date_of_birth"}:
        return "date"
    if "email" in name:
        return "email"
    if name.endswith(("_hash", "password", "secret", "token")):
        return "secret"
    if re.search(r"(price|amount|total|cost|fee|balance|salary|budget)", name):
        return "money"
    if re.search(r"(count|quantity|qty|stock|rating|age|position|capacity|size|duration|minutes|seconds)", name):
        return "int"
    if name.startswith(("is_", "has_")) or name in {"active", "enabled", "verified", "published"}:
        return "bool"
    if re.search(r"(url|website|avatar|link)$", name):
        return "url"
    if name in {"description", "body", "content", "notes", "bio", "summary", "text", "comment", "message"}:
        return "text"
    if name in {"status", "state"}:
        return "enum"
    return "string"
