"""Rows of the check-in series: a check-in as known at a position, and its corrections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True, slots=True)
class CorrectionRow:
    value: float
    reason: str
    actor_id: UUID
    recorded_at: datetime
    position: int


@dataclass(frozen=True, slots=True)
class CheckInRow:
    """A check-in as known at the position asked for: the corrections recorded by then beside it."""

    id: UUID
    objective_id: UUID
    key_result_id: UUID
    value: float  # as first recorded
    current_value: float  # after the corrections known at the position
    confidence: float
    note: str
    measured_at: datetime  # valid time
    recorded_at: datetime  # recorded time
    actor_id: UUID
    position: int
    corrections: tuple[CorrectionRow, ...]
