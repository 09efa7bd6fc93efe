"""One pass over an OpenAPI 3.0/3.1 document (a plain dict) that the API rules share.

The rules read operations, parameters and schemas many times; walking the document once and
keeping JSON pointers beside each piece keeps `review` linear in the size of the document.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .locate import split_ref
from .refs import MISSING as _MISSING

__all__ = ["ApiIndex", "Operation", "pointer"]

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _escape(part: object) -> str:
    text = str(part)
    return text.replace("~", "~0").replace("/", "~1") if "~" in text or "/" in text else text


def pointer(*parts: object) -> str:
    """A JSON pointer (RFC 6901) from raw keys: `~` and `/` inside keys are escaped."""
    return "/" + "/".join(map(_escape, parts)) if parts else ""


@dataclass
class Operation:
    path: str
    method: str
    op: dict[str, Any]
    parameters: list[dict[str, Any]]  # path-item and operation parameters, $refs resolved, operation wins
    dangling: bool = False  # a parameter is a $ref that could not be followed: its names are unknown

    @functools.cached_property
    def ptr(self) -> str:  # cached: the rules ask for it hundreds of thousands of times on a large document
        return pointer("paths", self.path, self.method)

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def responses(self) -> dict[str, Any]:
        responses = self.op.get("responses")
        return responses if isinstance(responses, dict) else {}


@dataclass
class ApiIndex:
    doc: dict[str, Any]
    operations: list[Operation] = field(default_factory=list)
    refs: Any = None  # a `refs.RefResolver` when the document came from a file: refs to other files followed
    unresolved: dict[str, str] = field(default_factory=dict)  # local ref -> why it could not be followed
    _schemas: list[tuple[str, dict[str, Any]]] | None = None
    _targets: dict[str, Any] = field(default_factory=dict)  # local ref -> its target, or _MISSING

    @classmethod
    def build(cls, doc: dict[str, Any], refs: Any = None) -> ApiIndex:
        index = cls(doc, refs=refs)
        paths = doc.get("paths")
        for path, item in (paths.items() if isinstance(paths, dict) else []):
            item = index.resolve(item)
            if not isinstance(item, dict) or index.is_ref(item):
                continue  # a path item that cannot be followed is reported once, as its ref
            shared = [index.resolve(p) for p in item.get("parameters") or [] if isinstance(p, dict)]
            for method in METHODS:
                op = index.resolve(item.get(method))
                if not isinstance(op, dict) or index.is_ref(op):
                    continue
                own = [index.resolve(p) for p in op.get("parameters") or [] if isinstance(p, dict)]
                keys = {(p.get("in"), p.get("name")) for p in own}
                merged = [p for p in shared if (p.get("in"), p.get("name")) not in keys] + own
                dangling = any(index.is_ref(p) for p in merged)
                index.operations.append(Operation(str(path), method, op, merged, dangling))
        return index

    @staticmethod
    def is_ref(node: Any) -> bool:
        return isinstance(node, dict) and isinstance(node.get("$ref"), str)

    def resolve(self, node: Any, depth: int = 0) -> Any:
        """Follow a `$ref` (a few hops at most): a node that cannot be followed is given back as it is."""
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and depth < 8:
            ref = node["$ref"]
            if self.refs is not None and not (ref.startswith("#") and self.refs.is_root(node)):
                target = self.refs.lookup(node, ref)
            elif ref.startswith("#"):
                target = self._local(ref)
            else:
                return node  # a document from memory has no files to follow
            if target is _MISSING:
                return node
            node, depth = target, depth + 1
        return node

    def _local(self, ref: str) -> Any:
        if ref in self._targets:
            return self._targets[ref]
        self._targets[ref] = target = self._walk_local(ref)
        return target

    def _walk_local(self, ref: str) -> Any:
        target: Any = self.doc
        for part in split_ref(ref)[1]:
            if isinstance(target, dict) and part in target:
                target = target[part]
            elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
                target = target[int(part)]
            else:
                self.unresolved.setdefault(ref, "the pointer leads nowhere")
                return _MISSING
        return target

    def component_schemas(self) -> dict[str, Any]:
        schemas = (self.doc.get("components") or {}).get("schemas") if isinstance(self.doc.get("components"), dict) else None
        return schemas if isinstance(schemas, dict) else {}

    def schemas(self) -> list[tuple[str, dict[str, Any]]]:
        """Every schema object in the document with its pointer: components, parameters, bodies, responses."""
        if self._schemas is None:
            found: list[tuple[str, dict[str, Any]]] = []
            for name, schema in self.component_schemas().items():
                found.extend(_walk(schema, pointer("components", "schemas", name)))
            for op in self.operations:
                for media_ptr, media in self.media(op):
                    found.extend(_walk(media.get("schema"), media_ptr + "/schema"))
                for i, param in enumerate(op.op.get("parameters") or []):
                    if isinstance(param, dict):
                        found.extend(_walk(param.get("schema"), f"{op.ptr}/parameters/{i}/schema"))
            self._schemas = found
        return self._schemas

    def media(self, op: Operation, *, responses_only: bool = False) -> Iterator[tuple[str, dict[str, Any]]]:
        """(pointer, media type object) of the request body and every response of an operation."""
        bodies: list[tuple[str, Any]] = []
        if not responses_only:
            bodies.append((op.ptr + "/requestBody", self.resolve(op.op.get("requestBody"))))
        bodies += [(f"{op.ptr}/responses/{status}", self.resolve(r)) for status, r in op.responses().items()]
        for ptr, body in bodies:
            content = body.get("content") if isinstance(body, dict) else None
            for media_type, media in (content.items() if isinstance(content, dict) else []):
                if isinstance(media, dict):
                    yield ptr + pointer("content", media_type), media

    def referenced_components(self, roots: list[Any]) -> set[str]:
        """Names of component schemas reachable from `roots` through `$ref`s."""
        seen: set[str] = set()
        stack = list(roots)
        prefix = "#/components/schemas/"
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str) and ref.startswith(prefix):
                    name = ref[len(prefix):].replace("~1", "/").replace("~0", "~")
                    if name not in seen:
                        seen.add(name)
                        stack.append(self.component_schemas().get(name))
                stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
            elif isinstance(node, list):
                stack.extend(node)
        return seen


    def reachable_schemas(self, roots: list[tuple[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every object schema reachable from `roots` ((pointer, schema) pairs), inline or through `$ref`s, each
        once; leaf properties (`{type: string}`) are not yielded, their parent's `properties` hold them.

        A local component keeps its own pointer; a schema in another file is named by the pointer that
        leads to it through the ref, which the locator follows to that file."""
        seen: set[int] = set()
        stack = list(reversed(roots))
        while stack:
            ptr, node = stack.pop()
            if self.is_ref(node):
                ref = node["$ref"]
                target = self.resolve(node)
                if target is node:
                    continue
                if ref.startswith("#/") and (self.refs is None or self.refs.is_root(node)):
                    ptr = pointer(*split_ref(ref)[1])
                node = target
            if not isinstance(node, dict) or id(node) in seen:
                continue
            seen.add(id(node))
            yield ptr, node
            children: list[tuple[str, Any]] = []
            props = node.get("properties")
            for name, sub in (props.items() if isinstance(props, dict) else []):
                if isinstance(sub, dict) and not _STRUCTURE.isdisjoint(sub):  # leaves hold no properties: skipped
                    children.append((f"{ptr}/properties/{_escape(name)}", sub))
            for key in _CHILD_KEYS:
                if isinstance(node.get(key), dict):
                    children.append((f"{ptr}/{key}", node[key]))
            for key in _LIST_KEYS:
                subs = node.get(key)
                children += [(f"{ptr}/{key}/{i}", sub) for i, sub in enumerate(subs if isinstance(subs, list) else [])]
            stack.extend(reversed(children))


_CHILD_KEYS = ("items", "additionalProperties", "not")
_LIST_KEYS = ("allOf", "anyOf", "oneOf", "prefixItems")
_STRUCTURE = frozenset(("$ref", "properties", *_CHILD_KEYS, *_LIST_KEYS))


def _walk(schema: Any, ptr: str, depth: int = 0) -> Iterator[tuple[str, dict[str, Any]]]:
    if not isinstance(schema, dict) or depth > 64 or "$ref" in schema:
        return
    yield ptr, schema
    props = schema.get("properties")
    for name, sub in (props.items() if isinstance(props, dict) else []):
        yield from _walk(sub, f"{ptr}/properties/{_escape(name)}", depth + 1)
    for key in _CHILD_KEYS:
        yield from _walk(schema.get(key), f"{ptr}/{key}", depth + 1)
    for key in _LIST_KEYS:
        subs = schema.get(key)
        for i, sub in enumerate(subs if isinstance(subs, list) else []):
            yield from _walk(sub, f"{ptr}/{key}/{i}", depth + 1)
