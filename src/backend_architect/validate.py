"""Real validators for the artifacts we emit: openapi-spec-validator and PostgreSQL's own parser.

Each returns a list of human-readable problems; empty means valid.
"""

from __future__ import annotations

from typing import Any

__all__ = ["check_openapi", "check_sql"]


def check_openapi(document: dict[str, Any], *, limit: int = 10) -> list[str]:
    from openapi_spec_validator import OpenAPIV31SpecValidator

    problems = []
    try:
        for error in OpenAPIV31SpecValidator(document).iter_errors():
            where = "/".join(str(p) for p in error.absolute_path) or "(root)"
            problems.append(f"openapi.yaml at {where}: {error.message}")
            if len(problems) >= limit:
                break
    except Exception as exc:  # noqa: BLE001 - the validator trips over some malformed shapes; that is a finding
        problems.append(f"openapi.yaml: the document is malformed ({type(exc).__name__}: {exc})")
    finally:
        _forget_validators()
    return problems


def _forget_validators() -> None:
    """openapi-spec-validator memoizes `iter_errors` with lru_cache(maxsize=None) on the method, so every
    validator (about 0.3 MB with its resolver caches) stays alive: a long eval run grew without bound."""
    from openapi_spec_validator.validation.validators import SpecValidator

    clear = getattr(getattr(SpecValidator.iter_errors, "__wrapped__", None), "cache_clear", None)
    if clear is not None:
        clear()


def check_sql(statements: list[tuple[str, str]]) -> list[str]:
    """Parse each (label, statement) with libpg_query; each label must hold exactly one statement."""
    import pglast
    from pglast.parser import ParseError

    problems = []
    for label, sql in statements:
        try:
            parsed = pglast.parse_sql(sql)
        except ParseError as exc:
            problems.append(f"{label}: PostgreSQL rejects it: {exc}")
            continue
        if len(parsed) != 1:
            problems.append(f"{label}: expected one SQL statement, found {len(parsed)}")
    return problems
