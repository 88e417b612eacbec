"""The weekly measurements of the demo's key results, drawn from a seeded random generator."""

from __future__ import annotations

import random
from dataclasses import dataclass

from api.seed.specs import KR
from api.seed.timeline import WEEKS

IMPROVING = (
    "Good week: Tuesday's release is showing up in the numbers.",
    "Up again; the trend is holding.",
    "Ahead of plan this week.",
    "Steady climb, nothing unusual.",
    "Better than expected after the campaign.",
)
FLAT = (
    "Flat week; waiting on the next release.",
    "No movement: bank holiday week.",
    "Holding steady.",
)
SLIPPING = (
    "Dipped this week; looking into it.",
    "Worse after Thursday's incident.",
    "Slipped a little; seasonal, we think.",
    "Down this week, recovery plan agreed.",
)
HELD = ("Comfortably within the threshold.", "Held all week.", "No breaches.")
BROKEN = ("Breached the threshold: review booked.",
          "Outside the threshold this week; cause understood, fix under way.")
IN_PROGRESS = ("In progress.", "Design done, build under way.", "Waiting on a vendor; escalated.",
               "On schedule.")
DONE = ("Done and live.", "Shipped.", "Live for all customers.")


@dataclass(frozen=True)
class Draw:
    """One week's measurement, before it is turned into a value of a particular key result."""

    week: int
    fraction: float      # metric: the share of the way from baseline to target
    held: bool           # maintain: on the right side of the threshold
    done: bool           # milestone
    jitter: float        # -1..1, spreads maintain values around their typical level
    confidence: float
    note: str


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def draws(
    kr: KR, rng: random.Random, finish: float | None = None, broken: tuple[int, ...] | None = None
) -> list[Draw]:
    """All 13 weeks of a key result (always all of them, so later draws never depend on how
    many of this quarter's weeks have passed yet)."""
    finish = kr.finish if finish is None else finish
    broken = kr.broken if broken is None else broken
    series, previous = [], 0.0
    for week in range(1, WEEKS + 1):
        noise, jitter = rng.uniform(-0.04, 0.04), rng.uniform(-1.0, 1.0)
        mood, spoken = rng.uniform(-1.0, 1.0), rng.random() < 0.7
        share = week / WEEKS
        fraction = finish if week == WEEKS else finish * share ** 1.2 + noise * max(finish, 0.2)
        held = week not in broken
        done = kr.done_week is not None and week >= kr.done_week
        if kr.kind == "maintain":
            confidence, pool = (0.85, HELD) if held else (0.45, BROKEN)
        elif kr.kind == "milestone":
            if done:
                confidence, pool = 1.0, DONE
            elif kr.done_week is not None:
                confidence, pool = 0.6 + 0.3 * week / kr.done_week, IN_PROGRESS
            else:
                confidence, pool = 0.5 - 0.25 * share, IN_PROGRESS
        else:
            end = 0.35 + 0.55 * min(finish, 1.0)
            confidence = 0.7 + (end - 0.7) * share
            delta = fraction - previous
            pool = IMPROVING if delta > 0.015 else SLIPPING if delta < -0.005 else FLAT
        confidence = round(_clamp(confidence + 0.06 * mood, 0.05, 0.99), 2) if not done else 1.0
        note = pool[int((mood + 1) / 2 * len(pool)) % len(pool)] if spoken or not held else ""
        series.append(Draw(week, fraction, held, done, jitter, confidence, note))
        previous = fraction
    return series


def value_of(kr: KR, draw: Draw, baseline: float | None, target: float | None) -> float:
    """The measured value of `kr` for `draw`, given the baseline and target in force."""
    if kr.kind == "milestone":
        return 1.0 if draw.done else 0.0
    if kr.kind == "maintain":
        assert kr.typical is not None and target is not None
        if not draw.held:
            return round(kr.slump if kr.slump is not None else target, kr.decimals)
        value = round(kr.typical + draw.jitter * 0.3 * abs(kr.typical - target), kr.decimals)
        return max(value, target) if kr.direction == "at_least" else min(value, target)
    assert baseline is not None and target is not None
    return round(baseline + draw.fraction * (target - baseline), kr.decimals)


def agreed_target(kr: KR, script: str) -> float | None:
    """The target the negotiation `script` ends with (before any amendment)."""
    if script == "counter_accept" and kr.counter is not None:
        return kr.counter
    if script in ("changes", "counter_decline") and kr.revised is not None:
        return kr.revised
    return kr.target
