"""`review --with-model`: the prose review goes through the one client factory; respx plays the server."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
import respx

from backend_architect.llm.config import Settings
from backend_architect.review import review_bundle
from backend_architect.review.load import load_paths
from backend_architect.review.prose import model_review
from tests.conftest import API_KEY, BASE_URL, completion

BROKEN = Path(__file__).resolve().parents[1] / "fixtures" / "broken-design"


@respx.mock
def test_model_review_sends_artifacts_and_findings() -> None:
    route = respx.post(f"{BASE_URL}/chat/completions").mock(
        return_value=httpx.Response(200, json=completion(content="## Risks\n1. Fix the sync cycle.")))
    bundle = load_paths([BROKEN])
    findings = review_bundle(bundle)
    settings = Settings(model="gpt-test", base_url=BASE_URL, api_key=API_KEY, max_attempts=1)
    text = asyncio.run(model_review(bundle, findings, settings, http_client=httpx.AsyncClient()))
    assert text.startswith("## Risks")
    sent = json.loads(route.calls.last.request.content)
    assert sent["model"] == "gpt-test" and "tools" not in sent
    assert "svc-no-sync-cycles" in sent["messages"][1]["content"]
    assert route.calls.last.request.headers["authorization"] == f"Bearer {API_KEY}"


def test_builtin_model_writes_no_prose() -> None:
    with pytest.raises(ValueError, match="rule-based"):
        asyncio.run(model_review(load_paths([BROKEN]), [], Settings(model="builtin")))


def test_cli_keeps_findings_when_the_model_review_is_unavailable() -> None:
    from typer.testing import CliRunner

    from backend_architect.cli.app import app

    result = CliRunner().invoke(app, ["review", str(BROKEN), "--with-model", "--model", "builtin", "-f", "json"])
    assert result.exit_code == 1 and json.loads(result.stdout)["findings"]
    assert "no model review" in result.stderr
