"""`$ref`s of a multi-file OpenAPI document, followed on access with `referencing` (jsonschema's resolver).

Refs are resolved where the rules read them, not inlined: inlining recursive schemas makes cyclic
object graphs, and a ref inside another file is relative to that file, which only the resolver's
base URI knows. Every mapping read from another file is remembered with the file it came from, so
a ref found in it resolves against that file. Files are read only inside the root document's
directory tree (no network, nothing outside it); a ref that cannot be followed is reported once.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlparse
from urllib.request import url2pathname

from .engine import Finding

__all__ = ["MISSING", "RefResolver", "has_external_refs", "ref_findings"]

MISSING = object()  # what `lookup` gives for a ref it cannot follow


def has_external_refs(text: str) -> bool:
    """Whether the text holds a `$ref` to anything but a local `#/...` pointer (a C-speed regex scan)."""
    import re

    # `$ref` as a key (not inside a path such as /owners/$ref) whose value does not start with '#'
    return re.search(r"""(?:^|[\s{,"'])\$ref["']?\s*:\s*(?:"(?!#)[^"]|'(?!#)[^']|(?![#"'{\[\s])\S)""", text,
                     re.M) is not None


class _Refused(Exception):
    pass


class RefResolver:
    def __init__(self, root_file: Path, root_doc: Any, load: Callable[[Path], Any]) -> None:
        from referencing import Registry, Resource

        self.root_file = root_file.resolve()
        self.root_dir = self.root_file.parent
        self.root_uri = self.root_file.as_uri()
        self.root_doc = root_doc
        self._load = load  # reads a file into data (and records its tree for locations)
        self._origin: dict[int, str] = {}  # id(mapping read from another file) -> that file's URI
        self._found: dict[tuple[str, str], Any] = {}  # (base URI, ref) -> target: rules ask for the same refs often
        self._resources: dict[str, Any] = {}  # URI -> referencing.Resource of each file read
        self.unresolved: dict[tuple[str, str], str] = {}  # (ref, URI of the file it is in) -> why it is not followed
        self.files: dict[str, Path] = {self.root_uri: root_file}  # URI -> the path as the review names it
        self._registry = Registry(retrieve=self._retrieve).with_resource(self.root_uri, Resource.opaque(root_doc))  # type: ignore[call-arg]

    def path_of(self, from_file: str, target: str) -> str | None:
        """The path of the file a ref's file part names, seen from `from_file`, if it was read."""
        uri = urldefrag(urljoin(Path(from_file).resolve().as_uri(), target))[0]
        path = self.files.get(uri)
        return str(path) if path is not None else None

    def _retrieve(self, uri: str) -> Any:
        from referencing import Resource

        if uri in self._resources:  # the registry is immutable: it asks again for what it was given before
            return self._resources[uri]
        parsed = urlparse(uri)
        if parsed.scheme != "file":
            raise _Refused("review reads no network")
        path = Path(url2pathname(unquote(parsed.path))).resolve()
        try:
            path.relative_to(self.root_dir)
        except ValueError:
            raise _Refused(f"{path} is outside {self.root_dir}") from None
        if not path.is_file():
            raise _Refused(f"no file {path}")
        try:
            data = self._load(path)
        except Exception as exc:  # noqa: BLE001 - any reason a file cannot be read is why the ref fails
            raise _Refused(f"{path.name}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
        self.files[uri] = path
        stack = [data]
        while stack:  # remember which file each mapping came from: its refs are relative to that file
            node = stack.pop()
            if isinstance(node, dict):
                if id(node) in self._origin:
                    continue
                self._origin[id(node)] = uri
                stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
            elif isinstance(node, list):
                stack.extend(v for v in node if isinstance(v, (dict, list)))
        self._resources[uri] = resource = Resource.opaque(data)
        return resource

    def is_root(self, node: Any) -> bool:
        """Whether a mapping belongs to the root document (its local refs point into the root)."""
        return id(node) not in self._origin

    def lookup(self, node: dict[str, Any], ref: str) -> Any:
        """The target of `node`'s `$ref`, or `_MISSING` (and the reason recorded) when it cannot be followed."""
        from referencing.exceptions import Unresolvable

        base = self._origin.get(id(node), self.root_uri)
        key = (base, ref)
        if key in self._found:
            return self._found[key]
        try:
            self._found[key] = found = self._registry.resolver(base_uri=base).lookup(ref).contents
            return found
        except Unresolvable as exc:
            cause = exc.__cause__
            while cause is not None and not isinstance(cause, _Refused):
                cause = cause.__cause__
            why = str(cause) if cause is not None else "the pointer leads nowhere"
        except (ValueError, TypeError, LookupError):
            why = "the pointer leads nowhere"
        self.unresolved.setdefault((ref, base), why)
        self._found[key] = MISSING
        return MISSING

    def check_all(self) -> None:
        """Follow every external ref reachable from the root once, so each unresolved one is reported."""
        seen: set[int] = set()
        stack: list[Any] = [self.root_doc]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                if id(node) in seen:
                    continue
                seen.add(id(node))
                ref = node.get("$ref")
                if isinstance(ref, str) and (not ref.startswith("#") or id(node) in self._origin):
                    target = self.lookup(node, ref)
                    if target is not MISSING:
                        stack.append(target)
                stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
            elif isinstance(node, list):
                stack.extend(v for v in node if isinstance(v, (dict, list)))


def ref_findings(api: Any, refs: RefResolver | None, root_file: str | None) -> list[Finding]:
    """One finding for each ref that could not be followed, at its first occurrence in its file."""
    unresolved: dict[tuple[str, str | None], str] = {}
    if refs is not None:
        for (ref, base), why in refs.unresolved.items():
            unresolved[(ref, str(refs.files.get(base, root_file)))] = why
    for ref, why in (api.unresolved.items() if api is not None else []):
        unresolved.setdefault((ref, root_file), why)
    findings = []
    texts: dict[str, str] = {}
    for (ref, file), why in unresolved.items():
        line = None
        if file is not None:
            if file not in texts:
                try:
                    texts[file] = Path(file).read_text(encoding="utf-8", errors="replace")
                except OSError:
                    texts[file] = ""
            at = texts[file].find(ref)
            line = texts[file].count("\n", 0, at) + 1 if at >= 0 else None
        findings.append(Finding("api-ref-unresolved", "error", "api", ref,
                                f"$ref {ref!r} cannot be followed ({why}); what it stands for was not reviewed",
                                file=file, line=line))
    return findings
