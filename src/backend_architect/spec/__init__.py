"""Pydantic models of the artifacts: the contract between the model and everything downstream."""

from .api import ApiSpecification
from .capacity import CapacityEstimate, CapacityInputs
from .data import DatabaseSchema
from .decisions import Decision, RecordDecisions
from .design import Design, FinishDesign, TraceItem, cross_check
from .graphql import GraphQLSpecification
from .performance import PerformancePlan
from .services import ServiceArchitecture

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
