"""AsyncAPI 3.0.0 from the service architecture's events.

One channel per event (its address is the event name, which is also the topic or routing key),
one message per event in `components.messages` (channels reference it, so the payload schema is
written once), and one operation per (service, event): `send` for publishers, `receive` for
subscribers. The delivery guarantee and the transactional outbox are carried in descriptions and
`x-` extensions, because AsyncAPI has no field of its own for either.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from ..spec.services import Event, EventField, Outbox, ServiceArchitecture

__all__ = ["asyncapi_document", "broker_server", "render_asyncapi_yaml"]

# (words that name the broker, protocol, default port). First match wins, so the more specific
# names come first ("amazon mq" speaks AMQP, "redis streams" is redis).
_BROKERS: list[tuple[tuple[str, ...], str, int | None]] = [
    (("kafka", "redpanda", "msk", "event hubs", "eventhubs"), "kafka", 9092),
    (("rabbitmq", "rabbit", "amqp", "amazon mq", "activemq", "artemis", "qpid"), "amqp", 5672),
    (("nats", "jetstream"), "nats", 4222),
    (("mqtt", "mosquitto", "emqx", "hivemq"), "mqtt", 1883),
    (("pulsar",), "pulsar", 6650),
    (("redis", "valkey"), "redis", 6379),
    (("sqs",), "sqs", None),
    (("sns",), "sns", None),
    (("pub/sub", "pubsub", "google cloud pub"), "googlepubsub", None),
    (("ibm mq", "ibmmq", "websphere mq"), "ibmmq", 1414),
    (("solace",), "solace", 55555),
]
# Cloud brokers have a well-known endpoint rather than a host in the deployment.
_CLOUD_HOSTS = {"sqs": "sqs.us-east-1.amazonaws.com", "sns": "sns.us-east-1.amazonaws.com",
                "googlepubsub": "pubsub.googleapis.com"}
_JSON = "application/json"


def broker_server(message_broker: str) -> dict[str, Any] | None:
    """An AsyncAPI Server Object guessed from a free-text broker name, or None when it is unknown.

    Unknown brokers get no server rather than an invented protocol: a wrong protocol would send
    code generators and bindings down the wrong path, while a missing server is merely incomplete.
    """
    text = message_broker.lower()
    for words, protocol, port in _BROKERS:
        if any(re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", text) for word in words):
            host = _CLOUD_HOSTS.get(protocol) or (f"broker:{port}" if port else "broker")
            return {"host": host, "protocol": protocol, "description": message_broker}
    return None


def _camel(name: str) -> str:
    head, *rest = re.split(r"[^a-zA-Z0-9]+", name)
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _unique(base: str, taken: set[str] | dict[str, Any]) -> str:
    """`base`, or `base_2`, `base_3` …: names map to identifiers lossily (`a.b_c` and `a_b.c`)."""
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}_{n}", n + 1
    return candidate


def _idents(events: list[Event]) -> dict[str, str]:
    """Event name → channel and message key. Dots would be legal keys, but underscores keep the
    identifiers code generators derive from them (class and method names) valid."""
    idents: dict[str, str] = {}
    for event in events:
        idents[event.name] = _unique(event.name.replace(".", "_"), set(idents.values()))
    return idents


def _field_schema(field: EventField) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": field.type}
    if field.format:
        schema["format"] = field.format
    if field.description:
        schema["description"] = field.description
    return schema


def payload_schema(event: Event) -> dict[str, Any]:
    """The message body as JSON Schema.

    No `additionalProperties: false`: consumers are tolerant readers, so a publisher may add a
    field without breaking every subscriber; removing or retyping one is the breaking change.
    """
    schema: dict[str, Any] = {"type": "object", "properties": {f.name: _field_schema(f) for f in event.payload}}
    required = [f.name for f in event.payload if f.required]
    if required:  # draft-07 allows an empty list, but some generators choke on it
        schema["required"] = required
    return schema


def _message(event: Event, protocol: str | None) -> dict[str, Any]:
    message: dict[str, Any] = {
        "name": event.name,
        "title": event.name,
        "summary": event.description,
        "contentType": _JSON,
        "payload": payload_schema(event),
        "x-delivery-guarantee": event.delivery,
    }
    if event.key:
        message["x-partition-key"] = event.key
        key_field = next(f for f in event.payload if f.name == event.key)
        if protocol == "kafka":
            # The Kafka binding is where tools look for the record key, which fixes partition order.
            message["bindings"] = {"kafka": {"key": _field_schema(key_field), "bindingVersion": "0.5.0"}}
    return message


def _outbox_for(arch: ServiceArchitecture, service: str, event: str) -> Outbox | None:
    return next((box for box in arch.outbox if box.service == service and event in box.events), None)


def _operation(arch: ServiceArchitecture, service: str, event: Event, channel: str, action: str) -> dict[str, Any]:
    verb = "publishes" if action == "send" else "consumes"
    operation: dict[str, Any] = {
        "action": action,
        "channel": {"$ref": f"#/channels/{channel}"},
        "messages": [{"$ref": f"#/channels/{channel}/messages/{channel}"}],
        "summary": f"{service} {verb} {event.name}",
        "x-service": service,
    }
    box = _outbox_for(arch, service, event.name) if action == "send" else None
    if box:
        operation["description"] = (f"Written to the outbox table `{box.table}` in the same transaction as the "
                                    f"change it reports, then published by a {box.relay} relay.")
        operation["x-outbox"] = {"table": box.table, "relay": box.relay}
    elif action == "receive" and event.delivery == "at_least_once":
        operation["description"] = "Delivery is at-least-once: handle redeliveries idempotently."
    return operation


def _description(arch: ServiceArchitecture, title: str) -> str:
    by_guarantee: dict[str, list[str]] = {}
    for event in arch.events:
        by_guarantee.setdefault(event.delivery, []).append(event.name)
    lines = [f"Events exchanged by the services of {title}."]
    for guarantee, names in by_guarantee.items():
        scope = "every event" if len(by_guarantee) == 1 else ", ".join(f"`{n}`" for n in names)
        lines.append(f"Delivery is {guarantee.replace('_', '-')} for {scope}.")
    if "at_least_once" in by_guarantee:
        lines.append("At-least-once means duplicates: consumers must be idempotent (e.g. keep processed event ids).")
    if arch.outbox:
        for box in arch.outbox:
            events = ", ".join(f"`{e}`" for e in box.events)
            lines.append(f"{box.service} writes {events} to its outbox table `{box.table}` in the same transaction "
                         f"as its data; a {box.relay} relay publishes them, so no event is lost or sent for a "
                         "rolled-back change.")
    else:
        lines.append("No transactional outbox is declared: a publisher that crashes between its commit and the "
                     "send loses the event.")
    return "\n\n".join(lines)


def asyncapi_document(arch: ServiceArchitecture, *, title: str, version: str = "1.0.0") -> dict[str, Any]:
    """The AsyncAPI 3.0.0 document of `arch.events`. Call it only when there are events."""
    server = broker_server(arch.infrastructure.message_broker) if arch.infrastructure.message_broker else None
    protocol = server["protocol"] if server else None
    document: dict[str, Any] = {
        "asyncapi": "3.0.0",
        "info": {"title": f"{title} events", "version": version, "description": _description(arch, title)},
        "defaultContentType": _JSON,
    }
    if server:
        document["servers"] = {"broker": server}
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    idents = _idents(arch.events)
    for event in arch.events:
        ident = idents[event.name]
        channels[ident] = {
            "address": event.name,
            "description": event.description,
            "messages": {ident: {"$ref": f"#/components/messages/{ident}"}},
        }
        messages[ident] = _message(event, protocol)
    operations: dict[str, Any] = {}
    events = {e.name: e for e in arch.events}
    for service in arch.services:
        for action, names in (("send", service.events_published), ("receive", service.events_subscribed)):
            for name in names:
                op_id = _unique(f"{_camel(service.name)}_{action}_{idents[name]}", operations)
                operations[op_id] = _operation(arch, service.name, events[name], idents[name], action)
    document["channels"] = channels
    document["operations"] = operations
    document["components"] = {"messages": messages}
    return document


def render_asyncapi_yaml(arch: ServiceArchitecture, *, title: str, version: str = "1.0.0") -> str:
    header = "# Generated by backend-architect from the validated service architecture (AsyncAPI 3.0.0).\n"
    body = yaml.safe_dump(asyncapi_document(arch, title=title, version=version), sort_keys=False,
                          allow_unicode=True, width=110)
    return header + body
