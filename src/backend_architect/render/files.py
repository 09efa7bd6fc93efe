"""Writing files safely: names from a model made plain, writes that are atomic. Shared by every writer."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

__all__ = ["OutputError", "file_mode", "safe_filename", "safe_relative_path", "slugify", "write_atomic"]


class OutputError(Exception):
    pass


def slugify(text: str, *, max_length: int = 60, fallback: str = "design") -> str:
    """Lower-case ASCII letters, digits and hyphens only: no dots, slashes, backslashes or NUL survive."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:max_length].strip("-")
    return slug or fallback


def safe_filename(title: str, *, suffix: str = "", prefix: str = "", max_length: int = 60) -> str:
    """A file name made from a name the model chose (an ADR title, a service name): `prefix` + slug + `suffix`.

    Every model-chosen name goes through here and then through `safe_relative_path`; nothing the model
    writes becomes a path as it is.
    """
    return f"{prefix}{slugify(title, max_length=max_length, fallback='untitled')}{suffix}"


_DRIVE = re.compile(r"^[A-Za-z]:")


def safe_relative_path(directory: Path, relative: str) -> Path:
    """`directory / relative`, or OutputError unless it is plainly inside `directory`.

    Refused: empty names, absolute paths, drive letters, backslashes, NUL bytes, `.` and `..` parts,
    empty parts, and any existing part of the way that is a symbolic link (a link planted in the
    output directory would otherwise carry the write elsewhere).
    """
    if (not relative or "\x00" in relative or "\\" in relative or os.path.isabs(relative)
            or _DRIVE.match(relative)):
        raise OutputError(f"refusing to write {relative!r}: not a plain relative path")
    parts = relative.split("/")
    if any(part in {"", ".", ".."} for part in parts):
        raise OutputError(f"refusing to write {relative!r}: not a plain relative path")
    target = directory
    for part in parts:
        target = target / part
        if target.is_symlink():
            raise OutputError(f"refusing to write through the symbolic link {target}")
    root = directory.resolve()
    if not target.resolve().is_relative_to(root) or target.resolve() == root:
        raise OutputError(f"refusing to write {target}: outside {directory}")
    return target


def file_mode() -> int:
    """The mode `open()` would give a new file under this process's umask (0644 under 0022).

    mkstemp makes its files 0600 whatever the umask, which kept a teammate or a web server from reading
    a design; the umask can only be read by setting it, so it is set back at once.
    """
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic(path: Path, data: str) -> None:
    """Write to a temporary file beside `path`, then rename over it: readers never see half a file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, file_mode())
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
