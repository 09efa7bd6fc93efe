"""The runner against a model scripted with respx: isolation, errors, resume, budgets."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
import respx

from backend_architect.llm.config import Settings
from backend_architect.evals.cache import MeteredTransport, ResponseCache
from backend_architect.evals.results import ResultStore, read_results
from backend_architect.evals.runner import EvalConfig, run_eval
from backend_architect.evals.suite import load_suites, select
from backend_architect.llm import make_client
from backend_architect.llm.builtin.model import BuiltinModel

from ..conftest import API_KEY, BASE_URL, completion

SUITE = """\
suite: scripted
cases:
  - id: todo
    brief: {title: Todo lists, requirements: [Users create lists and add tasks to a list.]}
    expect: {tables: [lists, tasks], parsimony: {min: 1, max: 1}}
  - id: limited
    brief: {title: Rate limited, requirements: [Users write notes.]}
  - id: garbage
    brief: {title: Garbage, requirements: [Users write notes.]}
  - id: blog
    brief: {title: Blog, requirements: [Authors write posts., Readers comment on posts.]}
    expect: {tables: [posts, comments]}
"""


class ScriptedServer:
    """The builtin model's answers over respx, except for the case titled 'Rate limited' (a persistent
    429 while `limited` is set) and the one titled 'Garbage' (a 200 whose body is not JSON)."""

    def __init__(self, knowledge):
        self.model = BuiltinModel(knowledge)
        self.limited = True
        self.asked: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        brief = body["messages"][1]["content"]
        title = next(line.split(": ", 1)[1] for line in brief.splitlines() if line.startswith("title: "))
        self.asked.append(title)
        if title == "Rate limited" and self.limited:
            return httpx.Response(429, json={"error": {"message": "rate limit reached"}}, headers={"retry-after": "0"})
        if title == "Garbage":
            return httpx.Response(200, content=b"<html>upstream garbage", headers={"content-type": "text/html"})
        return httpx.Response(200, json=self.model.complete(body))


def _run(tmp_path: Path, server: ScriptedServer, knowledge, persona, *, resume=False, cache=None, **limits):
    cases = select(load_suites([_suite(tmp_path)]), None)

    def factory(model: str):
        http = httpx.AsyncClient(transport=MeteredTransport(httpx.AsyncHTTPTransport(), httpx.Response, cache))
        return make_client(Settings(model=model, base_url=BASE_URL, api_key=API_KEY), http_client=http)

    config = EvalConfig(models=["gpt-4o-mini"], out_dir=tmp_path / "run", concurrency=3, resume=resume, **limits)
    with respx.mock() as mock:
        mock.post(f"{BASE_URL}/chat/completions").mock(side_effect=server)
        return asyncio.run(run_eval(cases, config, client_factory=factory, knowledge=knowledge, persona=persona))


def _suite(tmp_path: Path) -> Path:
    path = tmp_path / "scripted.yaml"
    if not path.exists():
        tmp_path.mkdir(parents=True, exist_ok=True)
        path.write_text(SUITE)
    return path


def _by_case(tmp_path: Path) -> dict[str, dict]:
    return {r["case"]: r for r in read_results(tmp_path / "run")}


def test_a_persistent_429_and_garbage_do_not_sink_the_run_and_resume_retries_the_error(tmp_path, knowledge, persona):
    server = ScriptedServer(knowledge)
    outcome = _run(tmp_path, server, knowledge, persona)
    assert outcome.ran == 4
    results = _by_case(tmp_path)
    assert results["todo"]["status"] == "scored" and results["todo"]["passed"]
    assert results["blog"]["status"] == "scored" and results["blog"]["passed"]
    limited = results["limited"]
    assert limited["status"] == "error" and "429" in limited["error"] and limited["requests"] == 3  # the one retry layer: 3 attempts
    garbage = results["garbage"]
    assert garbage["status"] == "scored" and not garbage["passed"] and garbage["design_status"] == "incomplete"
    assert garbage["score"] < 0.5 and "failure" in garbage
    assert results["todo"]["prompt_tokens"] > 0 and results["todo"]["cost_usd"] > 0

    server.limited, server.asked = False, []
    outcome = _run(tmp_path, server, knowledge, persona, resume=True)
    assert outcome.skipped == 3 and outcome.ran == 1
    assert set(server.asked) == {"Rate limited"}  # only the errored case ran again
    results = _by_case(tmp_path)
    assert results["limited"]["status"] == "scored" and results["limited"]["passed"]
    assert len(results) == 4


def test_a_rerun_through_the_cache_costs_nothing_and_scores_the_same(tmp_path, knowledge, persona):
    cache = ResponseCache(tmp_path / "cache")
    server = ScriptedServer(knowledge)
    server.limited = False
    _run(tmp_path / "a", server, knowledge, persona, cache=cache)
    first = _by_case(tmp_path / "a")
    server.asked = []
    _run(tmp_path / "b", server, knowledge, persona, cache=cache)
    second = _by_case(tmp_path / "b")
    assert set(server.asked) == {"Garbage"}  # not JSON: never cached
    for case in ("todo", "blog", "limited"):
        assert second[case]["score"] == first[case]["score"]
        assert second[case]["cost_usd"] == 0 and second[case]["cache_hits"] == second[case]["requests"] > 0


def test_a_case_token_budget_stops_that_case_only(tmp_path, knowledge, persona):
    server = ScriptedServer(knowledge)
    server.limited = False
    _run(tmp_path, server, knowledge, persona, max_case_tokens=1)
    results = _by_case(tmp_path)
    todo = results["todo"]
    assert todo["status"] == "scored" and todo["requests"] == 1 and "case token budget of 1 spent" in todo["failure"]


def test_a_run_budget_stops_new_cases_and_resume_runs_the_rest(tmp_path, knowledge, persona):
    server = ScriptedServer(knowledge)
    server.limited = False
    outcome = _run(tmp_path, server, knowledge, persona, max_run_tokens=1)
    assert outcome.stopped == "run token budget of 1 spent"
    assert all(r["status"] == "error" for r in read_results(tmp_path / "run") if r["case"] != "garbage")
    outcome = _run(tmp_path, server, knowledge, persona, resume=True)
    assert {r["status"] for r in read_results(tmp_path / "run")} == {"scored"}


def test_two_runs_cannot_append_to_one_results_file(tmp_path):
    first = ResultStore(tmp_path)
    first.open(resume=True)
    with pytest.raises(FileExistsError, match="another run is writing"):
        ResultStore(tmp_path).open(resume=True)
    first.close()
    ResultStore(tmp_path).open(resume=True)


class Killed(BaseException):
    """What SIGTERM becomes in `eval` (KeyboardInterrupt), without tripping pytest's own handling of it."""


def test_a_case_killed_midway_leaves_its_transcript_and_resumes_from_its_cache(tmp_path, knowledge, persona):
    cache = ResponseCache(tmp_path / "cache")
    server = ScriptedServer(knowledge)
    server.limited = False
    calls = {"n": 0}

    def dying(request):
        calls["n"] += 1
        if calls["n"] == 4:
            raise Killed
        return server(request)

    cases = [c for c in select(load_suites([_suite(tmp_path)]), None) if c.id == "todo"]

    def run(resume):
        def factory(model):
            http = httpx.AsyncClient(transport=MeteredTransport(httpx.AsyncHTTPTransport(), httpx.Response, cache))
            return make_client(Settings(model=model, base_url=BASE_URL, api_key=API_KEY), http_client=http)

        config = EvalConfig(models=["gpt-4o-mini"], out_dir=tmp_path / "run", concurrency=1, resume=resume)
        with respx.mock() as mock:
            mock.post(f"{BASE_URL}/chat/completions").mock(side_effect=dying)
            return asyncio.run(run_eval(cases, config, client_factory=factory, knowledge=knowledge,
                                        persona=persona))

    with pytest.raises(Killed):
        run(resume=False)
    transcript = next((tmp_path / "run" / "transcripts").glob("*.jsonl")).read_text().splitlines()
    kinds = [json.loads(line)["type"] for line in transcript]
    assert kinds.count("response") == 3 and kinds.count("request") == 4  # every answer received, as it came
    assert read_results(tmp_path / "run") == []  # the case did not end: no record, so --resume runs it

    calls["n"] = 100  # the server lives again
    run(resume=True)
    (record,) = read_results(tmp_path / "run")
    assert record["status"] == "scored" and record["passed"]
    assert record["cache_hits"] == 3  # the three answers it had were not asked for again


def test_eval_reaches_the_model_through_the_settings_of_design(tmp_path, monkeypatch):
    """`structured_output`, `max_attempts` and `deadline` from the config file apply to eval as to design."""
    from backend_architect.evals.runner import model_settings

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "backend-architect.toml").write_text('structured_output = "json_object"\nmax_attempts = 5\n'
                                                     'deadline = 900\ntimeout = 600\n')
    config = EvalConfig(models=["qwen2.5-coder"], out_dir=tmp_path / "run", base_url="http://127.0.0.1:9/v1")
    settings = model_settings("qwen2.5-coder", config)
    assert (settings.structured_output, settings.max_attempts, settings.deadline, settings.timeout) == (
        "json_object", 5, 900, 600)
    forced = model_settings("qwen2.5-coder", EvalConfig(models=[], out_dir=tmp_path, base_url="http://127.0.0.1:9/v1",
                                                        structured_output="text"))
    assert forced.structured_output == "text"
