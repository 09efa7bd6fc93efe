"""Reading a file people bring: its size against the memory there is, its encoding, its kind.

No fixed size limit: a file is refused only when loading it would not fit in the memory available
now (reading a YAML document holds its text, the parser's node tree, for locations, and the data:
up to about 30 times the file; JSON 9 to 20 times). SQL files are UTF-8 unless they say otherwise with
`SET client_encoding` (as pg_dump writes) or psql's `\\encoding`; `.sql.postgres`, `.sql.in` and
files without a telling suffix are recognised as SQL by their content.
"""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path
from typing import Any

__all__ = ["ReadError", "decode", "is_sql", "memory_needed", "parse_structured", "read_bytes"]

SQL_SUFFIXES = (".sql", ".ddl", ".pgsql", ".psql")
STRUCTURED_SUFFIXES = (".yaml", ".yml", ".json")
YAML_FACTOR, JSON_FACTOR = 30, 20  # peak memory over file size, rounded up from GitHub's, Graph's and DigitalOcean's
# PostgreSQL's encoding names that Python spells otherwise (the rest, LATIN1, EUC_JP, ..., Python knows).
_PG_ENCODINGS = {"sql_ascii": "latin-1", "utf8": "utf-8", "unicode": "utf-8", "win866": "cp866", "win874": "cp874",
                 "win1250": "cp1250", "win1251": "cp1251", "win1252": "cp1252", "win1253": "cp1253",
                 "win1254": "cp1254", "win1255": "cp1255", "win1256": "cp1256", "win1257": "cp1257",
                 "win1258": "cp1258", "koi8r": "koi8_r", "koi8u": "koi8_u", "latin9": "iso8859-15",
                 "latin10": "iso8859-16", "sjis": "shift_jis", "euc_jis_2004": "euc_jis_2004", "uhc": "cp949",
                 "johab": "johab", "big5": "big5", "gbk": "gbk", "gb18030": "gb18030", "iso_8859_5": "iso8859-5",
                 "iso_8859_6": "iso8859-6", "iso_8859_7": "iso8859-7", "iso_8859_8": "iso8859-8"}
_CLIENT_ENCODING = re.compile(rb"""(?im)^\s*(?:SET\s+client_encoding\s*(?:=|TO)\s*|\\encoding\s+)['"]?([A-Za-z0-9_-]+)""")
_SQL_START = re.compile(r"(?is)^(?:\s+|--[^\n]*\n|/\*.*?\*/)*(create|alter|set|begin|insert|copy|select|drop|comment"
                        r"|grant|revoke|start|do|with|\\\w+)\b")


class ReadError(Exception):
    pass


def memory_available() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


def memory_needed(path: Path, size: int) -> int:
    return size * (JSON_FACTOR if path.suffix.lower() == ".json" else YAML_FACTOR)


def read_bytes(path: Path) -> bytes:
    size = path.stat().st_size
    available = memory_available()
    if available is not None and not is_sql_name(path) and memory_needed(path, size) > available:
        raise ReadError(f"{path}: {size / 2**20:.0f} MB needs about {memory_needed(path, size) / 2**30:.1f} GB of "
                        f"memory to review, and {available / 2**30:.1f} GB is available")
    return path.read_bytes()


def is_sql_name(path: Path) -> bool:
    suffixes = [s.lower() for s in path.suffixes]
    if not suffixes:
        return False
    if suffixes[-1] in SQL_SUFFIXES:
        return True
    # schema.sql.postgres, dump.sql.in: SQL under a second suffix, unless that suffix says YAML or JSON
    return any(s in SQL_SUFFIXES for s in suffixes[:-1]) and suffixes[-1] not in STRUCTURED_SUFFIXES


def is_sql(path: Path, text: str) -> bool:
    if is_sql_name(path):
        return True
    if path.suffix.lower() in STRUCTURED_SUFFIXES:
        return False
    return _SQL_START.match(text[:65536]) is not None


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(data: bytes, path: Path, *, sql: bool) -> str:
    """The text of a file: UTF-8 (a BOM allowed; UTF-16/32 by their BOM), or what a SQL file declares."""
    for bom, codec in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                       (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise ReadError(f"{path}: not valid {codec} text near byte {exc.start}") from None
    declared = _CLIENT_ENCODING.search(data[:1 << 20]) if sql else None
    codec = "utf-8"
    if declared is not None:
        name = declared.group(1).decode("ascii").lower()
        codec = _PG_ENCODINGS.get(name.replace("-", "_"), name)
        try:
            codecs.lookup(codec)
        except LookupError:
            raise ReadError(f"{path}: client_encoding {declared.group(1).decode()} is not an encoding review "
                            "knows") from None
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        hint = "" if declared is not None or not sql else " (a SQL file in another encoding can say so with " \
                                                          "SET client_encoding)"
        raise ReadError(f"{path}: line {_line_of(data, exc.start)} is not valid {codec} text{hint}") from None


def parse_structured(text: str, path: Path) -> tuple[Any, Any]:
    """(data, tree for locations) of a YAML or JSON text; parser errors carry their line."""
    from .locate import JsonTree, YamlTree, load_yaml

    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        try:
            return json.loads(text), JsonTree(text)
        except json.JSONDecodeError as exc:
            if path.suffix.lower() == ".json":
                raise ReadError(f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
            # JSON-looking YAML (flow style) is still YAML
    import yaml

    try:
        data, node = load_yaml(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise ReadError(f"not valid YAML: {exc.problem or exc.context}{where}") from None
    except yaml.YAMLError as exc:
        raise ReadError(f"not valid YAML: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    return data, YamlTree(node)
