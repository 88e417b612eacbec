"""Objectives and key results: drafting, negotiating, measuring and scoring them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import UNSET, Meta, UnsetType

from api.schemas.common import Body, Comment, Name, Number, Text
from domain.rules import UNIT_MAX_LENGTH

Kind = Literal["committed", "aspirational"]
Unit = Annotated[str, Meta(max_length=UNIT_MAX_LENGTH, description=f"at most {UNIT_MAX_LENGTH} characters")]
Weight = Annotated[float, Meta(gt=0, le=1000, description="relative weight in the objective's progress")]
Confidence = Annotated[float, Meta(ge=0, le=1, description="0 (no chance) to 1 (certain)")]
Score = Annotated[float, Meta(ge=0, le=1)]
Reason = Annotated[str, Meta(min_length=1, max_length=2000)]


class ObjectiveCreate(Body):
    cycle_id: UUID
    team_id: UUID
    title: Name
    kind: Kind
    description: Text = ""
    parent_id: UUID | None = None


class ObjectivePatch(Body):
    """Only the fields sent change; `parent_id: null` unlinks the objective from its parent."""

    title: Name | UnsetType = UNSET
    description: Text | UnsetType = UNSET
    kind: Kind | UnsetType = UNSET
    parent_id: UUID | None | UnsetType = UNSET


class KeyResultCreate(Body):
    """One of three shapes: a metric `{title, unit, baseline, target}`, a maintained level
    `{title, unit, threshold, direction}`, or a milestone `{title, milestone: true}`."""

    title: Name
    unit: Unit = ""
    baseline: Number | None = None
    target: Number | None = None
    threshold: Number | None = None
    direction: Literal["at_least", "at_most"] | None = None
    milestone: bool = False
    weight: Weight = 1.0


class KeyResultPatch(Body):
    """Only the fields sent change (`target` is also a maintained key result's threshold)."""

    title: Name | UnsetType = UNSET
    unit: Unit | UnsetType = UNSET
    baseline: Number | UnsetType = UNSET
    target: Number | UnsetType = UNSET
    weight: Weight | UnsetType = UNSET


class Remark(Body):
    comment: Comment | None = None


class CounterTarget(Body):
    id: UUID
    target: Number


class CounterProposal(Body):
    key_results: Annotated[list[CounterTarget], Meta(min_length=1, max_length=50)]
    comment: Comment | None = None


class CheckInCreate(Body):
    value: Number
    confidence: Confidence
    note: Text = ""
    measured_at: datetime | None = None


class CorrectionCreate(Body):
    value: Number
    reason: Reason


class ScoreAdjustment(Body):
    score: Score
    reason: Reason


class CarryOverRequest(Body):
    cycle_id: UUID


class ObjectiveWritten(msgspec.Struct, frozen=True):
    """A write to an objective: its status and version after it (also the ETag), and the log
    position of its last event."""

    id: UUID
    status: str
    version: int
    position: int
