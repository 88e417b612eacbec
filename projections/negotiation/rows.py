"""Rows of the negotiation read model: the steps it stores and the view it answers with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from domain.values import Terms

DRAFTED = "drafted"
REVISED = "revised"  # the title changed while drafting or amending
SUBMITTED = "submitted"
APPROVED = "approved"
CHANGES_REQUESTED = "changes_requested"
COUNTERED = "countered"
COUNTER_ACCEPTED = "counter_accepted"
COUNTER_DECLINED = "counter_declined"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"
AMENDMENT_STARTED = "amendment_started"

OPEN = "open"  # the outcome of a round nobody has closed yet


@dataclass(frozen=True)
class Step:
    """One stored fact of a negotiation, as the fold reads it.

    `data` is what the fact carries beyond who, when and why: drafted → {cycle_id, team_id,
    title}; revised → {title}; submitted → the terms (`Terms.as_dict`); countered → the
    targets ([{key_result_id, target}]); nothing for the others.
    """

    position: int
    recorded_at: datetime
    kind: str
    actor_id: UUID
    round: int | None = None
    comment: str | None = None
    data: Any = None


@dataclass(frozen=True)
class CounterTarget:
    key_result_id: UUID
    target: float


@dataclass(frozen=True)
class Response:
    """Someone's move: a response to a round, or an amendment started or a withdrawal."""

    kind: str
    actor_id: UUID
    recorded_at: datetime
    comment: str | None
    position: int
    counter: tuple[CounterTarget, ...] = ()  # the targets proposed, for `countered`


@dataclass(frozen=True)
class Round:
    """One submission and the responses to it, up to the one that closed it."""

    number: int
    amendment: bool  # submitted while amending terms already agreed
    submitted_by: UUID
    submitted_at: datetime
    position: int
    terms: Terms
    comment: str | None
    responses: tuple[Response, ...]
    outcome: str  # the kind of the closing response, or "open"
    awaiting: str | None  # while open: "approver" (in review) or "team" (countered)
    closed_at: datetime | None
    duration: timedelta | None  # from submission to the closing response
    amendment_started: Response | None = None


@dataclass(frozen=True)
class TargetStep:
    """A target a key result went through: as submitted, or as countered."""

    round: int
    kind: str  # "submitted" or "countered"
    target: float | None
    actor_id: UUID
    recorded_at: datetime
    position: int


@dataclass(frozen=True)
class TargetDrift:
    """How far a key result's target moved from its first proposal to the agreed terms."""

    key_result_id: UUID
    title: str
    unit: str
    first_proposed: float | None
    agreed: float | None  # None while not agreed, or when the agreed terms dropped it
    absolute: float | None  # agreed − first_proposed
    relative: float | None  # absolute ÷ |first_proposed|; None when first_proposed is 0
    path: tuple[TargetStep, ...]


@dataclass(frozen=True)
class NegotiationView:
    """How one objective was negotiated, as known after a prefix of the log."""

    objective_id: UUID
    cycle_id: UUID
    team_id: UUID
    title: str
    status: str
    last_position: int  # the position of the last step known
    rounds: tuple[Round, ...]
    between_rounds: tuple[Response, ...]  # amendments no round answered, withdrawals outside a round
    agreed: Terms | None  # the terms in force: last approval or accepted counter
    agreed_round: int | None
    agreed_at: datetime | None
    first_submitted_at: datetime | None
    first_agreed_at: datetime | None
    time_to_agreement: timedelta | None  # first submission → first agreement
    drift: tuple[TargetDrift, ...]
