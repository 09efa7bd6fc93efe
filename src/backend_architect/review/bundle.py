"""What a review looks at: any subset of the artifacts, and where each came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .engine import Finding

if TYPE_CHECKING:
    from ..inputs.brief import Brief
    from ..spec import CapacityEstimate, DatabaseSchema, PerformancePlan, ServiceArchitecture, TraceItem
    from .openapi_index import ApiIndex

__all__ = ["BriefUnreadable", "Bundle", "attach_brief"]


@dataclass
class Bundle:
    openapi: dict[str, Any] | None = None
    data: DatabaseSchema | None = None
    services: ServiceArchitecture | None = None
    brief: Brief | None = None
    traceability: list[TraceItem] | None = None  # None: not known (a bare file); []: a design that traced nothing
    files: dict[str, str] = field(default_factory=dict)  # artifact ("api", "data", "services", "design") -> path
    lines: dict[str, dict[str, int]] = field(default_factory=dict)  # artifact -> location -> line, when known
    problems: list[Finding] = field(default_factory=list)  # inputs that could not be read as an artifact
    sources: Any = None  # locate.SourceSet: the files read, for lines and columns
    refs: Any = None  # refs.RefResolver of the OpenAPI file: refs to other files followed
    # From a design.json (or the loop's state): what the numbers rules compare, and the design's own words
    # (summary, decisions, open questions) where it states why it departs from a rule.
    capacity: CapacityEstimate | None = None
    performance: PerformancePlan | None = None
    notes: list[str] = field(default_factory=list)
    _index: ApiIndex | None = None
    _facts: Any = None  # the brief-aware rules' shared facts (review/facts.py), computed once

    @property
    def api(self) -> ApiIndex | None:
        if self.openapi is None:
            return None
        if self._index is None:
            from .openapi_index import ApiIndex

            self._index = ApiIndex.build(self.openapi, refs=self.refs)
        return self._index

    @property
    def kinds(self) -> list[str]:
        return [k for k, v in (("api", self.openapi), ("data", self.data), ("services", self.services)) if v is not None]


class BriefUnreadable(Exception):
    """The brief given with --brief cannot be read; the message names the file, line and field."""


def attach_brief(bundle: Bundle, path: Any) -> None:
    """`review FILES… --brief BRIEF`: the brief a person's files were built for. A brief that cannot be read
    is a usage error naming its line and field; one given beside a design.json replaces the design's own, so a
    design can be checked against the brief as it stands now."""
    from ..inputs.brief import BriefError, load_brief

    try:
        loaded = load_brief(path)
    except BriefError as exc:
        raise BriefUnreadable(f"--brief {exc}") from None
    bundle.brief = loaded.brief
    bundle._facts = None
