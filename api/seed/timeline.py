"""The demo's calendar and clock: quarters counted back from today, steps placed in time.

Every step has a nominal moment. Steps are run in the order of those moments with the
clock set to them, so recorded time tells the organisation's story. Nothing may be
recorded after the seed's `limit` (a few minutes before the real now): optional steps past
it (this quarter's future check-ins) are left out, and the few mandatory ones (at the very
start of a quarter) are squeezed onto the limit; the application then keeps their order by
stamping each a microsecond after the last.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid5

NAMESPACE = UUID("3d5c9f2e-8b7a-4c61-9e0d-5a2f4b6c8d10")
MARGIN = timedelta(minutes=5)
WEEKS = 13


def demo_id(*parts: str) -> UUID:
    """The same id on every run, so a second run addresses what the first one created."""
    return uuid5(NAMESPACE, ":".join(parts))


def demo_key(step_name: str) -> str:
    return f"demo:{step_name}"


class DemoClock:
    """The clock the seed moves: the application stamps each command with its reading."""

    def __init__(self, start: datetime | None = None):
        self.current = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.current

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("the demo clock needs timezone-aware datetimes")
        self.current = moment


@dataclass(frozen=True)
class Quarter:
    label: str        # q-2, q-1, q0: stable across runs, used in step names and ids
    name: str         # 2025-Q3: what people see
    starts_on: date
    ends_on: date

    def at(self, day: float, hour: float = 0.0) -> datetime:
        """`day` days after the start of the quarter (0: its first day), at `hour` o'clock UTC."""
        start = datetime.combine(self.starts_on, time(), tzinfo=UTC)
        return start + timedelta(days=day, hours=hour)

    def last_day(self, hour: float) -> datetime:
        return datetime.combine(self.ends_on, time(), tzinfo=UTC) + timedelta(hours=hour)

    def week(self, week: int, hour: float) -> datetime:
        """The weekly check-in day of `week` (1..13); week 13 is the quarter's last day."""
        if week >= WEEKS:
            return self.last_day(hour)
        return self.at(7 * week - 2, hour)

    def elapsed(self, moment: datetime) -> float:
        """The share of the quarter gone by at `moment`, 0..1."""
        length = self.last_day(24) - self.at(0)
        return min(1.0, max(0.0, (moment - self.at(0)) / length))


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _shift(start: date, quarters: int) -> date:
    months = start.year * 12 + start.month - 1 + 3 * quarters
    return date(months // 12, months % 12 + 1, 1)


def quarters_from(first_start: date) -> tuple[Quarter, Quarter, Quarter]:
    """The two closed quarters and the current one, the first starting on `first_start`."""
    result = []
    for offset, label in enumerate(("q-2", "q-1", "q0")):
        start = _shift(quarter_start(first_start), offset)
        end = _shift(start, 1) - timedelta(days=1)
        result.append(Quarter(label, f"{start.year}-Q{(start.month - 1) // 3 + 1}", start, end))
    return tuple(result)


def quarters_until(today: date) -> tuple[Quarter, Quarter, Quarter]:
    """The current calendar quarter of `today` and the two before it."""
    return quarters_from(_shift(quarter_start(today), -2))


@dataclass(frozen=True)
class Step:
    name: str
    at: datetime
    run: Callable[[str, datetime], Any]   # (idempotency key, the clock's time) → Recorded | None
    optional: bool = False


def schedule(steps: Iterable[Step], limit: datetime) -> list[Step]:
    """The steps in time order, none after `limit` (see the module docstring)."""
    ordered = sorted(steps, key=lambda s: s.at)  # stable: same-moment steps keep their order
    return [
        step if step.at <= limit else replace(step, at=limit)
        for step in ordered
        if step.at <= limit or not step.optional
    ]
