"""`backend-architect eval …` and `backend-architect eval compare A B`, as a typer sub-app.

`eval SUITE… [options]` is short for `eval run SUITE… [options]`. Only typer is imported at
module level, so `backend-architect --help` stays fast.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    import click
    from rich.console import Console

__all__ = ["eval_app"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class _RunByDefault(TyperGroup):
    """`eval evals/ --model builtin` runs; `eval compare A B` compares."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h")):
            args = ["run", *args]
        return super().parse_args(ctx, args)


eval_app = typer.Typer(cls=_RunByDefault, help="Run eval suites over models, and compare runs.",
                       add_completion=False, pretty_exceptions_enable=False)


def _fail(console: Console, message: str, code: int) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


@eval_app.command("run")
def run(
    suites: Annotated[Optional[list[str]], typer.Argument(help="Suite files or directories [default: evals/].")] = None,
    model: Annotated[Optional[list[str]], typer.Option("--model", "-m", help="A model to evaluate; repeat for several "
                                                       "('builtin' for the offline model).")] = None,
    base_url: Annotated[Optional[str], typer.Option("--base-url", help="An OpenAI-compatible server.")] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", "-j", min=1, max=512, help="Cases in flight.")] = 4,
    repeat: Annotated[int, typer.Option("--repeat", min=1, max=100, help="Epochs per case (pass@k).")] = 1,
    filter_: Annotated[Optional[str], typer.Option("--filter", "-k", help="Glob or substring of suite/case or a tag.")] = None,
    min_score: Annotated[Optional[float], typer.Option("--min-score", min=0, max=1,
                                                       help="Exit 1 when a model's mean score is below this.")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Run directory "
                                                   "[default: eval-runs/<UTC time>].")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Finish the run in -o: run only what is missing "
                                         "or errored.")] = False,
    cache_dir: Annotated[Optional[Path], typer.Option("--cache-dir", help="Response cache "
                                                      "[default: ~/.cache/backend-architect/eval].")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not read or write the response cache.")] = False,
    judge: Annotated[Optional[str], typer.Option("--judge", help="A judge model for `rubric` expectations.")] = None,
    max_turns: Annotated[int, typer.Option("--max-turns", min=1, max=100, help="Turn budget per case.")] = 16,
    max_case_tokens: Annotated[Optional[int], typer.Option("--max-case-tokens", min=1)] = None,
    max_case_cost: Annotated[Optional[float], typer.Option("--max-case-cost", min=0, help="Dollars.")] = None,
    max_run_tokens: Annotated[Optional[int], typer.Option("--max-run-tokens", min=1)] = None,
    max_run_cost: Annotated[Optional[float], typer.Option("--max-run-cost", min=0, help="Dollars.")] = None,
    structured_output: Annotated[Optional[str], typer.Option(
        "--structured-output", metavar="MODE", help="Force how tool calls are obtained, as for `design`: tools, "
        "tools-strict, json_schema, json_object or text [default: the config file, else the model's profile].")] = None,
) -> None:
    """Run eval suites: each case's brief is designed by each model, then graded."""
    import asyncio

    from rich.console import Console

    from ..llm.config import ConfigError, resolve_settings
    from ..inputs.frontmatter import FrontMatterError
    from ..inputs.knowledge import load_knowledge
    from ..inputs.prompts import PersonaError, load_persona
    from ..evals.cache import ResponseCache, cache_dir_default
    from ..evals.report import render_table, write_reports
    from ..evals.results import read_results
    from ..evals.runner import EvalConfig, default_client_factory, run_eval
    from ..evals.suite import SuiteError, load_suites, select

    err = Console(stderr=True, soft_wrap=True)
    try:
        cases = select(load_suites(list(suites or ["evals"])), filter_)
        models = list(model or [resolve_settings(base_url=base_url).model])
        for name in models + ([judge] if judge else []):
            resolve_settings(model=name, base_url=base_url, structured_output=structured_output)
        persona = load_persona()
    except (SuiteError, ConfigError, PersonaError, FrontMatterError) as exc:
        raise _fail(err, str(exc), EXIT_USAGE) from None
    if not cases:
        raise _fail(err, f"no case matches --filter {filter_!r}", EXIT_USAGE)
    out = output or Path("eval-runs") / time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    cache = None if no_cache else ResponseCache(cache_dir or cache_dir_default())
    knowledge = load_knowledge()
    config = EvalConfig(models=models, out_dir=out, concurrency=concurrency, repeat=repeat, resume=resume,
                        judge_model=judge, max_turns=max_turns, max_case_tokens=max_case_tokens,
                        max_case_cost=max_case_cost, max_run_tokens=max_run_tokens, max_run_cost=max_run_cost,
                        base_url=base_url, structured_output=structured_output)
    progress = _Progress(err)
    import signal

    def terminated(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # SIGTERM (a `timeout`, a CI cancel) ends the run as Ctrl-C does

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        outcome = asyncio.run(run_eval(
            cases, config, client_factory=default_client_factory(base_url=base_url, cache=cache, knowledge=knowledge),
            knowledge=knowledge, persona=persona, on_result=progress.advance, on_plan=progress.start,
            on_event=progress.event))
    except FileExistsError as exc:
        raise _fail(err, str(exc), EXIT_USAGE) from None
    except KeyboardInterrupt:
        progress.stop()  # before printing, so the message is not drawn under the bar
        err.print(f"interrupted: the finished cases are in {out}/results.jsonl; `--resume -o {out}` runs the rest",
                  highlight=False)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
        progress.stop()
    records = read_results(out)
    report = write_reports(out, records)
    console = Console()
    for table in render_table(report):
        console.print(table)
    console.print(f"results in {out}/ (results.jsonl, report.json, report.md, junit.xml)", highlight=False)
    if outcome.stopped:
        err.print(f"[yellow]stopped:[/] {outcome.stopped}; --resume runs the rest", highlight=False)
    errors = sum(1 for r in records if r.get("status") == "error")
    if errors:
        err.print(f"[yellow]note:[/] {errors} case(s) ended in an error; `--resume -o {out}` retries them",
                  highlight=False)
    if min_score is not None:
        low = [m for m in report["models"] if m["mean_score"] < min_score]
        if low:
            names = ", ".join(f"{m['model']} {m['mean_score']:.3f}" for m in low)
            raise _fail(err, f"mean score below --min-score {min_score}: {names}", EXIT_FAILED)


@eval_app.command("compare")
def compare(
    run_a: Annotated[Path, typer.Argument(help="The baseline run (directory or results .jsonl).")],
    run_b: Annotated[Path, typer.Argument(help="The run to compare with it.")],
    alpha: Annotated[float, typer.Option("--alpha", min=0.0001, max=0.5, help="Significance level.")] = 0.05,
    all_rows: Annotated[bool, typer.Option("--all", help="Show unchanged cases too.")] = False,
    fail_on_regression: Annotated[bool, typer.Option("--fail-on-regression", help="Exit 1 when B is worse "
                                                     "than A beyond noise.")] = False,
) -> None:
    """Per-case score differences between two runs, and a paired t-test of the mean difference."""
    from rich.console import Console

    from ..evals.compare import compare_runs, render_comparison

    err = Console(stderr=True, soft_wrap=True)
    try:
        result = compare_runs(run_a, run_b, alpha=alpha)
    except FileNotFoundError as exc:
        raise _fail(err, str(exc), EXIT_USAGE) from None
    console = Console()
    for line in render_comparison(result, all_rows=all_rows):
        console.print(line, highlight=False)
    if fail_on_regression and result.regressed:
        raise typer.Exit(EXIT_FAILED)


class _Progress:
    """A progress bar with pass/fail/error counts and the running cost; one line a case when piped."""

    def __init__(self, console: Console):
        self.console = console
        self.counts = {"pass": 0, "fail": 0, "error": 0}
        self.cost = 0.0
        self.bar: Any = None
        self.task: Any = None
        self.lines: dict[str, Any] = {}

    def start(self, todo: int, done: int) -> None:
        if done:
            self.console.print(f"resuming: {done} case(s) already scored, {todo} to run", highlight=False)
        if self.console.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(TextColumn("eval"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("{task.description}"), TimeElapsedColumn(), console=self.console)
            self.task = self.bar.add_task(self._text(), total=todo)
            self.bar.start()

    def event(self, job: Any, event: Any) -> None:
        """A line when a request starts and when its answer comes, with elapsed time: printed when piped
        (a terminal has the bar), so a slow local model does not look like a hang in a CI log."""
        if self.bar is not None:
            return
        from ..design.progress import ProgressLines

        lines = self.lines.setdefault(job.key, ProgressLines())
        line = lines.line(event)
        if line:
            self.console.print(f"{job.key} {line}", highlight=False, markup=False)

    def _text(self) -> str:
        c = self.counts
        return f"[green]{c['pass']} pass[/] [red]{c['fail']} fail[/] [yellow]{c['error']} error[/] ${self.cost:.4f}"

    def advance(self, record: dict[str, Any]) -> None:
        self.lines.pop(record["key"], None)
        kind = "error" if record["status"] == "error" else "pass" if record.get("passed") else "fail"
        self.counts[kind] += 1
        self.cost += record.get("cost_usd") or 0.0
        if self.bar is not None:
            self.bar.update(self.task, advance=1, description=self._text())
        else:
            score = record.get("score")
            shown = f"{score:.3f}" if score is not None else record.get("error", "")
            self.console.print(f"{kind:5} {record['key']} {shown}", highlight=False, markup=False)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
