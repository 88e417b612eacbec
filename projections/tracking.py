"""Where each read model stands: its tracked position in the log, and the layout its tables
were built with.

A read model's tables and its row here change together, in one transaction. When the code
brings a new layout (`Projection.layout`), or a read model the database has no row for,
its tables are dropped and made again, empty, at position 0: the projector then folds the
whole log into them, as a rebuild would. Tables that are there without a tracked row
belong to no position (an older layout, a read model split off another), so they are not
kept either.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from projections.projection import Projection
from projections.store import Deferred, Tx

TRACKING = (
    "CREATE TABLE IF NOT EXISTS okr_tracking ("
    " projection TEXT PRIMARY KEY, position BIGINT NOT NULL, recorded_at TEXT)"
)
# A read model tracked without a row here was made before layouts were kept: layout 1.
LAYOUTS = (
    "CREATE TABLE IF NOT EXISTS okr_layouts ("
    " projection TEXT PRIMARY KEY, layout INTEGER NOT NULL)"
)
# Any number: the key of the lock that lets one process at a time settle the read models.
SETTLING = 720_415_001


def settle(tx: Tx, projections: Iterable[Projection], indexes: bool = True) -> None:
    """Creates the tracking tables and every read model's tables (and indexes, unless told
    not to: a rebuild makes them at its end), remaking those whose layout changed; one
    process at a time (several may start at once)."""
    if tx.postgres:
        tx.execute("SELECT pg_advisory_xact_lock(?)", (SETTLING,))
    tx.execute(TRACKING)
    tx.execute(LAYOUTS)
    for projection in projections:
        name = projection.name
        row = tx.execute("SELECT layout FROM okr_layouts WHERE projection = ?", (name,)).fetchone()
        tracked_before = tx.execute(
            "SELECT 1 FROM okr_tracking WHERE projection = ?", (name,)
        ).fetchone() is not None
        layout = row[0] if row else (1 if tracked_before else None)
        if layout == projection.layout:
            projection.create(tx, indexes)  # IF NOT EXISTS: as they are
        else:
            projection.drop(tx)
            projection.create(tx, indexes)
            if tracked_before:
                tx.execute(
                    "UPDATE okr_tracking SET position = 0, recorded_at = NULL WHERE projection = ?",
                    (name,),
                )
            else:
                tx.execute("INSERT INTO okr_tracking (projection, position) VALUES (?, 0)", (name,))
        if row is None or row[0] != projection.layout:
            tx.execute(
                "INSERT INTO okr_layouts (projection, layout) VALUES (?, ?)"
                " ON CONFLICT (projection) DO UPDATE SET layout = excluded.layout",
                (name, projection.layout),
            )


def positions(tx: Tx) -> dict[str, int]:
    return dict(tx.execute("SELECT projection, position FROM okr_tracking").fetchall())


def seen(tx: Tx, name: str, lock: bool = False) -> tuple[int, datetime | None]:
    """A read model's position and the recorded time there, as a reader sees them; with
    `lock`, its row locked on PostgreSQL."""
    suffix = " FOR UPDATE" if lock and tx.postgres else ""
    pos, recorded = tx.execute(
        f"SELECT position, recorded_at FROM okr_tracking WHERE projection = ?{suffix}", (name,)
    ).fetchone()
    return pos, datetime.fromisoformat(recorded) if recorded else None


def tracked(tx: Tx, name: str) -> tuple[int, datetime | None]:
    """A read model's position and the recorded time there, its row locked on PostgreSQL
    (SQLite's write transaction holds the whole database)."""
    return seen(tx, name, lock=True)


def position(tx: Tx | Deferred, name: str) -> int:
    """A read model's tracked position as the transaction will find it: for a fold ahead of
    it, where the fold starts, which the transaction checks before writing anything (so no
    read is made, and the batch before may still be on its way to the database)."""
    if isinstance(tx, Deferred) and tx.name == name:
        return tx.position
    return tracked(tx, name)[0]


def move(tx: Tx, name: str, position: int, recorded_at: datetime | None) -> None:
    tx.execute(
        "UPDATE okr_tracking SET position = ?, recorded_at = ? WHERE projection = ?",
        (position, None if recorded_at is None else recorded_at.isoformat(), name),
    )
