"""The pure fold from an objective's negotiation steps to the view of how it was negotiated.

It reads the steps of one objective up to some position and nothing else: no clock,
no database, so the same steps always give the same view.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from domain.values import KeyResultKind, Terms
from projections.negotiation.rows import (
    AMENDMENT_STARTED, APPROVED, CHANGES_REQUESTED, COUNTER_ACCEPTED, COUNTER_DECLINED, COUNTERED,
    DRAFTED, OPEN, REJECTED, REVISED, SUBMITTED, WITHDRAWN, CounterTarget, NegotiationView,
    Response, Round, Step, TargetDrift, TargetStep,
)

# Responses that close a round, and the status each leaves the objective in.
CLOSING = {
    APPROVED: "approved", CHANGES_REQUESTED: "changes_requested",
    COUNTER_ACCEPTED: "approved", COUNTER_DECLINED: "changes_requested",
    REJECTED: "rejected", WITHDRAWN: "withdrawn",
}
AGREEING = (APPROVED, COUNTER_ACCEPTED)
DECIMALS = 12  # drift is arithmetic on floats: 0.3 − 0.5 should read −0.2


def fold(objective_id: UUID, steps: Iterable[Step]) -> NegotiationView | None:
    """The negotiation after `steps` (in log order); None before the objective was drafted."""
    negotiation = _Negotiation(objective_id)
    for step in steps:
        negotiation.apply(step)
    return negotiation.view()


@dataclass
class _OpenRound:
    number: int
    amendment_started: Response | None
    submitted_by: UUID
    submitted_at: datetime
    position: int
    terms: Terms
    comment: str | None
    responses: list[Response] = field(default_factory=list)
    counter: dict[UUID, float] = field(default_factory=dict)
    outcome: str = OPEN
    closed_at: datetime | None = None

    def frozen(self) -> Round:
        awaiting = None
        if self.outcome == OPEN:
            awaiting = "team" if self.responses and self.responses[-1].kind == COUNTERED else "approver"
        return Round(
            number=self.number, amendment=self.amendment_started is not None,
            submitted_by=self.submitted_by, submitted_at=self.submitted_at,
            position=self.position, terms=self.terms, comment=self.comment,
            responses=tuple(self.responses), outcome=self.outcome, awaiting=awaiting,
            closed_at=self.closed_at,
            duration=self.closed_at - self.submitted_at if self.closed_at else None,
            amendment_started=self.amendment_started,
        )


@dataclass
class _KeyResultTrail:
    title: str
    unit: str
    first_proposed: float | None
    path: list[TargetStep] = field(default_factory=list)


class _Negotiation:
    def __init__(self, objective_id: UUID):
        self.objective_id = objective_id
        self.drafted: Step | None = None
        self.title = ""
        self.status = "draft"
        self.last_position = 0
        self.rounds: list[_OpenRound] = []
        self.between_rounds: list[Response] = []
        self.amendment: Response | None = None  # the amendment under negotiation
        self.amendment_answered = False  # a round was submitted for it
        self.agreed: Terms | None = None
        self.agreed_round: int | None = None
        self.agreed_at: datetime | None = None
        self.first_submitted_at: datetime | None = None
        self.first_agreed_at: datetime | None = None
        self.trails: dict[UUID, _KeyResultTrail] = {}

    # ---- applying steps ----------------------------------------------------------

    def apply(self, step: Step) -> None:
        self.last_position = step.position
        if step.kind == DRAFTED:
            self.drafted = step
            self.title = step.data["title"]
        elif step.kind == REVISED:
            self.title = step.data["title"]
        elif step.kind == SUBMITTED:
            self._submitted(step)
        elif step.kind == AMENDMENT_STARTED:
            self.amendment, self.amendment_answered = _response(step), False
            self.status = "amending"
        elif step.kind == COUNTERED:
            self._countered(step)
        elif step.kind in CLOSING:
            self._closed(step)

    def _submitted(self, step: Step) -> None:
        terms = Terms.from_dict(step.data)
        number = step.round if step.round is not None else len(self.rounds) + 1
        self.rounds.append(_OpenRound(
            number=number, amendment_started=self.amendment, submitted_by=step.actor_id,
            submitted_at=step.recorded_at, position=step.position, terms=terms,
            comment=step.comment,
        ))
        self.amendment_answered = self.amendment is not None
        self.title, self.status = terms.title, "in_review"
        if self.first_submitted_at is None:
            self.first_submitted_at = step.recorded_at
        for kr in terms.key_results:
            if kr.kind is KeyResultKind.MILESTONE:
                continue  # done or not done: no target to drift
            trail = self.trails.get(kr.id)
            if trail is None:
                trail = self.trails[kr.id] = _KeyResultTrail(kr.title, kr.unit, kr.target)
            trail.title, trail.unit = kr.title, kr.unit
            trail.path.append(_target_step(step, number, SUBMITTED, kr.target))

    def _open_round(self) -> _OpenRound | None:
        if self.rounds and self.rounds[-1].outcome == OPEN:
            return self.rounds[-1]
        return None

    def _countered(self, step: Step) -> None:
        counter = tuple(
            CounterTarget(UUID(str(t["key_result_id"])), t["target"]) for t in step.data or ()
        )
        response = _response(step, counter)
        current = self._open_round()
        if current is None:  # not part of any round the log shows: keep it, but aside
            self.between_rounds.append(response)
            return
        current.responses.append(response)
        current.counter = {t.key_result_id: t.target for t in counter}
        self.status = "countered"
        for t in counter:
            if (trail := self.trails.get(t.key_result_id)) is not None:
                trail.path.append(_target_step(step, current.number, COUNTERED, t.target))

    def _closed(self, step: Step) -> None:
        response = _response(step)
        current = self._open_round()
        if current is None:
            # Withdrawn from a draft, from changes requested or from an amendment not yet
            # submitted: it ends no round.
            if self.amendment is not None and not self.amendment_answered:
                self.between_rounds.append(self.amendment)
            self.between_rounds.append(response)
        else:
            current.responses.append(response)
            current.outcome, current.closed_at = step.kind, step.recorded_at
        self.status = CLOSING[step.kind]
        if step.kind in AGREEING and current is not None:
            self._agreed(step, current)
        elif step.kind in (REJECTED, WITHDRAWN):
            if self.agreed is not None:  # an amendment turned down: the old terms hold
                self.status, self.title = "approved", self.agreed.title
            self.amendment = None

    def _agreed(self, step: Step, current: _OpenRound) -> None:
        terms = current.terms
        if step.kind == COUNTER_ACCEPTED:
            terms = terms.with_targets(current.counter)
        self.agreed, self.agreed_round, self.agreed_at = terms, current.number, step.recorded_at
        self.title = terms.title
        if self.first_agreed_at is None:
            self.first_agreed_at = step.recorded_at
        self.amendment = None

    # ---- the answer -----------------------------------------------------------------

    def view(self) -> NegotiationView | None:
        if self.drafted is None:
            return None
        between = list(self.between_rounds)
        if self.amendment is not None and not self.amendment_answered:
            between.append(self.amendment)  # started, nothing submitted yet
        return NegotiationView(
            objective_id=self.objective_id,
            cycle_id=UUID(str(self.drafted.data["cycle_id"])),
            team_id=UUID(str(self.drafted.data["team_id"])),
            title=self.title, status=self.status, last_position=self.last_position,
            rounds=tuple(r.frozen() for r in self.rounds),
            between_rounds=tuple(sorted(between, key=lambda r: r.position)),
            agreed=self.agreed, agreed_round=self.agreed_round, agreed_at=self.agreed_at,
            first_submitted_at=self.first_submitted_at, first_agreed_at=self.first_agreed_at,
            time_to_agreement=(
                self.first_agreed_at - self.first_submitted_at
                if self.first_agreed_at and self.first_submitted_at else None
            ),
            drift=tuple(self._drift(kr_id, trail) for kr_id, trail in self.trails.items()),
        )

    def _drift(self, key_result_id: UUID, trail: _KeyResultTrail) -> TargetDrift:
        agreed_kr = self.agreed.key_result(key_result_id) if self.agreed else None
        agreed = agreed_kr.target if agreed_kr else None
        first = trail.first_proposed
        absolute = round(agreed - first, DECIMALS) if agreed is not None and first is not None else None
        relative = round(absolute / abs(first), DECIMALS) if absolute is not None and first else None
        return TargetDrift(
            key_result_id=key_result_id,
            title=agreed_kr.title if agreed_kr else trail.title,
            unit=agreed_kr.unit if agreed_kr else trail.unit,
            first_proposed=first, agreed=agreed, absolute=absolute, relative=relative,
            path=tuple(trail.path),
        )


def _response(step: Step, counter: tuple[CounterTarget, ...] = ()) -> Response:
    return Response(
        kind=step.kind, actor_id=step.actor_id, recorded_at=step.recorded_at,
        comment=step.comment, position=step.position, counter=counter,
    )


def _target_step(step: Step, number: int, kind: str, target: float | None) -> TargetStep:
    return TargetStep(
        round=number, kind=kind, target=target, actor_id=step.actor_id,
        recorded_at=step.recorded_at, position=step.position,
    )
