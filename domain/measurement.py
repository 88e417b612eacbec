"""Measuring and scoring an objective: check-ins, corrections, the adjusted score, carry-over.

Each command checks who may act and what is valid, then calls the Objective's event
method (in domain/objective.py), whose body alone changes state.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain import rules, scorecard
from domain.errors import AlreadyExists, InvalidTransition, InvalidValue, NotFound
from domain.values import KeyResultTerms, Role, Standing

MEASURERS = (Role.LEAD, Role.MEMBER)
TEXT_MAX = rules.TEXT_MAX_LENGTH


class Measurement:
    def record_check_in(
        self, standing: Standing, check_in_id: UUID, key_result_id: UUID, value: float,
        confidence: float, note: str, measured_at: datetime | None, now: datetime,
    ) -> None:
        standing.require(MEASURERS, "record check-ins")
        if self.agreed is None:
            raise InvalidTransition(
                f"objective is {self.status.value}: check-ins start once its terms are approved"
            )
        rules.require_measurement(self.key_result(key_result_id, self.agreed), value)
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

    def correct_check_in(
        self, standing: Standing, check_in_id: UUID, value: float, reason: str, now: datetime
    ) -> None:
        standing.require(MEASURERS, "correct check-ins")
        check_in = self.check_ins.get(check_in_id)
        if check_in is None:
            raise NotFound(f"check-in {check_in_id} is not part of this objective")
        rules.require_measurement(self.key_result(check_in.key_result_id, self.agreed), value)
        rules.require_text("reason", reason, TEXT_MAX)
        self._check_in_corrected(
            actor_id=standing.actor_id, check_in_id=check_in_id, value=float(value),
            reason=reason.strip(), timestamp=now,
        )

    def adjust_score(
        self, standing: Standing, score: float, reason: str, closed_at: datetime | None,
        now: datetime,
    ) -> None:
        standing.require((Role.LEAD,), "adjust the score")
        if closed_at is None:
            raise InvalidTransition("the cycle is not closed: scores are adjusted after the close")
        if self.agreed is None:
            raise InvalidTransition(
                f"objective is {self.status.value}: only objectives with agreed terms are scored"
            )
        rules.require_score(score)
        rules.require_text("reason", reason, TEXT_MAX)
        self._score_adjusted(
            actor_id=standing.actor_id, score=rules.round_score(float(score)), reason=reason.strip(),
            computed_score=scorecard.frozen_score(self, closed_at), timestamp=now,
        )

    def carry_over(
        self, standing: Standing, into_objective_id: UUID, into_cycle_id: UUID,
        closed_at: datetime | None, now: datetime,
    ) -> list[KeyResultTerms]:
        """Marks this objective as carried into another cycle; returns the key results to carry."""
        standing.require((Role.LEAD,), "carry an objective over")
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
        if scorecard.progress(self, closed_at) >= 1.0:
            raise InvalidTransition("objective was fully achieved: there is nothing to carry over")
        self._carried_over(
            actor_id=standing.actor_id, into_objective_id=into_objective_id,
            into_cycle_id=into_cycle_id, timestamp=now,
        )
        return scorecard.unfinished_key_results(self, into_objective_id)

