"""The Objective aggregate: its terms, the negotiation state machine, check-ins and scores.

Command methods are public and undecorated: they check roles, status and values,
then call a private `@event` method whose body only assigns. The acting user's
roles come in as a `Standing`, worked out by the application from other aggregates.
"""

from __future__ import annotations

from copy import copy
from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import rules
from domain.errors import AlreadyExists, InvalidTransition, InvalidValue, NotFound
from domain.measurement import Measurement
from domain.negotiation import EDITABLE, Negotiation
from domain.values import (
    CheckIn,
    Correction,
    Direction,
    KeyResultKind,
    KeyResultTerms,
    ObjectiveKind,
    Role,
    Standing,
    Terms,
)
from domain.values import (
    ObjectiveStatus as S,
)

EDITORS = (Role.LEAD, Role.MEMBER, Role.APPROVER, Role.ADMIN)
TITLE_MAX, TEXT_MAX = rules.TITLE_MAX_LENGTH, rules.TEXT_MAX_LENGTH


def _kind(kind: ObjectiveKind | str) -> ObjectiveKind:
    try:
        return ObjectiveKind(kind)
    except ValueError:
        raise InvalidValue(f"kind: {kind!r} is neither committed nor aspirational") from None


class Objective(Negotiation, Measurement, Aggregate):
    TOPIC = "okr:Objective"

    class Event(Aggregate.Event):
        TOPIC = "okr:Objective.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "okr:Objective.Created"

    def __deepcopy__(self, memo: dict) -> Objective:
        # The application deep-copies an aggregate out of its cache for every command. Every
        # value an objective holds is immutable (ids, numbers, text, frozen value objects)
        # except its dicts and lists, whose items are immutable too: copying those one level
        # deep is a full copy, and far cheaper than copy.deepcopy walking every check-in.
        copied = object.__new__(type(self))
        copied.__dict__.update({
            name: copy(value) if type(value) in (dict, list, set) else value
            for name, value in self.__dict__.items()
        })
        return copied

    # ---- drafting -------------------------------------------------------------

    @classmethod
    def draft(
        cls, standing: Standing, objective_id: UUID, cycle_id: UUID, team_id: UUID, title: str,
        kind: ObjectiveKind | str, description: str, parent_id: UUID | None, now: datetime,
    ) -> Objective:
        standing.require(EDITORS, "draft objectives")
        rules.require_text("title", title, TITLE_MAX)
        rules.require_text("description", description, TEXT_MAX, allow_empty=True)
        return cls(
            id=objective_id, actor_id=standing.actor_id, cycle_id=cycle_id, team_id=team_id,
            title=title.strip(), description=description, kind=_kind(kind).value,
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
        standing.require(EDITORS, "edit this objective")
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
        new_kind = _kind(kind) if kind is not None else None
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

    # ---- negotiation (commands in domain/negotiation.py) -----------------------

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

    @event("Approved", topic="okr:Objective.Approved")
    def _approved(self, actor_id: UUID, round: int, comment: str | None, timestamp: datetime) -> None:
        self.status = S.APPROVED
        self.agreed = self.proposal

    @event("ChangesRequested", topic="okr:Objective.ChangesRequested")
    def _changes_requested(
        self, actor_id: UUID, round: int, comment: str | None, timestamp: datetime
    ) -> None:
        self.status = S.CHANGES_REQUESTED

    @event("Countered", topic="okr:Objective.Countered")
    def _countered(
        self, actor_id: UUID, round: int, targets: list[dict[str, Any]], comment: str | None,
        timestamp: datetime,
    ) -> None:
        self.status = S.COUNTERED
        self.counter_targets = {UUID(t["key_result_id"]): t["target"] for t in targets}
        self.countered_by = actor_id

    @event("CounterAccepted", topic="okr:Objective.CounterAccepted")
    def _counter_accepted(
        self, actor_id: UUID, round: int, comment: str | None, timestamp: datetime
    ) -> None:
        self.proposal = self.proposal.with_targets(self.counter_targets)
        self.agreed = self.proposal
        self.status = S.APPROVED
        self.counter_targets = {}

    @event("CounterDeclined", topic="okr:Objective.CounterDeclined")
    def _counter_declined(
        self, actor_id: UUID, round: int, comment: str | None, timestamp: datetime
    ) -> None:
        self.status = S.CHANGES_REQUESTED
        self.counter_targets = {}

    @event("Rejected", topic="okr:Objective.Rejected")
    def _rejected(self, actor_id: UUID, round: int, comment: str | None, timestamp: datetime) -> None:
        # Rejecting an amendment keeps the terms agreed before it.
        if self.agreed is not None:
            self.status = S.APPROVED
            self.proposal = self.agreed
        else:
            self.status = S.REJECTED

    @event("Withdrawn", topic="okr:Objective.Withdrawn")
    def _withdrawn(self, actor_id: UUID, comment: str | None, timestamp: datetime) -> None:
        # Withdrawing an amendment returns to the terms agreed before it.
        if self.agreed is not None:
            self.status = S.APPROVED
            self.proposal = self.agreed
        else:
            self.status = S.WITHDRAWN
        self.counter_targets = {}

    @event("AmendmentStarted", topic="okr:Objective.AmendmentStarted")
    def _amendment_started(self, actor_id: UUID, comment: str | None, timestamp: datetime) -> None:
        self.status = S.AMENDING

    # ---- check-ins and scores (commands in domain/measurement.py) -------------

    @event("CheckInRecorded", topic="okr:Objective.CheckInRecorded")
    def _check_in_recorded(
        self, actor_id: UUID, check_in_id: UUID, key_result_id: UUID, value: float,
        confidence: float, note: str, measured_at: datetime, timestamp: datetime,
    ) -> None:
        self.check_ins[check_in_id] = CheckIn(
            id=check_in_id, key_result_id=key_result_id, value=value, confidence=confidence,
            note=note, measured_at=measured_at, recorded_at=timestamp, actor_id=actor_id,
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

    @event("ScoreAdjusted", topic="okr:Objective.ScoreAdjusted")
    def _score_adjusted(
        self, actor_id: UUID, score: float, reason: str, computed_score: float,
        timestamp: datetime,
    ) -> None:
        self.adjusted_score = score
        self.adjustment_reason = reason

    @event("CarriedOver", topic="okr:Objective.CarriedOver")
    def _carried_over(
        self, actor_id: UUID, into_objective_id: UUID, into_cycle_id: UUID, timestamp: datetime
    ) -> None:
        self.carried_into_id = into_objective_id
