"""design.md's endpoint tables say who may call each operation: public, the roles, the owner's own rows (and the
staff role that reaches every row beside them), or any signed-in caller."""

from __future__ import annotations

from backend_architect.render.sections import access_cell, security_section
from backend_architect.spec.api import ApiSpecification, Endpoint

OK = [{"status": 200, "description": "OK"}]


def _ep(method: str, path: str, **access: object) -> Endpoint:
    params = [{"name": p, "location": "path"} for p in ("invoice_id",) if "{" + p + "}" in path]
    return Endpoint.model_validate({"method": method, "path": path, "operation_id": f"op{method}{len(path)}",
                                    "summary": "s", "responses": OK, "parameters": params, **access})


def test_the_access_cell_names_the_owner_column_and_who_reaches_every_row_beside_the_owner():
    assert access_cell(_ep("POST", "/residents", auth_required=False)) == "public"
    assert access_cell(_ep("GET", "/tools")) == "signed in"
    assert access_cell(_ep("POST", "/invoices", roles=["admin"])) == "admin"
    assert access_cell(_ep("GET", "/loans", owner_scope="resident_id")) == "own rows (`resident_id`)"
    assert access_cell(_ep("PATCH", "/residents", owner_scope="id")) == "own record (`id`)"
    both = _ep("GET", "/invoices/{invoice_id}", owner_scope="resident_id", roles=["resident", "admin"])
    assert access_cell(both) == "own rows (`resident_id`); every row: admin"


def test_the_security_section_says_the_staff_role_beside_an_owner_scope_reaches_every_row():
    def section(*endpoints: Endpoint) -> str:
        api = ApiSpecification.model_validate({
            "title": "T", "versioning": {"deprecation_policy": "p"},
            "authentication": {"roles": ["resident", "admin"], "schemes": [{"name": "bearerAuth",
                                                                             "type": "bearer_jwt"}]},
            "resources": [{"name": "invoices", "endpoints": [e.model_dump() for e in endpoints]}]})
        return "\n".join(security_section(api))

    both = _ep("GET", "/invoices", owner_scope="resident_id", roles=["resident", "admin"])
    assert "admin, named beside an owner scope, reaches every row" in section(both)
    assert "named beside an owner scope" not in section(_ep("GET", "/invoices", owner_scope="resident_id"))
