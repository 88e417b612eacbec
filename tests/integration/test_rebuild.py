"""A rebuild in two processes (the goal tree here, the other read models in a helper process)
writes exactly the rows incremental processing wrote, tells its progress as it goes, makes
the indexes it left out while folding, and fails loudly when its helper fails."""

from __future__ import annotations

import pytest
from test_projection_crash import build_log, differences, dump

from domain.application import OkrApp
from projections import rebuild
from projections.catalog import projector_for, read_models
from projections.store import Tx

pytestmark = pytest.mark.integration
INDEXES = {"okr_feed_aggregate", "okr_feed_time", "okr_check_ins_key_result"}


def index_names(tx: Tx) -> set[str]:
    if tx.postgres:
        return {row[0] for row in tx.execute("SELECT indexname FROM pg_indexes").fetchall()}
    return {row[0] for row in tx.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()}


@pytest.fixture
def two_processes(monkeypatch) -> list[list[str]]:
    """Any log is long enough for two processes; records the groups each rebuild split."""
    splits: list[list[str]] = []
    monkeypatch.setattr(rebuild, "PARALLEL_FROM", 1)
    real = rebuild.rebuild_in_two

    def spied(projector, url, progress):
        splits.append(rebuild.groups(projector))
        return real(projector, url, progress)

    monkeypatch.setattr(rebuild, "rebuild_in_two", spied)
    return splits


def test_a_rebuild_in_two_processes_writes_what_incremental_processing_wrote(
    shared_store_url, two_processes
):
    url = shared_store_url
    head = build_log(url, objectives=10, check_ins_each=30).head
    app = OkrApp(url)
    projector = projector_for(app, url, batch_size=7)
    try:
        projector.catch_up()  # as if the events had trickled in, a few at a time
        incremental = dump(url)
        told: list[int] = []
        projector.rebuild_batch_size = 100  # several batches on each side
        assert projector.rebuild(progress=told.append) == head
        assert projector.positions() == {name: head for name in projector.projections}
        with projector.store.reading() as tx:
            assert INDEXES <= index_names(tx)
    finally:
        projector.store.close()
        app.close()
    [[here, helper]] = two_processes
    assert here == ["tree"] and "feed" in helper and "tree" not in helper
    assert sum(told) == head  # every event once, as far as every read model got
    assert not differences(incremental, dump(url)), "\n".join(differences(incremental, dump(url)))


def test_a_helper_that_fails_fails_the_rebuild(tmp_path, two_processes, monkeypatch):
    url = f"sqlite:///{tmp_path / 'okr.db'}"
    build_log(url, objectives=4, check_ins_each=10)
    app = OkrApp(url)
    projector = projector_for(app, url)
    # The helper is sent to a database it cannot open: it fails at once.
    real = rebuild.Helper

    def misled(url, names, *args):
        return real(f"sqlite:///{tmp_path / 'no' / 'such' / 'okr.db'}", names, *args)

    monkeypatch.setattr(rebuild, "Helper", misled)
    try:
        with pytest.raises(RuntimeError, match="the rebuild helper failed"):
            projector.rebuild()
        assert projector.positions()["tree"] == app.head_position()  # this side finished
    finally:
        projector.store.close()
        app.close()


def test_indexes_a_rebuild_left_out_are_made_when_the_read_models_are_next_opened(tmp_path):
    url = f"sqlite:///{tmp_path / 'okr.db'}"
    build_log(url, objectives=2, check_ins_each=3)
    app = OkrApp(url)
    try:
        projector = projector_for(app, url, indexes=False)
        with projector.store.transaction() as tx:  # as a rebuild stopped before its end left them
            for model in read_models(app):
                model.drop(tx)
                model.create(tx, indexes=False)
            assert not INDEXES & index_names(tx)
        projector.store.close()
        reopened = projector_for(app, url)
        with reopened.store.reading() as tx:
            assert INDEXES <= index_names(tx)
        reopened.store.close()
    finally:
        app.close()


@pytest.mark.parametrize("indexes", [True, False], ids=["indexed", "index-left-out"])
def test_a_close_folded_after_a_restart_scores_what_an_unbroken_fold_scored(shared_store_url, indexes):
    """An unbroken fold finds the objectives to score at a close in memory; one that started
    mid-log (a restart) asks the versions table, making its index if a rebuild left it out."""
    url = shared_store_url
    head = build_log(url, objectives=6, check_ins_each=12).head
    app = OkrApp(url)
    close = next(
        n.id for n in app.recorder.select_notifications(start=1, limit=head) if n.topic == "okr:Cycle.Closed"
    )
    first = projector_for(app, url, batch_size=5)
    try:
        first.rebuild(names=["tree"])
        unbroken = dump(url)["okr_objective_versions"]
        assert any(row[1] == close for row in unbroken[2]), "the close wrote scored versions"
        with first.store.transaction() as tx:
            tree = first.projections["tree"]
            tree.drop(tx)
            tree.create(tx, indexes=False)
            tx.execute("UPDATE okr_tracking SET position = 0, recorded_at = NULL WHERE projection = 'tree'")
        first.catch_up(until=close - 1, names=["tree"])
    finally:
        first.store.close()
    restarted = projector_for(app, url, batch_size=5, indexes=indexes)
    try:
        restarted.catch_up(names=["tree"])
        assert dump(url)["okr_objective_versions"] == unbroken
        with restarted.store.reading() as tx:
            assert "okr_objective_versions_key" in index_names(tx)
    finally:
        restarted.store.close()
        app.close()


def test_a_rebuild_folds_with_the_file_unmapped_and_maps_it_again_after(tmp_path, monkeypatch):
    # Mapped, every page a rebuild touches would stay resident (bench.memory: 780 MB for
    # 1M events against 106 MB unmapped); reads afterwards map the file again.
    url = f"sqlite:///{tmp_path / 'okr.db'}"
    build_log(url, objectives=3, check_ins_each=5)
    app = OkrApp(url)
    projector = projector_for(app, url)
    seen: list[tuple[int, int]] = []
    tree = projector.projections["tree"]
    real = tree.process

    def watched(tx, batch):
        with projector.store.reading() as reading:  # this thread's connection, as the fold's
            seen.append((
                reading.execute("PRAGMA mmap_size").fetchone()[0],
                reading.execute("PRAGMA cache_size").fetchone()[0],
            ))
        return real(tx, batch)

    monkeypatch.setattr(tree, "process", watched)
    try:
        with projector.store.reading() as tx:
            mapped_before = tx.execute("PRAGMA mmap_size").fetchone()[0]
        projector.rebuild()
        with projector.store.reading() as tx:
            mapped_after = tx.execute("PRAGMA mmap_size").fetchone()[0]
    finally:
        projector.store.close()
        app.close()
    assert mapped_before > 0 and mapped_after == mapped_before
    assert seen and all(mapped == 0 and cache < -1_000 for mapped, cache in seen)
