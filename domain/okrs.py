"""Use cases on objectives: drafting, key results, the negotiation, check-ins, scores, carry-over."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from domain.cycle import Cycle
from domain.errors import InvalidTransition, InvalidValue
from domain.objective import Objective
from domain.values import Direction, KeyResultKind, KeyResultTerms, ObjectiveStatus

if TYPE_CHECKING:
    from datetime import datetime

    from domain.application import OkrApp, Recorded

KEEP: Any = object()  # "leave unchanged", where None is a meaningful value (no parent)
GONE = (ObjectiveStatus.REJECTED, ObjectiveStatus.WITHDRAWN)


def _number(value: Any) -> Any:
    """Stores whole numbers as floats, so stored terms compare equal however they were sent."""
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


class OkrCases:
    def _objective_command(
        self: OkrApp, name: str, actor_id: UUID, objective_id: UUID,
        expected_version: int | None, key: str | None, change: Callable[..., None],
        after_close: bool = False, result_id: UUID | None = None,
    ) -> Recorded:
        def work(now: datetime):
            objective = self._load(Objective, objective_id, "objective")
            self._check_version(objective, expected_version)
            cycle = self._look(Cycle, objective.cycle_id, "cycle")
            if cycle.is_closed and not after_close:
                raise InvalidTransition(
                    f"cycle {cycle.name!r} is closed: its objectives can no longer be "
                    "edited or negotiated (carry it over into the next cycle instead)"
                )
            change(objective, self.standing(actor_id, objective.team_id), cycle, now)
            return (objective,)

        return self._execute(name, actor_id, key, work, result_id)

    def _check_parent(self: OkrApp, cycle_id: UUID, team_id: UUID, parent_id: UUID | None) -> None:
        """An objective aligns to an objective of the same cycle owned by a higher team."""
        if parent_id is None:
            return
        parent = self._look(Objective, parent_id, "parent objective")
        if parent.cycle_id != cycle_id:
            raise InvalidValue("parent_id: the parent objective belongs to another cycle")
        if parent.team_id not in self._ancestors(team_id):
            raise InvalidValue(
                "parent_id: an objective aligns to an objective of a higher team "
                "(the parent team or above)"
            )
        if parent.status in GONE:
            raise InvalidValue(f"parent_id: the parent objective is {parent.status.value}")

    # ---- drafting ---------------------------------------------------------------

    def draft_objective(
        self: OkrApp, actor_id: UUID, cycle_id: UUID, team_id: UUID, title: str, kind: str,
        description: str = "", parent_id: UUID | None = None, objective_id: UUID | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        def work(now: datetime):
            cycle = self._load(Cycle, cycle_id, "cycle")
            if cycle.is_closed:
                raise InvalidTransition(f"cycle {cycle.name!r} is closed: draft in an open cycle")
            standing = self.standing(actor_id, team_id)
            self._check_parent(cycle_id, team_id, parent_id)
            return (Objective.draft(
                standing, objective_id or uuid4(), cycle_id, team_id, title, kind, description,
                parent_id, now,
            ),)

        return self._execute("draft_objective", actor_id, idempotency_key, work)

    def revise_objective(
        self: OkrApp, actor_id: UUID, objective_id: UUID, title: str | None = None,
        description: str | None = None, kind: str | None = None, parent_id: Any = KEEP,
        expected_version: int | None = None, idempotency_key: str | None = None,
    ) -> Recorded:
        def change(objective: Objective, standing, cycle, now):
            objective.revise(standing, now, title=title, description=description, kind=kind)
            if parent_id is not KEEP:
                self._check_parent(objective.cycle_id, objective.team_id, parent_id)
                objective.realign(standing, parent_id, now)

        return self._objective_command(
            "revise_objective", actor_id, objective_id, expected_version, idempotency_key, change
        )

    def add_key_result(
        self: OkrApp, actor_id: UUID, objective_id: UUID, title: str, kind: str,
        unit: str = "", baseline: float | None = None, target: float | None = None,
        direction: str | None = None, weight: float = 1.0, key_result_id: UUID | None = None,
        expected_version: int | None = None, idempotency_key: str | None = None,
    ) -> Recorded:
        kr_id = key_result_id or uuid4()
        try:
            kr = KeyResultTerms(
                id=kr_id, title=title, kind=KeyResultKind(kind), unit=unit or "",
                baseline=_number(baseline), target=_number(target),
                direction=Direction(direction) if direction else None, weight=_number(weight),
            )
        except ValueError as e:
            raise InvalidValue(f"key result: {e}") from None
        return self._objective_command(
            "add_key_result", actor_id, objective_id, expected_version, idempotency_key,
            lambda objective, standing, cycle, now: objective.add_key_result(standing, kr, now),
            result_id=kr_id,
        )

    def revise_key_result(
        self: OkrApp, actor_id: UUID, objective_id: UUID, key_result_id: UUID,
        expected_version: int | None = None, idempotency_key: str | None = None,
        **changes: Any,
    ) -> Recorded:
        """`changes`: any of title, unit, baseline, target, weight."""
        unknown = set(changes) - {"title", "unit", "baseline", "target", "weight"}
        if unknown:
            raise InvalidValue(f"key result: unknown fields {sorted(unknown)}")
        return self._objective_command(
            "revise_key_result", actor_id, objective_id, expected_version, idempotency_key,
            lambda objective, standing, cycle, now: objective.revise_key_result(
                standing, key_result_id, now, **{k: _number(v) for k, v in changes.items()}
            ),
            result_id=key_result_id,
        )

    def remove_key_result(
        self: OkrApp, actor_id: UUID, objective_id: UUID, key_result_id: UUID,
        expected_version: int | None = None, idempotency_key: str | None = None,
    ) -> Recorded:
        return self._objective_command(
            "remove_key_result", actor_id, objective_id, expected_version, idempotency_key,
            lambda objective, standing, cycle, now: objective.remove_key_result(
                standing, key_result_id, now
            ),
        )

    # ---- the negotiation --------------------------------------------------------

    def _respond(self: OkrApp, action: str, actor_id, objective_id, comment, expected_version, key):
        return self._objective_command(
            action, actor_id, objective_id, expected_version, key,
            lambda objective, standing, cycle, now: getattr(objective, action)(
                standing, now, comment=comment
            ),
        )

    def submit(self, actor_id: UUID, objective_id: UUID, comment: str | None = None,
               expected_version: int | None = None, idempotency_key: str | None = None) -> Recorded:
        return self._respond("submit", actor_id, objective_id, comment, expected_version, idempotency_key)

    def approve(self, actor_id: UUID, objective_id: UUID, comment: str | None = None,
                expected_version: int | None = None, idempotency_key: str | None = None) -> Recorded:
        return self._respond("approve", actor_id, objective_id, comment, expected_version, idempotency_key)

    def request_changes(self, actor_id: UUID, objective_id: UUID, comment: str | None = None,
                        expected_version: int | None = None, idempotency_key: str | None = None) -> Recorded:
        return self._respond("request_changes", actor_id, objective_id, comment, expected_version, idempotency_key)

    def accept_counter(self, actor_id: UUID, objective_id: UUID, comment: str | None = None,
                       expected_version: int | None = None, idempotency_key: str | None = None) -> Recorded:
        return self._respond("accept_counter", actor_id, objective_id, comment, expected_version, idempotency_key)

    def decline_counter(self, actor_id: UUID, objective_id: UUID, comment: str | None = None,
                        expected_version: int | None = None, idempotency_key: str | None = None) -> Recorded:
        return self._respond("decline_counter", actor_id, objective_id, comment, expected_version, idempotency_key)

    def reject(self, actor_id: UUID, objective_id: UUID, comment: str | None = None,
               expected_version: int | None = None, idempotency_key: str | None = None) -> Recorded:
        return self._respond("reject", actor_id, objective_id, comment, expected_version, idempotency_key)

    def withdraw(self, actor_id: UUID, objective_id: UUID, comment: str | None = None,
                 expected_version: int | None = None, idempotency_key: str | None = None) -> Recorded:
        return self._respond("withdraw", actor_id, objective_id, comment, expected_version, idempotency_key)

    def amend(self, actor_id: UUID, objective_id: UUID, comment: str | None = None,
              expected_version: int | None = None, idempotency_key: str | None = None) -> Recorded:
        return self._respond("amend", actor_id, objective_id, comment, expected_version, idempotency_key)

    def counter(
        self: OkrApp, actor_id: UUID, objective_id: UUID, targets: dict[UUID, float],
        comment: str | None = None, expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        return self._objective_command(
            "counter", actor_id, objective_id, expected_version, idempotency_key,
            lambda objective, standing, cycle, now: objective.counter(
                standing, {k: _number(v) for k, v in targets.items()}, now, comment=comment
            ),
        )

    # ---- measuring and scoring --------------------------------------------------

    def record_check_in(
        self: OkrApp, actor_id: UUID, objective_id: UUID, key_result_id: UUID, value: float,
        confidence: float, note: str = "", measured_at: datetime | None = None,
        check_in_id: UUID | None = None, expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Check-ins keep coming after the close: they are the review measurements."""
        check_in_id = check_in_id or uuid4()
        return self._objective_command(
            "record_check_in", actor_id, objective_id, expected_version, idempotency_key,
            lambda objective, standing, cycle, now: objective.record_check_in(
                standing, check_in_id, key_result_id, value, confidence, note or "",
                measured_at, now,
            ),
            after_close=True, result_id=check_in_id,
        )

    def correct_check_in(
        self: OkrApp, actor_id: UUID, objective_id: UUID, check_in_id: UUID, value: float,
        reason: str, expected_version: int | None = None, idempotency_key: str | None = None,
    ) -> Recorded:
        return self._objective_command(
            "correct_check_in", actor_id, objective_id, expected_version, idempotency_key,
            lambda objective, standing, cycle, now: objective.correct_check_in(
                standing, check_in_id, value, reason, now
            ),
            after_close=True, result_id=check_in_id,
        )

    def adjust_score(
        self: OkrApp, actor_id: UUID, objective_id: UUID, score: float, reason: str,
        expected_version: int | None = None, idempotency_key: str | None = None,
    ) -> Recorded:
        return self._objective_command(
            "adjust_score", actor_id, objective_id, expected_version, idempotency_key,
            lambda objective, standing, cycle, now: objective.adjust_score(
                standing, score, reason, cycle.closed_at, now
            ),
            after_close=True,
        )

    def carry_over(
        self: OkrApp, actor_id: UUID, objective_id: UUID, cycle_id: UUID,
        new_objective_id: UUID | None = None, expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Carries an unfinished objective of a closed cycle into `cycle_id` as a new draft."""
        def work(now: datetime):
            origin = self._load(Objective, objective_id, "objective")
            self._check_version(origin, expected_version)
            closed_at = self._load(Cycle, origin.cycle_id, "cycle").closed_at
            target = self._load(Cycle, cycle_id, "cycle")
            if target.is_closed:
                raise InvalidTransition(f"cycle {target.name!r} is closed: carry over into an open cycle")
            standing = self.standing(actor_id, origin.team_id)
            new_id = new_objective_id or uuid4()
            key_results = origin.carry_over(standing, new_id, cycle_id, closed_at, now)
            carried = Objective.carried_over(standing, new_id, origin, cycle_id, key_results, now)
            return (carried, origin)

        return self._execute("carry_over", actor_id, idempotency_key, work)

