"""Eval suites as YAML: each case is a brief (inline or a path) plus expectations for the graders.

Errors name the file, the line and the field, the way brief errors do, because suites are written
by hand.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from ..inputs.brief import Brief, BriefError, NonFunctional, _dotted, _index_lines, _line_for, load_brief
from .graders import registry

M = TypeVar("M", bound=BaseModel)

__all__ = ["Case", "Suite", "SuiteError", "expectations_model", "load_suites", "select"]


class SuiteError(Exception):
    """A suite file that cannot be used: one message naming the file, line and field."""


def expectations_model() -> type[BaseModel]:
    """The `expect:` mapping, one optional field per registered grader, so a typo is an error."""
    fields: dict[str, Any] = {name: (spec.expectation | None, None) for name, spec in registry().items()}
    return create_model("Expectations", __config__=ConfigDict(extra="forbid"), **fields)


class _CaseFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,79}$")
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    brief: dict[str, Any] | str = Field(description="an inline brief, or a path relative to the suite file")
    expect: dict[str, Any] = Field(default_factory=dict)
    pass_threshold: float | None = Field(default=None, ge=0, le=1)


class _SuiteFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    suite: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,79}$")
    description: str = ""
    pass_threshold: float = Field(default=0.8, ge=0, le=1)
    cases: list[_CaseFile] = Field(min_length=1)


@dataclass(frozen=True)
class Case:
    suite: str
    id: str
    brief: Brief
    expect: dict[str, Any]
    pass_threshold: float
    tags: tuple[str, ...] = ()
    description: str = ""

    @property
    def name(self) -> str:
        return f"{self.suite}/{self.id}"


@dataclass
class Suite:
    name: str
    path: Path
    cases: list[Case] = field(default_factory=list)


def load_suites(paths: list[str | Path]) -> list[Suite]:
    """Suite files, or directories whose *.yaml files are suites (not recursive)."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            raise SuiteError(f"{path}: no such suite file or directory")
    if not files:
        raise SuiteError(f"no suite files (*.yaml) in {', '.join(map(str, paths))}")
    suites = [load_suite(f) for f in files]
    seen: dict[str, Path] = {}
    for suite in suites:
        if suite.name in seen:
            raise SuiteError(f"{suite.path}: suite name {suite.name!r} is also used by {seen[suite.name]}")
        seen[suite.name] = suite.path
    return suites


def load_suite(path: Path) -> Suite:
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise SuiteError(f"{source}:{mark.line + 1 if mark else '?'}: invalid YAML: {exc.problem or exc}") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SuiteError(f"{source}: cannot read the suite: {exc}") from None
    lines: dict[tuple[Any, ...], int] = {}
    try:
        if node is not None:
            _index_lines(node, (), lines, [0], source)
    except BriefError as exc:
        raise SuiteError(str(exc)) from None
    data = yaml.safe_load(text)
    parsed = _validate(_SuiteFile, data, (), lines, source)
    expect_model = expectations_model()
    suite = Suite(name=parsed.suite, path=path)
    ids: set[str] = set()
    for index, case in enumerate(parsed.cases):
        at = ("cases", index)
        if case.id in ids:
            raise SuiteError(_where(source, _line_for(at + ("id",), lines), _dotted(at + ("id",)),
                                    f"case id {case.id!r} is used twice"))
        ids.add(case.id)
        expect = _validate(expect_model, case.expect, at + ("expect",), lines, source)
        suite.cases.append(Case(
            suite=parsed.suite, id=case.id, brief=_brief(case.brief, path, at + ("brief",), lines),
            expect=expect.model_dump(exclude_none=True), tags=tuple(case.tags), description=case.description,
            pass_threshold=case.pass_threshold if case.pass_threshold is not None else parsed.pass_threshold,
        ))
    return suite


def _brief(raw: dict[str, Any] | str, suite_path: Path, at: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> Brief:
    source = str(suite_path)
    if isinstance(raw, str):
        try:
            return load_brief(suite_path.parent / raw).brief
        except BriefError as exc:
            raise SuiteError(_where(source, _line_for(at, lines), _dotted(at), f"brief {raw}: {exc}")) from None
    nfr = raw.get("non_functional")
    if isinstance(nfr, dict):
        # As the brief loader does: numbers a brief states that the model has no field for are kept as notes.
        known = set(NonFunctional.model_fields) - {"extra"}
        extra = {str(k): str(v) for k, v in nfr.items() if k not in known}
        if extra:
            raw = {**raw, "non_functional": {**{k: v for k, v in nfr.items() if k in known}, "extra": extra}}
    return _validate(Brief, raw, at, lines, source)


def _validate(model: type[M], data: Any, at: tuple[Any, ...], lines: dict[tuple[Any, ...], int],
                            source: str) -> M:
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = at + tuple(err["loc"])
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        message = "is required" if err["type"] == "missing" else err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden" and model.__name__ == "Expectations":
            message = f"no grader named {loc[-1]!r} (graders: {', '.join(sorted(registry()))})"
        raise SuiteError(_where(source, _line_for(loc, lines), _dotted(loc), message + more)) from None


def _where(source: str, line: int | None, field_name: str, message: str) -> str:
    return f"{source}{'' if line is None else f':{line}'}: {field_name}: {message}"


def select(suites: list[Suite], pattern: str | None) -> list[Case]:
    """Every case, or those whose `suite/id` (or a tag) matches a glob; a plain word matches as a substring."""
    cases = [case for suite in suites for case in suite.cases]
    if not pattern:
        return cases
    glob = pattern if any(ch in pattern for ch in "*?[") else f"*{pattern}*"
    return [c for c in cases if fnmatch.fnmatchcase(c.name, glob) or any(fnmatch.fnmatchcase(t, glob) for t in c.tags)]
