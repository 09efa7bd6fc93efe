"""Where a run writes before it is done, and how a finished run takes the place of the last one.

A run writes into a staging directory beside the target (the same file system, so every rename is
atomic). Only a complete run is swapped in: with one `renameat2(RENAME_EXCHANGE)` where Linux offers it,
so that at every instant the target path holds either the old complete design or the new one; elsewhere
by renaming the old design aside, the new one in, then removing the old, and a run killed between those
two renames is put right by the next run. A failed run's staging directory becomes `DIR.incomplete`.
A person's files in the target (anything the manifest does not name) are carried into the new design
by hard link, so the swap never drops them; a person's file with one of our names stops the run.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..render.files import OutputError, safe_relative_path, write_atomic

__all__ = ["MANIFEST", "MIGRATION", "OutputConflict", "Staging", "WrittenFile", "prepare"]

MANIFEST = ".backend-architect-files.json"
MIGRATION = "migrations/versions/0001_initial.py"
TRANSCRIPT = "transcript.jsonl"
MOVING_IN = ".moving-in.json"  # in a staging directory: the plan of a design being moved in file by file
# The names a run may write whatever the design holds; ADRs get model-chosen names inside adr/.
OUR_NAMES = ("design.md", "design.json", "review.json", "openapi.yaml", "schema.sql", "schema.graphql",
             "services.yaml", "asyncapi.yaml", TRANSCRIPT, MIGRATION)
OUR_FOLDERS = ("adr",)
# A design is ~100 kB and a long run's transcript a few MB: refuse to start a paid run with less than this.
MIN_FREE_BYTES = 32 * 2**20
# More of a person's entries than this in the target (a home directory given as -o): carrying them over by
# hard link would take seconds, so the files are moved in one by one instead (see _commit_in_place).
MAX_CARRIED = 2000
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class OutputConflict(OutputError):
    """Files a person made sit where the run would write: nothing is overwritten without --force."""

    def __init__(self, directory: Path, names: list[str]):
        self.names = names
        shown = [f"{directory / n}" + (" (a symbolic link)" if (directory / n).is_symlink() else "")
                 for n in names[:5]]
        more = f" and {len(names) - 5} more" if len(names) > 5 else ""
        it = "it" if len(names) == 1 else "them"
        super().__init__(f"{', '.join(shown)}{more}: not written by backend-architect (the directory's manifest "
                         f"does not list {it}), and a run would replace {it}; move {it} away, choose another "
                         f"--output, or pass --force to replace {it}")


@dataclass(frozen=True)
class WrittenFile:
    path: Path
    size: int
    what: str


def manifest(directory: Path) -> set[str]:
    """The files an earlier run wrote into `directory`, as its manifest lists them (none if it has none)."""
    try:
        names = json.loads(safe_relative_path(directory, MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, OutputError):
        return set()
    return {n for n in names if isinstance(n, str)} if isinstance(names, list) else set()


def _ours(directory: Path, rel: str, listed: set[str]) -> bool:
    """A regular file the manifest lists: a symbolic link is never ours, even under one of our names."""
    path = directory / rel
    return rel in listed and path.is_file() and not path.is_symlink()


def conflicts(directory: Path, names: Iterable[str] | None = None) -> list[str]:
    """Paths in `directory` that a run writing `names` (by default: any run) would replace but did not write."""
    if not directory.is_dir():
        return []
    listed = manifest(directory)
    wanted = set(OUR_NAMES if names is None else names)
    if names is None:  # an ADR's name is the model's choice: any file in adr/ could be replaced
        for folder in OUR_FOLDERS:
            for dirpath, dirnames, filenames in os.walk(directory / folder):
                rel = Path(dirpath).relative_to(directory)
                wanted.update((rel / n).as_posix() for n in filenames + dirnames)
    found = set()
    for name in wanted:
        parts = name.split("/")
        for depth in range(1, len(parts) + 1):
            rel = "/".join(parts[:depth])
            path = directory / rel
            if not os.path.lexists(path):
                break
            last = depth == len(parts)
            if (last and not _ours(directory, rel, listed)) or (not last and (path.is_symlink() or not path.is_dir())):
                found.add(rel)
                break
    return sorted(found)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ≥ 3.15, on file systems that support it); False where it cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _remove(path: Path) -> None:
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def _recover(target: Path) -> list[str]:
    """Put right what a killed run left beside `target`: its staging directory, or an old design set aside.
    Returns what was done, in words, for the person."""
    parent, name = target.parent, target.name
    done: list[str] = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return done
    for entry in entries:
        for kind in ("staging", "old"):
            prefix = f".{name}.{kind}-"
            if not entry.name.startswith(prefix) or not entry.name[len(prefix):].isdigit():
                continue
            pid = int(entry.name[len(prefix):])
            if pid != os.getpid() and _alive(pid):
                continue  # another run into the same directory, still working
            if kind == "old" and not os.path.lexists(target):
                os.rename(entry, target)  # killed between setting the old design aside and moving the new one in
                done.append(f"put back {target}, set aside by a run that was killed (process {pid})")
            elif kind == "staging" and (entry / MOVING_IN).is_file() and target.is_dir():
                _move_in(entry, target)  # killed while moving a complete design in: finish the job
                done.append(f"finished moving into {target} the design of a run killed doing it (process {pid})")
            else:
                _remove(entry)
                done.append(f"removed {entry}, left by a run that was killed (process {pid})")
    return done


def _move_in(staging: Path, target: Path) -> None:
    """Carry out an in-place commit's plan (again, after a kill: each step is safe to repeat)."""
    plan = json.loads((staging / MOVING_IN).read_text(encoding="utf-8"))
    for name in plan["move"]:  # the manifest last: until it moves, the earlier one still describes the directory
        src = staging / name
        if src.is_file():
            dst = safe_relative_path(target, name)
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dst)
    for name in plan["remove"]:
        try:
            path = safe_relative_path(target, name)
        except OutputError:
            continue
        if path.is_file():
            path.unlink()
            parent = path.parent
            while parent != target and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
    _remove(staging)


def _persons_entries(old: Path, listed: set[str], produced: set[str]) -> list[str] | None:
    """The person's entries in `old` (files, links, and empty folders, which end in "/"), or None when there are
    too many to carry over quickly or some could not be read (then none may be left behind by a swap)."""
    found: list[str] = []
    failed: list[OSError] = []
    for dirpath, dirnames, filenames in os.walk(old, onerror=failed.append):
        here = Path(dirpath)
        rel_dir = here.relative_to(old)
        entries = list(filenames)
        for name in list(dirnames):
            if (here / name).is_symlink():
                dirnames.remove(name)
                entries.append(name)
                continue
            try:
                if not any((here / name).iterdir()):
                    found.append((rel_dir / name).as_posix() + "/")
            except OSError as exc:
                failed.append(exc)
        for name in entries:
            rel = (rel_dir / name).as_posix()
            if not (rel == MANIFEST or _ours(old, rel, listed) or rel in produced):
                found.append(rel)  # ours are left out (the new run decides), and under --force the clashing ones
        if len(found) > MAX_CARRIED:
            return None
    return None if failed else found


def _carry_over(old: Path, new: Path, entries: list[str]) -> None:
    """The person's entries in `old` appear in `new` too: hard links (copies where links cannot be made)."""
    for rel in entries:
        src, dst = old / rel, new / rel
        if rel.endswith("/"):
            dst.mkdir(parents=True, exist_ok=True)
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            os.symlink(os.readlink(src), dst)
            continue
        try:
            os.link(src, dst, follow_symlinks=False)
        except OSError:
            if not src.is_file():
                raise
            shutil.copy2(src, dst, follow_symlinks=False)


@dataclass
class Staging:
    """One run's staging directory beside `target`; `shown` is the target as the person wrote it."""

    target: Path
    shown: Path
    path: Path
    force: bool = False
    kept_in: Path | None = None  # where keep_incomplete put the run, as the person would write it
    recovered: list[str] = field(default_factory=list)  # what prepare put right after a killed run

    @property
    def incomplete(self) -> Path:
        return self.target.with_name(self.target.name + ".incomplete")

    @property
    def incomplete_shown(self) -> Path:
        return self.shown.with_name(self.shown.name + ".incomplete")

    @property
    def transcript_path(self) -> Path:
        return self.path / TRANSCRIPT

    def _write(self, files: list[tuple[str, str, str]], shown: Path) -> list[WrittenFile]:
        written = []
        for name, content, what in files:
            path = safe_relative_path(self.path, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, content)
            written.append(WrittenFile(path=shown / name, size=len(content.encode()), what=what))
        names = {name for name, _, _ in files}
        if self.transcript_path.is_file() and TRANSCRIPT not in names:
            names.add(TRANSCRIPT)
            written.append(WrittenFile(path=shown / TRANSCRIPT, size=self.transcript_path.stat().st_size,
                                       what="every model request and response"))
        write_atomic(self.path / MANIFEST, json.dumps(sorted(names), indent=1) + "\n")
        return written

    def commit(self, files: list[tuple[str, str, str]]) -> list[WrittenFile]:
        """Write the complete design and put it in the target's place; the person's files in it stay."""
        produced = {name for name, _, _ in files} | ({TRANSCRIPT} if self.transcript_path.is_file() else set())
        if not self.force:
            clash = conflicts(self.target, produced)
            if clash:
                raise OutputConflict(self.shown, clash)
        written = self._write(files, self.shown)
        if not os.path.lexists(self.target):
            os.rename(self.path, self.target)
            return written
        entries = None if _holds_cwd(self.target) else _persons_entries(self.target, manifest(self.target), produced)
        if entries is not None:
            try:
                _carry_over(self.target, self.path, entries)
            except OSError:
                entries = None
        if entries is None:
            self._commit_in_place(produced)
            return written
        shutil.copymode(self.target, self.path)
        if _exchange(self.path, self.target):
            _remove(self.path)  # the old design, now at the staging path
            return written
        aside = self.target.with_name(f".{self.target.name}.old-{os.getpid()}")
        os.rename(self.target, aside)
        os.rename(self.path, self.target)
        _remove(aside)
        return written

    def _commit_in_place(self, produced: set[str]) -> None:
        """Our files moved in one by one (each atomically), the directory itself kept: when it holds the
        working directory (a swap would leave the shell in a deleted one), or more of the person's entries
        than are quick to carry over, or some that cannot be read or linked. The plan is written first, so
        that a run killed among these renames is finished by the next one (see _recover)."""
        listed = manifest(self.target)
        stale = sorted(n for n in listed - produced if _ours(self.target, n, listed))
        plan = {"move": sorted(produced) + [MANIFEST], "remove": stale}
        write_atomic(self.path / MOVING_IN, json.dumps(plan) + "\n")
        _move_in(self.path, self.target)

    def keep_incomplete(self, files: list[tuple[str, str, str]]) -> list[WrittenFile]:
        """Keep a failed run's valid parts in `DIR.incomplete` (replacing an earlier failed run's); the target
        is not touched. A directory of that name that is not ours is left alone for a numbered one."""
        written = self._write(files, self.incomplete_shown)
        dest, shown = self.incomplete, self.incomplete_shown
        number = 1
        while os.path.lexists(dest) and not _only_ours(dest):
            number += 1
            dest, shown = (dest.with_name(f"{self.target.name}.incomplete-{number}"),
                           shown.with_name(f"{self.shown.name}.incomplete-{number}"))
        if os.path.lexists(dest):
            if _exchange(self.path, dest):
                _remove(self.path)
            else:
                _remove(dest)
                os.rename(self.path, dest)
        else:
            os.rename(self.path, dest)
        if number > 1:
            written = [WrittenFile(shown / w.path.relative_to(self.incomplete_shown), w.size, w.what) for w in written]
        self.kept_in = shown
        return written

    def discard(self) -> None:
        _remove(self.path)


def _holds_cwd(directory: Path) -> bool:
    try:
        return Path.cwd().resolve().is_relative_to(directory.resolve())
    except OSError:
        return False


def _only_ours(directory: Path) -> bool:
    """A directory an earlier run left: a real directory whose every file its manifest lists."""
    if directory.is_symlink() or not directory.is_dir() or not (directory / MANIFEST).is_file():
        return False
    listed = manifest(directory) | {MANIFEST}
    for dirpath, _, filenames in os.walk(directory):
        rel = Path(dirpath).relative_to(directory)
        if any((rel / n).as_posix() not in listed for n in filenames):
            return False
    return True


def prepare(target: Path, *, force: bool = False, check_names: bool = True,
            min_free: int = MIN_FREE_BYTES) -> Staging:
    """Everything about the output that can be known before a request is spent, checked; a staging directory
    made. OutputError (exit 2 in the CLI) if the run could not write its result."""
    shown = target
    real = Path(os.path.abspath(target))
    if real.is_symlink():
        real = real.resolve()
    if os.path.lexists(real) and not real.is_dir():
        raise OutputError(f"{shown} exists and is not a directory: give a directory (new or an earlier design's)")
    parent = real.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {parent}: {exc.strerror or exc}") from None
    free = shutil.disk_usage(parent).free
    if free < min_free:
        raise OutputError(f"only {free // 2**20} MB free on the file system of {parent}; a run needs "
                          f"{min_free // 2**20} MB")
    recovered = _recover(real)
    if check_names and not force:
        clash = conflicts(real)
        if clash:
            raise OutputConflict(shown, clash)
    path = parent / f".{real.name}.staging-{os.getpid()}"
    _remove(path)
    try:
        os.mkdir(path)
    except OSError as exc:
        raise OutputError(f"cannot write beside {shown} (in {parent}): {exc.strerror or exc}") from None
    return Staging(target=real, shown=shown, path=path, force=force, recovered=recovered)
