"""The negotiation's commands: submit, the approver's responses, the counter, withdraw, amend.

Each checks who may act and in which status, then calls the Objective's event method
(in domain/objective.py), whose body alone changes state.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from uuid import UUID

from domain import rules
from domain.errors import InvalidTransition, InvalidValue, OwnRound
from domain.values import KeyResultKind, Role, Standing
from domain.values import ObjectiveStatus as S

EDITABLE = (S.DRAFT, S.CHANGES_REQUESTED, S.AMENDING)
WITHDRAWABLE = (S.DRAFT, S.IN_REVIEW, S.CHANGES_REQUESTED, S.COUNTERED, S.AMENDING)


class Negotiation:
    def submit(self, standing: Standing, now: datetime, comment: str | None = None) -> None:
        standing.require((Role.LEAD,), "submit objectives")
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

    def _require_review(self, standing: Standing, action: str) -> None:
        standing.require((Role.APPROVER,), action)
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

    def request_changes(self, standing: Standing, now: datetime, comment: str | None = None) -> None:
        self._require_review(standing, "request changes")
        self._changes_requested(
            actor_id=standing.actor_id, round=self.round,
            comment=rules.optional_comment(comment), timestamp=now,
        )

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
            targets=[{"key_result_id": str(k), "target": float(t)} for k, t in targets.items()],
            comment=rules.optional_comment(comment), timestamp=now,
        )

    def _require_counter(self, standing: Standing, action: str) -> None:
        standing.require((Role.LEAD,), action)
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

    def decline_counter(self, standing: Standing, now: datetime, comment: str | None = None) -> None:
        self._require_counter(standing, "decline a counter-proposal")
        self._counter_declined(
            actor_id=standing.actor_id, round=self.round,
            comment=rules.optional_comment(comment), timestamp=now,
        )

    def reject(self, standing: Standing, now: datetime, comment: str | None = None) -> None:
        self._require_review(standing, "reject it")
        self._rejected(
            actor_id=standing.actor_id, round=self.round,
            comment=rules.optional_comment(comment), timestamp=now,
        )

    def withdraw(self, standing: Standing, now: datetime, comment: str | None = None) -> None:
        standing.require((Role.LEAD,), "withdraw an objective")
        if self.status not in WITHDRAWABLE:
            raise InvalidTransition(
                f"objective is {self.status.value}: only an objective still under "
                "negotiation can be withdrawn"
            )
        self._withdrawn(
            actor_id=standing.actor_id, comment=rules.optional_comment(comment), timestamp=now
        )

    def amend(self, standing: Standing, now: datetime, comment: str | None = None) -> None:
        standing.require((Role.LEAD,), "start an amendment")
        if self.status is not S.APPROVED:
            raise InvalidTransition(
                f"objective is {self.status.value}: only approved terms can be amended"
            )
        self._amendment_started(
            actor_id=standing.actor_id, comment=rules.optional_comment(comment), timestamp=now
        )

