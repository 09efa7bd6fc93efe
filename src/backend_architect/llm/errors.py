"""Typed failures of a model call, each with a message that says what to do.

Everything the model path raises for a reason other than a bug is a `ModelCallError`; the loop turns
it into a clean `RunFailed`. Messages never carry the API key: the server's own words (which may
quote the key, as OpenAI's 401 does) are echoed only for an unexplained 4xx, and `describe_error`
scrubs the secrets it is given from every message it makes.
"""

from __future__ import annotations

import re

__all__ = ["ModelCallError", "StreamCut", "describe_error", "is_local", "timeout_advice", "unsupported_parameter"]


class ModelCallError(Exception):
    """The model call failed for good. `kind` is a short stable word for tests and transcripts."""

    def __init__(self, message: str, *, kind: str = "model", retryable: bool = False):
        super().__init__(message)
        self.kind = kind
        self.retryable = retryable  # a semantic re-ask (not a network retry) may help
        self.attempts = 0  # network attempts that failed before this was raised (for the usage line)

    def __str__(self) -> str:
        return str(self.args[0])


class StreamCut(ModelCallError):
    """A streamed answer broke off: retried like a dropped connection, and nothing of it is used."""

    def __init__(self, message: str):
        super().__init__(message, kind="stream_cut")


_CONTEXT = re.compile(r"context[ _-]?(length|window)|maximum context|too many tokens|prompt is too long", re.I)
_PARAMS = ("stream_options", "max_completion_tokens", "max_tokens", "response_format", "tool_choice", "tools",
           "strict", "json_schema", "temperature")


def _server_message(exc: BaseException) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return inner["message"]
        if isinstance(body.get("message"), str):
            return body["message"]
    return str(getattr(exc, "message", "") or "")


def unsupported_parameter(exc: BaseException) -> str | None:
    """Which structured-output parameter a 400/422 refused, if the server's words name one."""
    import openai

    if not isinstance(exc, openai.APIStatusError) or exc.status_code not in (400, 422, 501):
        return None
    text = _server_message(exc).lower()
    if _CONTEXT.search(text):
        return None
    param = str(getattr(exc, "param", "") or "").lower()
    for name in _PARAMS:
        if name in param or name in text:
            return name
    return None


def describe_error(exc: BaseException, *, base_url: str | None = None, model: str | None = None,
                   secrets: list[str] | None = None, timeout: float | None = None) -> ModelCallError:
    """One actionable sentence for an SDK exception, with `secrets` scrubbed from the server's words."""
    from .transcript import redact

    described = _describe(exc, base_url, model, timeout)
    message = redact(str(described), secrets or [])
    if message == str(described):
        return described
    return ModelCallError(message, kind=described.kind, retryable=described.retryable)


def is_local(base_url: str | None) -> bool:
    from urllib.parse import urlsplit

    host = (urlsplit(base_url or "").hostname or "").lower()
    return host in ("localhost", "::1") or host.startswith(("127.", "10.", "192.168.")) or host.endswith(".local") \
        or bool(re.match(r"172\.(1[6-9]|2\d|3[01])\.", host))


def timeout_advice(base_url: str | None, timeout: float | None) -> str:
    """What to do about a server that did not answer in time: the setting, where it lives, the flag."""
    from .config import config_paths

    import os

    user, project = config_paths(os.environ)
    now = f" (now {timeout:g} s per attempt)" if timeout else ""
    setting = (f"raise `timeout`{now} with --timeout SECONDS, or `timeout = 1800` in {project} or {user}; "
               "`deadline` bounds all attempts of one request")
    if is_local(base_url):
        return (f"a local model reads a long prompt slowly: {setting}; a smaller model, more threads or a shorter "
                "brief also help")
    return f"{setting}; or try again later if the service is overloaded"


def _describe(exc: BaseException, base_url: str | None, model: str | None,
              timeout: float | None = None) -> ModelCallError:
    import openai

    if isinstance(exc, ModelCallError):
        return exc
    where = f" at {base_url}" if base_url else ""
    if isinstance(exc, openai.APITimeoutError):
        return ModelCallError(f"the model server{where} did not answer in time, even after retries: "
                              + timeout_advice(base_url, timeout), kind="timeout")
    if isinstance(exc, openai.APIConnectionError):
        return ModelCallError(f"cannot reach the model server{where}: check --base-url / OPENAI_BASE_URL "
                              "and that the server is running", kind="connection")
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        said = _server_message(exc)
        if status == 401:
            return ModelCallError("the server refused the API key (401): check OPENAI_API_KEY", kind="auth")
        if status == 403:
            return ModelCallError("the server forbids this request (403): the key lacks access to this model or "
                                  "endpoint; check the key's permissions or use another --model", kind="forbidden")
        if status == 404:
            return ModelCallError(f"not found (404){where}: check --base-url (OpenAI-compatible servers usually "
                                  f"end in /v1) and that model {model!r} exists there", kind="not_found")
        if status in (400, 413, 422) and (_CONTEXT.search(said) or getattr(exc, "code", None) ==
                                          "context_length_exceeded"):
            return ModelCallError("the conversation is longer than the model's context window (400): use a model "
                                  "with a larger context, or a shorter brief", kind="context_length")
        if status == 429:
            return ModelCallError("rate limited (429), still after retries: wait, or lower the request rate; "
                                  "check the account's quota", kind="rate_limit")
        if status >= 500:
            return ModelCallError(f"the model server failed ({status}), still after retries: try again later",
                                  kind="server")
        # The server's own words help here (a bad parameter), but only the first line of them.
        detail = said.splitlines()[0][:300] if said else ""
        return ModelCallError(f"the model server rejected the request ({status})" + (f": {detail}" if detail else ""),
                              kind="bad_request")
    return ModelCallError(f"{type(exc).__name__}: {exc}", kind="unexpected")
