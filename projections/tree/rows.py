"""What the goal-tree read model answers with: frozen rows, each laid out field for field like
its view in `api/schemas/reads.py`, so that the API can answer a tree's rows as they are.

They are msgspec Structs rather than dataclasses: a read of a thousand objectives makes
thousands of them, and a Struct is made several times faster than a frozen dataclass.
Those made by the thousand hold no reference cycles, so the garbage collector need not
track them (`gc=False`).
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import msgspec

from domain.values import (
    Band, CycleState, Direction, Health, KeyResultKind, ObjectiveKind, ObjectiveStatus,
    ScoreFlag, Terms,
)


class KeyResultRow(msgspec.Struct, frozen=True, gc=False):
    """A key result of the terms in force, with what its check-ins add up to."""

    id: UUID
    title: str
    kind: KeyResultKind
    unit: str
    baseline: float | None
    target: float | None
    direction: Direction | None
    weight: float
    current_value: float | None  # the latest measurement (by valid time), after its corrections
    confidence: float | None  # of that latest check-in
    progress: float


class CounterTarget(msgspec.Struct, frozen=True, gc=False):
    key_result_id: UUID
    target: float


class ObjectiveRow(msgspec.Struct, frozen=True, gc=False):
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


class TreeNode(msgspec.Struct, frozen=True, gc=False):
    objective: ObjectiveRow
    children: tuple[TreeNode, ...]


class CycleRow(msgspec.Struct, frozen=True):
    id: UUID
    name: str
    starts_on: date
    ends_on: date
    state: CycleState
    closed_at: datetime | None


class TeamRow(msgspec.Struct, frozen=True):
    id: UUID
    name: str
    parent_id: UUID | None
    lead_id: UUID


class GoalTree(msgspec.Struct, frozen=True):
    """A cycle's aligned objectives at `position`, nested by parent links.

    Roots are the objectives without a parent or whose parent is not in the answer
    (another team's, when the tree starts at `team_id`, or withdrawn or rejected).
    """

    position: int
    cycle: CycleRow
    north_star: str | None
    team_id: UUID | None
    roots: tuple[TreeNode, ...]
