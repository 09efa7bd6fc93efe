"""Markdown files with YAML front matter, as used by prompts/ and knowledge/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

__all__ = ["FrontMatterError", "read_front_matter"]


class FrontMatterError(ValueError):
    pass


def read_front_matter(path: Path) -> tuple[dict[str, Any], str]:
    """Return (front matter, body). A file without front matter has an empty mapping."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---"):
        return {}, text
    parts = text.split("\n---", 1)
    if len(parts) != 2:
        raise FrontMatterError(f"{path}: front matter is not closed by a '---' line")
    head, body = parts[0][3:], parts[1]
    try:
        meta = yaml.safe_load(head) or {}
    except yaml.YAMLError as exc:
        raise FrontMatterError(f"{path}: invalid front matter: {exc}") from None
    if not isinstance(meta, dict):
        raise FrontMatterError(f"{path}: front matter must be a mapping")
    return meta, body.split("\n", 1)[1] if "\n" in body else ""
