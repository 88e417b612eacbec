"""`okr project` survives a dropped LISTEN connection: the poll keeps it going, and it
listens again once it can."""

from __future__ import annotations

import signal

import psycopg
import pytest
from test_projection_crash import Tracking, first_line, okr, wait_until

from domain.application import OkrApp
from projections.catalog import NAMES

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


def terminate_listeners(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND query LIKE 'LISTEN %' AND pid <> pg_backend_pid()"
        ).fetchone()[0]


def test_a_worker_whose_listen_connection_is_killed_keeps_projecting(postgres_url):
    app = OkrApp(postgres_url)
    admin = app.ensure_admin()
    worker = okr("project", "--database-url", postgres_url, "--poll-seconds", "0.5")
    tracking = Tracking(postgres_url)
    try:
        assert "caught up" in first_line(worker, 60)
        wait_until(lambda: terminate_listeners(postgres_url) == 1, 30, "the worker's LISTEN connection")

        first = app.state_north_star(admin, "Projected without LISTEN").position
        wait_until(lambda: tracking.positions() == {n: first for n in NAMES}, 30, "the first new event")
        # and it listens again: another LISTEN connection appears
        wait_until(lambda: terminate_listeners(postgres_url) == 1, 30, "a new LISTEN connection")
        second = app.state_north_star(admin, "And again").position
        wait_until(lambda: tracking.positions() == {n: second for n in NAMES}, 30, "the second new event")

        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=30)
    finally:
        tracking.close()
        app.close()
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert worker.returncode == 0, err
    assert "LISTEN connection lost" in err
    assert "Traceback" not in err
