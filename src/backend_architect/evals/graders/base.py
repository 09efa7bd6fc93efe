"""What a grader is, and the registry that names them.

A grader takes the design (the dict design.json holds) and the case's expectation for it, and
returns a `Grade`: a score in 0..1 and the reason. Adding one is a function and a decorator:

    @register("graphql_valid", expectation=bool)
    def graphql_valid(ctx: GradeContext, expected: bool) -> Grade: ...

`always=True` graders run on every case even when the case does not mention them (artifact
validity, requirement coverage); the others run when the case's `expect:` names them. A grader
may be async (the judge is) and may return None to say "not applicable here" (no judge configured).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


class Judging(Protocol):
    """What a grader may ask of a judge model (`judge.Judge` is the one there is)."""

    attempts: int

    async def verdict(self, rubric_text: str, design: dict[str, Any]) -> Any: ...

__all__ = ["Grade", "GradeContext", "GraderSpec", "Judging", "register", "registry", "singular"]


@dataclass(frozen=True)
class Grade:
    grader: str
    score: float
    reason: str
    error: bool = False  # the grader could not judge (a judge that never answered); left out of the mean

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"grader": self.grader, "score": round(self.score, 4), "reason": self.reason}
        if self.error:
            out["error"] = True
        return out


@dataclass
class GradeContext:
    design: dict[str, Any]
    judge: Judging | None = None
    cache: dict[str, Any] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        value = self.design.get(name)
        return value if isinstance(value, dict) else {}

    def tables(self) -> list[dict[str, Any]]:
        return list(self.section("database_schema").get("tables") or [])

    def endpoints(self) -> list[tuple[str, str]]:
        """(METHOD, path relative to the base path) of every endpoint."""
        api = self.section("api_specification")
        return [(ep["method"], ep["path"]) for r in api.get("resources") or [] for ep in r.get("endpoints") or []]

    def services(self) -> list[dict[str, Any]]:
        return list(self.section("microservices").get("services") or [])

    def events(self) -> list[str]:
        return [e["name"] for e in self.section("microservices").get("events") or []]


GraderFn = Callable[[GradeContext, Any], "Grade | None | Awaitable[Grade | None]"]


@dataclass(frozen=True)
class GraderSpec:
    name: str
    fn: GraderFn
    expectation: Any
    always: bool = False
    default: Any = None
    doc: str = ""


_REGISTRY: dict[str, GraderSpec] = {}


def register(name: str, *, expectation: Any, always: bool = False, default: Any = None) -> Callable[[GraderFn], GraderFn]:
    def decorate(fn: GraderFn) -> GraderFn:
        if name in _REGISTRY:
            raise ValueError(f"grader {name!r} is registered twice")
        _REGISTRY[name] = GraderSpec(name, fn, expectation, always, default, (fn.__doc__ or "").strip())
        return fn

    return decorate


def registry() -> dict[str, GraderSpec]:
    return dict(_REGISTRY)


def singular(word: str) -> str:
    """A plain English singular, enough to match 'orders' with 'Order' and 'categories' with 'category'."""
    word = re.sub(r"[^a-z0-9]", "", word.lower())
    if word.endswith(("ss", "us", "is")):
        return word
    for plural, one in (("ies", "y"), ("sses", "ss"), ("ches", "ch"), ("shes", "sh"), ("xes", "x"), ("s", "")):
        if word.endswith(plural) and len(word) > len(plural) + 1:
            return word[: -len(plural)] + one
    return word
