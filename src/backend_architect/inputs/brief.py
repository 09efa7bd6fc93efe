"""The requirements brief: its model and its loaders (YAML, Markdown or plain text, stdin).

Errors name the field and the line, because a brief is written by hand and the
person fixing it needs to know where to look.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .numbers import read_figures
from .prose import BULLET as _BULLET, HEADING as _HEADING, labelled_figure, setext_to_atx, short_title

__all__ = ["Brief", "BriefError", "Entity", "LoadedBrief", "NonFunctional", "Requirement", "load_brief", "parse_brief"]

MAX_BRIEF_BYTES = 1_000_000
# A YAML alias bomb expands a small file into billions of nodes; real briefs have a few hundred.
MAX_YAML_NODES = 50_000


class BriefError(Exception):
    """A brief that cannot be used: one message naming the source, line and field."""

    def __init__(self, message: str, *, source: str = "brief", line: int | None = None, field: str | None = None):
        self.source = source
        self.line = line
        self.field = field
        self.reason = message
        where = source if line is None else f"{source}:{line}"
        what = f"{field}: " if field else ""
        super().__init__(f"{where}: {what}{message}")


class Requirement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,31}$")
    text: str = Field(min_length=1)


class NonFunctional(BaseModel):
    """The numbers a design is sized by. Unknown keys are kept in `extra` and warned about."""

    model_config = ConfigDict(extra="forbid")

    daily_active_users: int | None = Field(default=None, ge=0)
    writes_per_month: float | None = Field(default=None, ge=0, description="e.g. 10 million new pastes a month")
    reads_per_month: float | None = Field(default=None, ge=0)
    peak_rps: float | None = Field(default=None, ge=0)
    read_write_ratio: float | None = Field(default=None, gt=0, description="reads per write")
    data_retention_years: float | None = Field(default=None, ge=0)
    avg_payload_kb: float | None = Field(default=None, ge=0)
    latency_p99_ms: float | None = Field(default=None, gt=0)
    team_size: int | None = Field(default=None, ge=1, description="engineers building and running it")
    availability: float | None = Field(default=None, gt=0, lt=100, description="percent, e.g. 99.9")
    regions: list[str] = Field(default_factory=list)
    compliance: list[str] = Field(default_factory=list)
    extra: dict[str, str] = Field(default_factory=dict)

    @field_validator("read_write_ratio", mode="before")
    @classmethod
    def _ratio(cls, value: Any) -> Any:
        # "10:1" and "10/1" are how people write ratios.
        if isinstance(value, str):
            match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*[:/]\s*(\d+(?:\.\d+)?)\s*", value)
            if match:
                reads, writes = float(match.group(1)), float(match.group(2))
                if writes == 0:
                    raise ValueError("the write side of the ratio is 0")
                return reads / writes
        return value

    @field_validator("daily_active_users", "writes_per_month", "reads_per_month", "peak_rps", mode="before")
    @classmethod
    def _magnitude(cls, value: Any) -> Any:
        # "10M", "10 million", "2.5k", "10,000,000": how people write load figures.
        if isinstance(value, str):
            match = re.fullmatch(r"\s*(\d+(?:[.,]\d+)*)\s*(k|thousand|m|million|mn|b|bn|billion)?\s*", value.lower())
            if match:
                digits = match.group(1)
                number = float(digits.replace(",", "")) if re.fullmatch(r"\d{1,3}(,\d{3})+", digits) else \
                    float(digits.replace(",", "."))
                scale = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "mn": 1e6, "b": 1e9, "bn": 1e9,
                         "billion": 1e9}.get(match.group(2) or "", 1)
                number *= scale
                return int(number) if number.is_integer() else number
        return value

    @field_validator("availability", mode="before")
    @classmethod
    def _percent(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().endswith("%"):
            return value.strip()[:-1]
        return value

    @field_validator("regions", "compliance", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [value]
        if isinstance(value, int) and not isinstance(value, bool):
            return [f"region-{i + 1}" for i in range(value)]
        return value


class Entity(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=63)
    fields: list[str] = Field(default_factory=list)
    notes: str | None = None

    @field_validator("fields", mode="before")
    @classmethod
    def _typed_fields(cls, value: Any) -> Any:
        """`fields: [title, servings: int]` is YAML for a string and a mapping; people mean two fields. A
        mapping of names to types (`fields: {title: string, servings: int}`) reads the same way."""
        if isinstance(value, dict):
            value = [{k: v} for k, v in value.items()]
        if not isinstance(value, list):
            return value
        out = []
        for item in value:
            if isinstance(item, dict) and len(item) == 1:
                (key, kind), = item.items()
                out.append(f"{key}: {kind}" if kind not in (None, "") else str(key))
            else:
                out.append(item)
        return out


class Brief(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    summary: str = ""
    requirements: list[Requirement] = Field(default_factory=list)
    non_functional: NonFunctional = Field(default_factory=NonFunctional)
    constraints: list[str] = Field(default_factory=list)
    entities: list[Entity] = Field(default_factory=list)

    @field_validator("requirements", mode="before")
    @classmethod
    def _number_requirements(cls, value: Any) -> Any:
        """Requirements may be plain strings; ids default to R1, R2, … by position."""
        if not isinstance(value, list):
            return value
        taken = {str(item["id"]) for item in value if isinstance(item, dict) and "id" in item}
        numbered = []
        for index, item in enumerate(value, start=1):
            if isinstance(item, str) or (isinstance(item, dict) and "id" not in item):
                rid, n = f"R{index}", index
                while rid in taken:  # an explicit id elsewhere owns this number: take the next free one
                    n += 1
                    rid = f"R{n}"
                taken.add(rid)
                numbered.append({"id": rid, "text": item} if isinstance(item, str) else {"id": rid, **item})
            else:
                numbered.append(item)
        return numbered

    @model_validator(mode="after")
    def _unique_ids(self) -> Brief:
        seen: set[str] = set()
        for req in self.requirements:
            if req.id in seen:
                raise ValueError(f"requirement id {req.id!r} is used twice")
            seen.add(req.id)
        return self

    def requirement_ids(self) -> list[str]:
        return [r.id for r in self.requirements]


@dataclass
class LoadedBrief:
    brief: Brief
    source: str
    warnings: list[str] = field(default_factory=list)


_KNOWN_TOP = set(Brief.model_fields)
_KNOWN_NFR = set(NonFunctional.model_fields) - {"extra"}


def load_brief(path: str | Path) -> LoadedBrief:
    """Load a brief from a file, or from standard input when `path` is "-"."""
    if str(path) == "-":
        raw = sys.stdin.buffer.read(MAX_BRIEF_BYTES + 1)
        return parse_brief(raw, source="<stdin>")
    file = Path(path)
    if not file.is_file():
        raise BriefError("no such file" if not file.exists() else "not a file", source=str(path))
    if file.stat().st_size > MAX_BRIEF_BYTES:
        raise BriefError(f"the brief is larger than {MAX_BRIEF_BYTES // 1_000_000} MB", source=str(path))
    return parse_brief(file.read_bytes(), source=str(path), suffix=file.suffix.lower())


def parse_brief(raw: bytes, *, source: str = "brief", suffix: str = "") -> LoadedBrief:
    if len(raw) > MAX_BRIEF_BYTES:
        raise BriefError(f"the brief is larger than {MAX_BRIEF_BYTES // 1_000_000} MB", source=source)
    if b"\x00" in raw:
        raise BriefError("binary data, not a text brief", source=source)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise BriefError("not UTF-8 text", source=source, line=line) from None
    if not text.strip():
        raise BriefError("the brief is empty", source=source)
    if suffix in {".yaml", ".yml", ".json"} or (suffix not in {".md", ".markdown", ".txt"} and _looks_like_yaml(text)):
        return _parse_yaml(text, source)
    return _parse_markdown(text, source)


def _looks_like_yaml(text: str) -> bool:
    first = next((ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), "")
    return bool(re.match(r"^(---\s*$|title\s*:|[A-Za-z_]+\s*:)", first))


# --- YAML -------------------------------------------------------------------------------------


def _parse_yaml(text: str, source: str) -> LoadedBrief:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise BriefError(f"invalid YAML: {exc.problem or exc}", source=source, line=line) from None
    except yaml.YAMLError as exc:
        raise BriefError(f"invalid YAML: {exc}", source=source) from None
    if node is None:
        raise BriefError("the brief is empty", source=source)
    lines: dict[tuple[Any, ...], int] = {}
    _index_lines(node, (), lines, [0], source)
    data = yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506 - SafeLoader
    if not isinstance(data, dict):
        raise BriefError("a YAML brief must be a mapping with at least a 'title'", source=source, line=1)

    warnings: list[str] = []
    for key in list(data):
        if key not in _KNOWN_TOP:
            where = lines.get((key,), 1)
            warnings.append(f"{source}:{where}: unknown key {key!r} ignored")
            del data[key]
    nfr = data.get("non_functional")
    if isinstance(nfr, dict):
        extra = {}
        for key in list(nfr):
            if key not in _KNOWN_NFR:
                where = lines.get(("non_functional", key), 1)
                warnings.append(f"{source}:{where}: unknown non_functional key {key!r} kept as a note")
                extra[str(key)] = str(nfr.pop(key))
        if extra:
            nfr["extra"] = extra
    elif nfr is None and "non_functional" in data:
        del data["non_functional"]
    if isinstance(data.get("non_functional"), dict):
        for key, note in read_figures(data["non_functional"]):
            warnings.append(f"{source}:{lines.get(('non_functional', key), 1)}: non_functional.{key}: {note}")
    try:
        brief = Brief.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        field_name = _dotted(loc)
        line = _line_for(loc, lines)
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        message = err["msg"].removeprefix("Value error, ") + more
        if err["type"] == "missing":
            message = "is required" + more
        raise BriefError(message, source=source, line=line, field=field_name) from None
    return LoadedBrief(brief=brief, source=source, warnings=warnings)


def _index_lines(node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], int], count: list[int],
                 source: str) -> None:
    count[0] += 1
    if count[0] > MAX_YAML_NODES:
        raise BriefError("the YAML expands to too many nodes (an alias bomb?)", source=source,
                         line=node.start_mark.line + 1)
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.start_mark)
            out.setdefault(path + (key,), key_node.start_mark.line + 1)
            _index_lines(value_node, path + (key,), out, count, source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index_lines(item, path + (index,), out, count, source)


def _line_for(loc: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "brief"


# --- Markdown / plain text --------------------------------------------------------------------

_REQ_ID = re.compile(r"^\*{0,2}([A-Z][A-Z0-9]*-?\d+)\*{0,2}\s*[:.)-]\s+(.*)$")
_NFR_LINE = re.compile(r"^\s*([A-Za-z_ ]+?)\s*[:=]\s*(.+?)\s*$")


_LOAD_STATEMENT = re.compile(r"^(we expect|expect|expected|load|scale|numbers|traffic|volume)\b|\b(at launch|at peak|"
                             r"peak|per (second|minute|hour|day|month)|an? (second|minute|hour|day|month))\b", re.I)


def _parse_markdown(text: str, source: str) -> LoadedBrief:
    title = ""
    section = ""
    summary_lines: list[str] = []
    summary_done = False
    prose: list[str] = []
    requirements: list[Any] = []
    constraints: list[str] = []
    nfr: dict[str, Any] = {}
    warnings: list[str] = []
    for number, line in enumerate(setext_to_atx(text.splitlines()), start=1):
        figure = labelled_figure(line, warnings, source, number)
        if figure and figure[0] not in nfr:
            nfr[figure[0]] = figure[1]
            continue
        heading = _HEADING.match(line)
        if heading:
            if not title:
                title, section = heading.group(2), "intro"
                continue
            section = heading.group(2).lower()
            summary_done = summary_done or bool(summary_lines)
            continue
        bullet = _BULLET.match(line)
        if bullet:
            item = bullet.group(1).strip()
            if "constraint" in section:
                constraints.append(item)
            elif "non-functional" in section or "non functional" in section or "scale" in section:
                match = _NFR_LINE.match(item)
                key = match.group(1).strip().lower().replace(" ", "_") if match else ""
                if match and key in _KNOWN_NFR:
                    nfr[key] = _coerce_number(match.group(2))
                    for _, note in read_figures(nfr):
                        warnings.append(f"{source}: {key}: {note}")
                else:
                    requirements.append(item)
            else:
                req = _REQ_ID.match(item)
                requirements.append({"id": req.group(1), "text": req.group(2)} if req else item)
            summary_done = summary_done or bool(summary_lines)
            continue
        if line.strip() and not title:
            title, rest = short_title(line.strip())
            if rest:
                summary_lines.append(rest)
                prose.append(rest)
            continue
        if line.strip() and "constraint" in section:
            constraints.append(line.strip())
        elif line.strip():
            # Every paragraph is read, not only the first: prose briefs put requirements anywhere.
            prose.append(line.strip())
            if not summary_done and section in {"", "intro"}:
                summary_lines.append(line.strip())
        elif not line.strip() and summary_lines:
            summary_done = True
    if not title:
        raise BriefError("no title: start the brief with a '# Heading' line", source=source, line=1)
    summary = " ".join(summary_lines)
    if not requirements:
        # Free prose: every sentence of every paragraph is a requirement to trace, except labelled figures.
        sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", " ".join(prose)) if len(s.strip()) > 3]
        for sentence in list(sentences):
            figure = labelled_figure(sentence, warnings, source, 0)
            if figure:
                sentences.remove(sentence)
                nfr.setdefault(figure[0], figure[1])
            elif _LOAD_STATEMENT.search(sentence) and re.search(r"\d|\b(hundred|thousand|million)\b", sentence):
                sentences.remove(sentence)  # "We expect ~800 restaurants": a figure for sizing, kept in the summary
        requirements = sentences or [title]
        warnings.append(f"{source}: no bullet list of requirements; each sentence is taken as one")
    data = {"title": title, "summary": summary, "requirements": requirements, "constraints": constraints}
    if nfr:
        data["non_functional"] = nfr
    try:
        brief = Brief.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise BriefError(err["msg"], source=source, field=_dotted(tuple(err["loc"]))) from None
    return LoadedBrief(brief=brief, source=source, warnings=warnings)


def _coerce_number(value: str) -> Any:
    cleaned = value.replace(",", "").replace("_", "").strip()
    multipliers = {"k": 1_000, "m": 1_000_000, "b": 1_000_000_000}
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kmbKMB])?\b.*", cleaned)
    if match and not re.fullmatch(r"\d+(\.\d+)?\s*[:/]\s*\d+(\.\d+)?", cleaned):
        number = float(match.group(1)) * multipliers.get((match.group(2) or "").lower(), 1)
        return int(number) if number.is_integer() else number
    return value.strip()
