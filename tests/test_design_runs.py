"""`design` runs that go wrong, as a person meets them: a kill at any point, SIGTERM from `timeout`, a server
that refuses the key, a person's files in the way, a bad output path. Nothing a person made is lost."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest
from typer.testing import CliRunner

from backend_architect.cli.app import app
from backend_architect.llm.builtin.model import BuiltinModel
from backend_architect.llm.builtin.server import BuiltinServer

from .conftest import EXAMPLES
from .test_staging import leftovers, snapshot

runner = CliRunner()
SHOP, SHORTENER = EXAMPLES / "online-shop.yaml", EXAMPLES / "url-shortener.yaml"


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "BACKEND_ARCHITECT_MODEL"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def earlier(tmp_path):
    """A directory holding a complete design (of another brief) and the person's own notes."""
    out = tmp_path / "out"
    result = runner.invoke(app, ["design", str(SHORTENER), "-o", str(out)])
    assert result.exit_code == 0, result.output
    (out / "notes.txt").write_text("my notes about the design\n")
    return out


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in {"OPENAI_API_KEY", "OPENAI_BASE_URL",
                                                             "BACKEND_ARCHITECT_MODEL"}}


class _Stalls(BuiltinModel):
    """The builtin model over HTTP that answers `answers` requests, then never answers again (a slow server)."""

    def __init__(self, answers: int):
        super().__init__()
        self.answers, self.seen = answers, 0
        self.stalled, self.release = threading.Event(), threading.Event()

    def respond(self, method, path, body):  # type: ignore[no-untyped-def]
        if method == "POST" and path.endswith("/chat/completions"):  # not the context-window probes (/api/show)
            self.seen += 1
            if self.seen > self.answers:
                self.stalled.set()
                self.release.wait(60)
        return super().respond(method, path, body)


class _Refuses(BuiltinModel):
    def respond(self, method, path, body):  # type: ignore[no-untyped-def]
        return 401, "application/json", json.dumps({"error": {"message": "Incorrect API key provided",
                                                               "type": "invalid_request_error"}}).encode()


@pytest.mark.parametrize(("sig", "reason"), [(signal.SIGTERM, "stopped by SIGTERM"),
                                             (signal.SIGINT, "interrupted (Ctrl-C)")])
def test_sigterm_from_timeout_keeps_every_answer_and_the_valid_parts(earlier, tmp_path, sig, reason):
    before = snapshot(earlier)
    model = _Stalls(answers=4)
    with BuiltinServer(model=model) as server:
        proc = subprocess.Popen([sys.executable, "-m", "backend_architect", "design", str(SHOP), "-o", str(earlier),
                                 "--base-url", server.base_url, "--model", "served"],
                                env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert model.stalled.wait(90), "the run never reached its fifth request"
            kept = tmp_path / ".out.staging-" f"{proc.pid}" / "transcript.jsonl"
            # Appended as it happens: the four answers are on disk while the fifth request waits.
            assert [json.loads(line)["type"] for line in kept.read_text().splitlines()].count("response") == 4
            proc.send_signal(sig)
            _, err = proc.communicate(timeout=60)
        finally:
            model.release.set()
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 128 + sig, err
    assert snapshot(earlier) == before  # byte for byte, the person's notes included
    incomplete = tmp_path / "out.incomplete"
    lines = [json.loads(line) for line in (incomplete / "transcript.jsonl").read_text().splitlines()]
    assert [line["type"] for line in lines].count("response") == 4
    assert lines[-1]["type"] == "outcome" and lines[-1]["body"]["status"] == "interrupted"
    design = json.loads((incomplete / "design.json").read_text())
    assert design["status"] == "incomplete" and design["failure"] == reason
    assert design["database_schema"] and (incomplete / "schema.sql").exists()  # accepted before the kill
    assert err.count(reason) == 1 and "out.incomplete" in err and "is unchanged" in err
    assert leftovers(tmp_path) == []


# Each of these is one step of the run that changes the file system (or the transcript); the run is killed
# with SIGKILL just before the Nth. KILL_AFTER=0 counts the steps instead.
_KILLER = r"""
import os, signal, sys
limit, steps = int(os.environ["KILL_AFTER"]), [0]

def step():
    steps[0] += 1
    if steps[0] == limit:
        os.kill(os.getpid(), signal.SIGKILL)

def counted(owner, name):
    real = getattr(owner, name)
    def wrapper(*args, **kwargs):
        step()
        if not limit and (name == "_exchange" or (name == "replace" and ".moving-in" in str(args[0]))):
            sys.stderr.write(f"\nSWAP {steps[0]}\n")  # the step that makes the new design the one in place
        return real(*args, **kwargs)
    setattr(owner, name, wrapper)

for name in ("replace", "rename", "link", "symlink", "mkdir", "unlink", "rmdir", "fchmod"):
    counted(os, name)
from backend_architect.design import staging
from backend_architect.llm.transcript import Transcript
counted(staging, "_exchange")
counted(Transcript, "record")
if not limit:
    import atexit
    atexit.register(lambda: sys.stderr.write(f"\nSTEPS {steps[0]}\n"))
from backend_architect.cli import main
sys.argv = ["backend-architect", *sys.argv[1:]]
main()
"""


def _killed_run(out, kill_after: int, cwd) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _KILLER, "design", str(SHOP), "-o", str(out)], cwd=cwd,
                          env={**_env(), "KILL_AFTER": str(kill_after)}, capture_output=True, text=True, timeout=120)


def _the_new_design_whole(files: dict[str, bytes], notes: bytes) -> bool:
    """Every file the new run's manifest names is there, nothing of ours else, the person's notes untouched."""
    listed = set(json.loads(files[".backend-architect-files.json"]))
    design = json.loads(files["design.json"])
    return (set(files) == listed | {".backend-architect-files.json", "notes.txt"} and files["notes.txt"] == notes
            and design["status"] == "complete" and design["title"] == "Online shop")


@pytest.mark.parametrize("swap", ["exchange", "in place"])
def test_sigkill_at_random_points_never_damages_the_earlier_design(earlier, tmp_path, swap):
    """Killed anywhere, the run leaves the earlier design or the new one whole, once the next run has looked:
    swapped in one step, or (run from inside the directory) moved in by a plan the next run finishes."""
    from backend_architect.design.output import prepare

    cwd = earlier if swap == "in place" else tmp_path

    pristine = tmp_path / "pristine"
    shutil.copytree(earlier, pristine, symlinks=True)
    before = snapshot(pristine)
    counting = _killed_run(earlier, 0, cwd)
    assert counting.returncode == 0, counting.stderr
    total = int(counting.stderr.rsplit("STEPS ", 1)[1])
    swap = int(counting.stderr.split("SWAP ", 1)[1].split()[0])
    assert _the_new_design_whole(snapshot(earlier), before["notes.txt"])
    seed = int(os.environ.get("KILL_SEED", random.randrange(1 << 30)))
    # Random points, and those either side of the swap.
    points = sorted(set(random.Random(seed).sample(range(1, total + 1), 2)) | {swap - 1, swap, swap + 1, swap + 3})
    outcomes = set()
    for point in points:
        shutil.rmtree(earlier)  # (the in-place run's cwd: recreated at the same path, which is what it gets)
        shutil.copytree(pristine, earlier, symlinks=True)
        killed = _killed_run(earlier, point, cwd)
        assert killed.returncode == -signal.SIGKILL, (point, killed.stderr)
        if swap == "exchange":  # at every instant one complete design, the earlier or the new one
            now = snapshot(earlier)
            assert now == before or _the_new_design_whole(now, before["notes.txt"]), \
                f"killed before step {point} of {total} (KILL_SEED={seed})"
        prepare(earlier).discard()  # the next run's first step cleans (or finishes) what the killed one left
        assert leftovers(tmp_path) == [], point
        now = snapshot(earlier)
        assert now == before or _the_new_design_whole(now, before["notes.txt"]), \
            f"killed before step {point} of {total} (KILL_SEED={seed})"
        outcomes.add("earlier" if now == before else "new")
    assert outcomes == {"earlier", "new"}  # killed just before the swap, and just after it


def test_a_server_refusing_the_key_leaves_the_design_and_says_why_once(earlier, tmp_path):
    before = snapshot(earlier)
    with BuiltinServer(model=_Refuses()) as server:
        result = runner.invoke(app, ["design", str(SHOP), "-o", str(earlier), "--base-url", server.base_url,
                                     "--model", "gpt-test"], env={"OPENAI_API_KEY": "sk-wrong-0123456789"})
    assert result.exit_code == 1
    assert snapshot(earlier) == before
    assert result.stderr.count("401") == 1 and "stopped:" not in result.stderr
    kept = tmp_path / "out.incomplete"
    assert sorted(p.name for p in kept.iterdir()) == [".backend-architect-files.json", "design.json",
                                                      "transcript.jsonl"]
    assert "sk-wrong-0123456789" not in (kept / "transcript.jsonl").read_text()


def test_a_persons_design_md_stops_the_run_before_any_request_unless_forced(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "design.md").write_text("# written by hand\n")
    (out / "notes.txt").write_text("notes\n")
    closed = "http://127.0.0.1:9/v1"  # a request would fail with "cannot reach": none must be made
    result = runner.invoke(app, ["design", str(SHOP), "-o", str(out), "--base-url", closed, "-m", "gpt-test"])
    assert result.exit_code == 2
    assert str(out / "design.md") in result.stderr and "--force" in result.stderr
    assert "cannot reach" not in result.stderr and "designing" not in result.stderr
    assert (out / "design.md").read_text() == "# written by hand\n" and sorted(os.listdir(tmp_path)) == ["mine"]

    result = runner.invoke(app, ["design", str(SHOP), "-o", str(out), "--force"])
    assert result.exit_code == 0, result.output
    assert (out / "design.md").read_text().startswith("> Generated by the builtin")
    assert (out / "notes.txt").read_text() == "notes\n"


@pytest.mark.parametrize("problem", ["a file", "read-only", "full"])
def test_a_bad_output_path_fails_with_exit_2_before_any_request(tmp_path, monkeypatch, problem):
    from backend_architect.design import staging

    out = tmp_path / "out"
    if problem == "a file":
        out.write_text("x")
    elif problem == "read-only":
        real = os.mkdir
        monkeypatch.setattr(staging.os, "mkdir", lambda p, *a, **k: (_ for _ in ()).throw(
            OSError(30, "Read-only file system")) if ".staging-" in str(p) else real(p, *a, **k))
    else:
        monkeypatch.setattr(staging.shutil, "disk_usage", lambda p: type("U", (), {"free": 1024})())
    started = time.monotonic()
    result = runner.invoke(app, ["design", str(SHOP), "-o", str(out), "--base-url", "http://127.0.0.1:9/v1",
                                 "-m", "gpt-test"])
    assert result.exit_code == 2, result.output
    assert "cannot write the design" in result.stderr and "cannot reach" not in result.stderr
    assert {"a file": "not a directory", "read-only": "Read-only", "full": "MB free"}[problem] in result.stderr
    assert time.monotonic() - started < 30
    assert sorted(os.listdir(tmp_path)) == (["out"] if problem == "a file" else [])


@pytest.mark.parametrize("brief", ["title: Only a title\n", "# Only a title\n"])
def test_a_brief_with_nothing_but_a_title_is_exit_2_and_writes_nothing(tmp_path, brief):
    path = tmp_path / ("brief.yaml" if brief.startswith("title") else "brief.md")
    path.write_text(brief)
    result = runner.invoke(app, ["design", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "nothing else to design" in result.stderr and result.stderr.count("error:") == 1
    assert sorted(os.listdir(tmp_path)) == [path.name]


# The in-process builtin model stuck in its third answer (as a builtin bug could leave it).
_STUCK = r"""
import sys, threading
from backend_architect.llm.builtin.model import BuiltinModel
real, seen = BuiltinModel.respond, [0]
def respond(self, method, path, body):
    seen[0] += 1
    if seen[0] == 3:
        threading.Event().wait()
    return real(self, method, path, body)
BuiltinModel.respond = respond
from backend_architect.cli import main
sys.argv = ["backend-architect", *sys.argv[1:]]
main()
"""


def test_sigterm_stops_a_run_while_the_builtin_model_is_busy(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-c", _STUCK, "design", str(SHOP), "-o", str(out)], env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    transcript = tmp_path / f".out.staging-{proc.pid}" / "transcript.jsonl"
    try:
        deadline = time.monotonic() + 90
        while not (transcript.exists() and transcript.read_text().count('"type": "request"') == 3):
            assert time.monotonic() < deadline and proc.poll() is None, "the third request was never sent"
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)  # not stuck with the model
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM, err
    kept = tmp_path / "out.incomplete"
    assert json.loads((kept / "design.json").read_text())["failure"] == "stopped by SIGTERM"
    assert (kept / "transcript.jsonl").read_text().count('"type": "response"') == 2
    assert not out.exists() and leftovers(tmp_path) == []
