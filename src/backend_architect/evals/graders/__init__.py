"""Graders: each scores a design in 0..1 with a reason. Importing this package registers them all.

To add one, write a function in a module here, decorate it with `@register(name, expectation=T)`,
and import the module below; suites can then say `expect: {name: ...}`.
"""

import functools
from typing import Any

from pydantic import TypeAdapter

from . import capacity, formats, include, judge, reading, structure  # noqa: F401 - importing registers the graders
from .base import Grade, GradeContext, GraderSpec, register, registry
from .judge import Judge

__all__ = ["Grade", "GradeContext", "GraderSpec", "grade_design", "register", "registry"]


@functools.cache
def _adapter(name: str) -> TypeAdapter[Any]:
    return TypeAdapter(registry()[name].expectation)


async def grade_design(design: dict[str, Any], expect: dict[str, Any], *, judge: Judge | None = None) -> list[Grade]:
    """Every applicable grader's grade, in registry order. A grader that crashes scores 0 with the error."""
    import inspect

    ctx = GradeContext(design=design, judge=judge)
    grades: list[Grade] = []
    for name, spec in registry().items():
        if name in expect:
            raw = expect[name]
        elif spec.always:
            raw = spec.default
        else:
            continue
        try:
            expected = _adapter(name).validate_python(raw)
            result = spec.fn(ctx, expected)
            if inspect.isawaitable(result):
                result = await result
        except Exception as exc:  # noqa: BLE001 - one broken grader must not sink the case
            result = Grade(name, 0.0, f"grader crashed: {type(exc).__name__}: {exc}")
        if result is not None:
            grades.append(result)
    return grades
