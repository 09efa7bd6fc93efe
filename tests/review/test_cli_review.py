"""`backend-architect review`: inputs, formats, exit codes, real-world documents, our own designs."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backend_architect.cli.app import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BROKEN = FIXTURES / "broken-design"
OAI = sorted((FIXTURES / "openapi").glob("*.yaml"))
runner = CliRunner()


def review_json(*args: str) -> tuple[int, dict]:
    result = runner.invoke(app, ["review", *args, "--format", "json"])
    return result.exit_code, json.loads(result.stdout)


def test_broken_design_has_the_expected_findings() -> None:
    code, report = review_json(str(BROKEN))
    assert code == 1
    # The brief-aware families are checked on their own designs (test_*_rules.py, test_brief_aware_examples.py).
    got = Counter((f["severity"], f["rule_id"]) for f in report["findings"]
                  if not f["rule_id"].startswith(("authz-", "brief-", "schema-", "numbers-")))
    expected_errors = {"api-operation-id-unique": 2, "api-operation-success-response": 1, "api-path-params": 1,
                       "cross-sensitive-exposed": 1, "data-money-not-float": 1, "data-table-primary-key": 1,
                       "cross-service-references": 3, "svc-event-has-publisher": 1, "svc-gateway-route-target": 1,
                       "svc-no-sync-cycles": 1, "svc-single-writer": 1}
    assert {rule: n for (sev, rule), n in got.items() if sev == "error"} == expected_errors
    warnings = {rule for sev, rule in got if sev == "warning"}
    assert warnings == {"api-list-pagination", "api-path-no-trailing-slash", "api-path-no-verbs",
                        "api-path-plural-resources", "api-property-casing", "api-rate-limit-429", "api-typed-enum",
                        "api-rate-limit-headers", "svc-sync-call-timeout",
                        "cross-resource-backed", "data-duplicate-index", "data-entity-attribute-value",
                        "data-enum-constrained", "data-foreign-key-indexed", "data-multi-valued-attribute",
                        "data-timestamp-with-time-zone"}
    assert report["artifacts"] == ["api", "data", "services"]


@pytest.mark.parametrize("path", OAI, ids=[p.name for p in OAI])
def test_real_world_openapi_documents(path: Path) -> None:
    code, report = review_json(str(path))
    rules = {f["rule_id"] for f in report["findings"]}
    # None of the OpenAPI Initiative's examples declares security: that is the plausible error they share.
    assert code == 1 and "api-operation-security" in rules
    assert not rules & {"api-path-params", "api-operation-success-response", "input-unparsable"}


def test_petstore_expanded_operation_id_with_spaces() -> None:
    _, report = review_json(str(FIXTURES / "openapi" / "petstore-expanded.yaml"))
    assert any(f["rule_id"] == "api-operation-id-unique" and "find pet by id" in f["message"] for f in report["findings"])


def test_builtin_designs_have_no_error_findings(builtin_designs: dict[str, Path]) -> None:
    # The brief-aware families' verdict on the builtin's designs is test_brief_aware_examples.py's (issue 13).
    for name, directory in builtin_designs.items():
        _, report = review_json(str(directory))
        errors = [f for f in report["findings"] if f["severity"] == "error"
                  and not f["rule_id"].startswith(("authz-", "brief-", "schema-", "numbers-"))]
        assert errors == [], name


def test_several_files_at_once_run_cross_rules(tmp_path: Path) -> None:
    code, report = review_json(str(BROKEN / "openapi.yaml"), str(BROKEN / "schema.sql"))
    assert report["artifacts"] == ["api", "data"]
    assert any(f["rule_id"] == "cross-resource-backed" for f in report["findings"])


def test_json_openapi_and_unparsable_files_are_reported(tmp_path: Path) -> None:
    doc = tmp_path / "api.json"
    doc.write_text(json.dumps({"openapi": "3.0.0", "info": {"title": "x", "version": "1"}, "paths": {}}))
    bad = tmp_path / "bad.yaml"
    bad.write_text("openapi: [unclosed\n")
    swagger = tmp_path / "old.yaml"
    swagger.write_text("swagger: '2.0'\n")
    sql = tmp_path / "bad.sql"
    sql.write_text("CREATE TABLE (;\n")
    code, report = review_json(str(doc), str(bad), str(swagger), str(sql))
    problems = [f for f in report["findings"] if f["rule_id"] == "input-unparsable"]
    assert code == 1 and len(problems) == 3 and report["artifacts"] == ["api"]


def test_unreadable_input_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["review", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 2 and "no such file" in result.output
    result = runner.invoke(app, ["review", str(tmp_path)])
    assert result.exit_code == 2 and "no design.json" in result.output
    assert runner.invoke(app, ["review"]).exit_code == 2


def test_table_format_and_line_numbers() -> None:
    result = runner.invoke(app, ["review", str(BROKEN)], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "openapi.yaml:10" in result.stdout  # /users/ is on line 10
    assert "schema.sql:34" in result.stdout and "errors" in result.stdout


def test_sarif_output_validates_against_the_sarif_2_1_0_schema(tmp_path: Path) -> None:
    import jsonschema

    out = tmp_path / "review.sarif"
    result = runner.invoke(app, ["review", str(BROKEN), "--format", "sarif", "-o", str(out)])
    assert result.exit_code == 1
    log = json.loads(out.read_text())
    schema = json.loads((FIXTURES / "sarif" / "sarif-schema-2.1.0-rtm.5.json").read_text())
    jsonschema.Draft4Validator(schema).validate(log)
    run = log["runs"][0]
    assert log["version"] == "2.1.0" and run["tool"]["driver"]["name"] == "backend-architect"
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    for result_ in run["results"]:
        assert ids[result_["ruleIndex"]] == result_["ruleId"]
    located = [r for r in run["results"] if "region" in r["locations"][0].get("physicalLocation", {})]
    assert located and all(r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1 for r in located)


def test_list_rules() -> None:
    result = runner.invoke(app, ["review", "--list-rules", "--format", "json"])
    rules = json.loads(result.stdout)
    assert result.exit_code == 0 and len(rules) >= 30
    assert all(r["rationale"] and r["severity"] in ("error", "warning", "info") for r in rules)
    assert len({r["id"] for r in rules}) == len(rules)


def test_validate_flag_adds_schema_errors(tmp_path: Path) -> None:
    doc = tmp_path / "api.yaml"
    doc.write_text("openapi: 3.0.3\ninfo: {title: x}\npaths: {}\n")
    code, report = review_json(str(doc), "--validate")
    assert code == 1 and any(f["rule_id"] == "api-oas-schema" for f in report["findings"])


def test_table_report_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    result = runner.invoke(app, ["review", str(BROKEN / "schema.sql"), "-o", str(out)])
    assert result.exit_code == 1 and "data-table-primary-key" in out.read_text()


def test_filters_by_severity_rule_and_repository_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    _, everything = review_json(str(BROKEN))
    code, errors = review_json(str(BROKEN), "--severity", "error")
    assert {f["severity"] for f in errors["findings"]} == {"error"} and code == 1
    _, data = review_json(str(BROKEN), "--rule", "data-*", "--skip-rule", "data-money-not-float")
    rules = {f["rule_id"] for f in data["findings"]}
    assert rules and all(r.startswith("data-") for r in rules) and "data-money-not-float" not in rules
    (tmp_path / ".backend-architect.toml").write_text('[review]\nskip-rules = ["api-*", "svc-*"]\nseverity = "warning"\n')
    _, configured = review_json(str(BROKEN))
    kept = {f["rule_id"] for f in configured["findings"]}
    assert kept and not {r for r in kept if r.startswith(("api-", "svc-"))}
    assert len(configured["findings"]) < len(everything["findings"])
    assert list(configured["summary"]["by_rule"]) == sorted(
        configured["summary"]["by_rule"], key=lambda r: (min(
            {"error": 0, "warning": 1, "info": 2}[f["severity"]] for f in configured["findings"] if f["rule_id"] == r),
            -configured["summary"]["by_rule"][r], r))


@pytest.mark.parametrize("args", [["--rule", "api-nope"], ["--skip-rule", "x-*"], ["--severity", "fatal"]])
def test_a_filter_naming_no_rule_is_a_usage_error(args: list[str]) -> None:
    result = runner.invoke(app, ["review", str(BROKEN), *args])
    assert result.exit_code == 2


def test_bad_settings_file_is_a_usage_error(tmp_path: Path) -> None:
    config = tmp_path / "settings.toml"
    config.write_text("[review]\nskip = ['api-problem-json']\n")
    result = runner.invoke(app, ["review", str(BROKEN), "--config", str(config)])
    assert result.exit_code == 2 and "unknown setting" in result.output


def test_table_report_summarises_by_rule_before_the_findings() -> None:
    result = runner.invoke(app, ["review", str(BROKEN)])
    out = result.stdout
    assert out.index("Findings by rule") < out.index("schema.sql:")
    first_finding = next(line for line in out.splitlines() if "openapi.yaml:" in line)
    assert first_finding.split(":")[1].isdigit() and first_finding.split(":")[2].isdigit()  # file:line:column
