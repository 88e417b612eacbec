"""A read model whose table layout changed (new code on an old database) is remade empty and
folded from the log again; the others keep their rows and positions."""

from __future__ import annotations

import pytest
from test_projection_crash import build_log, differences, dump

from domain.application import OkrApp
from projections.catalog import projector_for
from projections.tree import TreeProjection

pytestmark = pytest.mark.integration


def positions(url: str) -> dict[str, int]:
    app = OkrApp(url)
    projector = projector_for(app, url)
    try:
        return projector.positions()
    finally:
        projector.store.close()
        app.close()


def caught_up(url: str) -> None:
    app = OkrApp(url)
    projector = projector_for(app, url)
    try:
        projector.catch_up()
    finally:
        projector.store.close()
        app.close()


def test_a_new_layout_remakes_that_read_model_only_and_the_log_fills_it_again(
    shared_store_url, monkeypatch
):
    url = shared_store_url
    head = build_log(url, objectives=3, check_ins_each=5).head
    caught_up(url)
    before = dump(url)
    monkeypatch.setattr(TreeProjection, "layout", TreeProjection.layout + 1)
    reopened = positions(url)
    assert reopened.pop("tree") == 0
    assert reopened == {name: head for name in reopened}
    caught_up(url)
    assert not differences(before, dump(url))


def test_read_models_tracked_before_layouts_were_kept_count_as_layout_one(tmp_path):
    url = f"sqlite:///{tmp_path / 'okr.db'}"
    head = build_log(url, objectives=2, check_ins_each=3).head
    caught_up(url)
    app = OkrApp(url)
    projector = projector_for(app, url)
    with projector.store.transaction() as tx:
        tx.execute("DROP TABLE okr_layouts")
    projector.store.close()
    app.close()
    layouts = {name: p.layout for name, p in projector.projections.items()}
    reopened = positions(url)
    assert reopened.pop("tree") == 0 and layouts["tree"] > 1  # a later layout now: remade
    assert reopened.pop("check_ins") == 0 and layouts["check_ins"] > 1
    assert reopened.pop("feed") == 0 and layouts["feed"] > 1
    assert reopened == {name: head for name in reopened}  # layout 1 all along: kept
    assert {layouts[name] for name in reopened} == {1}
