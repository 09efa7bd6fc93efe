"""Line numbers for JSON pointers in a YAML or JSON file, so reports can point at the line.

A text scan, not a parse: each key of the pointer is searched for (with `str.find`, at C speed)
after the position of its parent, and accepted where it stands as a key (followed by a colon; in
YAML, first on its line). Composing a node tree (yaml.compose) would be exact but takes seconds on a
5 MB document; keys of a valid document appear in order, so the scan finds the same line for the
pointers the rules produce. Positions of pointer prefixes are cached: findings share long prefixes.
"""

from __future__ import annotations

import bisect
import functools
import re
from pathlib import Path

from .engine import Finding

__all__ = ["Locator", "add_lines"]


@functools.lru_cache(maxsize=4096)
def _yaml_key_form(key: str) -> str:
    import yaml

    return yaml.safe_dump({key: 0}, width=10_000).rsplit(":", 1)[0]


class Locator:
    def __init__(self, text: str):
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._cache: dict[str, int | None] = {"": 0}
        self.json = text.lstrip().startswith("{")

    def _is_key(self, at: int, end: int, quoted: bool) -> bool:
        text = self.text
        rest = end
        while rest < len(text) and text[rest] in " \t":
            rest += 1
        if rest >= len(text) or text[rest] != ":":
            return False
        if quoted:
            return True  # "key": in JSON or YAML
        line_start = text.rfind("\n", 0, at) + 1
        before = text[line_start:at].strip()
        return before in ("", "-")

    def _forms(self, key: str) -> list[tuple[str, bool]]:
        """The ways `key` can be written, the likeliest first: JSON quotes every key; YAML writers quote keys
        the way PyYAML does (numbers and special characters), and people sometimes quote more."""
        forms = [(f'"{key}"', True), (f"'{key}'", True), (key, False)]
        if self.json:
            return forms
        likely = _yaml_key_form(key)
        return sorted(forms, key=lambda f: f[0] != likely)

    def _find_key(self, key: str, start: int) -> int | None:
        # The first form found as a key wins: a miss scans to the end, so the likeliest form goes first.
        for form, quoted in self._forms(key):
            at = self.text.find(form, start)
            while at != -1:
                if self._is_key(at, at + len(form), quoted):
                    return at
                at = self.text.find(form, at + 1)
        return None

    def position(self, ptr: str) -> int | None:
        if ptr in self._cache:
            return self._cache[ptr]
        parent, _, raw = ptr.rpartition("/")
        start = self.position(parent)
        key = raw.replace("~1", "/").replace("~0", "~")
        if start is None:
            found = None
        elif key.isdigit():
            found = start  # array items have no key to find; the parent's place stands
        else:
            found = self._find_key(key, start)
            if found is None:
                found = start  # the deepest place found
        self._cache[ptr] = found
        return found

    def line(self, ptr: str) -> int | None:
        at = self.position(ptr)
        return bisect.bisect_right(self.starts, at) if at is not None else None


def add_lines(findings: list[Finding]) -> list[Finding]:
    """Findings whose location is a JSON pointer into a YAML/JSON file get the line of that place."""
    locators: dict[str, Locator | None] = {}
    out = []
    for f in findings:
        if f.file and f.line is None and f.location.startswith("/") and f.file.endswith((".yaml", ".yml", ".json")):
            if f.file not in locators:
                try:
                    locators[f.file] = Locator(Path(f.file).read_text(encoding="utf-8"))
                except OSError:
                    locators[f.file] = None
            locator = locators[f.file]
            if locator is not None:
                f = f.at(f.file, locator.line(f.location))
        out.append(f)
    return out
