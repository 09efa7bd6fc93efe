"""`review` on the real documents of tests/fixtures/real/ (sources and licences in its README) and on
multi-file specs, psql scripts and dumps shaped as people keep them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backend_architect.cli.app import app

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"
runner = CliRunner()


def review(*args: str) -> tuple[int, list[dict]]:
    result = runner.invoke(app, ["review", *args, "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)["findings"]


@pytest.mark.parametrize("name", sorted(p.name for p in REAL.iterdir() if p.name != "README.md"))
def test_each_real_document_is_read_and_every_finding_located(name: str) -> None:
    _, findings = review(str(REAL / name))
    assert not [f for f in findings if f["rule_id"] in ("input-unparsable", "input-statement-unparsable",
                                                         "api-ref-unresolved")]
    assert all(f.get("line") and f.get("column") for f in findings if f.get("file"))


def test_a_pg_dump_with_partitions_schemas_and_copy_data() -> None:
    _, findings = review(str(REAL / "shop-pg_dump.sql.postgres"))
    # orders_2025/orders_2026 are partitions (keyed by their parent), archive.orders is not public.orders,
    # tax_rate is a ratio, and orders_customer INCLUDE (total) covers the foreign key. What remains is true:
    # the dump has no CHECK on the parent's total (the partitions would inherit one), and archive.orders is an
    # archive, which stands alone.
    assert [(f["rule_id"], f["location"], f["line"]) for f in findings] == [("schema-quantity-check", "orders.total", 73)]
    # A person's dump is told the SQL to add, not a field of this tool's design format.
    assert findings[0]["message"].endswith("add CHECK (total >= 0)")


def test_a_latin1_dump_is_read_in_the_encoding_it_declares() -> None:
    assert (REAL / "shop-pg_dump-latin1.sql").read_bytes().find("Zoë".encode("latin-1")) > 0
    code, findings = review(str(REAL / "shop-pg_dump-latin1.sql"))
    # read whole: the only finding is the same true one as in the UTF-8 dump, on the same line
    assert [(f["rule_id"], f["location"], f["line"]) for f in findings] == [("schema-quantity-check", "orders.total", 73)]


def test_a_psql_script_skips_meta_commands_and_reads_variables() -> None:
    _, findings = review(str(REAL / "psql-setup.psql.sql"))
    meta = [f for f in findings if f["rule_id"] == "input-psql-meta-command"]
    assert len(meta) == 1 and meta[0]["severity"] == "info" and "\\ir (line 12)" in meta[0]["message"]
    money = [f for f in findings if f["rule_id"] == "data-money-not-float"]
    assert [(f["location"], f["line"], f["column"]) for f in money] == [("customer.balance", 9, 33)]


def test_an_extension_script_ending_in_quit_is_not_unparsable() -> None:
    code, findings = review(str(REAL / "pgvector--0.6.2.sql"))
    assert code == 0 and [f["rule_id"] for f in findings] == ["input-psql-meta-command"]


def _multi_file_spec(root: Path) -> Path:
    (root / "resources" / "things").mkdir(parents=True)
    (root / "shared").mkdir()
    (root / "api.yaml").write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\nsecurity: [{bearer: []}]\n"
        "components:\n  securitySchemes:\n    bearer: {type: http, scheme: bearer}\n"
        "paths:\n  /things/{thing_id}:\n    get:\n      $ref: 'resources/things/get.yml'\n"
        "  /things:\n    $ref: 'resources/things/collection.yml'\n")
    (root / "resources" / "things" / "get.yml").write_text(
        "operationId: getThing\nparameters:\n  - $ref: '../../shared/parameters.yml#/thing_id'\n"
        "responses:\n  '200':\n    $ref: '../../shared/responses.yml#/thing'\n"
        "  '404':\n    $ref: '../../shared/responses.yml#/not_found'\n"
        "  default: {$ref: '../../shared/responses.yml#/not_found'}\n")
    (root / "resources" / "things" / "collection.yml").write_text(
        "get:\n  operationId: listThings\n  parameters: [{name: limit, in: query, schema: {type: integer}}]\n"
        "  responses:\n    '200':\n      description: page\n      content:\n        application/json:\n"
        "          schema: {type: array, items: {$ref: 'models.yml#/Thing'}}\n"
        "    '400': {$ref: '../../shared/responses.yml#/not_found'}\n"
        "    default: {$ref: '../../shared/responses.yml#/not_found'}\n")
    (root / "resources" / "things" / "models.yml").write_text(
        "Thing:\n  type: object\n  properties:\n    id: {type: string}\n    parent: {$ref: '#/Thing'}\n"
        "    api_key: {type: string}\n")
    (root / "shared" / "parameters.yml").write_text(
        "thing_id: {name: thing_id, in: path, required: true, schema: {type: string}}\n")
    (root / "shared" / "responses.yml").write_text(
        "thing:\n  description: a thing\n  content:\n    application/json:\n"
        "      schema: {$ref: '../resources/things/models.yml#/Thing'}\n"
        "not_found:\n  description: no such thing\n  content:\n    application/problem+json:\n"
        "      schema: {type: object}\n")
    return root / "api.yaml"


def test_refs_to_other_files_are_followed_and_findings_point_into_them(tmp_path: Path) -> None:
    _, findings = review(str(_multi_file_spec(tmp_path)))
    # Followed: operation ids, the path parameter and the success responses live in other files.
    assert not {"api-operation-id-unique", "api-path-params", "api-operation-success-response",
                "api-ref-unresolved"} & {f["rule_id"] for f in findings}
    exposed = [f for f in findings if f["rule_id"] == "cross-sensitive-exposed"]
    assert len(exposed) == 1  # the recursive schema is read once, without looping
    assert Path(exposed[0]["file"]).name == "models.yml" and exposed[0]["line"] == 6 and exposed[0]["column"] == 5


def test_an_unresolved_ref_is_one_finding_naming_it_not_a_cascade(tmp_path: Path) -> None:
    spec = _multi_file_spec(tmp_path / "spec")
    (tmp_path / "outside.yml").write_text("operationId: x\nresponses: {'200': {description: ok}}\n")
    spec.write_text(spec.read_text() + "  /gone:\n    get: {$ref: 'resources/nope.yml'}\n"
                    "  /out:\n    get: {$ref: '../outside.yml'}\n"
                    "  /web:\n    get: {$ref: 'https://example.com/op.yml'}\n")
    _, findings = review(str(spec))
    unresolved = sorted(f["location"] for f in findings if f["rule_id"] == "api-ref-unresolved")
    assert unresolved == ["../outside.yml", "https://example.com/op.yml", "resources/nope.yml"]
    assert not [f for f in findings if f["location"].startswith(("/paths/~1gone", "/paths/~1out", "/paths/~1web"))]
    messages = " ".join(f["message"] for f in findings if f["rule_id"] == "api-ref-unresolved")
    assert "outside" in messages and "no network" in messages


def test_local_pointers_with_percent_encoding_and_array_indices(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n"
        "  /vehicles/{vehicleId}/watch:\n    post:\n      operationId: watch\n"
        "      parameters: [{name: vehicleId, in: path, required: true, schema: {type: string}}]\n"
        "      responses: {'204': {description: ok}}\n"
        "  /vehicles/{vehicleId}:\n    delete:\n      operationId: drop\n      parameters:\n"
        "        - $ref: '#/paths/~1vehicles~1%7BvehicleId%7D~1watch/post/parameters/0'\n"
        "      responses: {'204': {description: ok}}\n")
    _, findings = review(str(spec))
    assert not [f for f in findings if f["rule_id"] in ("api-path-params", "api-ref-unresolved")]


def test_a_dangling_local_ref_is_reported_once(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a/{id}:\n    get:\n      operationId: a\n"
        "      parameters: [{$ref: '#/components/parameters/Id'}]\n      responses: {'200': {description: ok}}\n")
    _, findings = review(str(spec))
    assert [(f["rule_id"], f["line"]) for f in findings if f["rule_id"] == "api-ref-unresolved"] == [
        ("api-ref-unresolved", 7)]
    assert not [f for f in findings if f["rule_id"] == "api-path-params"]


def test_sql_suffixes_are_sniffed_by_content_and_errors_name_the_line(tmp_path: Path) -> None:
    dump = tmp_path / "full.dump"
    dump.write_text("--\n-- PostgreSQL database dump\n--\nSET statement_timeout = 0;\n"
                    "CREATE TABLE t (id int PRIMARY KEY, price float);\n")
    _, findings = review(str(dump))
    assert sorted(f["rule_id"] for f in findings) == ["data-money-not-float", "schema-quantity-check"]
    bad = tmp_path / "bad.sql"
    bad.write_text("CREATE TABLE ok (id int PRIMARY KEY);\n\nCREATE TABLEX broken (id int);\n")
    _, findings = review(str(bad))
    assert [(f["rule_id"], f["line"]) for f in findings] == [("input-statement-unparsable", 3)]


def test_a_non_utf8_file_without_a_declared_encoding_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "x.sql"
    path.write_bytes(b"CREATE TABLE a (id int PRIMARY KEY);\n-- caf\xe9\n")
    result = runner.invoke(app, ["review", str(path)])
    assert result.exit_code == 2 and "line 2" in result.output and "client_encoding" in result.output


def test_a_definition_shared_through_refs_is_one_finding_at_its_place(tmp_path: Path) -> None:
    (tmp_path / "errors.yml").write_text("bad:\n  description: bad\n  content:\n    application/json:\n"
                                         "      schema: {type: object}\n")
    ops = "".join(f"  /things{i}:\n    get:\n      operationId: get{i}\n      responses:\n"
                  f"        '200': {{description: ok}}\n        '400': {{$ref: 'errors.yml#/bad'}}\n" for i in range(3))
    spec = tmp_path / "api.yaml"
    spec.write_text("openapi: 3.0.3\ninfo: {title: t, version: '1'}\nsecurity: []\npaths:\n" + ops)
    _, findings = review(str(spec))
    problem = [f for f in findings if f["rule_id"] == "api-problem-json"]
    assert len(problem) == 1 and Path(problem[0]["file"]).name == "errors.yml" and problem[0]["line"] == 3
    assert "from 2 more places" in problem[0]["message"]
