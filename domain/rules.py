"""Pure rules of the domain: progress, health, scores and the checks every value must pass."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from domain.errors import InvalidValue
from domain.values import (
    Band,
    Direction,
    Health,
    KeyResultKind,
    KeyResultTerms,
    ObjectiveKind,
    ScoreFlag,
)

TITLE_MAX_LENGTH = 200
UNIT_MAX_LENGTH = 40
TEXT_MAX_LENGTH = 2000
COMMENT_MAX_LENGTH = TEXT_MAX_LENGTH

ON_TRACK_RATIO = 0.75
AT_RISK_RATIO = 0.5
YELLOW_FROM = 0.4
GREEN_FROM = 0.7


def _clamp(value: float, low: float = 0.0, high: float = 1.0) -> float:
    return max(low, min(high, value))


# --- progress -------------------------------------------------------------------------


def key_result_progress(kr: KeyResultTerms, value: float | None) -> float:
    """Progress of one key result, 0..1, given its latest measured value (None: no check-in)."""
    if value is None:
        return 0.0
    if kr.kind is KeyResultKind.METRIC:
        if kr.baseline is None or kr.target is None or kr.baseline == kr.target:
            raise InvalidValue(
                "metric_terms: a metric key result needs a baseline and a different target"
            )
        # Dividing by (target − baseline) keeps the sign right for decreasing metrics too.
        return _clamp((value - kr.baseline) / (kr.target - kr.baseline))
    if kr.kind is KeyResultKind.MAINTAIN:
        if kr.target is None:
            raise InvalidValue("maintain_terms: a maintain key result needs a threshold")
        if kr.direction is Direction.AT_MOST:
            return 1.0 if value <= kr.target else 0.0
        return 1.0 if value >= kr.target else 0.0
    return 1.0 if value >= 1 else 0.0


def objective_progress(parts: Iterable[tuple[float, float]]) -> float:
    """Weight-averaged progress of (progress, weight) pairs; 0.0 when there are none."""
    total = 0.0
    weights = 0.0
    for progress, weight in parts:
        total += progress * weight
        weights += weight
    return total / weights if weights > 0 else 0.0


def children_average(progresses: Iterable[float]) -> float | None:
    """Plain mean of the aligned children's progress; None when there are no children."""
    values = list(progresses)
    return sum(values) / len(values) if values else None


# --- health ---------------------------------------------------------------------------


def require_cycle_dates(starts_on: date, ends_on: date) -> None:
    """A cycle ends after the day it starts, and on a day with a day after it: it runs to
    the end of `ends_on`, the start of the next day."""
    if ends_on <= starts_on:
        raise InvalidValue(f"ends_on ({ends_on}) must come after starts_on ({starts_on})")
    if ends_on >= date.max:
        raise InvalidValue(f"ends_on ({ends_on}) must be before {date.max.isoformat()}")


def expected_progress(starts_on: date, ends_on: date, now: datetime) -> float:
    """Share of the cycle elapsed at `now`, 0..1; the cycle runs from the start of
    `starts_on` to the end of `ends_on`, in UTC."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    start = datetime.combine(starts_on, time(), tzinfo=UTC)
    end = datetime.combine(ends_on, time(), tzinfo=UTC) + timedelta(days=1)
    if end <= start:
        raise InvalidValue(
            f"cycle_dates: a cycle must end on or after the day it starts "
            f"(starts {starts_on.isoformat()}, ends {ends_on.isoformat()})"
        )
    return _clamp((now - start) / (end - start))


def health(progress: float, expected: float, has_check_ins: bool) -> Health:
    """Health of an active objective: its progress compared with the linear expectation."""
    if not has_check_ins:
        return Health.NOT_STARTED
    if expected <= 0:
        return Health.ON_TRACK
    ratio = progress / expected
    if ratio >= ON_TRACK_RATIO:
        return Health.ON_TRACK
    if ratio >= AT_RISK_RATIO:
        return Health.AT_RISK
    return Health.OFF_TRACK


# --- scores ---------------------------------------------------------------------------


def round_score(value: float) -> float:
    """Two decimals, half-up (0.125 → 0.13), rounding the value as written, not its binary form."""
    # repr() gives the shortest decimal that round-trips, so 0.145 is rounded as "0.145",
    # not as the 0.14499999999999999… that round() and Decimal(float) would see.
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def score_band(score: float) -> Band:
    """Red below 0.4, yellow below 0.7, green from 0.7."""
    if score < YELLOW_FROM:
        return Band.RED
    if score < GREEN_FROM:
        return Band.YELLOW
    return Band.GREEN


def score_flags(kind: ObjectiveKind, score: float) -> tuple[ScoreFlag, ...]:
    """Committed objectives that fall short, and aspirational ones that score 1.0 ("too safe?")."""
    if kind is ObjectiveKind.COMMITTED and score < 1.0:
        return (ScoreFlag.COMMITTED_NOT_MET,)
    if kind is ObjectiveKind.ASPIRATIONAL and score >= 1.0:
        return (ScoreFlag.ASPIRATIONAL_TOO_SAFE,)
    return ()


# --- validation -----------------------------------------------------------------------


def require_finite(name: str, value: float) -> float:
    """The value as a float; refuses NaN, infinities and anything that is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidValue(f"{name}: must be a number, got {value!r}")
    if not math.isfinite(value):
        raise InvalidValue(f"{name}: must be a finite number, got {value!r}")
    return float(value)


def _require_between(name: str, value: float, low: float, high: float) -> float:
    value = require_finite(name, value)
    if not low <= value <= high:
        raise InvalidValue(f"{name}: must be between {low} and {high}, got {value!r}")
    return value


def require_confidence(value: float) -> float:
    """A confidence: finite, 0.0..1.0."""
    return _require_between("confidence", value, 0.0, 1.0)


def require_score(value: float) -> float:
    """A score: finite, 0.0..1.0."""
    return _require_between("score", value, 0.0, 1.0)


def require_weight(value: float) -> float:
    """A key result's weight: finite and greater than 0."""
    value = require_finite("weight", value)
    if value <= 0:
        raise InvalidValue(f"weight: must be greater than 0, got {value!r}")
    return value


# Unicode categories of characters that show nothing by themselves: separators, controls,
# format marks (zero-width spaces and joiners), and unassigned or private code points.
_INVISIBLE = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn"})


def require_text(name: str, value: str, max_length: int, allow_empty: bool = False) -> str:
    """The text stripped of surrounding blanks; refuses blank text and text over `max_length`."""
    if not isinstance(value, str):
        raise InvalidValue(f"{name}: must be text, got {value!r}")
    stripped = value.strip()
    if not stripped.isprintable():  # (most text is, and needs no closer look)
        if any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in stripped):
            raise InvalidValue(f"{name}: must not contain control characters (such as NUL)")
        if not any(unicodedata.category(c) not in _INVISIBLE for c in stripped):
            stripped = ""  # only blanks and marks that show nothing (a zero-width space)
    if not stripped and not allow_empty:
        raise InvalidValue(f"{name}: must not be blank")
    if len(stripped) > max_length:
        raise InvalidValue(
            f"{name}: must be at most {max_length} characters, got {len(stripped)}"
        )
    return stripped


def optional_comment(comment: str | None) -> str | None:
    """A negotiation comment: stripped, at most COMMENT_MAX_LENGTH, None when blank."""
    if comment is None:
        return None
    return require_text("comment", comment, COMMENT_MAX_LENGTH, allow_empty=True) or None


def require_email(email: str) -> str:
    text = require_text("email", email, 254)
    local, _, domain = text.partition("@")
    if not local or "." not in domain or " " in text:
        raise InvalidValue(f"email: {email!r} is not an address like name@example.org")
    return text


def require_measurement(kr: KeyResultTerms, value: float) -> float:
    """A check-in value: finite, and for a milestone 1 (done) or 0 (not done)."""
    value = require_finite("value", value)
    if kr.kind is KeyResultKind.MILESTONE and value not in (0.0, 1.0):
        raise InvalidValue("value: a milestone check-in is 1 (done) or 0 (not done)")
    return value


def require_in_utc(name: str, moment: datetime) -> datetime:
    """`moment` in UTC; refuses a time whose UTC falls outside the years 1 to 9999 (such as
    0001-01-01T00:00:00+01:00), which no read model could store or compare."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise InvalidValue(
            f"{name}: {moment.isoformat()} is out of range: in UTC it must fall between the "
            "years 1 and 9999"
        ) from None


def require_measured_at(measured_at: datetime, now: datetime) -> datetime:
    """Valid time of a check-in: timezone-aware and not in the future."""
    if not isinstance(measured_at, datetime) or measured_at.tzinfo is None:
        raise InvalidValue("measured_at: must be a date-time with a time zone (RFC 3339)")
    require_in_utc("measured_at", measured_at)
    if measured_at > now:
        raise InvalidValue(
            f"measured_at: {measured_at.isoformat()} is in the future; a check-in records "
            f"a value already measured (now is {now.isoformat()})"
        )
    return measured_at


def validate_key_result(kr: KeyResultTerms) -> None:
    """Refuses key result terms that do not fit their kind, a weight ≤ 0 or a bad title."""
    require_text("title", kr.title, TITLE_MAX_LENGTH)
    require_text("unit", kr.unit, UNIT_MAX_LENGTH, allow_empty=True)
    require_weight(kr.weight)
    if kr.kind is KeyResultKind.METRIC:
        _require_present("baseline", kr.baseline, "a metric key result needs a baseline")
        _require_present("target", kr.target, "a metric key result needs a target")
        baseline = require_finite("baseline", kr.baseline)
        target = require_finite("target", kr.target)
        if baseline == target:
            raise InvalidValue(
                "baseline equals target: a metric key result must move; "
                "set a target different from the baseline"
            )
    elif kr.kind is KeyResultKind.MAINTAIN:
        # A maintained key result keeps its threshold as its target.
        _require_present("threshold", kr.target, "a maintain key result needs a threshold")
        require_finite("threshold", kr.target)
        _require_present(
            "direction", kr.direction, "a maintain key result needs at_least or at_most"
        )
        _require_absent("baseline", kr.baseline, "a maintain key result has no baseline")
    else:
        _require_absent("baseline", kr.baseline, "a milestone has no baseline")
        _require_absent("target", kr.target, "a milestone has no target; it is done or not")
        _require_absent("direction", kr.direction, "a milestone has no direction")


def _require_present(name: str, value: object, why: str) -> None:
    if value is None:
        raise InvalidValue(f"{name}: missing; {why}")


def _require_absent(name: str, value: object, why: str) -> None:
    if value is not None:
        raise InvalidValue(f"{name}: must be empty; {why}")
