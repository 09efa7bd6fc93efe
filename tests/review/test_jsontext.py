"""The report encoder writes exactly what `json.dumps(indent=2, ensure_ascii=False)` writes."""

from __future__ import annotations

import enum
import json
from typing import Any

import pytest

from backend_architect.review.jsontext import dumps_indented


class Level(str, enum.Enum):
    error = "error"


class Count(enum.IntEnum):
    one = 1


CASES: list[Any] = [
    {}, [], "", 0, None, True, 1.5, -0.0, float("nan"), float("inf"), float("-inf"), 10**30,
    {"a": [], "b": {}, "c": [{}], "d": [[], [[]]], "e": (1, "x")},
    {"é 漢字 \u2028 \"quoted\" \\ \n \t \x00": ["ü", {"k": "\ud83d\ude00"}]},
    {"level": Level.error, "n": Count.one, "flags": [True, False, None], "f": [1e-7, 3.0, 2.5e300]},
    {"runs": [{"results": [{"ruleId": "x", "locations": [{"region": {"startLine": 1, "startColumn": 2}}]}]}]},
    {1: "int key", None: "null key", 2.5: "float key"},  # not what reports hold: the standard library writes them
]


@pytest.mark.parametrize("value", CASES)
def test_same_text_as_the_standard_library(value: Any) -> None:
    assert dumps_indented(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_the_same_errors_as_the_standard_library() -> None:
    with pytest.raises(TypeError):
        dumps_indented({"a": object()})
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError):
        dumps_indented(loop)
