"""What every read model is: tables it owns, and a way to fold a batch of events into them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from projections.store import Tx


@dataclass(frozen=True)
class Logged:
    """An event as read from the log: its position, its topic and its recorded time.

    `recorded_at` is the running maximum of the stored timestamps, so it never decreases
    along the log even when several processes append.
    """

    position: int
    topic: str
    recorded_at: datetime
    event: Any
    stored: Any = None  # the stored event itself (its bytes), for the hash chain

    @property
    def type(self) -> str:
        """`Objective.Countered` for the topic `okr:Objective.Countered`."""
        return self.topic.split(":", 1)[-1]


class Projection(ABC):
    """A read model. Its rows and its tracked position commit in one transaction."""

    name: str
    tables: Sequence[str]  # table names, dropped by a rebuild
    schema: Sequence[str]  # CREATE statements (IF NOT EXISTS), portable SQL
    rebuilt_with_all = True  # False: rebuilt only when named

    def create(self, tx: Tx) -> None:
        for statement in self.schema:
            tx.execute(statement)

    def drop(self, tx: Tx) -> None:
        for table in self.tables:
            tx.execute(f"DROP TABLE IF EXISTS {table}")

    def reset(self) -> None:
        """Forgets any state kept between batches (a rebuild starts from nothing)."""

    @abstractmethod
    def process(self, tx: Tx, batch: Sequence[Logged]) -> None:
        """Folds a batch of consecutive events into the tables."""
