"""From a read domain to the three artifacts and the traceability, by rules and knowledge-base defaults."""

from __future__ import annotations

import re
from typing import Any

from ...inputs.brief import Brief
from ...spec.sizing import estimate_capacity
from ...inputs.knowledge import KnowledgeBase
from ...spec.capacity import CapacityInputs
from .capabilities import capacity_inputs, data_capabilities
from .constraints import no_overlap, pair_unique
from .domain import Domain, EntityModel, FieldModel, plural, read_domain
from .graphql import plan_graphql
from .operations import plan_decisions, plan_performance

__all__ = ["NothingToDesign", "Plan", "plan_design"]


class NothingToDesign(ValueError):
    """The brief names nothing the rules can turn into tables and resources."""

_PG_TYPE = {"string": "text", "text": "text", "email": "text", "url": "text", "int": "integer",
            "decimal": "numeric", "bool": "boolean", "date": "date", "secret": "text", "uuid": "uuid"}

_NON_NEGATIVE = re.compile(r"^(quantity|qty|amount|price|count|stock|total|capacity|rating)|_(quantity|amount|price|"
                           r"count|total|capacity)$|^stock_|^total_")


class Plan:
    """Everything the builtin model will emit for one brief, as plain JSON-ready dicts."""

    def __init__(self, brief: Brief, knowledge: KnowledgeBase):
        self.brief = brief
        self.kb = knowledge
        self.domain: Domain = read_domain(brief)
        if not self.domain.entities:
            raise NothingToDesign("no entities (things such as users, orders, bookings) found in the brief")
        self.tables: dict[str, str] = {n: plural(n) for n in self.domain.entities}
        self.endpoints_by_entity: dict[str, dict[str, str]] = {}
        redirect = next(((n, f.name) for n, e in self.domain.entities.items() for f in e.fields
                         if f.unique and re.search(r"(code|slug)", f.name)), None)
        self.redirect_owner, self.redirect_code = redirect if redirect and "redirect" in self.domain.features \
            else (None, None)
        inputs, assumptions = capacity_inputs(self)
        inputs["assumptions"] = assumptions
        self.capacity_args = {"inputs": inputs}
        self.capacity = estimate_capacity(CapacityInputs.model_validate(inputs))
        peak = self.capacity.value("peak_read_qps") + self.capacity.value("peak_write_qps")
        self.large = peak >= self.kb.default("large_scale_min_peak_rps", 5000)
        from .services import choose_style

        self.style, self.style_rationale = choose_style(self)
        self.schema = self._schema()
        self.api = self._api()
        self.graphql = plan_graphql(self) if re.search(r"\bgraphql\b", self.domain.corpus) else None
        self.services = self._services()
        self.performance = plan_performance(self)
        self.services["infrastructure"]["caches"] = [
            f"{c['technology']} ({c['layer']}): {c['what']}" for c in self.performance["caching"]
            if c["layer"] == "application"]
        self.decisions = plan_decisions(self)
        self.finish = self._finish()

    # --- database -----------------------------------------------------------------------------

    def _column(self, entity: EntityModel, f: FieldModel, enums: list[dict[str, Any]]) -> dict[str, Any]:
        col: dict[str, Any] = {"name": f.name, "not_null": f.required, "unique": f.unique and not self.domain.tenant}
        if f.kind == "money":
            col["type"] = self.kb.default("money_type", "numeric(12,2)")
        elif f.kind == "timestamp":
            col["type"] = self.kb.default("timestamp_type", "timestamptz")
        elif f.kind == "enum":
            enum_name = f"{entity.name}_{f.name}"
            values = f.enum_values
            enums.append({"name": enum_name, "values": values})
            col["type"] = enum_name
            col["default"] = f"'{values[0]}'"
        else:
            col["type"] = _PG_TYPE.get(f.kind, "text")
        if f.kind == "int" and f.required and re.search(r"(count|quantity|stock)", f.name):
            col["default"] = "0"
        if f.kind in ("int", "money", "decimal") and _NON_NEGATIVE.search(f.name):
            # A negative quantity or price is a bug the database can refuse.
            col["check"] = f"{f.name} > 0" if re.search(r"quantity|qty", f.name) else f"{f.name} >= 0"
        return col

    def _schema(self) -> dict[str, Any]:
        d, enums, tables, relationships = self.domain, [], [], []
        pk_type = self.kb.default("primary_key_type", "uuid")
        ts_type = self.kb.default("timestamp_type", "timestamptz")
        for name, entity in d.entities.items():
            table = self.tables[name]
            cols: list[dict[str, Any]] = [{"name": "id", "type": pk_type, "primary_key": True, "not_null": True,
                                           "default": "gen_random_uuid()" if pk_type == "uuid" else None}]
            indexes: list[dict[str, Any]] = []
            scoped = d.tenant and name != d.tenant
            if scoped:
                cols.append({"name": f"{d.tenant}_id", "type": pk_type, "not_null": True,
                             "references": {"table": self.tables[d.tenant], "column": "id", "on_delete": "cascade"}})
                indexes.append({"name": f"ix_{table}_{d.tenant}_id_created_at",
                                "columns": [f"{d.tenant}_id", "created_at desc"],
                                "reason": f"list {table} of one {d.tenant}, newest first; serves the tenant "
                                          "foreign key"})
            for parent, composition, column in ((p, c, col) for p, c in entity.parents if p in d.entities
                                                and p != d.tenant for col in entity.key_columns(p)):
                cols.append({"name": column, "type": pk_type, "not_null": parent not in entity.takers,
                             "references": {"table": self.tables[parent], "column": "id",
                                            "on_delete": "cascade" if composition else "restrict"}})
                lead = [f"{d.tenant}_id"] if scoped else []
                indexes.append({"name": f"ix_{table}_{column}_created_at",
                                "columns": lead + [column, "created_at desc"],
                                "reason": f"list the {table} of one {parent} newest first "
                                          f"(GET {self._path(name)}?{column}=…); serves the foreign key"})
                relationships.append({"from_table": table, "to_table": self.tables[parent], "kind": "one_to_many",
                                      "via": column})
            for f in entity.fields:
                cols.append(self._column(entity, f, enums))
                if f.unique and scoped:
                    indexes.append({"name": f"ux_{table}_{f.name}", "columns": [f"{d.tenant}_id", f.name],
                                    "unique": True, "reason": f"{f.name} is unique within a {d.tenant}"})
                if f.kind == "enum" and f.name == "status":
                    lead = [f"{d.tenant}_id"] if scoped else []
                    indexes.append({"name": f"ix_{table}_status_created_at",
                                    "columns": lead + ["status", "created_at desc"],
                                    "reason": f"list {table} by status, newest first (GET {self._path(name)}"
                                              "?status=…)"})
            cols += [{"name": "created_at", "type": ts_type, "not_null": True, "default": "now()"},
                     {"name": "updated_at", "type": ts_type, "not_null": True, "default": "now()"}]
            indexes += pair_unique(table, cols, entity)
            exclusions = no_overlap(self, name, table, cols)
            read_from = f" Read from: \u201c{entity.source[:160]}\u201d" if entity.source else ""
            tables.append({"name": table, "description": entity.notes or f"One row per {name.replace('_', ' ')}."
                           + read_from,
                           "columns": cols, "indexes": indexes, **({"exclusions": exclusions} if exclusions else {})})
        for join in d.joins:
            left, right = self.tables[join.left], self.tables[join.right]
            table = f"{join.left}_items" if join.item else f"{join.left}_{right}"
            cols = [{"name": f"{join.left}_id", "type": pk_type, "primary_key": True, "not_null": True,
                     "references": {"table": left, "column": "id", "on_delete": "cascade"}},
                    {"name": f"{join.right}_id", "type": pk_type, "primary_key": True, "not_null": True,
                     "references": {"table": right, "column": "id", "on_delete": "restrict"}}]
            if join.item:
                cols += [{"name": "quantity", "type": "integer", "not_null": True, "default": "1",
                          "check": "quantity > 0"},
                         {"name": "unit_price", "type": self.kb.default("money_type", "numeric(12,2)"),
                          "not_null": True, "check": "unit_price >= 0",
                          "description": "the price when ordered, copied by the server"}]
            cols.append({"name": "created_at", "type": ts_type, "not_null": True, "default": "now()"})
            tables.append({"name": table, "description": f"Which {right} belong to which {left}.",
                           "columns": cols,
                           "indexes": [{"name": f"ix_{table}_{join.right}_id", "columns": [f"{join.right}_id"],
                                        "reason": f"find the {left} of one {join.right}; serves the foreign key "
                                                  "(the primary key covers the other side)"}]})
            relationships.append({"from_table": table, "to_table": left, "kind": "many_to_many", "via": table,
                                  "description": f"{left} ↔ {right}"})
            self.tables[f"join:{join.left}:{join.right}"] = table
        from .services import outbox_contexts, outbox_table

        for context in outbox_contexts(self):
            tables.append({"name": outbox_table(context), "description": f"Transactional outbox of the {context} "
                           "context: events written in the same transaction as the change, relayed to the broker",
                           "columns": [
                               {"name": "id", "type": "bigserial", "primary_key": True, "not_null": True},
                               {"name": "event_type", "type": "text", "not_null": True},
                               {"name": "aggregate_id", "type": pk_type, "not_null": True},
                               {"name": "payload", "type": "jsonb", "not_null": True},
                               {"name": "created_at", "type": ts_type, "not_null": True, "default": "now()"},
                               {"name": "published_at", "type": ts_type}],
                           "indexes": [{"name": f"ix_{outbox_table(context)}_unpublished", "columns": ["id"],
                                        "where": "published_at IS NULL",
                                        "reason": "the relay reads unpublished events in order"}]})
        schema = {"engine": "postgresql", "enums": enums, "tables": tables, "relationships": relationships}
        data_capabilities(self, schema)
        return schema

    # --- API ----------------------------------------------------------------------------------

    def _path(self, name: str) -> str:
        return "/" + self.tables[name].replace("_", "-")

    def _api(self) -> dict[str, Any]:
        from .api import plan_api

        return plan_api(self)

    @property
    def privileged_role(self) -> str | None:
        match = re.search(r"\b(staff|admins?|administrators?|managers?|moderators?|operators?)\b",
                          self.domain.corpus)
        if not match:
            return None
        word = match.group(1)
        return "staff" if word == "staff" else ("admin" if word.startswith("admin") else word.rstrip("s"))

    @property
    def operator_role(self) -> str | None:
        """Who issues the invoices and sends the reminders no one in the brief writes: the staff it names, else an
        admin (a co-op's treasurer), never the people they bill. Only those records get it: a brief that names no
        staff keeps its other writes as they were."""
        from .access import system_written

        if self.privileged_role:
            return self.privileged_role
        return "admin" if any(system_written(self, n) for n in self.domain.entities) else None

    @property
    def roles(self) -> list[str]:
        first = self.domain.actor or "user"
        return list(dict.fromkeys([first, *self.domain.roles]
                                  + ([self.operator_role] if self.operator_role else [])))

    # --- services and traceability: see services.py -------------------------------------------

    def _services(self) -> dict[str, Any]:
        from .services import plan_services

        return plan_services(self)

    def _finish(self) -> dict[str, Any]:
        from .services import plan_finish

        return plan_finish(self)


def plan_design(brief: Brief, knowledge: KnowledgeBase) -> Plan:
    return Plan(brief, knowledge)
