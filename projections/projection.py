"""What every read model is: tables it owns, and a way to fold a batch of events into them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from projections.store import Tx
from projections.timefmt import plain, stored


_TYPES: dict[str, str] = {}  # by topic: there are a few dozen
# A position past any the log will reach, and within a BIGINT: read as of it, a read model
# answers everything it holds.
MAX_POSITION = 2**62


class Logged:
    """An event as read from the log: its position, its topic and its recorded time.

    `recorded_at` is the running maximum of the stored timestamps, so it never decreases
    along the log even when several processes append. A plain class with slots rather than
    a frozen dataclass: one is made for every event read, and frozen ones are slow to make.

    The event itself may be made only when first asked for (`later`: the decoder that makes
    it, its class's decoding plan and the Struct that plan parsed), and `plain` gives its
    values without making it.
    """

    __slots__ = (
        "position", "topic", "recorded_at", "_event", "stored", "_later", "_plain",
        "_recorded_text",
    )

    def __init__(
        self, position: int, topic: str, recorded_at: datetime, event: Any, stored: Any = None,
        later: tuple[Any, Any, Any] | None = None,
    ):
        self.position = position
        self.topic = topic
        self.recorded_at = recorded_at
        self._event = event
        self.stored = stored  # the stored event itself (its bytes), for the hash chain
        self._later = later  # (the decoder, the plan, the Struct it parsed)
        self._plain: dict[str, Any] | None = None
        self._recorded_text: str | None = None

    @property
    def event(self) -> Any:
        event = self._event
        if event is None:
            event = self._event = self._later[0].decode(self.stored)
        return event

    @property
    def originator(self) -> Any:
        """What holds the event's `originator_id` and `originator_version` without making
        it: the event once made, else the stored event."""
        return self.stored if self._event is None else self._event

    @property
    def plain(self) -> dict[str, Any] | None:
        """The event's values as `timefmt.plain` gives them (ids and times as text), straight
        from its stored JSON, if its class has a decoding plan; else None."""
        plain = self._plain
        if plain is None and self._later is not None:
            _, plan, parsed = self._later
            if parsed is None:  # the event was made at once, from a Struct of its own
                parsed = plan.parse(self.stored.state)
            plain = self._plain = plan.plain(parsed)
        return plain

    @property
    def values(self) -> dict[str, Any]:
        """The event's state as plain values (ids and times as text): `plain`, or worked out
        from the event where its class has no decoding plan."""
        found = self.plain
        return found if found is not None else plain(vars(self.event))

    @property
    def type(self) -> str:
        """`Objective.Countered` for the topic `okr:Objective.Countered`."""
        found = _TYPES.get(self.topic)
        if found is None:
            found = _TYPES[self.topic] = self.topic.split(":", 1)[-1]
        return found

    @property
    def recorded_text(self) -> str:
        """`recorded_at` as the read models store it, worked out once for all of them."""
        text = self._recorded_text
        if text is None:
            text = self._recorded_text = stored(self.recorded_at)
        return text

    def __repr__(self) -> str:
        return f"Logged({self.position}, {self.topic!r}, {self.recorded_at!r})"


class Projection(ABC):
    """A read model. Its rows and its tracked position commit in one transaction."""

    name: str
    tables: Sequence[str]  # table names, dropped by a rebuild
    schema: Sequence[str]  # CREATE statements (IF NOT EXISTS), portable SQL
    # CREATE INDEX statements (IF NOT EXISTS) of indexes only reads use, never the folding:
    # a rebuild makes them once its rows are in (one sort, not an insert per row and index).
    indexes: Sequence[str] = ()
    rebuilt_with_all = True  # False: rebuilt only when named
    rebuilt_alone = False  # True: a rebuild folds it in a process of its own (the costliest)
    # Whether it asks for most events whole (`Logged.event`): then the projector makes each
    # event as it reads the log (on PostgreSQL, while the batch before is folded); if none
    # does, an event is made only when asked for, and one with a decoding plan may never be.
    decodes = True
    # The layout of its tables and of what their rows hold: a new one remakes them (tracking.py).
    layout = 1

    def create(self, tx: Tx, indexes: bool = True) -> None:
        for statement in (*self.schema, *(self.indexes if indexes else ())):
            tx.create(statement)

    def drop(self, tx: Tx) -> None:
        for table in self.tables:
            tx.execute(f"DROP TABLE IF EXISTS {table}")

    def reset(self) -> None:
        """Forgets any state kept between batches (a rebuild starts from nothing)."""

    def folds_ahead(self, batch: Sequence[Logged]) -> bool:
        """Whether `process` may fold `batch` ahead of the transaction (into a `Deferred`):
        not if it would read rows it has just written."""
        return True

    @abstractmethod
    def process(self, tx: Tx, batch: Sequence[Logged]) -> None:
        """Folds a batch of consecutive events into the tables."""
