"""Writing a design to disk: everything rendered in memory first, written into a staging directory
(each file atomically, never outside it), then swapped into the target's place as a whole."""

from __future__ import annotations

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
from .staging import MANIFEST, MIGRATION, OutputConflict, Staging, WrittenFile, prepare

__all__ = ["MANIFEST", "MIGRATION", "OutputConflict", "OutputError", "Staging", "WrittenFile", "has_content",
           "incomplete_files", "prepare", "render_files", "safe_filename", "safe_relative_path", "slugify",
           "write_atomic", "write_design"]


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


def has_content(design: Design) -> bool:
    """Whether a design holds anything the model got accepted: otherwise its files would be empty shells."""
    return any(value for value in (design.api_specification, design.database_schema, design.microservices,
                                   design.graphql, design.capacity, design.performance, design.decisions))


def incomplete_files(design: Design) -> list[tuple[str, str, str]]:
    """What a failed run keeps: every valid part rendered, or, with nothing valid, only a short design.json
    that says why (no design.md or review.json describing nothing)."""
    if has_content(design):
        return render_files(design)
    short = design.model_dump_json(indent=2, include={"title", "status", "failure", "generated_by"})
    return [("design.json", short + "\n", "why the run stopped (nothing valid was produced)")]


def write_design(directory: Path, design: Design, transcript: str | None = None, *,
                 force: bool = False) -> list[WrittenFile]:
    """Write a design in `directory`'s place as one step (see design/staging.py): a person's files stay,
    and a person's file with one of our names stops it (OutputConflict) unless `force`."""
    files = render_files(design, transcript)
    staging = prepare(directory, force=force, check_names=False)
    try:
        return staging.commit(files)
    finally:
        staging.discard()
