"""Rules over a `ServiceArchitecture` (ours, or a user's services YAML read by `load.py`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .engine import rule

if TYPE_CHECKING:
    from ..spec.services import ServiceArchitecture

__all__: list[str] = []

Found = Iterator[tuple[str, str]]
SYNC = {"rest", "grpc", "in_process"}


@rule("svc-event-has-publisher", "error", "services",
      "AsyncAPI/event-driven practice (Zalando #208 event ownership): a subscription with no publisher never fires.")
def event_has_publisher(arch: ServiceArchitecture) -> Found:
    """Every subscribed event has a publisher"""
    published = {e for s in arch.services for e in s.events_published}
    for service in arch.services:
        for event in service.events_subscribed:
            if event not in published:
                yield f"services/{service.name}/events_subscribed/{event}", (
                    f"{service.name} subscribes to {event!r}, which no service publishes; add the publisher or drop "
                    "the subscription")


@rule("svc-single-writer", "error", "services",
      "Database per service (microservices.io); splinter-style ownership: one service writes each table.")
def single_writer(arch: ServiceArchitecture) -> Found:
    """Each table is written by one service"""
    writers: dict[str, list[str]] = defaultdict(list)
    for service in arch.services:
        for table in service.owned_tables:
            writers[table].append(service.name)
    for table, names in writers.items():
        if len(names) > 1:
            yield f"tables/{table}", (f"table {table} is written by {', '.join(names)}; give it one owner and let "
                                      "the others call it or consume its events")


@rule("svc-no-sync-cycles", "error", "services",
      "Microservices anti-pattern (distributed monolith): synchronous call cycles deadlock and fail together.")
def no_sync_cycles(arch: ServiceArchitecture) -> Found:
    """No synchronous call cycles between services"""
    graph = {s.name: sorted({d.service for d in s.depends_on if d.protocol in SYNC}) for s in arch.services}
    reported: set[frozenset[str]] = set()
    colour: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> Iterator[list[str]]:
        colour[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if colour.get(nxt) == 1:
                yield stack[stack.index(nxt):] + [nxt]
            elif nxt in graph and colour.get(nxt, 0) == 0:
                yield from visit(nxt)
        stack.pop()
        colour[node] = 2

    for start in graph:
        if colour.get(start, 0) == 0:
            for cycle in visit(start):
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    yield f"services/{cycle[0]}/depends_on", (
                        f"synchronous call cycle {' -> '.join(cycle)}; break it with an event or by moving the "
                        "shared logic into one service")


@rule("svc-gateway-route-target", "error", "services",
      "API gateway routing (microservices.io API Gateway): each route forwards to a service that serves that prefix.")
def gateway_route_target(arch: ServiceArchitecture) -> Found:
    """Gateway routes point at existing services and endpoints"""
    gateway = arch.infrastructure.api_gateway if arch.infrastructure else None
    by_name = {s.name: s for s in arch.services}
    for route in gateway.routes if gateway else []:
        target = by_name.get(route.service)
        where = f"infrastructure/api_gateway/routes/{route.path_prefix}"
        if target is None:
            yield where, f"gateway route {route.path_prefix} points at unknown service {route.service!r}"
            continue
        prefix = route.path_prefix.rstrip("/")
        paths = [ref.split(" ", 1)[1] for ref in target.endpoints if " " in ref]
        if not any(p == prefix or p.startswith(prefix + "/") or not prefix for p in paths):
            yield where, (f"gateway route {route.path_prefix} goes to {route.service}, which serves no endpoint under "
                          "that prefix; fix the prefix or the target")


@rule("svc-saga-compensation", "error", "services",
      "Saga pattern (Garcia-Molina & Salem; microservices.io Saga): every step but the last can be compensated.")
def saga_compensation(arch: ServiceArchitecture) -> Found:
    """Saga steps have compensations"""
    for saga in arch.sagas:
        for i, step in enumerate(saga.steps[:-1], start=1):
            if not step.compensation:
                yield f"sagas/{saga.name}/steps/{i}", (f"saga {saga.name}: step {i} ({step.service}: {step.action}) "
                                                       "has no compensation; say what undoes it if a later step fails")


@rule("svc-outbox-owned", "error", "services",
      "Transactional outbox (microservices.io): the outbox table is written in the publisher's own transaction.")
def outbox_owned(arch: ServiceArchitecture) -> Found:
    """Each outbox table is owned by the service that publishes through it"""
    for box in arch.outbox:
        owner = arch.owner_of(box.table)
        if owner != box.service:
            holder = f"owned by {owner}" if owner else "owned by no service"
            yield f"outbox/{box.table}", (f"outbox {box.table} relays events of {box.service} but is {holder}; add it "
                                          f"to {box.service}'s owned tables")


@rule("svc-sync-call-timeout", "warning", "services",
      "Release It! (Nygard) timeouts; microservices.io circuit breaker: a synchronous call has a timeout.")
def sync_call_timeout(arch: ServiceArchitecture) -> Found:
    """Synchronous calls between services declare a timeout"""
    for service in arch.services:
        for dep in service.depends_on:
            if dep.protocol in ("rest", "grpc") and not dep.timeout_ms:
                yield f"services/{service.name}/depends_on/{dep.service}", (
                    f"{service.name} calls {dep.service} over {dep.protocol} with no timeout_ms; set one (and a "
                    "retry or circuit-breaker policy)")
