"""What the goal-tree read model answers with: frozen rows the API layer converts as it likes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from domain.values import (
    Band, CycleState, Direction, Health, KeyResultKind, ObjectiveKind, ObjectiveStatus,
    ScoreFlag, Terms,
)


@dataclass(frozen=True, slots=True)
class KeyResultRow:
    """A key result of the terms in force, with what its check-ins add up to."""

    id: UUID
    kind: KeyResultKind
    title: str
    unit: str
    baseline: float | None
    target: float | None
    direction: Direction | None
    weight: float
    current_value: float | None  # the latest measurement (by valid time), after its corrections
    confidence: float | None  # of that latest check-in
    progress: float


@dataclass(frozen=True, slots=True)
class CounterTarget:
    key_result_id: UUID
    target: float


@dataclass(frozen=True, slots=True)
class ObjectiveRow:
    """One objective as it stood at `position` (the state after exactly that prefix of the log).

    `title`, `kind`, `parent_id` and `key_results` are the terms in force: the agreed ones
    once there are any, the proposal before. `proposal` is set while terms are negotiated
    (or differ from the agreed ones); `counter_targets` while a counter-proposal stands.
    `health` is set for objectives with agreed terms in an active cycle; the score fields
    once the cycle is closed (band and flags describe the computed score).
    """

    id: UUID
    cycle_id: UUID
    team_id: UUID
    team_name: str | None
    version: int
    changed_at_position: int  # the position of the event that produced this version
    status: ObjectiveStatus
    round: int
    title: str
    description: str
    kind: ObjectiveKind
    parent_id: UUID | None
    agreed: Terms | None
    proposal: Terms | None
    counter_targets: tuple[CounterTarget, ...]
    key_results: tuple[KeyResultRow, ...]
    progress: float
    children_average: float | None
    health: Health | None
    computed_score: float | None
    band: Band | None
    flags: tuple[ScoreFlag, ...]
    adjusted_score: float | None
    adjustment_reason: str | None
    origin_id: UUID | None
    carried_into_id: UUID | None


@dataclass(frozen=True, slots=True)
class TreeNode:
    objective: ObjectiveRow
    children: tuple[TreeNode, ...]


@dataclass(frozen=True, slots=True)
class CycleRow:
    id: UUID
    name: str
    starts_on: date
    ends_on: date
    state: CycleState
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class TeamRow:
    id: UUID
    name: str
    parent_id: UUID | None
    lead_id: UUID


@dataclass(frozen=True, slots=True)
class GoalTree:
    """A cycle's aligned objectives at `position`, nested by parent links.

    Roots are the objectives without a parent or whose parent is not in the answer
    (another team's, when the tree starts at `team_id`, or withdrawn or rejected).
    """

    position: int
    cycle: CycleRow
    north_star: str | None
    team_id: UUID | None
    roots: tuple[TreeNode, ...]
