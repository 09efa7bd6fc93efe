"""Line numbers for JSON pointers in a YAML or JSON file, so reports can point at the line.

A text scan, not a parse: each key of the pointer is searched for after the line of its parent.
Composing a node tree (yaml.compose) would be exact but takes seconds on a 5 MB document; keys of a
valid document appear in order, so the scan finds the same line for the pointers rules produce.
"""

from __future__ import annotations

import bisect
import re
from pathlib import Path

from .engine import Finding

__all__ = ["add_lines", "pointer_line"]


def _key_pattern(key: str) -> re.Pattern[str]:
    k = re.escape(key)
    # JSON: "key": ; YAML block mappings: key: / 'key': / "key": at the start of a line (maybe after "- ").
    return re.compile(rf'"{k}"\s*:|^[ \t]*(?:- )?(?:{k}|\'{k}\'|"{k}")[ \t]*:(?:[ \t]|$)', re.M)


def pointer_line(text: str, ptr: str, starts: list[int] | None = None) -> int | None:
    starts = starts if starts is not None else [0] + [m.end() for m in re.finditer("\n", text)]
    position, line = 0, None
    for raw in ptr.split("/")[1:]:
        key = raw.replace("~1", "/").replace("~0", "~")
        if key.isdigit():
            continue  # array items have no key to find; the parent's line stands
        match = _key_pattern(key).search(text, position)
        if match is None:
            return line
        position = match.end()
        line = bisect.bisect_right(starts, match.start())
    return line


def add_lines(findings: list[Finding]) -> list[Finding]:
    """Findings whose location is a JSON pointer into a YAML/JSON file get the line of that place."""
    texts: dict[str, tuple[str, list[int]] | None] = {}
    out = []
    for f in findings:
        if f.file and f.line is None and f.location.startswith("/") and f.file.endswith((".yaml", ".yml", ".json")):
            if f.file not in texts:
                try:
                    text = Path(f.file).read_text(encoding="utf-8")
                    texts[f.file] = (text, [0] + [m.end() for m in re.finditer("\n", text)])
                except OSError:
                    texts[f.file] = None
            loaded = texts[f.file]
            if loaded is not None:
                f = f.at(f.file, pointer_line(loaded[0], f.location, loaded[1]))
        out.append(f)
    return out
