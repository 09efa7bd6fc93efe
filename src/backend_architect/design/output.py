"""Writing a design to disk: everything rendered in memory first, then each file written atomically,
and never outside the output directory."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..render.adr import adr_files
from ..render.alembic import alembic_migration
from ..render.asyncapi import render_asyncapi_yaml
from ..render.markdown import render_markdown
from ..render.openapi import openapi_document
from ..render.services_yaml import render_services_yaml
from ..render.sql import render_sql
from ..render.files import OutputError, safe_filename, safe_relative_path, slugify, write_atomic
from ..spec import Design

__all__ = ["OutputError", "WrittenFile", "render_files", "safe_filename", "safe_relative_path", "slugify", "write_atomic",
           "write_design"]


@dataclass(frozen=True)
class WrittenFile:
    path: Path
    size: int
    what: str


MIGRATION = "migrations/versions/0001_initial.py"
# The files a run wrote, so the next run into the same directory removes only its own stale ones.
MANIFEST = ".backend-architect-files.json"


def render_files(design: Design, transcript: str | None = None) -> list[tuple[str, str, str]]:
    """(file name, content, what it is) for every artifact the design has."""
    from ..review.report import review_design, review_json, review_markdown

    findings = review_design(design)
    files = [("design.md", render_markdown(design) + "\n" + review_markdown(findings), "the design document"),
             ("design.json", design.model_dump_json(indent=2) + "\n", "the whole validated design"),
             ("review.json", review_json(findings), "findings of the review rules")]
    if design.api_specification is not None:
        doc = openapi_document(design.api_specification, description=design.brief.summary)
        files.append(("openapi.yaml", yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110),
                      "OpenAPI 3.1"))
    if design.database_schema is not None:
        files.append(("schema.sql", render_sql(design.database_schema), "PostgreSQL DDL"))
    if design.database_schema is not None:
        files.append((MIGRATION, alembic_migration(design.database_schema), "Alembic migration (upgrade/downgrade)"))
    if design.graphql is not None:
        files.append(("schema.graphql", design.graphql.sdl.rstrip() + "\n", "GraphQL SDL"))
    if design.microservices is not None:
        files.append(("services.yaml", render_services_yaml(design.microservices), "service architecture"))
        if design.microservices.events:
            files.append(("asyncapi.yaml", render_asyncapi_yaml(design.microservices, title=design.title),
                          "AsyncAPI 3.0 events"))
    for path, text in adr_files(design.decisions):
        files.append((path, text, "architecture decision record"))
    if transcript is not None:
        files.append(("transcript.jsonl", transcript, "every model request and response"))
    return files


def write_design(directory: Path, design: Design, transcript: str | None = None) -> list[WrittenFile]:
    files = render_files(design, transcript)
    directory.mkdir(parents=True, exist_ok=True)
    # Files of an earlier run that this run does not produce would mislead: remove them. Only files an
    # earlier run wrote (its manifest says which) are ever removed, never a person's own files.
    produced = {name for name, _, _ in files}
    for name in sorted(_previous_files(directory) - produced):
        try:
            path = safe_relative_path(directory, name)
        except OutputError:
            continue  # a tampered manifest names nothing we would touch
        if path.is_file():
            path.unlink()
            # Leave no empty folders behind (adr/, migrations/versions/): they would suggest content.
            parent = path.parent
            while parent != directory and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
    written = []
    for name, content, what in files:
        path = safe_relative_path(directory, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, content)
        written.append(WrittenFile(path=path, size=len(content.encode()), what=what))
    write_atomic(safe_relative_path(directory, MANIFEST), json.dumps(sorted(produced), indent=1) + "\n")
    return written


def _previous_files(directory: Path) -> set[str]:
    try:
        names = json.loads(safe_relative_path(directory, MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, OutputError):
        return set()
    return {n for n in names if isinstance(n, str)} if isinstance(names, list) else set()
