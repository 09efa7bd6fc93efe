"""Reading what people bring into a `Bundle`: design directories, OpenAPI files, DDL, services YAML.

Unreadable paths raise `InputError` (the CLI exits 2); files that are read but cannot be
understood become `input-unparsable` findings, so one bad file does not hide the others' findings.
An OpenAPI file's refs to other files are followed (`refs.py`) within its directory tree; every
file read keeps its parse tree (`locate.py`) so findings get their line and column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .bundle import Bundle
from .engine import Finding
from .locate import SourceSet, SqlPlaces
from .read import ReadError, decode, is_sql, parse_structured, read_bytes

__all__ = ["InputError", "load_paths"]

DESIGN_FILES = ("openapi.yaml", "openapi.json", "schema.sql", "services.yaml")


class InputError(Exception):
    pass


def _problem(path: Path, message: str, line: int | None = None, column: int | None = None,
             rule_id: str = "input-unparsable", severity: str = "error") -> Finding:
    return Finding(rule_id, severity, "input", str(path), message, file=str(path), line=line,  # type: ignore[arg-type]
                   column=column)


def _read(path: Path) -> tuple[str, bool]:
    """The text of a file and whether it is SQL."""
    try:
        data = read_bytes(path)
        sql = is_sql(path, data[:65536].decode("utf-8", "replace"))
        return decode(data, path, sql=sql), sql
    except ReadError as exc:
        raise InputError(str(exc)) from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


def load_paths(paths: list[Path]) -> Bundle:
    bundle = Bundle(sources=SourceSet())
    for path in paths:
        if path.is_dir():
            _load_directory(bundle, path)
        elif path.exists():
            _load_file(bundle, path)
        else:
            raise InputError(f"{path}: no such file or directory")
    return bundle


def _load_directory(bundle: Bundle, directory: Path) -> None:
    design = directory / "design.json"
    if design.is_file():
        _load_file(bundle, design)
        return
    found = [directory / name for name in DESIGN_FILES if (directory / name).is_file()]
    if not found:
        raise InputError(f"{directory}: no design.json, openapi.yaml, schema.sql or services.yaml in it")
    for path in found:
        _load_file(bundle, path)


def _load_file(bundle: Bundle, path: Path) -> None:
    text, sql = _read(path)
    if sql:
        _load_ddl(bundle, path, text)
        return
    try:
        doc, tree = parse_structured(text, path)
    except ReadError as exc:
        bundle.problems.append(_problem(path, str(exc)))
        return
    bundle.sources.add(str(path), tree)
    if isinstance(doc, dict) and "openapi" in doc:
        version = str(doc.get("openapi"))
        if not version.startswith("3."):
            bundle.problems.append(_problem(path, f"OpenAPI {version} is not supported; review reads 3.0 and 3.1"))
        elif _set(bundle, "api", path, "openapi", doc):
            _follow_refs(bundle, path, text, doc)
    elif isinstance(doc, dict) and "swagger" in doc:
        bundle.problems.append(_problem(path, "Swagger 2.0 is not supported; convert it to OpenAPI 3 first"))
    elif isinstance(doc, dict) and "generated_by" in doc and "brief" in doc:
        _load_design(bundle, path, doc)
    elif isinstance(doc, dict) and isinstance(doc.get("microservices"), list):
        try:
            _set(bundle, "services", path, "services", services_from_document(doc))
        except (TypeError, ValueError, AttributeError) as exc:
            bundle.problems.append(_problem(path, f"not a services document of the expected shape: {exc}"))
    else:
        bundle.problems.append(_problem(path, "neither an OpenAPI 3 document, a services YAML, a design.json nor DDL"))


def _follow_refs(bundle: Bundle, path: Path, text: str, doc: dict[str, Any]) -> None:
    """Refs to other files: followed within the document's directory tree; each one that cannot be is a finding."""
    from .refs import RefResolver, has_external_refs

    if not has_external_refs(text):
        return

    def load(other: Path) -> Any:
        data, tree = parse_structured(decode(read_bytes(other), other, sql=False), other)
        bundle.sources.add(str(other), tree)
        return data

    bundle.refs = resolver = RefResolver(path, doc, load)
    bundle.sources.resolve_file = resolver.path_of
    resolver.check_all()


def _set(bundle: Bundle, kind: str, path: Path, attr: str, value: Any) -> bool:
    if getattr(bundle, attr) is not None:
        bundle.problems.append(_problem(path, f"a second {kind} artifact; review one design at a time"))
        return False
    setattr(bundle, attr, value)
    bundle.files[kind] = str(path)
    return True


def _load_ddl(bundle: Bundle, path: Path, text: str) -> None:
    from .ddl import DdlError, read_ddl

    try:
        result = read_ddl(text)
    except DdlError as exc:
        bundle.problems.append(_problem(path, str(exc), *(exc.place or (None, None))))
        return
    for rule_id, severity, (line, column), message in result.notes:
        bundle.problems.append(_problem(path, message, line, column, rule_id, severity))
    if _set(bundle, "data", path, "data", result.schema):
        bundle.lines["data"] = {name: place[0] for name, place in result.places.items()}
        bundle.sources.add(str(path), SqlPlaces(result.places))


def _load_design(bundle: Bundle, path: Path, doc: dict[str, Any]) -> None:
    from pydantic import ValidationError

    from ..spec import Design

    try:
        design = Design.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(map(str, first["loc"]))
        bundle.problems.append(_problem(path, f"not a valid design.json ({exc.error_count()} errors; first at {where}: "
                                              f"{first['msg']})"))
        return
    fill_from_design(bundle, design, path.parent, path)


def fill_from_design(bundle: Bundle, design: Any, directory: Path | None = None, source: Path | None = None) -> None:
    """Put a `Design`'s artifacts in the bundle; files beside it (openapi.yaml, ...) are named as their sources."""
    from ..render.openapi import openapi_document

    def beside(name: str) -> Path:
        candidate = directory / name if directory is not None else None
        return candidate if candidate is not None and candidate.is_file() else (source or Path(name))

    bundle.brief = design.brief
    bundle.traceability = list(design.traceability) if design.status == "complete" else None
    bundle.capacity, bundle.performance = design.capacity, design.performance
    bundle.notes = design_notes(design)
    if source is not None:
        bundle.files["design"] = str(source)
    if design.api_specification is not None:
        _set(bundle, "api", beside("openapi.yaml"), "openapi",
             openapi_document(design.api_specification, description=design.brief.summary))
    if design.database_schema is not None:
        _set(bundle, "data", beside("schema.sql"), "data", design.database_schema)
    if design.microservices is not None:
        _set(bundle, "services", beside("services.yaml"), "services", design.microservices)


def design_notes(design: Any) -> list[str]:
    """The design's own words, where it states why it departs from a rule (a lock instead of an exclusion)."""
    notes = [design.summary, *design.open_questions]
    for d in design.decisions:
        notes += [d.title, d.context, d.justification, *d.negative_consequences]
    return [n for n in notes if n]


def services_from_document(doc: dict[str, Any]) -> Any:
    """A services YAML in the shape `render/services_yaml.py` writes, as a `ServiceArchitecture` (unvalidated)."""
    from ..spec.services import (ApiGateway, Dependency, Event, GatewayRoute, Infrastructure, Outbox, Saga, SagaStep,
                                 Service, ServiceArchitecture)

    def strings(value: Any) -> list[str]:
        return [str(v) for v in value] if isinstance(value, list) else []

    services = []
    for raw in doc["microservices"]:
        if not isinstance(raw, dict) or "name" not in raw:
            raise ValueError("each item of 'microservices' needs a name")
        database = raw.get("database") if isinstance(raw.get("database"), dict) else {}
        deps = [Dependency.model_construct(service=str(d.get("service")), protocol=str(d.get("protocol", "rest")),
                                           reason=str(d.get("reason", "")), timeout_ms=d.get("timeout_ms"),
                                           resilience=str(d.get("resilience", "")))
                for d in raw.get("depends_on") or [] if isinstance(d, dict)]
        services.append(Service.model_construct(
            name=str(raw["name"]), kind=str(raw.get("kind", "service")), description=str(raw.get("description", "")),
            responsibilities=strings(raw.get("responsibilities")), owned_tables=strings(database.get("tables")),
            endpoints=strings(raw.get("endpoints")), events_published=strings(raw.get("events_published")),
            events_subscribed=strings(raw.get("events_subscribed")), depends_on=deps,
            scaling=str(raw.get("scaling", ""))))
    infra = doc.get("infrastructure") if isinstance(doc.get("infrastructure"), dict) else {}
    gw = infra.get("api_gateway") if isinstance(infra.get("api_gateway"), dict) else None
    gateway = None
    if gw is not None:
        routes = [GatewayRoute.model_construct(path_prefix=str(r.get("path_prefix", "/")), service=str(r.get("service")))
                  for r in gw.get("routes") or [] if isinstance(r, dict)]
        gateway = ApiGateway.model_construct(name=str(gw.get("name", "api-gateway")),
                                             technology=str(gw.get("technology", "")),
                                             features=strings(gw.get("features")), routes=routes)
    events = [Event.model_construct(name=str(e.get("name")), description=str(e.get("description", "")),
                                    payload_fields=strings(e.get("payload_fields")))
              for e in doc.get("events") or [] if isinstance(e, dict)]
    sagas = [Saga.model_construct(
        name=str(g.get("name")), description=str(g.get("description", "")),
        coordination=str(g.get("coordination", "choreography")), orchestrator=g.get("orchestrator"),
        steps=[SagaStep.model_construct(service=str(st.get("service")), action=str(st.get("action", "")),
                                        compensation=st.get("compensation"), event=st.get("event"))
               for st in g.get("steps") or [] if isinstance(st, dict)])
        for g in doc.get("sagas") or [] if isinstance(g, dict)]
    outbox = [Outbox.model_construct(service=str(b.get("service")), table=str(b.get("table")),
                                     events=strings(b.get("events")), relay=str(b.get("relay", "polling")))
              for b in doc.get("outbox") or [] if isinstance(b, dict)]
    architecture = doc.get("architecture") if isinstance(doc.get("architecture"), dict) else {}
    return ServiceArchitecture.model_construct(
        style=str(architecture.get("style", "microservices")), rationale=str(architecture.get("rationale", "")),
        services=services, events=events, sagas=sagas, outbox=outbox,
        infrastructure=Infrastructure.model_construct(api_gateway=gateway, service_discovery="",
                                                      message_broker=infra.get("message_broker") or None,
                                                      databases=[], caches=[]))
