"""On PostgreSQL, while more of the log is to be read, a projector writes each batch in a
thread of its own while it folds the next. The rows are those of a fold in line; a batch
whose read model another projector moved meanwhile writes nothing and is not counted; a
batch whose write failed is forgotten by its read models, so folding again writes it whole."""

from __future__ import annotations

import threading
import time

import pytest
from test_held_batches import WRITE_ONLY, counted, folded_then_emptied, racing
from test_projection_crash import differences, dump

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


def test_each_batch_is_written_while_the_next_is_folded_and_the_rows_are_an_in_line_folds(postgres_url):
    app, projector, head, in_line = folded_then_emptied(postgres_url, 6, 20, 10, WRITE_ONLY)
    try:
        sizes = counted(projector.projections["tree"])
        write = projector._write
        overlapped: list[bool] = []
        threads: set[str] = set()

        def slow_write(*held):
            # Waits (two seconds at most) for the next batch's fold to begin: it does,
            # unless the projector waits for this write before folding on.
            folds = len(sizes)
            deadline = time.monotonic() + 2
            while len(sizes) == folds and time.monotonic() < deadline:
                time.sleep(0.005)
            overlapped.append(len(sizes) > folds)
            threads.add(threading.current_thread().name)
            write(*held)

        projector._write = slow_write
        told: list[int] = []
        assert projector.catch_up(progress=told.append, names=WRITE_ONLY) == head
        assert sum(told) == head
        # Every batch is written behind, the next folded meanwhile, but for two: the last
        # and the one with the cycle's close, which the tree folds in their transactions
        # (the close reads the objectives' latest versions), so not while the batch before
        # each is written.
        assert len(overlapped) == len(sizes) - 2
        assert overlapped.count(False) == 2 and overlapped[-1] is False
        assert overlapped.count(True) >= 12
        assert {t.split("_")[0] for t in threads} == {"okr-writer"}
        assert {projector.positions()[n] for n in WRITE_ONLY} == {head}
        assert not differences(in_line, dump(postgres_url)), "\n".join(differences(in_line, dump(postgres_url)))
    finally:
        projector.store.close()
        app.close()


def test_a_batch_whose_read_model_another_projector_moved_meanwhile_writes_nothing(postgres_url):
    with racing(postgres_url) as (head, mine, other, in_line):
        sizes = counted(mine.projections["tree"])
        write = mine._write

        def contended(*held):
            if len(sizes) <= 2:
                # While the first batch is on its way, the other projector writes the whole log.
                assert other.catch_up(names=WRITE_ONLY) == head
            write(*held)

        mine._write = contended
        told: list[int] = []
        assert mine.catch_up(progress=told.append, names=WRITE_ONLY) == 0  # the other wrote it all
        assert told == [] and len(sizes) >= 2  # it had folded on, past the batch being written
        assert {mine.positions()[n] for n in WRITE_ONLY} == {head}
        assert not differences(in_line, dump(postgres_url)), "\n".join(differences(in_line, dump(postgres_url)))


@pytest.mark.parametrize("then", ["folding on", "stopping"])
def test_a_batch_whose_write_failed_is_forgotten_and_folding_again_writes_it_whole(postgres_url, then):
    """The third batch's write fails, found out as the next batch is folded, or (told to
    stop once two batches are written) as the projector stops."""
    app, projector, head, in_line = folded_then_emptied(postgres_url, 6, 12, 10, WRITE_ONLY)
    try:
        write = projector._write
        calls: list[int] = []

        def failing(*held):
            calls.append(len(calls))
            if len(calls) == 3:
                raise ConnectionError("the connection dropped")
            write(*held)

        projector._write = failing
        stop = threading.Event()
        told: list[int] = []

        def progress(count: int) -> None:
            told.append(count)
            if then == "stopping" and len(told) == 2:
                stop.set()

        with pytest.raises(ConnectionError):
            projector.catch_up(progress=progress, stop=stop, names=WRITE_ONLY)
        assert len(told) == 2
        reached = {projector.positions()[n] for n in WRITE_ONLY}
        assert reached == {20}  # two batches written, not the third
        projector._write = write
        assert projector.catch_up(names=WRITE_ONLY) == head - 20
        # The terms the tree handed out in the failed batch are written this time.
        assert not differences(in_line, dump(postgres_url)), "\n".join(differences(in_line, dump(postgres_url)))
    finally:
        projector.store.close()
        app.close()
