"""Rows of the approval audit: one per decision taken on a round."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

APPROVED = "approved"
CHANGES_REQUESTED = "changes_requested"
COUNTERED = "countered"
REJECTED = "rejected"
COUNTER_ACCEPTED = "counter_accepted"  # the team's answer to a counter-proposal
COUNTER_DECLINED = "counter_declined"


@dataclass(frozen=True)
class ApprovalDecision:
    """A decision on a submitted round, with the objective as it stood when it was taken."""

    position: int
    recorded_at: datetime
    kind: str
    objective_id: UUID
    title: str | None  # the title of the terms decided on
    cycle_id: UUID | None
    team_id: UUID | None
    round: int | None
    actor_id: UUID
    comment: str | None
