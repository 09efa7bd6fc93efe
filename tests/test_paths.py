"""Confinement of every file a run writes: model-chosen names are slugged, and every path is checked."""

from __future__ import annotations

import os

import pytest

from backend_architect.design.output import OutputError, safe_filename, safe_relative_path, write_design

HOSTILE = ["/etc/passwd", "../escape.md", "adr/../../escape.md", "a\\..\\b.md", "C:\\Windows\\x.md", "C:x.md",
           "name\x00.md", "", ".", "..", "adr//x.md", "./x.md", "adr/./x.md", "x.md/.."]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_relative_paths_are_refused(tmp_path, name):
    with pytest.raises(OutputError):
        safe_relative_path(tmp_path, name)


@pytest.mark.parametrize("name", ["design.md", "adr/0001-use-postgresql.md", "services/orders/service.yaml"])
def test_plain_relative_paths_are_kept(tmp_path, name):
    assert safe_relative_path(tmp_path, name) == tmp_path / name


@pytest.mark.parametrize("link", ["adr", "adr/0001-x.md"])
def test_a_symlink_anywhere_on_the_way_is_refused(tmp_path, link):
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "out"
    (out / "adr").mkdir(parents=True)
    if link == "adr":
        (out / "adr").rmdir()
    (out / link).symlink_to(outside if link == "adr" else outside / "victim.md")
    with pytest.raises(OutputError, match="symbolic link"):
        safe_relative_path(out, "adr/0001-x.md")


@pytest.mark.parametrize("title,expected", [
    ("../../etc/passwd", "etc-passwd.md"),
    ("/absolute/Path", "absolute-path.md"),
    ("C:\\Windows\\System32", "c-windows-system32.md"),
    ("nul\x00byte", "nul-byte.md"),
    ("..", "untitled.md"),
    ("Use PostgreSQL for orders!", "use-postgresql-for-orders.md"),
    ("ünïcödé ☃", "n-c-d.md"),
])
def test_model_chosen_titles_become_plain_file_names(tmp_path, title, expected):
    name = safe_filename(title, suffix=".md")
    assert name == expected
    path = safe_relative_path(tmp_path, f"adr/{safe_filename(title, prefix='0001-', suffix='.md')}")
    assert path.parent == tmp_path / "adr" and os.sep not in path.name


def test_write_design_never_writes_outside_even_through_a_linked_subdirectory(tmp_path, shop_brief):
    from backend_architect.spec import Design
    from backend_architect.spec.design import GeneratedBy

    design = Design(title="t", status="incomplete", failure="x", brief=shop_brief,
                    generated_by=GeneratedBy(model="m", builtin=False, tool_version="0"))
    out = tmp_path / "out"
    out.mkdir()
    (out / "design.md").symlink_to(tmp_path / "victim.md")
    with pytest.raises(OutputError):
        write_design(out, design)
    assert not (tmp_path / "victim.md").exists()
