"""The session's PostgreSQL server works, and each test gets a database of its own."""

import psycopg
import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from domain.persistence import environment_for

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


class Note(Aggregate):
    @event("Written")
    def __init__(self, text: str):
        self.text = text

    @event("Revised")
    def revise(self, text: str) -> None:
        self.text = text


def _tables(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
    return [name for (name,) in rows]


def test_a_row_written_through_the_fixture_can_be_read_back(postgres_url):
    with psycopg.connect(postgres_url) as conn:
        conn.execute("CREATE TABLE notes (id int PRIMARY KEY, text text NOT NULL)")
        conn.execute("INSERT INTO notes VALUES (1, 'hello')")
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT id, text FROM notes").fetchall() == [(1, "hello")]


def test_two_fresh_databases_are_different_and_empty(postgres_url, make_postgres_url):
    with psycopg.connect(postgres_url) as conn:
        conn.execute("CREATE TABLE leftovers (id int)")
    other_url = make_postgres_url()
    assert other_url != postgres_url
    assert _tables(postgres_url) == ["leftovers"]
    assert _tables(other_url) == []


def test_an_application_saves_and_reloads_an_aggregate(postgres_url):
    writer = Application(env=environment_for(postgres_url))
    note = Note("draft")
    note.revise("final")
    writer.save(note)
    writer.close()

    # A second application has no cache to answer from: the events come from the database.
    reader = Application(env=environment_for(postgres_url))
    try:
        reloaded = reader.repository.get(note.id)
        assert (reloaded.text, reloaded.version) == ("final", 2)
        assert [n.topic.split(":")[-1] for n in reader.notification_log.select(1, 10)] == [
            "Note.Written",
            "Note.Revised",
        ]
    finally:
        reader.close()


def test_the_schema_parameter_puts_the_event_tables_in_that_schema(postgres_url):
    # The library does not create the schema; whoever provisions the database must.
    with psycopg.connect(postgres_url) as conn:
        conn.execute("CREATE SCHEMA okr")
    app = Application(env=environment_for(f"{postgres_url}?schema=okr"))
    try:
        app.save(Note("in a schema"))
    finally:
        app.close()
    assert _tables(postgres_url) == []
    with psycopg.connect(postgres_url) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'okr'"
        ).fetchall()
    assert rows
