"""Reading what people bring into a `Bundle`: design directories, OpenAPI files, DDL, services YAML.

Unreadable paths raise `InputError` (the CLI exits 2); files that are read but cannot be
understood become `input-unparsable` findings, so one bad file does not hide the others' findings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .bundle import Bundle
from .engine import Finding

__all__ = ["InputError", "load_paths"]

MAX_BYTES = 64 * 1024 * 1024
DESIGN_FILES = ("openapi.yaml", "openapi.json", "schema.sql", "services.yaml")


class InputError(Exception):
    pass


def _problem(path: Path, message: str) -> Finding:
    return Finding("input-unparsable", "error", "input", str(path), message, file=str(path))


def _read(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InputError(f"{path}: larger than {MAX_BYTES // 2**20} MB")
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


def _structured(text: str, path: Path) -> Any:
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            pass  # JSON-looking YAML (flow style) is still YAML
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: large documents load ~10x faster
    return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader


def load_paths(paths: list[Path]) -> Bundle:
    bundle = Bundle()
    for path in paths:
        if path.is_dir():
            _load_directory(bundle, path)
        elif path.exists():
            _load_file(bundle, path, _read(path))
        else:
            raise InputError(f"{path}: no such file or directory")
    return bundle


def _load_directory(bundle: Bundle, directory: Path) -> None:
    design = directory / "design.json"
    if design.is_file():
        _load_file(bundle, design, _read(design))
        return
    found = [directory / name for name in DESIGN_FILES if (directory / name).is_file()]
    if not found:
        raise InputError(f"{directory}: no design.json, openapi.yaml, schema.sql or services.yaml in it")
    for path in found:
        _load_file(bundle, path, _read(path))


def _load_file(bundle: Bundle, path: Path, text: str) -> None:
    if path.suffix.lower() in (".sql", ".ddl", ".pgsql", ".psql"):
        _load_ddl(bundle, path, text)
        return
    try:
        doc = _structured(text, path)
    except Exception as exc:  # noqa: BLE001 - any parser error is a finding about this file
        bundle.problems.append(_problem(path, f"not valid YAML or JSON: {str(exc).splitlines()[0]}"))
        return
    if isinstance(doc, dict) and "openapi" in doc:
        version = str(doc.get("openapi"))
        if not version.startswith("3."):
            bundle.problems.append(_problem(path, f"OpenAPI {version} is not supported; review reads 3.0 and 3.1"))
        else:
            _set(bundle, "api", path, "openapi", doc)
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


def _set(bundle: Bundle, kind: str, path: Path, attr: str, value: Any) -> None:
    if getattr(bundle, attr) is not None:
        bundle.problems.append(_problem(path, f"a second {kind} artifact; review one design at a time"))
        return
    setattr(bundle, attr, value)
    bundle.files[kind] = str(path)


def _load_ddl(bundle: Bundle, path: Path, text: str) -> None:
    from .ddl import DdlError, parse_ddl

    try:
        schema, lines = parse_ddl(text)
    except DdlError as exc:
        bundle.problems.append(_problem(path, str(exc)))
        return
    _set(bundle, "data", path, "data", schema)
    bundle.lines["data"] = lines


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
