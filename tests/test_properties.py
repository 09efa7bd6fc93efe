"""Property tests: whatever a model sends as tool-call arguments or text, only our typed outcomes come out.

No input may raise out of the registry or the answer parser; each must become a ToolOutcome (ok or a
list of errors for the model) or a list of ToolRequests.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend_architect.llm.caller import ModelCaller, ModelTurn
from backend_architect.llm.errors import ModelCallError
from backend_architect.llm.profiles import resolve_profile
from backend_architect.llm.structured import StructuredOutput, ToolRequest, extract_json_calls
from backend_architect.design.tools import DesignState, ToolOutcome, default_registry

REGISTRY = default_registry()
NAMES = REGISTRY.names + ["run_shell", ""]
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                                max_size=4), max_leaves=25)


@st.composite
def arguments(draw: st.DrawFn) -> str:
    """Arbitrary text, arbitrary JSON, or a valid-looking JSON object cut off anywhere."""
    kind = draw(st.sampled_from(["text", "json", "truncated", "nested"]))
    if kind == "text":
        return draw(st.text(max_size=200))
    if kind == "nested":
        depth = draw(st.integers(1, 3000))
        return "[" * depth + "]" * draw(st.integers(0, depth))
    doc = json.dumps(draw(JSON))
    if kind == "truncated":
        return doc[:draw(st.integers(0, len(doc)))]
    return doc


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(NAMES), args=arguments())
def test_any_arguments_give_a_tool_outcome(shop_brief, knowledge, name, args):
    outcome = REGISTRY.call(name, args, DesignState(brief=shop_brief, knowledge=knowledge))
    assert isinstance(outcome, ToolOutcome)
    assert outcome.ok or outcome.errors
    json.loads(outcome.content)  # what the model is told is always JSON


STRUCTURED = {m: StructuredOutput(REGISTRY.schemas(), resolve_profile(m))
              for m in ["gpt-4.1", "llama3.1", "llama2", "deepseek-r1"]}


def _message(content: str | None, calls: list[tuple[str, str, str]]) -> SimpleNamespace:
    return SimpleNamespace(content=content, tool_calls=[
        SimpleNamespace(id=i, function=SimpleNamespace(name=n, arguments=a)) for i, n, a in calls])


@settings(max_examples=300, deadline=None)
@given(model=st.sampled_from(sorted(STRUCTURED)),
       content=st.none() | st.text(max_size=200) | arguments(),
       calls=st.lists(st.tuples(st.sampled_from(["a", "a", "b", ""]), st.sampled_from(NAMES), arguments()),
                      max_size=4))
def test_any_answer_parses_into_tool_requests(model, content, calls):
    structured = STRUCTURED[model]
    parsed, assistant = structured.parse(_message(content, calls))
    assert all(isinstance(c, ToolRequest) and c.name in NAMES for c in parsed)
    assert len({c.id for c in parsed}) == len(parsed)  # ids are unique, whatever the server sent
    assert assistant["role"] == "assistant"
    json.dumps(structured.results(parsed, ["{}"] * len(parsed)))


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300) | arguments().map(lambda a: f"<think>x</think>```json\n{a}\n```"))
def test_text_only_ever_yields_offered_tools(text):
    assert all(c.name in {"search_knowledge"} for c in extract_json_calls(text, {"search_knowledge"}))


SCALAR = st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=8)


@st.composite
def completion_bodies(draw: st.DrawFn) -> object:
    """Chat-completion-shaped bodies with any part missing, of the wrong type, or odd."""
    call = st.fixed_dictionaries({}, optional={
        "id": SCALAR, "type": SCALAR,
        "function": SCALAR | st.fixed_dictionaries({}, optional={"name": st.sampled_from(NAMES) | SCALAR,
                                                                 "arguments": arguments() | SCALAR})})
    message = st.fixed_dictionaries({}, optional={
        "role": SCALAR, "content": SCALAR | arguments(), "tool_calls": SCALAR | st.lists(call | SCALAR, max_size=3)})
    choice = st.fixed_dictionaries({}, optional={
        "index": SCALAR, "message": message | SCALAR,
        "finish_reason": st.sampled_from(["stop", "length", "tool_calls", "content_filter"]) | SCALAR})
    usage = st.fixed_dictionaries({}, optional={"prompt_tokens": SCALAR, "completion_tokens": SCALAR})
    body = st.fixed_dictionaries({"object": st.just("chat.completion")}, optional={
        "id": SCALAR, "model": SCALAR, "choices": SCALAR | st.lists(choice | SCALAR, max_size=2),
        "usage": usage | SCALAR, "system_fingerprint": SCALAR})
    return draw(body | JSON)


CALLERS = {m: ModelCaller(client=None, model=m, tools=REGISTRY.schemas(), profile=resolve_profile(m))  # type: ignore[arg-type]
           for m in sorted(STRUCTURED)}


@settings(max_examples=300, deadline=None)
@given(body=completion_bodies(), model=st.sampled_from(sorted(CALLERS)))
def test_any_200_body_gives_a_turn_or_a_model_call_error(body, model):
    """The boundary where a 200 body becomes a turn (the HTTP part is the respx tests' job)."""
    try:
        outcome = CALLERS[model]._check(json.dumps(body))
    except ModelCallError as exc:
        assert str(exc)
        return
    assert isinstance(outcome, ModelTurn)
    assert all(isinstance(c, ToolRequest) and isinstance(c.arguments, str) for c in outcome.calls)
