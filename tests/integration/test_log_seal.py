"""On PostgreSQL the event log refuses to be changed: no UPDATE, DELETE or TRUNCATE."""

from __future__ import annotations

import psycopg
import pytest

from domain.application import OkrApp

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.mark.parametrize("statement", [
    "UPDATE okr_events SET state = state || ' '::bytea",
    "DELETE FROM okr_events WHERE notification_id = 1",
    "TRUNCATE okr_events",
])
def test_the_log_refuses_every_change_of_a_stored_event(postgres_url, statement):
    app = OkrApp(postgres_url)
    app.ensure_admin()
    table = app.recorder.events_table_name
    before = app.recorder.select_notifications(start=1, limit=10)
    OkrApp(postgres_url).close()  # a second process starting finds the triggers in place

    with psycopg.connect(postgres_url) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            conn.execute(statement.replace("okr_events", table))
        conn.rollback()

    after = app.recorder.select_notifications(start=1, limit=10)
    assert [(n.id, n.state) for n in after] == [(n.id, n.state) for n in before]
    app.close()
