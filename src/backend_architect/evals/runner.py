"""The eval runner: cases × models × epochs with bounded concurrency, isolated, resumable.

A fixed pool of workers pulls jobs from one iterator, so memory holds only the cases in flight
(no task per case, no designs kept). Each finished case is appended to results.jsonl at once.
A case that the server stopped (rate limit, 5xx, connection) is recorded with status "error":
the rest of the run goes on, and `--resume` runs it again.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..llm.transcript import Transcript
from .cache import CURRENT_METER, Meter, MeteredTransport, ResponseCache, RunBudget
from .graders import grade_design
from .graders.judge import Judge
from .results import ResultStore, record_key
from .suite import Case

if TYPE_CHECKING:
    from openai import AsyncOpenAI

    from ..inputs.knowledge import KnowledgeBase
    from ..llm.config import Settings
    from ..inputs.prompts import Persona
    from ..design.tools import ToolRegistry

__all__ = ["ClientFactory", "EvalConfig", "Job", "RunOutcome", "default_client_factory", "jobs_for", "run_eval"]

ClientFactory = Callable[[str], "AsyncOpenAI"]


@dataclass
class EvalConfig:
    models: list[str]
    out_dir: Path
    concurrency: int = 4
    repeat: int = 1
    resume: bool = False
    judge_model: str | None = None
    max_turns: int = 16
    max_case_tokens: int | None = None
    max_case_cost: float | None = None
    max_run_tokens: int | None = None
    max_run_cost: float | None = None
    # The model settings `design` uses (retry policy, structured-output profile, timeout), per model name.
    base_url: str | None = None
    structured_output: str | None = None
    transcripts: bool = True  # each case's requests and answers in transcripts/, appended as they happen


@dataclass(frozen=True)
class Job:
    case: Case
    model: str
    epoch: int

    @property
    def key(self) -> str:
        return record_key(self.case.suite, self.case.id, self.model, self.epoch)


@dataclass
class RunOutcome:
    records: list[dict[str, Any]] = field(default_factory=list)
    ran: int = 0
    skipped: int = 0
    stopped: str | None = None


def jobs_for(cases: list[Case], models: list[str], repeat: int) -> list[Job]:
    return [Job(case, model, epoch) for model in models for case in cases for epoch in range(1, repeat + 1)]


def default_client_factory(*, base_url: str | None, cache: ResponseCache | None,
                           knowledge: KnowledgeBase) -> ClientFactory:
    """Clients for real servers keep the SDK's fast httpx2 transport, wrapped by the meter and cache."""
    import httpx2

    from ..llm.config import BUILTIN, Settings, resolve_settings
    from ..llm import make_client

    def factory(model: str) -> AsyncOpenAI:
        if model == BUILTIN:
            from ..llm.builtin.model import BuiltinModel
            from ..llm.builtin.transport import BuiltinTransport

            inner: Any = BuiltinTransport(BuiltinModel(knowledge))
            settings = Settings(model=BUILTIN)
        else:
            inner = httpx2.AsyncHTTPTransport(limits=httpx2.Limits(max_connections=1000, max_keepalive_connections=200))
            settings = resolve_settings(model=model, base_url=base_url)
        transport: Any = MeteredTransport(inner, httpx2.Response, cache)  # duck-types httpx2's AsyncBaseTransport
        http = httpx2.AsyncClient(transport=transport, timeout=settings.timeout)
        return make_client(settings, http_client=http)

    return factory


async def run_eval(cases: list[Case], config: EvalConfig, *, client_factory: ClientFactory,
                   knowledge: KnowledgeBase, persona: Persona,
                   on_result: Callable[[dict[str, Any]], None] = lambda r: None,
                   on_plan: Callable[[int, int], None] = lambda todo, done: None,
                   on_event: Callable[[Job, Any], None] = lambda job, event: None) -> RunOutcome:
    store = ResultStore(config.out_dir)
    existing = store.open(resume=config.resume)
    done = {r["key"] for r in existing if r.get("status") == "scored"}
    jobs = [j for j in jobs_for(cases, config.models, config.repeat) if j.key not in done]
    outcome = RunOutcome(skipped=len(done))
    on_plan(len(jobs), len(done))
    budget = RunBudget(max_tokens=config.max_run_tokens, max_cost=config.max_run_cost)
    clients = {model: client_factory(model) for model in config.models}
    judge = Judge(client_factory(config.judge_model), config.judge_model) if config.judge_model else None
    registry = _registry()
    pending = iter(jobs)

    async def worker() -> None:
        for job in pending:
            if budget.exhausted:
                outcome.stopped = budget.exhausted
                return
            record = await run_case(job, clients[job.model], config, budget, knowledge, persona, judge, registry,
                                    on_event=on_event)
            store.append(record)
            outcome.records.append(_summary(record))
            outcome.ran += 1
            on_result(record)

    try:
        await asyncio.gather(*(worker() for _ in range(max(1, min(config.concurrency, len(jobs))))))
    finally:
        store.close()
        for client in clients.values():
            await client.close()
        if judge:
            await judge.client.close()
    return outcome


def _registry() -> ToolRegistry:
    """One tool registry for the run, its JSON schemas built once: pydantic generates them afresh on
    every call, which costs more CPU per case than the rest of the runner."""
    from ..design.tools import default_registry

    registry = default_registry()
    built: dict[tuple[tuple[str, ...] | None, bool, bool], list[dict[str, Any]]] = {}
    schemas = registry.schemas

    def cached(names: Any = None, compact: bool = False, small: bool = False) -> list[dict[str, Any]]:
        key = (tuple(names) if names is not None else None, compact, small)
        if key not in built:
            built[key] = schemas(names, compact, small)
        return built[key]

    registry.schemas = cached  # type: ignore[method-assign]
    return registry


def _summary(record: dict[str, Any]) -> dict[str, Any]:
    # What the caller keeps per case: no reasons, no grades, so memory stays flat over long runs.
    return {k: record.get(k) for k in ("key", "status", "score", "passed")}


async def run_case(job: Job, client: AsyncOpenAI, config: EvalConfig, budget: RunBudget,
                   knowledge: KnowledgeBase, persona: Persona, judge: Judge | None,
                   registry: ToolRegistry | None = None,
                   on_event: Callable[[Job, Any], None] = lambda job, event: None) -> dict[str, Any]:
    from ..design.agent import Budgets, run_design
    from ..design.events import RunFailed, RunFinished
    from ..llm.client import retry_policy
    from ..llm.config import BUILTIN
    from ..llm.profiles import resolve_profile

    meter = Meter(job.model, salt=f"epoch={job.epoch}" if config.repeat > 1 else "",
                  max_tokens=config.max_case_tokens, max_cost=config.max_case_cost, run=budget)
    token = CURRENT_METER.set(meter)
    started = time.perf_counter()
    record: dict[str, Any] = {"key": job.key, "suite": job.case.suite, "case": job.case.id, "model": job.model,
                              "epoch": job.epoch}
    transcript = _case_transcript(config, job)
    try:
        final: RunFinished | RunFailed | None = None
        settings = model_settings(job.model, config)
        async for event in run_design(job.case.brief, client=client, model=job.model, persona=persona,
                                      knowledge=knowledge, budgets=Budgets(max_turns=config.max_turns),
                                      registry=registry, builtin=job.model == BUILTIN, transcript=transcript,
                                      retry=retry_policy(settings), base_url=settings.base_url,
                                      profile=resolve_profile(job.model, settings.structured_output),
                                      phased=settings.phases):
            on_event(job, event)
            if isinstance(event, (RunFinished, RunFailed)):
                final = event
        assert final is not None
        design = final.design.model_dump(mode="json")
        stopped_by_run = meter.budget_stop is not None and meter.budget_stop == budget.exhausted
        if isinstance(final, RunFailed) and (stopped_by_run or (meter.transport_error and not meter.budget_stop)):
            record.update(status="error", error=final.reason)
        else:
            grades = await grade_design(design, job.case.expect, judge=judge)
            counted = [g for g in grades if not g.error]
            score = sum(g.score for g in counted) / len(counted) if counted else 0.0
            record.update(status="scored", score=round(score, 4), passed=score >= job.case.pass_threshold,
                          threshold=job.case.pass_threshold, grades=[g.as_dict() for g in grades],
                          design_status=design["status"])
            if final.design.failure:
                record["failure"] = final.design.failure[:500]
    except Exception as exc:  # noqa: BLE001 - one case's crash is recorded; the run goes on
        record.update(status="error", error=f"{type(exc).__name__}: {exc}"[:500])
    finally:
        CURRENT_METER.reset(token)
        if transcript is not None:
            transcript.close()
    record.update(latency_s=round(time.perf_counter() - started, 3), requests=meter.requests,
                  cache_hits=meter.cache_hits, prompt_tokens=meter.prompt_tokens,
                  completion_tokens=meter.completion_tokens,
                  cost_usd=None if meter.cost is None else round(meter.cost, 6))
    return record


def model_settings(model: str, config: EvalConfig) -> Settings:
    """The settings `design` would use for `model`: the config file's retry policy, timeout and mode, the
    --structured-output flag over them."""
    from ..llm.config import BUILTIN, ConfigError, Settings, resolve_settings

    if model == BUILTIN:
        return Settings(model=BUILTIN)
    try:
        return resolve_settings(model=model, base_url=config.base_url, structured_output=config.structured_output)
    except ConfigError:  # a client factory that brings its own server (tests, a library caller)
        return Settings(model=model, base_url=config.base_url, structured_output=config.structured_output)


class _AppendingTranscript(Transcript):
    """A case's transcript, each record appended and flushed as it happens: a case killed midway (SIGTERM,
    a crash) still shows every answer it received."""

    def __init__(self, path: Path):
        super().__init__()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8")

    def record(self, kind: str, turn: int, body: Any) -> None:
        super().record(kind, turn, body)
        self._file.write(self.lines[-1] + "\n")
        self._file.flush()
        self.lines.clear()  # the file holds them; memory stays flat over long runs

    def close(self) -> None:
        self._file.close()


def _case_transcript(config: EvalConfig, job: Job) -> _AppendingTranscript | None:
    if not config.transcripts:
        return None
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", job.key).strip("_")[:180]
    return _AppendingTranscript(config.out_dir / "transcripts" / f"{name}.jsonl")
