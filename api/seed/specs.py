"""The shapes of the demo's catalogue: people, teams, objectives and what happens to them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    slug: str
    name: str
    email: str


@dataclass(frozen=True)
class TeamSpec:
    slug: str
    name: str
    lead: str                      # a Person slug
    parent: str | None = None      # a TeamSpec slug
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class KR:
    """A key result and how its weekly measurements move.

    `target` is the metric target or the maintain threshold. A metric reaches `finish` of
    the way from baseline to its agreed target by the end of the quarter; a maintain key
    result sits at `typical` except in the `broken` weeks, when it sits at `slump`; a
    milestone is done from `done_week` on (never when None).
    """

    slug: str
    title: str
    kind: str = "metric"
    unit: str = ""
    baseline: float | None = None
    target: float | None = None
    direction: str | None = None
    weight: float = 1.0
    decimals: int = 0
    finish: float = 0.8
    typical: float | None = None
    slump: float | None = None
    broken: tuple[int, ...] = ()
    done_week: int | None = None
    counter: float | None = None   # the target the approver counter-proposes
    revised: float | None = None   # the target the team resubmits after pushback


@dataclass(frozen=True)
class ObjectiveSpec:
    """An objective and the negotiation it goes through before the quarter starts.

    script: approve | changes | counter_decline | counter_accept | reject | withdraw | pending.
    `comments` are the words spoken along the script, in order (see steps.SCRIPTS).
    """

    slug: str
    team: str
    title: str
    kind: str
    krs: tuple[KR, ...]
    parent: str | None = None
    script: str = "approve"
    drafter: str | None = None     # default: the team's lead
    description: str = ""
    comments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Amendment:
    """In week `week`, the lead reopens agreed terms: a new target for `kr`, or a new key result."""

    objective: str
    week: int
    outcome: str                   # approved | rejected
    reason: str
    answer: str
    kr: str | None = None
    target: float | None = None
    added: KR | None = None


@dataclass(frozen=True)
class Correction:
    """The check-in of `week` was recorded as `wrong_by` × the true value; fixed the next day."""

    objective: str
    kr: str
    week: int
    wrong_by: float
    reason: str


@dataclass(frozen=True)
class Adjustment:
    objective: str
    score: float
    reason: str


@dataclass(frozen=True)
class Review:
    """A measurement taken `days` after the close: did the work move the metric after all?"""

    objective: str
    kr: str
    days: int
    finish: float
    note: str


@dataclass(frozen=True)
class CarryOver:
    """After the close, `origin` goes into the next quarter as `slug`, aligned to `parent` there.

    script: `realign` (the lead aligns it, then submits) or `changes` (submitted unaligned, the
    approver asks for the alignment, then it is resubmitted). Its key results reach `finish`.
    """

    origin: str
    slug: str
    parent: str
    script: str
    comments: tuple[str, ...]
    finish: float = 0.6


@dataclass(frozen=True)
class QuarterSpec:
    objectives: tuple[ObjectiveSpec, ...]
    amendments: tuple[Amendment, ...] = ()
    corrections: tuple[Correction, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()
    reviews: tuple[Review, ...] = ()
    carry_overs: tuple[CarryOver, ...] = ()
