"""How objectives, trees, check-in series, negotiations and approval decisions read.

Each mirrors a row of a read model (converted with `msgspec.convert(row, View,
from_attributes=True)`) and carries `position`: the log position the answer describes.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import UUID

import msgspec


class View(msgspec.Struct, frozen=True):
    pass


class KeyResultTermsView(View):
    id: UUID
    title: str
    kind: str
    unit: str
    baseline: float | None
    target: float | None  # a maintained key result's threshold
    direction: str | None
    weight: float


class TermsView(View):
    title: str
    kind: str
    parent_id: UUID | None
    key_results: list[KeyResultTermsView]


class KeyResultView(KeyResultTermsView):
    """A key result of the terms in force with what its check-ins add up to."""

    current_value: float | None
    confidence: float | None
    progress: float


class CounterTargetView(View):
    key_result_id: UUID
    target: float


class ObjectiveView(View):
    id: UUID
    cycle_id: UUID
    team_id: UUID
    team_name: str | None
    version: int
    changed_at_position: int
    status: str
    round: int
    title: str
    description: str
    kind: str
    parent_id: UUID | None
    agreed: TermsView | None  # the agreed terms
    proposal: TermsView | None  # the terms under negotiation
    counter_targets: list[CounterTargetView]
    key_results: list[KeyResultView]
    progress: float
    children_average: float | None
    health: str | None
    computed_score: float | None
    band: str | None
    flags: list[str]
    adjusted_score: float | None
    adjustment_reason: str | None
    origin_id: UUID | None
    carried_into_id: UUID | None


class ObjectiveAnswer(ObjectiveView):
    position: int


class TreeNodeView(View):
    objective: ObjectiveView
    children: list[TreeNodeView]


class CycleRowView(View):
    id: UUID
    name: str
    starts_on: date
    ends_on: date
    state: str
    closed_at: datetime | None


class GoalTreeView(View):
    position: int
    cycle: CycleRowView
    north_star: str | None
    team_id: UUID | None
    roots: list[TreeNodeView]


class CorrectionView(View):
    value: float
    reason: str
    actor_id: UUID
    recorded_at: datetime
    position: int


class CheckInView(View):
    id: UUID
    objective_id: UUID
    key_result_id: UUID
    value: float
    current_value: float
    confidence: float
    note: str
    measured_at: datetime
    recorded_at: datetime
    actor_id: UUID
    position: int
    corrections: list[CorrectionView]


class CheckInSeries(View):
    key_result_id: UUID
    check_ins: list[CheckInView]
    position: int


class CheckInWritten(View):
    """A check-in (or correction) recorded: its id, the objective's new version, the position."""

    id: UUID
    objective_id: UUID
    version: int
    position: int


class NegotiationResponseView(View):
    kind: str
    actor_id: UUID
    recorded_at: datetime
    comment: str | None
    position: int
    counter: list[CounterTargetView]


class RoundView(View):
    number: int
    amendment: bool
    submitted_by: UUID
    submitted_at: datetime
    position: int
    terms: TermsView
    comment: str | None
    responses: list[NegotiationResponseView]
    outcome: str
    awaiting: str | None
    closed_at: datetime | None
    duration: timedelta | None
    amendment_started: NegotiationResponseView | None


class TargetStepView(View):
    round: int
    kind: str
    target: float | None
    actor_id: UUID
    recorded_at: datetime
    position: int


class TargetDriftView(View):
    key_result_id: UUID
    title: str
    unit: str
    first_proposed: float | None
    agreed: float | None
    absolute: float | None
    relative: float | None
    path: list[TargetStepView]


class NegotiationView(View):
    objective_id: UUID
    cycle_id: UUID
    team_id: UUID
    title: str
    status: str
    last_position: int
    rounds: list[RoundView]
    between_rounds: list[NegotiationResponseView]
    agreed: TermsView | None
    agreed_round: int | None
    agreed_at: datetime | None
    first_submitted_at: datetime | None
    first_agreed_at: datetime | None
    time_to_agreement: timedelta | None
    drift: list[TargetDriftView]
    position: int


class ApprovalDecisionView(View):
    position: int
    recorded_at: datetime
    kind: str
    objective_id: UUID
    title: str | None
    cycle_id: UUID | None
    team_id: UUID | None
    round: int | None
    actor_id: UUID
    comment: str | None


class ApprovalPage(View):
    """Decisions oldest first; pass `next_after` as `after` for the next page (null: the last)."""

    decisions: list[ApprovalDecisionView]
    next_after: int | None
    position: int
