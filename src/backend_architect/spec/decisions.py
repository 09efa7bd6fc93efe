"""Architecture decision records, in the MADR layout (https://adr.github.io/madr/)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ._base import StrictModel, no_duplicates as _no_duplicates

__all__ = ["ConsideredOption", "Decision", "RecordDecisions"]


class ConsideredOption(StrictModel):
    name: str = Field(min_length=1, max_length=120)
    pros: list[str] = Field(default_factory=list)
    cons: list[str] = Field(default_factory=list)


class Decision(StrictModel):
    title: str = Field(min_length=3, max_length=120, description="the decision in a few words, e.g. 'Use a "
                       "modular monolith'")
    status: Literal["proposed", "accepted", "rejected", "deprecated", "superseded"] = "accepted"
    context: str = Field(min_length=1, description="the problem and the forces at play")
    decision_drivers: list[str] = Field(min_length=1)
    considered_options: list[ConsideredOption] = Field(min_length=2)
    chosen_option: str = Field(min_length=1, description="one of the considered options' names")
    justification: str = Field(min_length=1)
    positive_consequences: list[str] = Field(default_factory=list)
    negative_consequences: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _chosen(self) -> Decision:
        names = [o.name for o in self.considered_options]
        _no_duplicates(names, f"option of {self.title!r}")
        if self.chosen_option not in names:
            raise ValueError(f"decision {self.title!r}: chosen_option {self.chosen_option!r} is not one of the "
                             f"considered options ({', '.join(names)})")
        return self


class RecordDecisions(StrictModel):
    """The arguments of `record_decisions`: every significant choice of the design."""

    decisions: list[Decision] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> RecordDecisions:
        _no_duplicates([d.title.lower() for d in self.decisions], "decision title")
        return self
