"""`review` and `verify`: the commands that check designs, ours or the ones people bring.

Listed on the app by `cli/lazy.py` (imported when they run); heavy modules are imported inside the commands so `--help` stays fast.
"""

from __future__ import annotations

import json
from contextlib import nullcontext
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from ..review import Bundle, Finding
    from ..checks.verify import VerifyReport

__all__ = ["review", "verify"]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class Severity(str, Enum):
    error = "error"
    warning = "warning"
    info = "info"


class Format(str, Enum):
    table = "table"
    json = "json"
    sarif = "sarif"


def _stderr() -> Console:
    """A console on stderr, made when there is something to say: importing rich is a fifth of a small review."""
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True)


def _error(console: Console, message: str, code: int) -> typer.Exit:
    from rich.markup import escape

    console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    return typer.Exit(code)


def review(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Design directories, OpenAPI 3.0/3.1 files (YAML or "
                                                          "JSON), PostgreSQL DDL files, services YAML files.")] = None,
    output_format: Annotated[Format, typer.Option("--format", "-f", help="table, json or sarif (SARIF 2.1.0).")] = Format.table,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the report to a file.")] = None,
    list_rules: Annotated[bool, typer.Option("--list-rules", help="List the rules and exit.")] = False,
    validate: Annotated[bool, typer.Option("--validate", help="Also validate OpenAPI documents against the "
                                           "OpenAPI schema (slow on large documents).")] = False,
    with_model: Annotated[bool, typer.Option("--with-model", help="Add a review in prose written by the model "
                                             "(the same settings as `design`).")] = False,
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="Model for --with-model.")] = None,
    base_url: Annotated[Optional[str], typer.Option("--base-url", help="Server for --with-model.")] = None,
    severity: Annotated[Optional[Severity], typer.Option("--severity", help="Report findings of this severity and "
                                                         "worse: error, warning or info (default: all).")] = None,
    rules: Annotated[Optional[list[str]], typer.Option("--rule", help="Only this rule (an id or a glob such as "
                                                       "'data-*'); repeat for more.")] = None,
    skip_rules: Annotated[Optional[list[str]], typer.Option("--skip-rule", help="Not this rule (an id or a glob); "
                                                            "repeat for more.")] = None,
    config: Annotated[Optional[Path], typer.Option("--config", help="Settings file (default: the nearest "
                                                   ".backend-architect.toml from here up to the repository root).")] = None,
    brief: Annotated[Optional[Path], typer.Option("--brief", "-b", help="The requirements brief (YAML, Markdown or "
                                                  "text) the files were built for: the brief-aware rules check them "
                                                  "against it. A design directory carries its own.")] = None,
) -> None:
    """Review designs: rules over the API, the database, the services, and across them."""
    from ..review.bundle import BriefUnreadable, attach_brief
    from ..review.filters import FilterError, Filters, load_config
    from ..review.load import InputError, load_paths

    if list_rules:
        from rich.console import Console

        _print_rules(Console(soft_wrap=True), output_format)
        return
    if not paths:
        raise _error(_stderr(), "give at least one path to review (or --list-rules)", EXIT_USAGE)
    try:
        settings = load_config(config)
        filters = Filters.build(settings, severity=severity.value if severity else None, rules=rules or [],
                                skip=skip_rules or [])
        bundle = load_paths(paths)
        if brief is not None:
            attach_brief(bundle, brief)
    except (InputError, FilterError, BriefUnreadable) as exc:
        raise _error(_stderr(), str(exc), EXIT_USAGE) from None
    from ..review import review_bundle
    from ..review.locate import add_lines, collapse_shared

    findings = review_bundle(bundle)
    if validate and bundle.openapi is not None:
        findings += _schema_findings(bundle.openapi, bundle.files.get("api"))
    findings = collapse_shared(add_lines(filters.apply(findings), bundle.sources))
    prose = _model_review(bundle, findings, model, base_url, _stderr()) if with_model else None
    from ..review.report import by_rule, write_report

    with open(output, "w", encoding="utf-8") if output else nullcontext(None) as handle:
        if output_format == Format.table:
            from ..review.report import write_text

            write_text(handle, findings, bundle.kinds, prose, colour=output is None)
        else:
            from .. import __version__

            if output_format == Format.sarif:
                from ..review import all_rules
                from ..review.sarif import sarif_log

                document = sarif_log(findings, all_rules(), version=__version__)
                if prose:
                    document["runs"][0]["properties"] = {"modelReview": prose}
            else:
                document = {"artifacts": bundle.kinds, "summary": {**_counts(findings), "by_rule": by_rule(findings)},
                            "findings": [f.to_dict() for f in findings], **({"model_review": prose} if prose else {})}
            write_report(handle, document)
    if any(f.severity == "error" for f in findings):
        raise typer.Exit(EXIT_FINDINGS)


def _counts(findings: list[Finding]) -> dict[str, int]:
    return {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}


def _print_rules(console: Console, output_format: Format) -> None:
    from rich.table import Table
    from rich.text import Text

    from ..review import all_rules

    rules = all_rules()
    if output_format != Format.table:
        typer.echo(json.dumps([{"id": r.id, "severity": r.severity, "artifact": r.artifact, "title": r.title,
                                "rationale": r.rationale} for r in rules], indent=2))
        return
    table = Table(title=f"{len(rules)} rules", title_justify="left")
    for column in ("id", "severity", "artifact", "what it checks; source"):
        table.add_column(column)
    for r in rules:
        table.add_row(r.id, r.severity, r.artifact, Text(f"{r.title}. {r.rationale}"))
    console.print(table)


def _schema_findings(document: dict[str, object], file: str | None) -> list[Finding]:
    from ..review import Finding
    from ..checks.validate import check_openapi

    version = str(document.get("openapi", ""))
    problems = check_openapi(document, version=version)
    return [Finding("api-oas-schema", "error", "api", "/", p, file=file) for p in problems]


def _model_review(bundle: Bundle, findings: list[Finding], model: str | None, base_url: str | None,
                  err: Console) -> str | None:
    import asyncio

    from ..llm.config import ConfigError, resolve_settings
    from ..review.prose import model_review

    try:
        settings = resolve_settings(model=model, base_url=base_url)
    except ConfigError as exc:
        raise _error(err, str(exc), EXIT_USAGE) from None
    try:
        return asyncio.run(model_review(bundle, findings, settings))
    except Exception as exc:  # noqa: BLE001 - the rule findings stand without the prose; say why it is missing
        from rich.markup import escape

        err.print(f"[yellow]warning:[/] no model review: {escape(str(exc))}", highlight=False)
        return None


def verify(
    path: Annotated[Path, typer.Argument(help="A design directory (its schema.sql) or a PostgreSQL DDL file.")],
    dsn: Annotated[Optional[str], typer.Option("--dsn", help="Your own PostgreSQL (libpq connection string); "
                                               "everything runs in a transaction that is rolled back.")] = None,
) -> None:
    """Apply schema.sql to a real, throwaway PostgreSQL and check the declared access patterns' plans."""
    from rich.console import Console

    from ..checks.pg import PostgresUnavailable
    from ..checks.verify import VerifyError, schema_file, verify_design

    err = Console(stderr=True, soft_wrap=True)
    try:
        sql_path = schema_file(path)
        report = verify_design(sql_path, dsn=dsn)
    except PostgresUnavailable as exc:
        raise _error(err, str(exc), EXIT_USAGE) from None
    except (VerifyError, OSError, UnicodeDecodeError) as exc:
        raise _error(err, str(exc), EXIT_USAGE) from None
    except ImportError as exc:
        raise _error(err, f"{exc.name or exc} is not installed: pip install 'backend-architect[verify]'",
                     EXIT_USAGE) from None
    print_verify(Console(soft_wrap=True), report, sql_path)
    if report.failures:
        raise typer.Exit(EXIT_FINDINGS)


def verify_written(out_dir: Path) -> None:
    """`design --verify`: verify the schema just written; exit 1 on failures, 2 when no server is available."""
    if not (out_dir / "schema.sql").is_file():
        return
    verify(out_dir, dsn=None)


def print_verify(console: Console, report: VerifyReport, sql_path: Path) -> None:
    from rich.markup import escape

    for s in report.statements:
        if s.skipped:
            console.print(f"[yellow]skip[/] {escape(f'{sql_path.name}:{s.line}: {s.label}')}\n     "
                          f"{escape(s.error or '')} (a contrib module this throwaway server lacks)", highlight=False)
        if not s.ok:
            console.print(f"[red]FAIL[/] {escape(f'{sql_path.name}:{s.line}: {s.label}')}\n     {escape(s.error or '')}",
                          highlight=False)
    for c in report.checks:
        mark = "[green]ok[/]  " if c.ok else "[red]FAIL[/]"
        console.print(f"{mark} access pattern {escape(c.name)}: {escape(c.message)}", highlight=False)
    applied = sum(s.ok for s in report.statements)
    console.print(f"PostgreSQL {report.server}: {applied}/{len(report.statements)} statements applied"
                  + (f", {sum(c.ok for c in report.checks)}/{len(report.checks)} access patterns use their index"
                     if report.checks else ""), highlight=False)
