"""The Objective aggregate: its terms, the negotiation state machine, check-ins and scores.

Command methods are public and undecorated: they check roles, status and values,
then call a private `@event` method whose body only assigns. The acting user's
roles come in as a `Standing`, worked out by the application from other aggregates.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import rules
from domain.errors import AlreadyExists, InvalidTransition, InvalidValue, NotAllowed, NotFound, OwnRound
from domain.values import (
    CheckIn, Correction, Direction, KeyResultKind, KeyResultTerms, ObjectiveKind,
    ObjectiveStatus as S, Role, Standing, Terms,
)

EDITORS = (Role.LEAD, Role.MEMBER, Role.APPROVER, Role.ADMIN)
MEASURERS = (Role.LEAD, Role.MEMBER)
EDITABLE = (S.DRAFT, S.CHANGES_REQUESTED, S.AMENDING)
WITHDRAWABLE = (S.DRAFT, S.IN_REVIEW, S.CHANGES_REQUESTED, S.COUNTERED, S.AMENDING)
TITLE_MAX, TEXT_MAX, UNIT_MAX = 200, 2000, 40


def _require(standing: Standing, roles: tuple[Role, ...], action: str) -> None:
    if not standing.has(*roles):
        names = " or ".join(r.value.replace("approver", "approver (lead of the parent team)") for r in roles)
        raise NotAllowed(f"only the team's {names} may {action}")


class Objective(Aggregate):
    TOPIC = "okr:Objective"

    class Event(Aggregate.Event):
        TOPIC = "okr:Objective.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "okr:Objective.Created"

    # ---- drafting -------------------------------------------------------------

    @classmethod
    def draft(
        cls, standing: Standing, objective_id: UUID, cycle_id: UUID, team_id: UUID, title: str,
        kind: ObjectiveKind | str, description: str, parent_id: UUID | None, now: datetime,
    ) -> Objective:
        _require(standing, EDITORS, "draft objectives")
        rules.require_text("title", title, TITLE_MAX)
        rules.require_text("description", description, TEXT_MAX, allow_empty=True)
        return cls(
            id=objective_id, actor_id=standing.actor_id, cycle_id=cycle_id, team_id=team_id,
            title=title.strip(), description=description, kind=ObjectiveKind(kind).value,
            parent_id=parent_id, timestamp=now,
        )

    @classmethod
    def carried_over(
        cls, standing: Standing, objective_id: UUID, origin: Objective, cycle_id: UUID,
        key_results: list[KeyResultTerms], now: datetime,
    ) -> Objective:
        terms = origin.agreed or origin.proposal
        return cls(
            id=objective_id, actor_id=standing.actor_id, cycle_id=cycle_id,
            team_id=origin.team_id, title=terms.title, description=origin.description,
            kind=terms.kind.value, parent_id=None, timestamp=now, origin_id=origin.id,
            key_results=[kr.as_dict() for kr in key_results],
        )

    @event("Drafted", topic="okr:Objective.Drafted")
    def __init__(
        self, id: UUID, actor_id: UUID, cycle_id: UUID, team_id: UUID, title: str, description: str,
        kind: str, parent_id: UUID | None, timestamp: datetime, origin_id: UUID | None = None,
        key_results: list[dict[str, Any]] | None = None,
    ) -> None:
        self.cycle_id = cycle_id
        self.team_id = team_id
        self.description = description
        self.status = S.DRAFT
        self.proposal = Terms(
            title=title, kind=ObjectiveKind(kind), parent_id=parent_id,
            key_results=tuple(KeyResultTerms.from_dict(k) for k in key_results or ()),
        )
        self.agreed: Terms | None = None
        self.round = 0
        self.round_submitted_by: UUID | None = None
        self.counter_targets: dict[UUID, float] = {}
        self.countered_by: UUID | None = None
        self.check_ins: dict[UUID, CheckIn] = {}
        self.adjusted_score: float | None = None
        self.adjustment_reason: str | None = None
        self.origin_id = origin_id
        self.carried_into_id: UUID | None = None

    def _require_editable(self, standing: Standing) -> None:
        _require(standing, EDITORS, "edit this objective")
        if self.status not in EDITABLE:
            raise InvalidTransition(
                f"objective is {self.status.value}: terms can be edited only in "
                "draft, changes_requested or amending (start an amendment to change agreed terms)"
            )

    def revise(
        self, standing: Standing, now: datetime, title: str | None = None,
        description: str | None = None, kind: ObjectiveKind | str | None = None,
    ) -> None:
        self._require_editable(standing)
        if title is not None:
            rules.require_text("title", title, TITLE_MAX)
        if description is not None:
            rules.require_text("description", description, TEXT_MAX, allow_empty=True)
        new_kind = ObjectiveKind(kind) if kind is not None else None
        title = title.strip() if title is not None and title.strip() != self.proposal.title else None
        if description == self.description:
            description = None
        if title is not None or description is not None:
            self._details_revised(
                actor_id=standing.actor_id, title=title, description=description, timestamp=now
            )
        if new_kind is not None and new_kind is not self.proposal.kind:
            self._kind_changed(actor_id=standing.actor_id, kind=new_kind.value, timestamp=now)

    @event("DetailsRevised", topic="okr:Objective.DetailsRevised")
    def _details_revised(
        self, actor_id: UUID, title: str | None, description: str | None, timestamp: datetime
    ) -> None:
        if title is not None:
            self.proposal = replace(self.proposal, title=title)
        if description is not None:
            self.description = description

    @event("KindChanged", topic="okr:Objective.KindChanged")
    def _kind_changed(self, actor_id: UUID, kind: str, timestamp: datetime) -> None:
        self.proposal = replace(self.proposal, kind=ObjectiveKind(kind))

    def realign(self, standing: Standing, parent_id: UUID | None, now: datetime) -> None:
        """Aligns to another parent objective (the application has checked that it may)."""
        self._require_editable(standing)
        if parent_id == self.id:
            raise InvalidValue("an objective cannot be its own parent: choose another parent_id")
        if parent_id != self.proposal.parent_id:
            self._realigned(actor_id=standing.actor_id, parent_id=parent_id, timestamp=now)

    @event("Realigned", topic="okr:Objective.Realigned")
    def _realigned(self, actor_id: UUID, parent_id: UUID | None, timestamp: datetime) -> None:
        self.proposal = replace(self.proposal, parent_id=parent_id)

    # ---- key results ----------------------------------------------------------

    def add_key_result(self, standing: Standing, kr: KeyResultTerms, now: datetime) -> None:
        self._require_editable(standing)
        rules.validate_key_result(kr)
        if self.proposal.key_result(kr.id) is not None:
            raise AlreadyExists(f"key result {kr.id} already exists on this objective")
        self._key_result_added(
            actor_id=standing.actor_id, key_result_id=kr.id, title=kr.title.strip(),
            kind=kr.kind.value, unit=kr.unit, baseline=kr.baseline, target=kr.target,
            direction=kr.direction.value if kr.direction else None, weight=kr.weight,
            timestamp=now,
        )

    @event("KeyResultAdded", topic="okr:Objective.KeyResultAdded")
    def _key_result_added(
        self, actor_id: UUID, key_result_id: UUID, title: str, kind: str, unit: str,
        baseline: float | None, target: float | None, direction: str | None, weight: float,
        timestamp: datetime,
    ) -> None:
        self.proposal = self.proposal.with_key_result(KeyResultTerms(
            id=key_result_id, title=title, kind=KeyResultKind(kind), unit=unit,
            baseline=baseline, target=target,
            direction=Direction(direction) if direction else None, weight=weight,
        ))

    def key_result(self, key_result_id: UUID, terms: Terms | None = None) -> KeyResultTerms:
        kr = (terms or self.proposal).key_result(key_result_id)
        if kr is None:
            raise NotFound(f"key result {key_result_id} is not part of this objective's terms")
        return kr

    def revise_key_result(
        self, standing: Standing, key_result_id: UUID, now: datetime, title: str | None = None,
        unit: str | None = None, baseline: float | None = None, target: float | None = None,
        weight: float | None = None,
    ) -> None:
        self._require_editable(standing)
        kr = self.key_result(key_result_id)
        changed = replace(
            kr,
            title=kr.title if title is None else title.strip(),
            unit=kr.unit if unit is None else unit,
            baseline=kr.baseline if baseline is None else baseline,
            target=kr.target if target is None else target,
            weight=kr.weight if weight is None else weight,
        )
        if baseline is not None and kr.kind is not KeyResultKind.METRIC:
            raise InvalidValue("only a metric key result has a baseline")
        if target is not None and kr.kind is KeyResultKind.MILESTONE:
            raise InvalidValue("a milestone key result has no target: it is done or not done")
        rules.validate_key_result(changed)
        actor = standing.actor_id
        if changed.title != kr.title or changed.unit != kr.unit:
            self._key_result_revised(
                actor_id=actor, key_result_id=kr.id, title=changed.title, unit=changed.unit,
                timestamp=now,
            )
        if changed.baseline != kr.baseline:
            self._baseline_changed(
                actor_id=actor, key_result_id=kr.id, baseline=changed.baseline, timestamp=now
            )
        if changed.target != kr.target:
            self._target_changed(
                actor_id=actor, key_result_id=kr.id, target=changed.target, timestamp=now
            )
        if changed.weight != kr.weight:
            self._weight_changed(
                actor_id=actor, key_result_id=kr.id, weight=changed.weight, timestamp=now
            )

    @event("KeyResultRevised", topic="okr:Objective.KeyResultRevised")
    def _key_result_revised(
        self, actor_id: UUID, key_result_id: UUID, title: str, unit: str, timestamp: datetime
    ) -> None:
        kr = self.proposal.key_result(key_result_id)
        self.proposal = self.proposal.with_key_result(replace(kr, title=title, unit=unit))

    @event("KeyResultBaselineChanged", topic="okr:Objective.KeyResultBaselineChanged")
    def _baseline_changed(
        self, actor_id: UUID, key_result_id: UUID, baseline: float, timestamp: datetime
    ) -> None:
        kr = self.proposal.key_result(key_result_id)
        self.proposal = self.proposal.with_key_result(replace(kr, baseline=baseline))

    @event("KeyResultTargetChanged", topic="okr:Objective.KeyResultTargetChanged")
    def _target_changed(
        self, actor_id: UUID, key_result_id: UUID, target: float, timestamp: datetime
    ) -> None:
        kr = self.proposal.key_result(key_result_id)
        self.proposal = self.proposal.with_key_result(replace(kr, target=target))

    @event("KeyResultWeightChanged", topic="okr:Objective.KeyResultWeightChanged")
    def _weight_changed(
        self, actor_id: UUID, key_result_id: UUID, weight: float, timestamp: datetime
    ) -> None:
        kr = self.proposal.key_result(key_result_id)
        self.proposal = self.proposal.with_key_result(replace(kr, weight=weight))

    def remove_key_result(self, standing: Standing, key_result_id: UUID, now: datetime) -> None:
        self._require_editable(standing)
        self.key_result(key_result_id)
        self._key_result_removed(
            actor_id=standing.actor_id, key_result_id=key_result_id, timestamp=now
        )

    @event("KeyResultRemoved", topic="okr:Objective.KeyResultRemoved")
    def _key_result_removed(self, actor_id: UUID, key_result_id: UUID, timestamp: datetime) -> None:
        self.proposal = self.proposal.without_key_result(key_result_id)

    # ---- negotiation ----------------------------------------------------------

    def submit(self, standing: Standing, now: datetime, comment: str | None = None) -> None:
        _require(standing, (Role.LEAD,), "submit objectives")
        if self.status not in EDITABLE:
            raise InvalidTransition(
                f"objective is {self.status.value}: only a draft, changes_requested or "
                "amending objective can be submitted"
            )
        if not self.proposal.key_results:
            raise InvalidValue("add at least one key result before submitting")
        self._submitted(
            actor_id=standing.actor_id, round=self.round + 1, terms=self.proposal.as_dict(),
            comment=rules.optional_comment(comment), timestamp=now,
        )

    @event("Submitted", topic="okr:Objective.Submitted")
    def _submitted(
        self, actor_id: UUID, round: int, terms: dict[str, Any], comment: str | None,
        timestamp: datetime,
    ) -> None:
        self.status = S.IN_REVIEW
        self.round = round
        self.round_submitted_by = actor_id
        self.counter_targets = {}
        self.countered_by = None

    def _require_review(self, standing: Standing, action: str) -> None:
        _require(standing, (Role.APPROVER,), action)
        if self.status is not S.IN_REVIEW:
            raise InvalidTransition(
                f"objective is {self.status.value}: only an objective in_review can be "
                f"reviewed, so you cannot {action} now"
            )
        if standing.actor_id == self.round_submitted_by:
            raise OwnRound(f"you submitted round {self.round}: someone else must {action}")

    def approve(self, standing: Standing, now: datetime, comment: str | None = None) -> None:
        self._require_review(standing, "approve it")
        self._approved(
            actor_id=standing.actor_id, round=self.round,
            comment=rules.optional_comment(comment), timestamp=now,
        )

    @event("Approved", topic="okr:Objective.Approved")
    def _approved(self, actor_id: UUID, round: int, comment: str | None, timestamp: datetime) -> None:
        self.status = S.APPROVED
        self.agreed = self.proposal

    def request_changes(self, standing: Standing, now: datetime, comment: str | None = None) -> None:
        self._require_review(standing, "request changes")
        self._changes_requested(
            actor_id=standing.actor_id, round=self.round,
            comment=rules.optional_comment(comment), timestamp=now,
        )

    @event("ChangesRequested", topic="okr:Objective.ChangesRequested")
    def _changes_requested(
        self, actor_id: UUID, round: int, comment: str | None, timestamp: datetime
    ) -> None:
        self.status = S.CHANGES_REQUESTED

    def counter(
        self, standing: Standing, targets: dict[UUID, float], now: datetime,
        comment: str | None = None,
    ) -> None:
        self._require_review(standing, "counter-propose")
        if not targets:
            raise InvalidValue("a counter-proposal needs at least one key result with a new target")
        for kr_id, target in targets.items():
            kr = self.key_result(kr_id)
            if kr.kind is KeyResultKind.MILESTONE:
                raise InvalidValue(f"key result {kr_id} is a milestone: it has no target to counter")
            rules.validate_key_result(replace(kr, target=target))
        if all(self.key_result(k).target == t for k, t in targets.items()):
            raise InvalidValue(
                "the counter-proposal changes no target: approve the terms as they are instead"
            )
        self._countered(
            actor_id=standing.actor_id, round=self.round,
            targets=[{"key_result_id": str(k), "target": t} for k, t in targets.items()],
            comment=rules.optional_comment(comment), timestamp=now,
        )

    @event("Countered", topic="okr:Objective.Countered")
    def _countered(
        self, actor_id: UUID, round: int, targets: list[dict[str, Any]], comment: str | None,
        timestamp: datetime,
    ) -> None:
        self.status = S.COUNTERED
        self.counter_targets = {UUID(t["key_result_id"]): t["target"] for t in targets}
        self.countered_by = actor_id

    def _require_counter(self, standing: Standing, action: str) -> None:
        _require(standing, (Role.LEAD,), action)
        if self.status is not S.COUNTERED:
            raise InvalidTransition(
                f"objective is {self.status.value}: there is no counter-proposal to respond to"
            )
        if standing.actor_id == self.countered_by:
            raise OwnRound("you made this counter-proposal: the team's lead must respond to it")

    def accept_counter(self, standing: Standing, now: datetime, comment: str | None = None) -> None:
        self._require_counter(standing, "accept a counter-proposal")
        self._counter_accepted(
            actor_id=standing.actor_id, round=self.round,
            comment=rules.optional_comment(comment), timestamp=now,
        )

    @event("CounterAccepted", topic="okr:Objective.CounterAccepted")
    def _counter_accepted(
        self, actor_id: UUID, round: int, comment: str | None, timestamp: datetime
    ) -> None:
        self.proposal = self.proposal.with_targets(self.counter_targets)
        self.agreed = self.proposal
        self.status = S.APPROVED
        self.counter_targets = {}

    def decline_counter(self, standing: Standing, now: datetime, comment: str | None = None) -> None:
        self._require_counter(standing, "decline a counter-proposal")
        self._counter_declined(
            actor_id=standing.actor_id, round=self.round,
            comment=rules.optional_comment(comment), timestamp=now,
        )

    @event("CounterDeclined", topic="okr:Objective.CounterDeclined")
    def _counter_declined(
        self, actor_id: UUID, round: int, comment: str | None, timestamp: datetime
    ) -> None:
        self.status = S.CHANGES_REQUESTED
        self.counter_targets = {}

    def reject(self, standing: Standing, now: datetime, comment: str | None = None) -> None:
        self._require_review(standing, "reject it")
        self._rejected(
            actor_id=standing.actor_id, round=self.round,
            comment=rules.optional_comment(comment), timestamp=now,
        )

    @event("Rejected", topic="okr:Objective.Rejected")
    def _rejected(self, actor_id: UUID, round: int, comment: str | None, timestamp: datetime) -> None:
        # Rejecting an amendment keeps the terms agreed before it.
        if self.agreed is not None:
            self.status = S.APPROVED
            self.proposal = self.agreed
        else:
            self.status = S.REJECTED

    def withdraw(self, standing: Standing, now: datetime, comment: str | None = None) -> None:
        _require(standing, (Role.LEAD,), "withdraw an objective")
        if self.status not in WITHDRAWABLE:
            raise InvalidTransition(
                f"objective is {self.status.value}: only an objective still under "
                "negotiation can be withdrawn"
            )
        self._withdrawn(
            actor_id=standing.actor_id, comment=rules.optional_comment(comment), timestamp=now
        )

    @event("Withdrawn", topic="okr:Objective.Withdrawn")
    def _withdrawn(self, actor_id: UUID, comment: str | None, timestamp: datetime) -> None:
        # Withdrawing an amendment returns to the terms agreed before it.
        if self.agreed is not None:
            self.status = S.APPROVED
            self.proposal = self.agreed
        else:
            self.status = S.WITHDRAWN
        self.counter_targets = {}

    def amend(self, standing: Standing, now: datetime, comment: str | None = None) -> None:
        _require(standing, (Role.LEAD,), "start an amendment")
        if self.status is not S.APPROVED:
            raise InvalidTransition(
                f"objective is {self.status.value}: only approved terms can be amended"
            )
        self._amendment_started(
            actor_id=standing.actor_id, comment=rules.optional_comment(comment), timestamp=now
        )

    @event("AmendmentStarted", topic="okr:Objective.AmendmentStarted")
    def _amendment_started(self, actor_id: UUID, comment: str | None, timestamp: datetime) -> None:
        self.status = S.AMENDING

    # ---- check-ins and scores -------------------------------------------------

    def record_check_in(
        self, standing: Standing, check_in_id: UUID, key_result_id: UUID, value: float,
        confidence: float, note: str, measured_at: datetime | None, now: datetime,
    ) -> None:
        _require(standing, MEASURERS, "record check-ins")
        if self.agreed is None:
            raise InvalidTransition(
                f"objective is {self.status.value}: check-ins start once its terms are approved"
            )
        kr = self.key_result(key_result_id, self.agreed)
        rules.require_finite("value", value)
        if kr.kind is KeyResultKind.MILESTONE and value not in (0, 1):
            raise InvalidValue("a milestone check-in is 1 (done) or 0 (not done)")
        rules.require_confidence(confidence)
        rules.require_text("note", note, TEXT_MAX, allow_empty=True)
        measured_at = now if measured_at is None else measured_at
        rules.require_measured_at(measured_at, now)
        if check_in_id in self.check_ins:
            raise AlreadyExists(f"check-in {check_in_id} already exists")
        self._check_in_recorded(
            actor_id=standing.actor_id, check_in_id=check_in_id, key_result_id=key_result_id,
            value=float(value), confidence=float(confidence), note=note,
            measured_at=measured_at, timestamp=now,
        )

    @event("CheckInRecorded", topic="okr:Objective.CheckInRecorded")
    def _check_in_recorded(
        self, actor_id: UUID, check_in_id: UUID, key_result_id: UUID, value: float,
        confidence: float, note: str, measured_at: datetime, timestamp: datetime,
    ) -> None:
        self.check_ins[check_in_id] = CheckIn(
            id=check_in_id, key_result_id=key_result_id, value=value, confidence=confidence,
            note=note, measured_at=measured_at, recorded_at=timestamp, actor_id=actor_id,
        )

    def correct_check_in(
        self, standing: Standing, check_in_id: UUID, value: float, reason: str, now: datetime
    ) -> None:
        _require(standing, MEASURERS, "correct check-ins")
        check_in = self.check_ins.get(check_in_id)
        if check_in is None:
            raise NotFound(f"check-in {check_in_id} is not part of this objective")
        rules.require_finite("value", value)
        kr = self.key_result(check_in.key_result_id, self.agreed)
        if kr.kind is KeyResultKind.MILESTONE and value not in (0, 1):
            raise InvalidValue("a milestone check-in is 1 (done) or 0 (not done)")
        rules.require_text("reason", reason, TEXT_MAX)
        self._check_in_corrected(
            actor_id=standing.actor_id, check_in_id=check_in_id, value=float(value),
            reason=reason.strip(), timestamp=now,
        )

    @event("CheckInCorrected", topic="okr:Objective.CheckInCorrected")
    def _check_in_corrected(
        self, actor_id: UUID, check_in_id: UUID, value: float, reason: str, timestamp: datetime
    ) -> None:
        check_in = self.check_ins[check_in_id]
        correction = Correction(value=value, reason=reason, recorded_at=timestamp, actor_id=actor_id)
        self.check_ins[check_in_id] = replace(
            check_in, corrections=(*check_in.corrections, correction)
        )

    def adjust_score(
        self, standing: Standing, score: float, reason: str, closed_at: datetime | None,
        now: datetime,
    ) -> None:
        _require(standing, (Role.LEAD,), "adjust the score")
        if closed_at is None:
            raise InvalidTransition("the cycle is not closed: scores are adjusted after the close")
        if self.agreed is None:
            raise InvalidTransition(
                f"objective is {self.status.value}: only objectives with agreed terms are scored"
            )
        rules.require_score(score)
        rules.require_text("reason", reason, TEXT_MAX)
        self._score_adjusted(
            actor_id=standing.actor_id, score=round(float(score), 2), reason=reason.strip(),
            computed_score=scorecard.frozen_score(self, closed_at), timestamp=now,
        )

    @event("ScoreAdjusted", topic="okr:Objective.ScoreAdjusted")
    def _score_adjusted(
        self, actor_id: UUID, score: float, reason: str, computed_score: float,
        timestamp: datetime,
    ) -> None:
        self.adjusted_score = score
        self.adjustment_reason = reason

    def carry_over(
        self, standing: Standing, into_objective_id: UUID, into_cycle_id: UUID,
        closed_at: datetime | None, now: datetime,
    ) -> list[KeyResultTerms]:
        """Marks this objective as carried into another cycle; returns the key results to carry."""
        _require(standing, (Role.LEAD,), "carry an objective over")
        if closed_at is None:
            raise InvalidTransition("the cycle is not closed: objectives are carried over after the close")
        if into_cycle_id == self.cycle_id:
            raise InvalidValue("carry over into another cycle than the objective's own")
        if self.carried_into_id is not None:
            raise AlreadyExists(f"objective was already carried over into {self.carried_into_id}")
        if self.agreed is None:
            raise InvalidTransition(
                f"objective is {self.status.value}: only objectives with agreed terms are carried over"
            )
        if scorecard.frozen_score(self, closed_at) >= 1.0:
            raise InvalidTransition("objective was fully achieved: there is nothing to carry over")
        self._carried_over(
            actor_id=standing.actor_id, into_objective_id=into_objective_id,
            into_cycle_id=into_cycle_id, timestamp=now,
        )
        return scorecard.unfinished_key_results(self, into_objective_id)

    @event("CarriedOver", topic="okr:Objective.CarriedOver")
    def _carried_over(
        self, actor_id: UUID, into_objective_id: UUID, into_cycle_id: UUID, timestamp: datetime
    ) -> None:
        self.carried_into_id = into_objective_id


from domain import scorecard  # noqa: E402  (scorecard reads Objective state; imported last to avoid a cycle)
