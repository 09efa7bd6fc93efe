"""Plain-text and Markdown habits of a brief: setext headings, a long first line that is not a title, and
labelled figures ("Team: two and a half devs") anywhere in the text."""

from __future__ import annotations

import re
from typing import Any

from .numbers import read_figures

__all__ = ["BULLET", "HEADING", "labelled_figure", "setext_to_atx", "short_title"]

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")

# "Team: two and a half devs", "Users: ~800": a figure the sizing needs, written as a labelled line anywhere.
_NFR_ALIASES = {"team": "team_size", "team_size": "team_size", "devs": "team_size", "developers": "team_size",
                "engineers": "team_size", "users": "daily_active_users", "daily_active_users": "daily_active_users",
                "dau": "daily_active_users", "daily_users": "daily_active_users", "active_users": "daily_active_users",
                "peak": "peak_rps", "peak_rps": "peak_rps", "rps": "peak_rps", "retention": "data_retention_years",
                "latency": "latency_p99_ms", "p99": "latency_p99_ms"}
_LABELLED = re.compile(r"^\s*(?:[-*+]\s+)?\**([A-Za-z][A-Za-z _]{0,30}?)\**\s*[:=]\**\s*(.+?)\s*$")
_SETEXT = re.compile(r"^\s*(=+|-{3,})\s*$")
_TITLE_WORDS = 10


def setext_to_atx(lines: list[str]) -> list[str]:
    """"Title" over a line of ===== (or -----) is a heading, as CommonMark reads it."""
    out: list[str] = []
    for line in lines:
        underline = _SETEXT.match(line)
        if underline and out and out[-1].strip() and not HEADING.match(out[-1]) and not BULLET.match(out[-1]):
            out[-1] = ("# " if underline.group(1).startswith("=") else "## ") + out[-1].strip()
            continue
        out.append(line)
    return out


def labelled_figure(line: str, warnings: list[str], source: str, number: int) -> tuple[str, Any] | None:
    match = _LABELLED.match(line)
    if not match:
        return None
    key = _NFR_ALIASES.get(match.group(1).strip().lower().replace(" ", "_"))
    if key is None:
        return None
    figure = {key: match.group(2)}
    notes = read_figures(figure)
    if isinstance(figure[key], str):
        return None
    warnings.extend(f"{source}:{number}: {key}: {note}" for _, note in notes)
    return key, figure[key]


def short_title(line: str) -> tuple[str, str]:
    """(title, the rest) of a first line: a heading-length line is the title; a long one gives its first
    clause or words, and the whole line stays in the text."""
    words = line.split()
    if len(words) <= _TITLE_WORDS and len(line) <= 80:
        return line.rstrip(".:"), ""
    first = re.split(r"(?<=[.!?:;])\s|\s[-–—]\s|,\s", line, maxsplit=1)[0]
    title = first if len(first.split()) <= _TITLE_WORDS else " ".join(words[:_TITLE_WORDS - 2]) + " …"
    return title.rstrip(".:;,"), line
