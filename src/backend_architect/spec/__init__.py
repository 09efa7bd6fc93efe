"""Pydantic models of the artifacts: the contract between the model and everything downstream."""

from .api import ApiSpecification
from .data import DatabaseSchema
from .design import Design, FinishDesign, TraceItem, cross_check
from .services import ServiceArchitecture

__all__ = [
    "ApiSpecification",
    "DatabaseSchema",
    "Design",
    "FinishDesign",
    "ServiceArchitecture",
    "TraceItem",
    "cross_check",
]
