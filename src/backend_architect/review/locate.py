"""Line numbers for JSON pointers in a YAML or JSON file, so reports can point at the line.

Only used when a report wants lines (SARIF, the table): composing a large document costs time.
"""

from __future__ import annotations

from pathlib import Path

from .engine import Finding

__all__ = ["add_lines"]


def _pointer_lines(text: str, pointers: set[str]) -> dict[str, int]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        root = yaml.compose(text, Loader=loader)
    except yaml.YAMLError:
        return {}
    out: dict[str, int] = {}
    for ptr in pointers:
        node, line = root, None
        for raw in ptr.split("/")[1:]:
            key = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, yaml.MappingNode):
                match = next(((k, v) for k, v in node.value if str(k.value) == key), None)
                if match is None:
                    break
                line, node = match[0].start_mark.line + 1, match[1]
            elif isinstance(node, yaml.SequenceNode) and key.isdigit() and int(key) < len(node.value):
                node = node.value[int(key)]
                line = node.start_mark.line + 1
            else:
                break
        if line:
            out[ptr] = line
    return out


def add_lines(findings: list[Finding]) -> list[Finding]:
    """Findings whose location is a JSON pointer into a YAML/JSON file get the line of that place."""
    wanted: dict[str, set[str]] = {}
    for f in findings:
        if f.file and f.line is None and f.location.startswith("/") and f.file.endswith((".yaml", ".yml", ".json")):
            wanted.setdefault(f.file, set()).add(f.location)
    lines: dict[str, dict[str, int]] = {}
    for file, pointers in wanted.items():
        try:
            lines[file] = _pointer_lines(Path(file).read_text(encoding="utf-8"), pointers)
        except OSError:
            lines[file] = {}
    return [f.at(f.file, lines.get(f.file or "", {}).get(f.location)) if f.file in lines else f for f in findings]
