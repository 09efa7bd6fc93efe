"""Line and column of a JSON pointer in a YAML or JSON file, from the parser's own marks.

YAML: the document is loaded once as a node tree (libyaml's marks on every node) and constructed
from it, so locating costs no second parse. JSON: the standard library's C scanner indexes an
object's members the first time a pointer passes through it (`raw_decode` skips each value), so
a lookup costs the size of the objects on its path, not of the file, and repeats cost a dict hit.
A key is first looked for by a text search checked against a bracket-balance index counted once per
document (`_jump`, `_net`); an object searched many times is scanned in order instead, once: locating
N findings costs the document once plus a bounded amount per finding, not N times an object's size.
A pointer through a `$ref` follows it, into another file of a multi-file spec when it leads there;
a pointer to an absent key stops at the deepest node that exists (never at a look-alike elsewhere).
"""

from __future__ import annotations

import bisect
import json
import json.scanner
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from .engine import Finding

__all__ = ["JsonTree", "Place", "SourceSet", "YamlTree", "add_lines", "collapse_shared", "line_starts", "load_yaml",
           "split_ref"]

Place = tuple[int, int]  # (line, column), both 1-based, in characters


def line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer("\n", text)]


def place_of(starts: list[int], offset: int) -> Place:
    line = bisect.bisect_right(starts, offset)
    return line, offset - starts[line - 1] + 1


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def split_ref(ref: str) -> tuple[str, list[str]]:
    """A `$ref` as (the file part, the pointer's tokens): percent-decoded, RFC 6901 unescaped."""
    target, _, fragment = ref.partition("#")
    fragment = unquote(fragment)
    tokens = [unescape(t) for t in fragment.split("/")[1:]] if fragment.startswith("/") else []
    return target, tokens


def load_yaml(text: str) -> tuple[Any, Any]:
    """(data, node tree) from one libyaml parse: the tree keeps the marks that locations come from."""
    import yaml

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: large documents load ~10x faster
    loader = loader_cls(text)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    finally:
        loader.dispose()


class YamlTree:
    """Navigates a composed YAML node tree; mappings are indexed by key on first visit."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self._maps: dict[int, dict[str, tuple[Any, Any]]] = {}

    def child(self, node: Any, token: str) -> tuple[Any, Place] | None:
        import yaml

        if isinstance(node, yaml.MappingNode):
            index = self._maps.get(id(node))
            if index is None:
                index = {}
                for key, value in node.value:
                    index[str(key.value)] = (key, value)  # the last of duplicate keys wins, as in the loaded data
                self._maps[id(node)] = index
            hit = index.get(token)
            if hit is None:
                return None
            key, value = hit
            return value, (key.start_mark.line + 1, key.start_mark.column + 1)
        if isinstance(node, yaml.SequenceNode) and token.isdigit() and int(token) < len(node.value):
            value = node.value[int(token)]
            return value, (value.start_mark.line + 1, value.start_mark.column + 1)
        return None

    def place(self, node: Any) -> Place:
        return node.start_mark.line + 1, node.start_mark.column + 1

    def ref(self, node: Any) -> str | None:
        import yaml

        if isinstance(node, yaml.MappingNode):
            hit = self.child(node, "$ref")
            if hit is not None and isinstance(hit[0], yaml.ScalarNode):
                return str(hit[0].value)
        return None


_WS = re.compile(r"[ \t\n\r]*")
_BLOCK = 1024  # characters per block of the bracket-balance index
# Jumps per object before its members are scanned in order instead: a jump searches from where the scan
# stopped, so a thousand keys wanted from one large object (`components/schemas`) cost a thousand searches
# through it (1.0 s for 5,000 findings), where one scan, resumed key after key, reads it once.
_JUMPS = 16


class JsonTree:
    """Navigates JSON text by offsets; objects and arrays are indexed on first visit."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None
        self.root = _WS.match(text, 0).end()  # type: ignore[union-attr]
        self._scan = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[attr-defined]  # C: skips a value
        self._index: dict[int, Any] = {}
        self._nets: tuple[list[int], list[int]] | None = None  # bracket balance at each block start, built once
        self._jumps: dict[int, int] = {}  # jumps tried per object

    @property
    def starts(self) -> list[int]:
        if self._starts is None:
            self._starts = line_starts(self.text)
        return self._starts

    def _members(self, at: int, want: str | None = None) -> dict[str, tuple[int, int]] | list[int]:
        """The members of the object or array at `at`, scanned only as far as `want` (an object key) needs:
        skipping a value costs parsing it, and the members after the last one asked for are never needed."""
        from json.decoder import scanstring

        state = self._index.get(at)
        if state is None:
            state = self._index[at] = [{} if self.text[at] == "{" else [], at + 1]  # members, where to go on
        out, resume = state
        if resume is None or (want is not None and want in out):
            return out  # type: ignore[no-any-return]
        text, scan, skip = self.text, self._scan, _WS.match
        if want is not None and isinstance(out, dict) and self._jumps.get(at, 0) < _JUMPS:
            self._jumps[at] = self._jumps.get(at, 0) + 1
            if self._jump(out, resume, want):
                return out  # type: ignore[no-any-return]
        i = skip(text, resume).end()  # type: ignore[union-attr]
        if resume == at + 1 and text[i] in "}]":
            state[1] = None
            return out  # type: ignore[no-any-return]
        while True:
            if isinstance(out, dict):
                key, j = scanstring(text, i + 1)
                j = skip(text, skip(text, j).end() + 1).end()  # type: ignore[union-attr]  # past the colon
                out[key] = (i, j)  # the last of duplicate keys wins, as in json.loads
            else:
                key, j = None, i
                out.append(j)
            _, end = scan(text, j)
            k = skip(text, end).end()  # type: ignore[union-attr]
            if text[k] != ",":
                state[1] = None
                return out  # type: ignore[no-any-return]
            i = skip(text, k + 1).end()  # type: ignore[union-attr]
            if want is not None and key == want:
                state[1] = i
                return out  # type: ignore[no-any-return]

    def _jump(self, out: dict[str, tuple[int, int]], resume: int, want: str) -> bool:
        """Find key `want` without parsing the values before it: its first occurrence after `resume` is taken
        when the text between holds as many opening as closing brackets (so it stands at the same depth)
        and a colon follows. Otherwise (a nested key, an escape written another way) the caller scans."""
        text = self.text
        needle = json.dumps(want)
        at = text.find(needle, resume)
        if at == -1 or self._net(resume) != self._net(at):
            return False
        colon = _WS.match(text, at + len(needle)).end()  # type: ignore[union-attr]
        if text[colon:colon + 1] != ":":
            return False
        out[want] = (at, _WS.match(text, colon + 1).end())  # type: ignore[union-attr]
        return True

    def _net(self, at: int) -> tuple[int, int]:
        """Opening minus closing braces, and brackets, in text[:at] (strings included, as `_jump` means).
        Equal nets at two offsets = as many of each opening as closing between them. The per-block sums are
        counted once per document, so a lookup counts at most one block: counting from `resume` each time
        made locating quadratic (2,000 findings in one 1 MB object: 0.26 s of `str.count`)."""
        text = self.text
        if self._nets is None:
            curly, square, c, q = [0], [0], 0, 0
            for start in range(0, len(text), _BLOCK):
                end = start + _BLOCK
                c += text.count("{", start, end) - text.count("}", start, end)
                q += text.count("[", start, end) - text.count("]", start, end)
                curly.append(c)
                square.append(q)
            self._nets = curly, square
        block = at // _BLOCK
        start = block * _BLOCK
        curly, square = self._nets
        return (curly[block] + text.count("{", start, at) - text.count("}", start, at),
                square[block] + text.count("[", start, at) - text.count("]", start, at))

    def child(self, node: int, token: str) -> tuple[int, Place] | None:
        if self.text[node] == "{":
            hit = self._members(node, token).get(token)  # type: ignore[union-attr]
            if hit is None:
                return None
            return hit[1], place_of(self.starts, hit[0])
        if self.text[node] == "[" and token.isdigit():
            items = self._members(node)
            if int(token) < len(items):
                return items[int(token)], place_of(self.starts, items[int(token)])  # type: ignore[index]
        return None

    def place(self, node: int) -> Place:
        return place_of(self.starts, node)

    def ref(self, node: int) -> str | None:
        hit = self.child(node, "$ref") if self.text[node] == "{" else None
        if hit is None or self.text[hit[0]] != '"':
            return None
        from json.decoder import scanstring

        return scanstring(self.text, hit[0] + 1)[0]


@dataclass
class SourceSet:
    """The trees of the files a review read, by path; `resolve_file` maps a ref's file part to a loaded path."""

    trees: dict[str, Any] = field(default_factory=dict)
    resolve_file: Callable[[str, str], str | None] | None = None  # (from file, ref file part) -> path or None

    def add(self, path: str, tree: Any) -> None:
        self.trees[path] = tree

    def locate(self, path: str, ptr: str) -> tuple[str, Place] | None:
        """The file and place of `ptr` in `path`, following `$ref`s; the deepest existing node when absent."""
        tree = self.trees.get(path)
        if tree is None:
            return None
        tokens = [unescape(t) for t in ptr.split("/")[1:]] if ptr.startswith("/") else []
        node, place = tree.root, (1, 1)
        hops = 0
        for token in tokens:
            hit = tree.child(node, token)
            while hit is None and hops < 16:
                ref = tree.ref(node)
                followed = self._follow(path, tree, ref) if ref is not None else None
                if followed is None:
                    break
                path, tree, node = followed  # the ref's target is now the deepest place found
                place = tree.place(node)
                hops += 1
                hit = tree.child(node, token)
            if hit is None:
                return path, place
            node, place = hit
        return path, place

    def _follow(self, path: str, tree: Any, ref: str) -> tuple[str, Any, Any] | None:
        target, tokens = split_ref(ref)
        if target:
            if self.resolve_file is None:
                return None
            other = self.resolve_file(path, target)
            if other is None or other not in self.trees:
                return None
            path, tree = other, self.trees[other]
        node = tree.root
        for token in tokens:
            hit = tree.child(node, token)
            if hit is None:
                return None
            node = hit[0]
        return path, tree, node


@dataclass
class SqlPlaces:
    """Places of a DDL file's objects: `table`, `table.column`, `table.index` -> (line, column)."""

    places: dict[str, Place]


def add_lines(findings: list[Finding], sources: SourceSet | None) -> list[Finding]:
    """Each finding about a file the review read gets the line and column of its location there."""
    if sources is None:
        return findings
    out = []
    for f in findings:
        if f.file:
            tree = sources.trees.get(f.file)
            if isinstance(tree, SqlPlaces):
                place = tree.places.get(f.location) or tree.places.get(f.location.split(".")[0])
                if place is not None:
                    f = f.at(f.file, place[0], place[1])
            elif tree is not None and f.line is None and f.location.startswith("/"):
                found = sources.locate(f.file, f.location)
                if found is not None:
                    f = f.at(found[0], found[1][0], found[1][1])
        out.append(f)
    return out


def collapse_shared(findings: list[Finding]) -> list[Finding]:
    """One finding per rule and place: a response or schema shared through `$ref` by 600 operations is one
    thing to fix, in one file, not 600 findings (DigitalOcean's spec: 2,569 `api-problem-json` in 30 files)."""
    from dataclasses import replace

    groups: dict[tuple[str, str, int, int], list[Finding]] = {}
    out: list[Finding | tuple[str, str, int, int]] = []
    for f in findings:
        if f.file is None or f.line is None or f.column is None or not f.location.startswith("/"):
            out.append(f)
            continue
        key = (f.rule_id, f.file, f.line, f.column)
        if key not in groups:
            groups[key] = []
            out.append(key)
        groups[key].append(f)
    result = []
    for item in out:
        if isinstance(item, Finding):
            result.append(item)
            continue
        same = groups[item]
        first = same[0]
        if len(same) > 1:
            first = replace(first, message=f"{first.message} (the same definition, shared through $ref, is reached "
                                           f"from {len(same) - 1} more place{'s' if len(same) > 2 else ''})")
        result.append(first)
    return result
