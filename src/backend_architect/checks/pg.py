"""A throwaway PostgreSQL server for verification: found, started, used, stopped and deleted.

Binaries come from, in order: `BACKEND_ARCHITECT_PG_BINDIR`; the `pgserver` wheel (PostgreSQL
shipped inside a Python package, so `pip install 'backend-architect[verify]'` is enough); an installed
PostgreSQL (`pg_config --bindir`, or `initdb` on PATH). The server listens on a Unix socket in its
own temporary directory only (no TCP port), runs with fsync off (the data is thrown away), and
every wait is bounded.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["HOW_TO_GET_ONE", "PostgresUnavailable", "Binaries", "error_text", "find_binaries", "temporary_server"]

HOW_TO_GET_ONE = ("no PostgreSQL server is available: install one with `pip install 'backend-architect[verify]'` "
                  "(an embedded PostgreSQL), install PostgreSQL itself, or pass --dsn to use your own server")
PORT = 5432  # only names the socket file inside our private directory; no TCP port is opened


class PostgresUnavailable(Exception):
    pass


@dataclass(frozen=True)
class Binaries:
    bindir: Path
    source: str  # "env", "pgserver" or "installed"
    libdirs: tuple[Path, ...] = ()  # shared libraries outside the installation (a wheel's `pgserver.libs`)

    def env(self) -> dict[str, str] | None:
        if not self.libdirs:
            return None
        paths = [str(p) for p in self.libdirs] + [p for p in os.environ.get("LD_LIBRARY_PATH", "").split(":") if p]
        return {**os.environ, "LD_LIBRARY_PATH": ":".join(paths)}

    def exe(self, name: str) -> str:
        return str(self.bindir / name)


def _usable(bindir: Path) -> bool:
    return all(os.access(bindir / name, os.X_OK) for name in ("initdb", "postgres"))


def find_binaries() -> Binaries | None:
    env = os.environ.get("BACKEND_ARCHITECT_PG_BINDIR")
    if env and _usable(Path(env)):
        return Binaries(Path(env), "env")
    # Located without importing pgserver: its import sets up lock files and exit hooks we do not need.
    spec = importlib.util.find_spec("pgserver")
    if spec and spec.origin:
        bundled = Path(spec.origin).parent / "pginstall" / "bin"
        if _usable(bundled):
            # auditwheel puts the libraries the binaries link (libpq, ...) beside the package, found by RPATH.
            libs = tuple(p for p in Path(spec.origin).parent.parent.glob("pgserver.libs") if p.is_dir())
            return Binaries(bundled, "pgserver", libs)
    candidates = []
    if shutil.which("pg_config"):
        try:
            out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, timeout=10, check=True)
            candidates.append(Path(out.stdout.strip()))
        except (OSError, subprocess.SubprocessError):
            pass
    if shutil.which("initdb"):
        candidates.append(Path(shutil.which("initdb") or "").parent)
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for bindir in candidates:
        if _usable(bindir):
            return Binaries(bindir, "installed")
    return None


def _run_as() -> str | None:
    """PostgreSQL refuses to run as root; as root we run it as an unprivileged user that exists."""
    if getattr(os, "geteuid", lambda: 1)() != 0:
        return None
    import pwd

    for name in ("postgres", "pgserver", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise PostgresUnavailable("running as root and no unprivileged user (postgres, nobody) exists to run PostgreSQL")


def _reachable(binaries: Binaries, user: str | None, root: Path) -> Binaries:
    """As root, the server runs as another user, who may not reach binaries inside a private directory (a
    virtualenv under /root). Then the installation (bin, lib, share) is copied into the server's own
    temporary directory rather than opening up the user's directories."""
    if user is None:
        return binaries
    try:
        subprocess.run([binaries.exe("postgres"), "--version"], capture_output=True, timeout=10, check=True, user=user,
                       env=binaries.env())
        return binaries
    except (OSError, subprocess.SubprocessError):
        pass
    install = binaries.bindir.parent
    target = root / "pginstall"
    for part in ("bin", "lib", "share"):
        if (install / part).is_dir():
            shutil.copytree(install / part, target / part, symlinks=True)
    libdirs = []
    for i, libdir in enumerate(binaries.libdirs):
        shutil.copytree(libdir, target / f"libs{i}", symlinks=True)
        libdirs.append(target / f"libs{i}")
    for path in [target, *target.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    return Binaries(target / "bin", binaries.source, tuple(libdirs))


def _tail(path: Path, lines: int = 8) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextmanager
def temporary_server(binaries: Binaries | None = None, *, timeout: float = 30.0) -> Iterator[str]:
    """Start a private server and yield a libpq connection string for it; always stop and delete it."""
    binaries = binaries or find_binaries()
    if binaries is None:
        raise PostgresUnavailable(HOW_TO_GET_ONE)
    user = _run_as()
    # A short path: the socket's full name must fit in 107 bytes.
    root = Path(tempfile.mkdtemp(prefix="ba-pg-", dir="/tmp" if os.path.isdir("/tmp") else None))
    data, log = root / "data", root / "server.log"
    proc: subprocess.Popen[bytes] | None = None
    try:
        if user:
            import pwd

            entry = pwd.getpwnam(user)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        binaries = _reachable(binaries, user, root)
        initdb = [binaries.exe("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--no-sync",
                  "-E", "UTF8", "--locale=C"]
        try:
            subprocess.run(initdb, capture_output=True, text=True, timeout=timeout, check=True, user=user,
                           cwd=root, env=binaries.env())
        except subprocess.CalledProcessError as exc:
            raise PostgresUnavailable(f"initdb failed ({binaries.bindir}): {exc.stderr.strip()[-400:]}") from None
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PostgresUnavailable(f"initdb could not run ({binaries.bindir}): {exc}") from None
        command = [binaries.exe("postgres"), "-D", str(data), "-k", str(root), "-p", str(PORT),
                   "-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off",
                   "-c", "full_page_writes=off", "-c", "max_connections=20"]
        with open(log, "wb") as log_file:
            proc = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, user=user, cwd=root,
                                    env=binaries.env(), start_new_session=True)  # a terminal's Ctrl-C goes to us, and we stop it cleanly
        _wait_ready(proc, root, log, timeout)
        yield f"host={root} port={PORT} user=postgres dbname=postgres"
    finally:
        if proc is not None:
            _stop(proc)
        shutil.rmtree(root, ignore_errors=True)


def _wait_ready(proc: subprocess.Popen[bytes], root: Path, log: Path, timeout: float) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    socket = root / f".s.PGSQL.{PORT}"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise PostgresUnavailable(f"PostgreSQL exited at start (code {proc.returncode}): {_tail(log)}")
        if socket.exists():
            try:
                psycopg.connect(host=str(root), port=PORT, user="postgres", dbname="postgres", connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                pass  # the socket exists a moment before the server accepts connections
        time.sleep(0.05)
    raise PostgresUnavailable(f"PostgreSQL did not start within {timeout:.0f} s: {_tail(log)}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)  # "fast shutdown": roll back sessions, exit
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def error_text(exc: Exception) -> str:
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) or str(exc).strip().splitlines()[0]
    state = getattr(diag, "sqlstate", None)
    detail = getattr(diag, "message_detail", None)
    hint = getattr(diag, "message_hint", None)
    return (f"{primary}" + (f": {detail}" if detail else "") + (f" (SQLSTATE {state})" if state else "")
            + (f"; hint: {hint}" if hint else ""))
