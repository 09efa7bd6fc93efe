"""A design swapped in whole: a person's files kept, ours replaced, a failed run set aside, a killed one undone."""

from __future__ import annotations

import json
import os
import stat

import pytest

from backend_architect.design import staging as staging_mod
from backend_architect.design.output import (
    MANIFEST,
    OutputConflict,
    OutputError,
    incomplete_files,
    prepare,
    render_files,
    write_design,
)

from .test_output import API, SCHEMA, SERVICES, design


def snapshot(directory) -> dict[str, bytes]:
    """Every entry under `directory`: file bytes, or where a link points."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(directory):
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, directory)
            out[rel] = ("-> " + os.readlink(path)).encode() if os.path.islink(path) else open(path, "rb").read()
    return out


def leftovers(parent) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".staging-" in p.name or ".old-" in p.name)


def test_a_persons_files_survive_the_swap_and_ours_are_replaced(tmp_path):
    out = tmp_path / "out"
    write_design(out, design(api_specification=API, database_schema=SCHEMA, microservices=SERVICES))
    (out / "notes.txt").write_text("my notes\n")
    (out / "mine" / "deep").mkdir(parents=True)
    (out / "mine" / "deep" / "draft.md").write_text("draft\n")
    (out / "adr").mkdir()
    (out / "adr" / "0099-my-own.md").write_text("# my ADR\n")
    (out / "link-to-notes").symlink_to("notes.txt")
    (out / "empty-folder").mkdir()
    inode = (out / "notes.txt").stat().st_ino

    write_design(out, design(api_specification=API))

    assert (out / "notes.txt").read_text() == "my notes\n" and (out / "notes.txt").stat().st_ino == inode
    assert (out / "mine" / "deep" / "draft.md").read_text() == "draft\n"
    assert (out / "adr" / "0099-my-own.md").read_text() == "# my ADR\n"
    assert os.readlink(out / "link-to-notes") == "notes.txt" and (out / "empty-folder").is_dir()
    # Ours: the stale ones (schema, services, migration) gone, no empty folders left of them.
    assert not (out / "schema.sql").exists() and not (out / "services.yaml").exists()
    assert not (out / "migrations").exists()
    assert json.loads((out / MANIFEST).read_text()) == ["design.json", "design.md", "openapi.yaml", "review.json"]
    assert leftovers(tmp_path) == []


def test_a_persons_file_with_one_of_our_names_is_never_replaced_without_force(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "design.md").write_text("# my own design notes\n")
    with pytest.raises(OutputConflict, match=r"design\.md.*--force"):
        prepare(out)  # what the CLI checks before the first request
    with pytest.raises(OutputConflict, match=r"design\.md"):
        write_design(out, design())
    assert (out / "design.md").read_text() == "# my own design notes\n" and leftovers(tmp_path) == []
    write_design(out, design(), force=True)
    assert "Online Shop" in (out / "design.md").read_text()


def test_a_persons_adr_or_a_file_where_our_folder_goes_is_a_conflict_before_the_run(tmp_path):
    out = tmp_path / "out"
    (out / "adr").mkdir(parents=True)
    (out / "adr" / "0001-use-kafka.md").write_text("# mine\n")
    (out / "migrations").write_text("not a folder\n")
    with pytest.raises(OutputConflict) as info:
        prepare(out)
    assert info.value.names == ["adr/0001-use-kafka.md", "migrations"]


def test_the_output_is_checked_before_anything_is_spent(tmp_path, monkeypatch):
    taken = tmp_path / "file"
    taken.write_text("x")
    with pytest.raises(OutputError, match="not a directory"):
        prepare(taken)
    monkeypatch.setattr(staging_mod.shutil, "disk_usage", lambda path: type("U", (), {"free": 5 * 2**20})())
    with pytest.raises(OutputError, match="only 5 MB free"):
        prepare(tmp_path / "out")
    monkeypatch.undo()

    real_mkdir = os.mkdir

    def read_only(path, *args, **kwargs):
        if ".staging-" in str(path):
            raise OSError(30, "Read-only file system", str(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(staging_mod.os, "mkdir", read_only)
    with pytest.raises(OutputError, match="Read-only file system"):
        prepare(tmp_path / "out")


def test_files_and_folders_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        write_design(tmp_path / "a", design(api_specification=API, database_schema=SCHEMA), transcript="{}\n")
        os.umask(0o027)
        write_design(tmp_path / "b", design(database_schema=SCHEMA))
    finally:
        os.umask(old)
    for path in (tmp_path / "a").rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) == (0o755 if path.is_dir() else 0o644), path
    for path in (tmp_path / "b").rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) == (0o750 if path.is_dir() else 0o640), path


def test_a_failed_run_goes_beside_and_replaces_only_an_earlier_failed_run(tmp_path):
    out = tmp_path / "out"
    write_design(out, design(api_specification=API))
    before = snapshot(out)
    failed = design(database_schema=SCHEMA).model_copy(update={"status": "incomplete", "failure": "401"})
    for _ in range(2):  # the second failure replaces the first one's directory
        run = prepare(out)
        run.keep_incomplete(incomplete_files(failed))
        assert run.kept_in == tmp_path / "out.incomplete"
    assert snapshot(out) == before
    assert (tmp_path / "out.incomplete" / "schema.sql").exists()
    assert json.loads((tmp_path / "out.incomplete" / "design.json").read_text())["failure"] == "401"

    (tmp_path / "out.incomplete" / "my-notes.txt").write_text("mine")  # now a person's folder too
    run = prepare(out)
    run.keep_incomplete(incomplete_files(failed))
    assert run.kept_in == tmp_path / "out.incomplete-2"
    assert (tmp_path / "out.incomplete" / "my-notes.txt").read_text() == "mine"
    assert leftovers(tmp_path) == []


def test_nothing_valid_keeps_only_a_short_design_json(tmp_path):
    failed = design().model_copy(update={"status": "incomplete", "failure": "the server refused the key (401)"})
    [(name, text, _)] = incomplete_files(failed)
    data = json.loads(text)
    assert name == "design.json" and data["status"] == "incomplete" and "401" in data["failure"]
    assert set(data) == {"title", "status", "failure", "generated_by"}


def test_without_an_atomic_exchange_a_kill_between_the_two_renames_is_undone_by_the_next_run(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_design(out, design(api_specification=API))
    before = snapshot(out)
    monkeypatch.setattr(staging_mod, "_exchange", lambda a, b: False)
    real_rename = os.rename
    calls = []

    def killed_after_one(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise KeyboardInterrupt  # stands for SIGKILL: nothing after this step runs
        return real_rename(src, dst)

    run = prepare(out)
    monkeypatch.setattr(staging_mod.os, "rename", killed_after_one)
    with pytest.raises(KeyboardInterrupt):
        run.commit(render_files(design(database_schema=SCHEMA)))
    monkeypatch.setattr(staging_mod.os, "rename", real_rename)
    assert not out.exists() and leftovers(tmp_path)  # the old design is aside, the new one still staged
    prepare(out).discard()  # the next run's first step
    assert snapshot(out) == before and leftovers(tmp_path) == []


def test_the_fallback_swap_and_a_working_directory_inside_the_target(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_design(out, design(api_specification=API))
    (out / "notes.txt").write_text("mine")
    monkeypatch.setattr(staging_mod, "_exchange", lambda a, b: False)
    write_design(out, design(database_schema=SCHEMA))
    assert (out / "schema.sql").exists() and not (out / "openapi.yaml").exists()
    assert (out / "notes.txt").read_text() == "mine" and leftovers(tmp_path) == []

    monkeypatch.chdir(out)  # the shell is in there: the directory is not swapped, its files are
    inode = out.stat().st_ino
    write_design(out, design(api_specification=API))
    assert out.stat().st_ino == inode and (out / "openapi.yaml").exists() and not (out / "schema.sql").exists()
    assert not (out / "migrations").exists() and (out / "notes.txt").read_text() == "mine"
    assert leftovers(tmp_path) == []


def test_a_stale_staging_directory_of_a_dead_run_is_cleaned_and_a_live_ones_is_not(tmp_path):
    out = tmp_path / "out"
    dead = tmp_path / ".out.staging-999999999"
    dead.mkdir()
    (dead / "transcript.jsonl").write_text("{}\n")
    live = tmp_path / f".out.staging-{os.getppid()}"
    live.mkdir()
    run = prepare(out)
    run.discard()
    assert not dead.exists() and live.exists()
    assert run.recovered == [f"removed {dead}, left by a run that was killed (process 999999999)"]


def test_a_target_that_is_a_symbolic_link_to_a_design_stays_a_link(tmp_path):
    real = tmp_path / "real"
    write_design(real, design(api_specification=API))
    (tmp_path / "link").symlink_to(real)
    write_design(tmp_path / "link", design(database_schema=SCHEMA))
    assert (tmp_path / "link").is_symlink() and (real / "schema.sql").exists() and not (real / "openapi.yaml").exists()
    assert leftovers(tmp_path) == []


def test_a_persons_transcript_is_kept_when_the_run_writes_none(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "transcript.jsonl").write_text("my own log\n")
    write_design(out, design(), force=True)  # no transcript from this run: nothing of the person's replaced
    assert (out / "transcript.jsonl").read_text() == "my own log\n"


def test_a_directory_full_of_a_persons_files_gets_our_files_moved_in_instead(tmp_path, monkeypatch):
    out = tmp_path / "home"
    write_design(out, design(api_specification=API))
    for i in range(5):
        (out / f"doc-{i}.txt").write_text(f"doc {i}")
    monkeypatch.setattr(staging_mod, "MAX_CARRIED", 3)
    inode = out.stat().st_ino
    write_design(out, design(database_schema=SCHEMA))
    assert out.stat().st_ino == inode  # not swapped: nothing of the person's was walked into a new directory
    assert [(out / f"doc-{i}.txt").read_text() for i in range(5)] == [f"doc {i}" for i in range(5)]
    assert (out / "schema.sql").exists() and not (out / "openapi.yaml").exists() and leftovers(tmp_path) == []


def test_an_unreadable_folder_of_the_persons_is_never_left_behind_by_a_swap(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_design(out, design(api_specification=API))
    (out / "private").mkdir()
    (out / "private" / "secret.txt").write_text("mine")
    real_walk = os.walk

    def walk_denied(top, onerror=None, **kwargs):  # what os.walk meets in a folder it may not list
        for entry in real_walk(top, onerror=onerror, **kwargs):
            if entry[0].endswith("private") and onerror:
                onerror(PermissionError(13, "Permission denied", entry[0]))
                continue
            yield entry

    monkeypatch.setattr(staging_mod.os, "walk", walk_denied)
    write_design(out, design(database_schema=SCHEMA))
    assert (out / "private" / "secret.txt").read_text() == "mine" and (out / "schema.sql").exists()


def test_a_run_killed_while_moving_its_files_in_is_finished_by_the_next(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_design(out, design(api_specification=API, database_schema=SCHEMA))
    (out / "notes.txt").write_text("mine")
    monkeypatch.chdir(out)  # so the files are moved in one by one
    real_replace, moved = os.replace, []

    def killed_after_two(src, dst):
        if ".moving-in" not in str(src) and ".tmp" not in str(src):
            moved.append(dst)
            if len(moved) == 3:
                raise KeyboardInterrupt  # stands for SIGKILL
        return real_replace(src, dst)

    run = prepare(out)
    monkeypatch.setattr(staging_mod.os, "replace", killed_after_two)
    with pytest.raises(KeyboardInterrupt):
        run.commit(render_files(design(microservices=SERVICES)))
    monkeypatch.setattr(staging_mod.os, "replace", real_replace)
    assert len(leftovers(tmp_path)) == 1  # a mix, for now
    again = prepare(out)
    again.discard()
    assert "finished moving into" in again.recovered[0] and leftovers(tmp_path) == []
    assert (out / "services.yaml").exists() and not (out / "schema.sql").exists()
    assert not (out / "openapi.yaml").exists() and (out / "notes.txt").read_text() == "mine"
    assert json.loads((out / MANIFEST).read_text()) == ["design.json", "design.md", "review.json", "services.yaml"]
