"""On SQLite, a projector that finds the write lock held by another process does not wait
for it: it holds the batch it folded and folds the next, up to a bound, then writes them all
in one transaction once the lock is free. Nothing is written twice, nothing lost, and the
rows are those an uncontended fold writes; held batches another projector has written in
the meantime are dropped, not written again."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from test_projection_crash import build_log, differences, dump

from domain.application import OkrApp
from projections import runner, tracking
from projections.catalog import projector_for
from projections.runner import Projector
from projections.store import Busy

pytestmark = pytest.mark.integration

# Read models that fold without reading their own tables, so every batch of theirs can be held.
WRITE_ONLY = ["tree", "feed", "check_ins"]
# Holds SQLite's write lock on the file until told on its stdin to let go.
LOCKER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
"""


def from_zero(projector) -> None:
    """Every read model emptied and tracked at position 0, as a rebuild starts them."""
    with projector.store.transaction() as tx:
        for p in projector.projections.values():
            p.drop(tx)
            p.reset()
            p.create(tx)
            tracking.move(tx, p.name, 0, None)


def folded_then_emptied(url: str, objectives: int, check_ins_each: int, batch_size: int, names):
    """A log, the rows of the read models `names` folded from it uncontended (as `dump` gives
    them), and a projector of batches of `batch_size` whose read models are then emptied."""
    head = build_log(url, objectives=objectives, check_ins_each=check_ins_each).head
    app = OkrApp(url)
    projector = projector_for(app, url, batch_size=batch_size)
    projector.catch_up(names=names)
    uncontended = dump(url)
    from_zero(projector)
    return app, projector, head, uncontended


def locking(path) -> subprocess.Popen:
    """A process holding the file's write lock until told to let go (`.communicate("go\\n")`)."""
    locker = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(path)], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True,
    )
    assert locker.stdout.readline().strip() == "locked"
    return locker


def counted(projection) -> list[int]:
    """The sizes of the batches `projection` folds, as it folds them."""
    folds, sizes = projection.process, []

    def spied(tx, batch):
        sizes.append(len(batch))
        folds(tx, batch)

    projection.process = spied
    return sizes


def test_batches_folded_while_another_process_writes_are_held_then_written_once(tmp_path, monkeypatch):
    path = tmp_path / "okr.db"
    url = f"sqlite:///{path}"
    app, projector, head, uncontended = folded_then_emptied(url, 6, 20, 10, WRITE_ONLY)
    try:
        sizes = counted(projector.projections["tree"])
        monkeypatch.setattr(runner, "HOLD_EVENTS", 25)  # two batches of 10 held, not three
        locker = locking(path)
        told: list[int] = []
        done: list[int] = []
        folding = threading.Thread(target=lambda: done.append(
            projector.catch_up(progress=told.append, names=WRITE_ONLY)
        ))
        folding.start()
        deadline = time.monotonic() + 10
        while len(sizes) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)
        # Two batches held and a third folded that may not be held: it waits for the lock.
        assert sizes == [10, 10, 10]
        assert told == []
        assert set(projector.positions().values()) == {0}  # (readers are not blocked)
        locker.communicate("go\n", timeout=10)
        folding.join(timeout=30)
        assert done == [head]
        assert sum(told) == head and told[:3] == [10, 10, 10]
        assert {n: projector.positions()[n] for n in WRITE_ONLY} == dict.fromkeys(WRITE_ONLY, head)
        assert not differences(uncontended, dump(url)), "\n".join(differences(uncontended, dump(url)))
    finally:
        projector.store.close()
        app.close()


def test_a_read_model_that_reads_its_tables_is_not_held_and_folds_the_same_rows(tmp_path):
    """Every read model, the negotiation and approval audit (which read their own rows) among
    them: their batches wait for the lock, and the result is the uncontended one."""
    path = tmp_path / "okr.db"
    url = f"sqlite:///{path}"
    app, projector, head, uncontended = folded_then_emptied(url, 6, 8, 7, None)
    try:
        locker = locking(path)
        folding = threading.Thread(target=projector.catch_up)
        folding.start()
        time.sleep(0.3)
        locker.communicate("go\n", timeout=10)
        folding.join(timeout=30)
        assert projector.positions() == {name: head for name in projector.projections}
        assert not differences(uncontended, dump(url)), "\n".join(differences(uncontended, dump(url)))
    finally:
        projector.store.close()
        app.close()


@contextmanager
def racing(url: str) -> Iterator[tuple[int, Projector, Projector, dict]]:
    """A log's head, two projectors of batches of 10 over it, and the rows the first folded
    uncontended; the read models are then emptied."""
    head = build_log(url, objectives=4, check_ins_each=10).head
    app = OkrApp(url)
    mine = projector_for(app, url, batch_size=10)
    other = projector_for(app, url, batch_size=10)
    try:
        mine.catch_up(names=WRITE_ONLY)
        uncontended = dump(url)
        from_zero(mine)
        yield head, mine, other, uncontended
    finally:
        mine.store.close()
        other.store.close()
        app.close()


def test_held_batches_another_projector_wrote_meanwhile_are_dropped(tmp_path):
    url = f"sqlite:///{tmp_path / 'okr.db'}"
    with racing(url) as (head, mine, other, uncontended):
        sizes = counted(mine.projections["tree"])
        begin = mine.store.transaction

        def contended(wait=True):
            if not wait and len(sizes) == 1:
                # While the first batch is folded, the other projector writes the whole log.
                assert other.catch_up(names=WRITE_ONLY) == head
                raise Busy("the other projector was writing")
            return begin(wait)

        mine.store.transaction = contended
        assert mine.catch_up(names=WRITE_ONLY) == 0  # it wrote nothing: the other did
        assert len(sizes) >= 2  # it had folded on, past the batch it held
        assert {mine.positions()[n] for n in WRITE_ONLY} == {head}
        assert not differences(uncontended, dump(url)), "\n".join(differences(uncontended, dump(url)))
