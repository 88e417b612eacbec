"""Value types of the OKR domain: statuses, kinds, key-result terms and the acting user's standing."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any
from uuid import UUID

from domain.errors import NotAllowed


class ObjectiveStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    COUNTERED = "countered"
    APPROVED = "approved"
    AMENDING = "amending"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class ObjectiveKind(StrEnum):
    COMMITTED = "committed"
    ASPIRATIONAL = "aspirational"


class KeyResultKind(StrEnum):
    METRIC = "metric"
    MAINTAIN = "maintain"
    MILESTONE = "milestone"


class Direction(StrEnum):
    """For a maintain key result: the value must stay at least / at most the threshold."""

    AT_LEAST = "at_least"
    AT_MOST = "at_most"


class CycleState(StrEnum):
    PLANNING = "planning"
    ACTIVE = "active"
    CLOSED = "closed"


class Health(StrEnum):
    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"


class Band(StrEnum):
    RED = "red"
    YELLOW = "yellow"
    GREEN = "green"


class ScoreFlag(StrEnum):
    COMMITTED_NOT_MET = "committed_not_met"
    ASPIRATIONAL_TOO_SAFE = "aspirational_too_safe"


class Role(StrEnum):
    """What the acting user is with respect to one objective's team."""

    ADMIN = "admin"
    LEAD = "lead"
    MEMBER = "member"
    APPROVER = "approver"


ROLE_NAMES = {
    Role.ADMIN: "admin", Role.LEAD: "lead", Role.MEMBER: "member",
    Role.APPROVER: "approver (lead of the parent team)",
}


@dataclass(frozen=True)
class Standing:
    """Who is acting and which roles they hold for the team that owns an objective.

    The application works this out from the Team and User aggregates, so the
    objective can enforce its rules without reading other aggregates itself.
    """

    actor_id: UUID
    roles: frozenset[Role] = frozenset()

    def has(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)

    def require(self, roles: tuple[Role, ...], action: str) -> None:
        """Raises NotAllowed unless the actor holds one of `roles`."""
        if not self.has(*roles):
            names = " or ".join(ROLE_NAMES[r] for r in roles)
            raise NotAllowed(f"only the team's {names} may {action}")


class Immutable:
    """A frozen value holding only immutable values: a deep copy of it is itself.

    Aggregates are deep-copied out of the application's cache for every command; sharing
    these values instead of copying them keeps that copy cheap.
    """

    __slots__ = ()

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


@dataclass(frozen=True)
class KeyResultTerms(Immutable):
    """One key result as proposed or agreed.

    `target` is the metric target, or the threshold of a maintain key result;
    a milestone has neither.
    """

    id: UUID
    title: str
    kind: KeyResultKind
    unit: str = ""
    baseline: float | None = None
    target: float | None = None
    direction: Direction | None = None
    weight: float = 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "title": self.title,
            "kind": self.kind.value,
            "unit": self.unit,
            "baseline": self.baseline,
            "target": self.target,
            "direction": self.direction.value if self.direction else None,
            "weight": self.weight,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KeyResultTerms:
        return cls(
            id=UUID(str(data["id"])),
            title=data["title"],
            kind=KeyResultKind(data["kind"]),
            unit=data.get("unit") or "",
            baseline=data.get("baseline"),
            target=data.get("target"),
            direction=Direction(data["direction"]) if data.get("direction") else None,
            weight=data.get("weight", 1.0),
        )


@dataclass(frozen=True)
class Terms(Immutable):
    """What a negotiation is about: the title, kind, parent and key results of an objective."""

    title: str
    kind: ObjectiveKind
    parent_id: UUID | None = None
    key_results: tuple[KeyResultTerms, ...] = field(default_factory=tuple)

    def key_result(self, key_result_id: UUID) -> KeyResultTerms | None:
        for kr in self.key_results:
            if kr.id == key_result_id:
                return kr
        return None

    def with_key_result(self, kr: KeyResultTerms) -> Terms:
        """Adds or replaces a key result, keeping the order of the others."""
        krs = [k for k in self.key_results]
        for i, existing in enumerate(krs):
            if existing.id == kr.id:
                krs[i] = kr
                return replace(self, key_results=tuple(krs))
        return replace(self, key_results=(*krs, kr))

    def without_key_result(self, key_result_id: UUID) -> Terms:
        return replace(
            self, key_results=tuple(k for k in self.key_results if k.id != key_result_id)
        )

    def with_targets(self, targets: dict[UUID, float]) -> Terms:
        return replace(
            self,
            key_results=tuple(
                replace(k, target=targets[k.id]) if k.id in targets else k
                for k in self.key_results
            ),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "kind": self.kind.value,
            "parent_id": str(self.parent_id) if self.parent_id else None,
            "key_results": [k.as_dict() for k in self.key_results],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Terms:
        return cls(
            title=data["title"],
            kind=ObjectiveKind(data["kind"]),
            parent_id=UUID(str(data["parent_id"])) if data.get("parent_id") else None,
            key_results=tuple(KeyResultTerms.from_dict(k) for k in data["key_results"]),
        )


@dataclass(frozen=True)
class CheckIn(Immutable):
    """A measurement of a key result. `recorded_at` is when the system learned it."""

    id: UUID
    key_result_id: UUID
    value: float
    confidence: float
    note: str
    measured_at: Any  # datetime (valid time)
    recorded_at: Any  # datetime (recorded time)
    actor_id: UUID
    corrections: tuple[Correction, ...] = ()

    def value_as_of(self, recorded_at: Any | None = None) -> float:
        """The value after the corrections recorded up to `recorded_at` (all when None)."""
        value = self.value
        for c in self.corrections:
            if recorded_at is None or c.recorded_at <= recorded_at:
                value = c.value
        return value


@dataclass(frozen=True)
class Correction(Immutable):
    value: float
    reason: str
    recorded_at: Any
    actor_id: UUID
