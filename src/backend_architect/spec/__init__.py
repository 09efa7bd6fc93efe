"""Pydantic models of the artifacts: the contract between the model and everything downstream.

The names are loaded on first use (PEP 562): `review` on one SQL file needs `spec.data` only, and
importing every contract costs more than a small review takes.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .api import ApiSpecification
    from .capacity import CapacityEstimate, CapacityInputs
    from .data import DatabaseSchema
    from .decisions import Decision, RecordDecisions
    from .design import Design, FinishDesign, TraceItem, cross_check
    from .graphql import GraphQLSpecification
    from .performance import PerformancePlan
    from .services import ServiceArchitecture

_WHERE = {"ApiSpecification": "api", "CapacityEstimate": "capacity", "CapacityInputs": "capacity",
          "DatabaseSchema": "data", "Decision": "decisions", "RecordDecisions": "decisions", "Design": "design",
          "FinishDesign": "design", "TraceItem": "design", "cross_check": "design",
          "GraphQLSpecification": "graphql", "PerformancePlan": "performance", "ServiceArchitecture": "services"}

__all__ = [
    "ApiSpecification",
    "CapacityEstimate",
    "CapacityInputs",
    "DatabaseSchema",
    "Decision",
    "Design",
    "FinishDesign",
    "GraphQLSpecification",
    "PerformancePlan",
    "RecordDecisions",
    "ServiceArchitecture",
    "TraceItem",
    "cross_check",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value
