"""Rules over an OpenAPI 3.0/3.1 document, read as a plain dict.

Working on the document rather than on `ApiSpecification` lets the same rules review what we
render and the files people bring. Each rule's rationale names the guideline it follows.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from .engine import rule
from .openapi_index import ApiIndex, pointer

__all__ = ["PAGINATION_PARAMS", "declares_rate_limits", "is_list_operation"]

Found = Iterator[tuple[str, str]]

PAGINATION_PARAMS = {"limit", "cursor", "page", "offset", "page_size", "pagesize", "per_page", "perpage",
                     "after", "before", "page_token", "pagetoken", "starting_after", "next", "continuation"}
_VERBS = {"get", "create", "update", "delete", "remove", "add", "list", "fetch", "set", "make", "do", "perform",
          "execute", "retrieve", "insert", "modify", "edit", "save", "change", "put", "post", "patch"}
# Nouns that are plural as they stand, or have no plural worth forcing on a URL.
_UNCOUNTABLE = {"data", "info", "metadata", "media", "staff", "people", "children", "feedback", "news", "series",
                "status", "health", "me", "auth", "search", "inventory", "equipment", "software", "analytics"}
_PARAM = re.compile(r"^\{[^}]+\}$")


def _success(status: str) -> bool:
    return status[:1] in ("2", "3") or status.upper() in ("2XX", "3XX")


@rule("api-operation-success-response", "error", "api",
      "Spectral oas3-operation-success-response: every operation needs at least one 2xx or 3xx response.")
def success_response(api: ApiIndex) -> Found:
    """Operation has a success response"""
    for op in api.operations:
        if not any(_success(str(s)) for s in op.responses()):
            yield op.ptr + "/responses", f"{op.label} has no 2xx or 3xx response; add the response a client gets on success"


def _without_status_class(api: ApiIndex, first_digit: str) -> Iterator[Any]:
    """Operations with no response of the class (4xx, 5xx) and no `default` response standing in for it."""
    for op in api.operations:
        statuses = [str(s).upper() for s in op.responses()]
        if not any(s.startswith(first_digit) or s == "DEFAULT" for s in statuses):
            yield op


@rule("api-error-responses", "warning", "api",
      "Zalando #151 (specify success and error responses); Spectral owasp:api8 define error responses.")
def error_responses(api: ApiIndex) -> Found:
    """Operation defines client error (4xx) responses"""
    for op in _without_status_class(api, "4"):
        yield op.ptr + "/responses", f"{op.label} defines no 4xx response; document the client errors it returns"


@rule("api-server-error-response", "info", "api",
      "Zalando #151: document 5xx (or a default response) so clients know the error shape of server failures.")
def server_error_response(api: ApiIndex) -> Found:
    """Operation documents server errors (5xx or default)"""
    for op in _without_status_class(api, "5"):
        yield op.ptr + "/responses", f"{op.label} documents no 5xx or default response"


@rule("api-operation-security", "error", "api",
      "Spectral owasp:api2 protection rules / Zalando #104 (secure endpoints): mark public operations with `security: []`.")
def operation_security(api: ApiIndex) -> Found:
    """Every non-public operation has a security requirement"""
    schemes = (api.doc.get("components") or {}).get("securitySchemes") if isinstance(api.doc.get("components"), dict) else None
    global_security = api.doc.get("security")
    for op in api.operations:
        security = op.op.get("security", global_security)
        if security == []:
            continue  # explicitly public
        if not security:
            yield op.ptr, (f"{op.label} has no security requirement; add one (e.g. bearer JWT) or declare it public "
                           "with `security: []`")
            continue
        for requirement in security if isinstance(security, list) else []:
            for name in requirement if isinstance(requirement, dict) else []:
                if not isinstance(schemes, dict) or name not in schemes:
                    yield op.ptr + "/security", f"{op.label} uses security scheme {name!r}, which components.securitySchemes does not define"


def _limits(key: object, value: object) -> bool:
    """Whether an extension says a rate limit applies: `x-rate-limit: ...`, not `x-rate-limit-exempt: true` or a
    limit switched off (`x-ratelimit: false`)."""
    name = str(key).lower().replace("-", "").replace("_", "")
    if "ratelimit" not in name or value in (False, None, 0, "", [], {}):
        return False
    return not any(word in name for word in ("exempt", "bypass", "skip", "disable", "unlimited", "ignore"))


def declares_rate_limits(api: ApiIndex) -> bool:
    """Whether the document says rate limits apply: in its description, an x- extension, or RateLimit headers."""
    info = api.doc.get("info") if isinstance(api.doc.get("info"), dict) else {}
    text = str(info.get("description", "")).lower()
    if "rate limit" in text or "rate-limit" in text or any(_limits(k, v) for k, v in api.doc.items()):
        return True
    for op in api.operations:
        if any(_limits(k, v) for k, v in op.op.items()):
            return True
        for response in op.responses().values():
            headers = api.resolve(response).get("headers") if isinstance(api.resolve(response), dict) else None
            if isinstance(headers, dict) and any("ratelimit" in h.lower().replace("-", "") for h in headers):
                return True
    return False


@rule("api-rate-limit-429", "warning", "api",
      "Zalando #153 (use 429 with headers for rate limits); Spectral owasp:api4:2019-rate-limit-responses-429.")
def rate_limit_429(api: ApiIndex) -> Found:
    """Operations under a rate limit define 429 Too Many Requests"""
    if not declares_rate_limits(api):
        return
    for op in api.operations:
        if "429" not in {str(s) for s in op.responses()}:
            yield op.ptr + "/responses", f"{op.label} is rate limited but defines no 429 response; add one with Retry-After"


@rule("api-operation-id-unique", "error", "api",
      "Spectral operation-operationId, -unique and -valid-in-url: every operation has one unique, URL-safe id.")
def operation_id_unique(api: ApiIndex) -> Found:
    """Operation ids are present and unique"""
    counts = Counter(op.op.get("operationId") for op in api.operations if op.op.get("operationId"))
    for op in api.operations:
        op_id = op.op.get("operationId")
        if not op_id:
            yield op.ptr, f"{op.label} has no operationId; give it a unique camelCase id"
        elif not re.fullmatch(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]+", str(op_id)):
            # Spectral's operation-operationId-valid-in-url character set: RFC 3986 unreserved and reserved.
            yield op.ptr + "/operationId", f"operationId {op_id!r} has characters unfit for URLs; use camelCase"
        elif counts[op_id] > 1:
            yield op.ptr + "/operationId", f"operationId {op_id!r} is used by {counts[op_id]} operations; make it unique"


@rule("api-path-params", "error", "api",
      "Spectral path-params: every {param} in a path is declared `in: path`, required, and every declared one is used.")
def path_params(api: ApiIndex) -> Found:
    """Path parameters are declared and used"""
    for op in api.operations:
        if op.dangling:
            continue  # a parameter whose ref cannot be followed is reported once, as that ref
        in_path = re.findall(r"\{([^}]+)\}", op.path)
        declared = {p.get("name"): p for p in op.parameters if p.get("in") == "path"}
        for name in in_path:
            if name not in declared:
                yield op.ptr + "/parameters", f"{op.label}: path parameter {{{name}}} is not declared; add it with `in: path`"
            elif declared[name].get("required") is not True:
                yield op.ptr + "/parameters", f"{op.label}: path parameter {name!r} must have `required: true`"
        for name in declared:
            if name not in in_path:
                yield op.ptr + "/parameters", f"{op.label}: parameter {name!r} is declared `in: path` but the path has no {{{name}}}"


def _path_items(api: ApiIndex) -> list[str]:
    paths = api.doc.get("paths")
    return [str(p) for p in paths] if isinstance(paths, dict) else []


@rule("api-path-ambiguous", "error", "api",
      "OpenAPI 3.1 §4.8.8 (Paths Object): templated paths that differ only in their parameters' names are "
      "identical, and a server cannot route them apart (`/users/{username}` and `/users/{email}`).")
def ambiguous_paths(api: ApiIndex) -> Found:
    """No two paths differ only in their parameters' names"""
    first: dict[str, str] = {}
    for path in _path_items(api):
        shape = re.sub(r"\{[^}/]*\}", "{}", path)
        if "{" in path and shape in first:
            yield pointer("paths", path), (f"path {path} is {first[shape]} with another parameter name: a server "
                                           "cannot tell them apart; keep one, or add a literal segment "
                                           "(/users/by-email/{email})")
        else:
            first[shape] = path


@rule("api-path-no-trailing-slash", "warning", "api",
      "Spectral path-keys-no-trailing-slash; Zalando #136 (avoid trailing slashes).")
def no_trailing_slash(api: ApiIndex) -> Found:
    """Paths have no trailing slash"""
    for path in _path_items(api):
        if path != "/" and path.endswith("/"):
            yield pointer("paths", path), f"path {path} ends with '/'; remove the trailing slash"


def _words(segment: str) -> list[str]:
    return [w for w in re.split(r"[-_.]|(?<=[a-z])(?=[A-Z])", segment) if w]


@rule("api-path-no-verbs", "warning", "api",
      "Zalando #141 (keep URLs verb-free): the HTTP method is the verb, the path names resources.")
def no_verbs(api: ApiIndex) -> Found:
    """Paths name resources, not actions"""
    for path in _path_items(api):
        for segment in path.strip("/").split("/"):
            words = _words(segment)
            if words and not _PARAM.match(segment) and words[0].lower() in _VERBS:
                yield pointer("paths", path), (f"path {path}: segment {segment!r} is a verb; name the resource and let "
                                               "the HTTP method say the action")
                break


def _plural(word: str) -> bool:
    word = word.lower().rstrip("0123456789")  # things2 is still things
    return word in _UNCOUNTABLE or (word.endswith("s") and not word.endswith("ss")) or word.endswith("ia")


@rule("api-path-plural-resources", "warning", "api",
      "Zalando #134 (pluralize resource names): a collection segment before an {id} is a plural noun.")
def plural_resources(api: ApiIndex) -> Found:
    """Collection names are plural"""
    for path in _path_items(api):
        segments = path.strip("/").split("/")
        for name, following in zip(segments, segments[1:]):
            # One- and two-letter segments are deliberate short forms (/r/{code} redirects), not nouns.
            if _PARAM.match(following) and not _PARAM.match(name) and len(name) > 2:
                last = (_words(name) or [name])[-1]
                if not _plural(last):
                    yield pointer("paths", path), f"path {path}: collection {name!r} should be plural (e.g. {name}s)"


def is_list_operation(api: ApiIndex, op: Any) -> bool:
    """A GET on a collection path whose success body is an array, or a page object holding one."""
    if op.method != "get" or _PARAM.match(op.path.rstrip("/").rsplit("/", 1)[-1] or "x"):
        return False
    for status, response in op.responses().items():
        if not _success(str(status)):
            continue
        content = api.resolve(response).get("content") if isinstance(api.resolve(response), dict) else None
        for media in (content.values() if isinstance(content, dict) else []):
            schema = api.resolve(media.get("schema")) if isinstance(media, dict) else None
            if not isinstance(schema, dict):
                continue
            if schema.get("type") == "array":
                return True
            props = schema.get("properties")
            if isinstance(props, dict) and any(
                isinstance(api.resolve(p), dict) and api.resolve(p).get("type") == "array" for p in props.values()
            ):
                return True
    return False


# Server-driven paging: the response carries the next page's link or token (Microsoft Graph's
# @odata.nextLink, Azure's nextLink, Google's nextPageToken, HAL/JSON:API links) or a Link header (RFC 8288).
_NEXT = {"nextlink", "@odata.nextlink", "next_link", "next", "nextpagetoken", "next_page_token", "next_page",
         "nextpage", "next_cursor", "nextcursor", "cursor", "links", "_links", "continuation_token",
         "continuationtoken", "has_more", "hasmore", "page_info", "pageinfo"}


def _server_paged(api: ApiIndex, op: Any) -> bool:
    if "x-ms-pageable" in op.op or "x-pagination" in op.op:
        return True
    for status, response in op.responses().items():
        response = api.resolve(response)
        if not _success(str(status)) or not isinstance(response, dict):
            continue
        headers = response.get("headers")
        if isinstance(headers, dict) and any(str(h).lower() == "link" for h in headers):
            return True
        content = response.get("content")
        for media in (content.values() if isinstance(content, dict) else []):
            schema = api.resolve(media.get("schema")) if isinstance(media, dict) else None
            parts = schema.get("allOf") if isinstance(schema, dict) else None
            for part in [schema] + (parts if isinstance(parts, list) else []):
                props = api.resolve(part).get("properties") if isinstance(api.resolve(part), dict) else None
                if isinstance(props, dict) and {str(k).lower() for k in props} & _NEXT:
                    return True
    return False


@rule("api-list-pagination", "warning", "api",
      "Zalando #159/#160 (support pagination, prefer cursors): list operations take page parameters.")
def list_pagination(api: ApiIndex) -> Found:
    """List operations are paginated"""
    for op in api.operations:
        if is_list_operation(api, op):
            names = {str(p.get("name", "")).lower() for p in op.parameters if p.get("in") in ("query", "header")}
            if not names & PAGINATION_PARAMS and not _server_paged(api, op):
                yield op.ptr + "/parameters", f"{op.label} returns a list without pagination; add `limit` and `cursor` query parameters"


def _case(name: str) -> str | None:
    if re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)+", name):
        return "snake_case"
    if re.fullmatch(r"[a-z][a-z0-9]*([A-Z][a-z0-9]*)+", name):
        return "camelCase"
    if re.fullmatch(r"[A-Z][a-z0-9]*([A-Z][a-z0-9]*)+", name):
        return "PascalCase"
    if re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)+", name):
        return "kebab-case"
    return None  # one word: fits every convention


@rule("api-property-casing", "warning", "api",
      "Zalando #118 (property names in one case, snake_case preferred); Spectral casing functions.")
def property_casing(api: ApiIndex) -> Found:
    """Property names share one casing convention"""
    seen: list[tuple[str, str, str]] = []
    for ptr, schema in api.schemas():
        props = schema.get("properties")
        for name in (props if isinstance(props, dict) else []):
            case = _case(str(name))
            if case:
                seen.append((ptr + pointer("properties", name), str(name), case))
    counts = Counter(case for _, _, case in seen)
    if len(counts) < 2:
        return
    # The document's own majority is its convention; ties go to snake_case, Zalando's choice.
    dominant = max(counts, key=lambda c: (counts[c], c == "snake_case"))
    for ptr, name, case in seen:
        if case != dominant:
            yield ptr, f"property {name!r} is {case} but the document mostly uses {dominant}; rename it"


_JSON_TYPES: dict[str, tuple[type, ...]] = {"string": (str,), "integer": (int,), "number": (int, float),
                                            "boolean": (bool,), "array": (list,), "object": (dict,)}


@rule("api-typed-enum", "warning", "api",
      "Spectral typed-enum: an enum declares its type and every value has that type.")
def typed_enum(api: ApiIndex) -> Found:
    """Enums are typed and their values match the type"""
    for ptr, schema in api.schemas():
        values = schema.get("enum")
        if not isinstance(values, list):
            continue
        declared = schema.get("type")
        types = declared if isinstance(declared, list) else [declared] if declared else []
        if not types:
            yield ptr, "enum has no `type`; declare it (usually `type: string`)"
            continue
        for value in values:
            if value is None and ("null" in types or schema.get("nullable") is True):
                continue
            ok = any(isinstance(value, _JSON_TYPES.get(t, ())) and not (t != "boolean" and isinstance(value, bool))
                     for t in types)
            if not ok:
                yield ptr, f"enum value {value!r} is not of type {'/'.join(map(str, types))}"


def _error_statuses(op: Any) -> list[tuple[str, Any]]:
    return [(str(s), r) for s, r in op.responses().items() if str(s)[:1] in ("4", "5")]


@rule("api-rate-limit-headers", "warning", "api",
      "Zalando #153 and IETF draft-ietf-httpapi-ratelimit-headers: a 429 tells the client when to retry.")
def rate_limit_headers(api: ApiIndex) -> Found:
    """429 responses carry Retry-After or RateLimit headers"""
    for op in api.operations:
        response = api.resolve(op.responses().get("429", op.responses().get(429)))
        if not isinstance(response, dict):
            continue
        headers = {h.lower() for h in (response.get("headers") or {})} if isinstance(response.get("headers"), dict) else set()
        if not headers & {"retry-after", "ratelimit", "ratelimit-reset", "x-ratelimit-reset"}:
            yield op.ptr + "/responses/429", f"{op.label}: the 429 response has no Retry-After (or RateLimit) header"


@rule("api-problem-json", "warning", "api",
      "Zalando #176 (use Problem JSON) / RFC 9457: error bodies are application/problem+json.")
def problem_json(api: ApiIndex) -> Found:
    """Error responses use application/problem+json"""
    for op in api.operations:
        for status, response in _error_statuses(op):
            content = api.resolve(response).get("content") if isinstance(api.resolve(response), dict) else None
            if isinstance(content, dict) and content and not any("problem+json" in str(m) for m in content):
                yield f"{op.ptr}/responses/{status}/content", (f"{op.label}: the {status} body is "
                                                               f"{', '.join(map(str, content))}; use "
                                                               "application/problem+json (RFC 9457)")


@rule("api-deprecated-sunset", "warning", "api",
      "Zalando #189 (add Deprecation and Sunset headers) / RFC 8594: deprecated operations say when they go.")
def deprecated_sunset(api: ApiIndex) -> Found:
    """Deprecated operations announce their Sunset"""
    for op in api.operations:
        if op.op.get("deprecated") is not True or op.op.get("x-sunset"):
            continue
        has_sunset = any(isinstance(api.resolve(r), dict) and isinstance(api.resolve(r).get("headers"), dict)
                         and any(h.lower() == "sunset" for h in api.resolve(r)["headers"])
                         for s, r in op.responses().items() if _success(str(s)))
        if not has_sunset:
            yield op.ptr, f"{op.label} is deprecated but no success response declares a Sunset header; add one"
