"""The model-graded rubric: a typed verdict through a tool call; broken judge output is never fatal."""

from __future__ import annotations

import asyncio
import json

import httpx
import respx

from backend_architect.llm.config import Settings
from backend_architect.evals.graders import grade_design
from backend_architect.evals.graders.judge import Judge
from backend_architect.llm import make_client

from ..conftest import API_KEY, BASE_URL, completion

DESIGN = {"title": "T", "brief": {"requirements": []}, "summary": "A modular monolith."}


def _judge_grades(responses):
    async def go():
        settings = Settings(model="judge-test", base_url=BASE_URL, api_key=API_KEY)
        client = make_client(settings, http_client=httpx.AsyncClient())
        try:
            grades = await grade_design(DESIGN, {"rubric": "Is it a monolith?"}, judge=Judge(client, "judge-test"))
        finally:
            await client.close()
        return {g.grader: g for g in grades}

    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(f"{BASE_URL}/chat/completions").mock(side_effect=responses)
        return asyncio.run(go()), route


def _verdict(args):
    return httpx.Response(200, json=completion(("submit_verdict", args)))


def test_a_verdict_through_the_tool_call_is_the_grade():
    grades, route = _judge_grades([_verdict({"score": 0.9, "reason": "one deployable"})])
    assert grades["rubric"].score == 0.9 and grades["rubric"].reason == "one deployable"
    sent = json.loads(route.calls[0].request.content)
    assert sent["tool_choice"]["function"]["name"] == "submit_verdict" and sent["model"] == "judge-test"
    assert "Is it a monolith?" in sent["messages"][1]["content"]


def test_broken_judge_json_is_retried_once_with_the_error_shown():
    grades, route = _judge_grades([_verdict("{not json"), _verdict({"score": 0.5, "reason": "partly"})])
    assert grades["rubric"].score == 0.5 and not grades["rubric"].error
    retry = json.loads(route.calls[1].request.content)["messages"]
    assert retry[-1]["role"] == "tool" and "Invalid verdict" in retry[-1]["content"]


def test_a_judge_that_never_answers_well_is_a_recorded_error_not_a_crash():
    grades, route = _judge_grades([_verdict({"score": 7, "reason": "x"}), httpx.Response(500, json={"error": {}})])
    grade = grades["rubric"]
    assert grade.error and grade.score == 0 and "judge error after 2 attempts" in grade.reason
    assert route.call_count == 2
    assert grades["coverage"].score == 1.0  # the other graders still ran


def test_no_judge_configured_means_no_rubric_grade():
    grades = {g.grader for g in asyncio.run(grade_design(DESIGN, {"rubric": "anything"}))}
    assert "rubric" not in grades
