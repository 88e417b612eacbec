"""A projector running in the background that cannot fold a batch says why, once, and goes
on trying; once the cause is gone it catches up with nothing lost."""

from __future__ import annotations

import logging
import time
from datetime import date

import pytest

from domain.application import OkrApp
from projections.catalog import projector_for

pytestmark = pytest.mark.integration


def test_a_failing_round_is_logged_once_and_retried_until_it_folds(tmp_path, caplog):
    url = f"sqlite:///{tmp_path / 'okr.db'}"
    app = OkrApp(url)
    admin = app.ensure_admin()
    projector = projector_for(app, url)
    feed = projector.projections["feed"]
    folds = feed.process
    failures = []

    def broken(tx, batch):
        failures.append(len(batch))
        raise RuntimeError("the disk is full")

    feed.process = broken
    caplog.set_level(logging.WARNING, logger="okr.projections")
    projector.start(poll_seconds=0.01)
    try:
        app.plan_cycle(admin, "Q1", date(2026, 1, 1), date(2026, 3, 31))
        deadline = time.monotonic() + 10
        while len(failures) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(failures) >= 5  # tried again and again
        logged = [r for r in caplog.records if "projection round failed" in r.getMessage()]
        assert len(logged) == 1 and "the disk is full" in logged[0].getMessage()
        feed.process = folds
        assert projector.wait_for(app.head_position(), timeout=10) == app.head_position()
    finally:
        projector.stop()
        projector.store.close()
        app.close()
