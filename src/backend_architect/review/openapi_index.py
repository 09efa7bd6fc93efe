"""One pass over an OpenAPI 3.0/3.1 document (a plain dict) that the API rules share.

The rules read operations, parameters and schemas many times; walking the document once and
keeping JSON pointers beside each piece keeps `review` linear in the size of the document.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ApiIndex", "Operation", "pointer"]

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def pointer(*parts: str) -> str:
    """A JSON pointer (RFC 6901) from raw keys: `~` and `/` inside keys are escaped."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


@dataclass
class Operation:
    path: str
    method: str
    op: dict[str, Any]
    parameters: list[dict[str, Any]]  # path-item and operation parameters, $refs resolved, operation wins

    @property
    def ptr(self) -> str:
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
    _schemas: list[tuple[str, dict[str, Any]]] | None = None

    @classmethod
    def build(cls, doc: dict[str, Any]) -> ApiIndex:
        index = cls(doc)
        paths = doc.get("paths")
        for path, item in (paths.items() if isinstance(paths, dict) else []):
            if not isinstance(item, dict):
                continue
            shared = [index.resolve(p) for p in item.get("parameters") or [] if isinstance(p, dict)]
            for method in METHODS:
                op = item.get(method)
                if not isinstance(op, dict):
                    continue
                own = [index.resolve(p) for p in op.get("parameters") or [] if isinstance(p, dict)]
                keys = {(p.get("in"), p.get("name")) for p in own}
                merged = [p for p in shared if (p.get("in"), p.get("name")) not in keys] + own
                index.operations.append(Operation(str(path), method, op, merged))
        return index

    def resolve(self, node: Any, depth: int = 0) -> Any:
        """Follow a local `$ref` (a few hops at most: cycles and remote refs give the node back)."""
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and depth < 8:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                return node
            target: Any = self.doc
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, dict) or part not in target:
                    return node
                target = target[part]
            node, depth = target, depth + 1
        return node

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


_CHILD_KEYS = ("items", "additionalProperties", "not")
_LIST_KEYS = ("allOf", "anyOf", "oneOf", "prefixItems")


def _walk(schema: Any, ptr: str, depth: int = 0) -> Iterator[tuple[str, dict[str, Any]]]:
    if not isinstance(schema, dict) or depth > 64 or "$ref" in schema:
        return
    yield ptr, schema
    props = schema.get("properties")
    for name, sub in (props.items() if isinstance(props, dict) else []):
        yield from _walk(sub, ptr + pointer("properties", name), depth + 1)
    for key in _CHILD_KEYS:
        yield from _walk(schema.get(key), f"{ptr}/{key}", depth + 1)
    for key in _LIST_KEYS:
        subs = schema.get(key)
        for i, sub in enumerate(subs if isinstance(subs, list) else []):
            yield from _walk(sub, f"{ptr}/{key}/{i}", depth + 1)
