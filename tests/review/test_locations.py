"""Every location `review` gives is checked against an independent parse: PyYAML's pure-Python composer
(not libyaml, which `review` uses) gives the mark of each key, for YAML and for JSON text alike."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from backend_architect.review.locate import SourceSet, place_of
from backend_architect.review.openapi_index import pointer
from backend_architect.review.read import parse_structured

REAL = Path(__file__).parent.parent / "fixtures" / "real"


def _marks(node: Any, ptr: str = "") -> Iterator[tuple[str, tuple[int, int]]]:
    """(pointer, (line, column)) of every key and item, from PyYAML's pure-Python composer."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, tuple[str, tuple[int, int]]] = {}
        for key, value in node.value:
            child = ptr + pointer(str(key.value))
            seen[str(key.value)] = (child, (key.start_mark.line + 1, key.start_mark.column + 1))  # the last one wins
            yield from _marks(value, child)
        yield from seen.values()
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            yield f"{ptr}/{i}", (value.start_mark.line + 1, value.start_mark.column + 1)
            yield from _marks(value, f"{ptr}/{i}")


def _check_every_location(path: Path) -> int:
    text = path.read_text(encoding="utf-8")
    _, tree = parse_structured(text, path)
    sources = SourceSet()
    sources.add(str(path), tree)
    expected = dict(_marks(yaml.compose(text, Loader=yaml.SafeLoader)))
    wrong = [(ptr, place, sources.locate(str(path), ptr)) for ptr, place in expected.items()
             if sources.locate(str(path), ptr) != (str(path), place)]
    assert not wrong, f"{len(wrong)} of {len(expected)} locations differ, e.g. {wrong[:3]}"
    return len(expected)


DOC = {"openapi": "3.0.3", "info": {"title": "é ü 漢字", "version": "1"},
       "paths": {"/a": {"get": {"x": "get: not a key", "responses": {"400": {"description": "responses:"}}}},
                 "/b/{id}": {"get": {"parameters": [{"name": "id", "in": "path"}, {"name": "q", "in": "query"}],
                                     "responses": {"200": {"description": "ok"}}}}}}


@pytest.mark.parametrize("form", ["yaml", "json", "json-compact", "yaml-flow"])
def test_every_location_of_a_generated_document(tmp_path: Path, form: str) -> None:
    path = tmp_path / f"doc.{form.split('-')[0]}"
    if form == "yaml":
        path.write_text(yaml.safe_dump(DOC, allow_unicode=True, sort_keys=False), encoding="utf-8")
    elif form == "yaml-flow":
        path.write_text(yaml.safe_dump(DOC, allow_unicode=True, default_flow_style=True, width=60), encoding="utf-8")
    else:
        path.write_text(json.dumps(DOC, indent=None if form == "json-compact" else 2, ensure_ascii=False),
                        encoding="utf-8")
    assert _check_every_location(path) > 20


@pytest.mark.parametrize("name", sorted(p.name for p in REAL.glob("*") if p.suffix in (".yaml", ".yml", ".json")))
def test_every_location_of_the_real_documents(name: str) -> None:
    assert _check_every_location(REAL / name) > 50


def test_absent_keys_stop_at_the_deepest_existing_node_not_at_a_look_alike(tmp_path: Path) -> None:
    path = tmp_path / "api.yaml"
    path.write_text("paths:\n  /a:\n    get:\n      responses: {}\n  /b:\n    get:\n      parameters: []\n"
                    "      responses:\n        '400': {description: x}\n")
    sources = SourceSet()
    sources.add(str(path), parse_structured(path.read_text(), path)[1])
    assert sources.locate(str(path), "/paths/~1a/get/parameters") == (str(path), (3, 5))  # GET /a, not /b's
    assert sources.locate(str(path), "/paths/~1b/get/responses/400") == (str(path), (9, 9))  # a key, not an index
    assert sources.locate(str(path), "/paths/~1b/get/parameters/0") == (str(path), (7, 7))


def test_sql_places_count_characters_not_bytes() -> None:
    from backend_architect.review.ddl import read_ddl

    sql = "-- café, naïve, 漢字\nCREATE TABLE t (\n  note text, -- ünïcödé\n  price float\n);\n"
    result = read_ddl(sql)
    lines = sql.splitlines()
    line, column = result.places["t.price"]
    assert lines[line - 1][column - 1:].startswith("price")
    assert result.places["t"] == (2, 1)


def test_place_of_is_one_based() -> None:
    assert place_of([0, 4, 9], 0) == (1, 1) and place_of([0, 4, 9], 5) == (2, 2)


@pytest.mark.parametrize("indent", [None, 2])
def test_every_location_across_the_bracket_index_blocks(tmp_path: Path, indent: int | None) -> None:
    """Many blocks of the locator's bracket-balance index, with brackets inside strings (which it counts too)
    and a key written again deeper before its own place: every key still where the independent parse says."""
    paths = {f"/r{i}/{{id}}": {"get": {"description": "a { b [ c" if i % 3 else "} ] {{",
                                       "parameters": [{"name": "id", "in": "path", "x": {"get": i}}],
                                       "responses": {"200": {"description": f"ok {i} ]"}}}}
             for i in range(150)}
    doc = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths,
           "components": {"schemas": {f"S{i}": {"type": "object", "properties": {"paths": {"type": "string"}}}
                                      for i in range(150)}}}
    path = tmp_path / "big.json"
    path.write_text(json.dumps(doc, indent=indent), encoding="utf-8")
    assert path.stat().st_size > 8 * 4096  # blocks of 1,024 characters: dozens of them
    assert _check_every_location(path) > 2000


def test_many_keys_of_one_large_object_are_located_where_they_are(tmp_path: Path) -> None:
    """Past a few jumps into one object its members are scanned in order: every key still at its place."""
    doc = {"components": {"schemas": {f"S{i}": {"type": "object", "properties": {f"p{k}": {"type": "string"}
                                                                              for k in range(3)}}
                                      for i in range(300)}}}
    path = tmp_path / "many.json"
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    assert _check_every_location(path) > 2000
