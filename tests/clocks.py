"""Clocks the tests move by hand."""

from __future__ import annotations

from datetime import datetime, timedelta


class SteppingClock:
    """A clock the test moves by hand; each reading also ticks one second, as time would."""

    def __init__(self, start: datetime):
        self.current = start

    def __call__(self) -> datetime:
        self.current += timedelta(seconds=1)
        return self.current

    def set(self, moment: datetime) -> None:
        self.current = moment

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)
