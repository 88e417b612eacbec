"""The hash chain names the first stored event that was altered, removed or slipped in:
`okr verify` run as a real process against a SQLite file and a PostgreSQL database whose
events table was changed behind the application's back."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import date

import psycopg
import pytest

from domain.application import OkrApp
from projections.catalog import projector_for

pytestmark = pytest.mark.integration


@pytest.fixture
def store_url(shared_store_url) -> str:
    return shared_store_url


def okr_verify(url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", "verify", "--database-url", url],
        capture_output=True, text=True, timeout=120,
    )


def a_chained_log(url: str) -> tuple[OkrApp, list]:
    app = OkrApp(url)
    admin = app.ensure_admin()
    lead = app.register_user(admin, "Lea Lead", "lea@example.org").id
    team = app.form_team(admin, "Company", lead).id
    cycle = app.plan_cycle(admin, "Q1", date(2026, 1, 1), date(2026, 3, 31)).id
    app.activate_cycle(admin, cycle)
    for i in range(5):
        objective = app.draft_objective(lead, cycle, team, f"Objective {i}", "committed").id
        app.add_key_result(lead, objective, "Customers", "metric", baseline=0, target=10)
    projector = projector_for(app, url)
    projector.catch_up()
    projector.store.close()
    return app, app.recorder.select_notifications(start=1, limit=1000)


def change_stored_event(url: str, table: str, sql: str, params: tuple) -> None:
    """Runs `sql` on the events table directly (on PostgreSQL with the append-only trigger
    switched off for the moment, as someone with the owner's rights could)."""
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.execute(sql.format(table=table, id="rowid").replace("%s", "?"), params)
        return
    with psycopg.connect(url) as conn:
        conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER okr_append_only")
        conn.execute(sql.format(table=table, id="notification_id"), params)
        conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER okr_append_only")


def test_an_untouched_log_verifies(store_url):
    app, events = a_chained_log(store_url)
    done = okr_verify(store_url)
    assert done.returncode == 0, done.stderr
    assert f"intact: {len(events)} events verified" in done.stdout
    app.close()


def test_an_altered_event_is_named(store_url):
    app, events = a_chained_log(store_url)
    victim = events[12]
    forged = bytes(victim.state).replace(b"10.0", b"99.0", 1)  # a target quietly raised
    assert forged != bytes(victim.state)
    change_stored_event(store_url, app.recorder.events_table_name,
                        "UPDATE {table} SET state = %s WHERE {id} = %s", (forged, victim.id))

    done = okr_verify(store_url)

    assert done.returncode == 1
    assert f"the event at position {victim.id} ({victim.topic}, aggregate {victim.originator_id}, " \
           f"version {victim.originator_version}) is altered" in done.stderr
    assert "12 events before it verified" in done.stderr
    app.close()


def test_a_removed_event_is_named(store_url):
    app, events = a_chained_log(store_url)
    victim = events[7]
    change_stored_event(store_url, app.recorder.events_table_name,
                        "DELETE FROM {table} WHERE {id} = %s", (victim.id,))

    done = okr_verify(store_url)

    assert done.returncode == 1
    assert f"the event at position {victim.id} is missing" in done.stderr
    app.close()


def test_events_after_the_chain_are_reported_not_blamed(store_url):
    app, events = a_chained_log(store_url)
    app.register_user(app.ensure_admin(), "New Comer", "new@example.org")

    done = okr_verify(store_url)

    assert done.returncode == 0, done.stderr
    assert f"{len(events)} events verified" in done.stdout and "1 newer events not yet chained" in done.stdout
    app.close()
