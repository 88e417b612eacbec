"""`Tx.upsert`: rows inserted, or replaced by key, on either database; on PostgreSQL the
temporary table they pass through is left with nothing in its file once the transaction
commits, however many rows went through it on a long-lived connection."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from projections.store import Tx

pytestmark = pytest.mark.integration

TABLE = "CREATE TABLE heads (id TEXT PRIMARY KEY, position BIGINT NOT NULL, doc TEXT)"
COLUMNS = ("id", "position", "doc")


def connected(url: str, tmp_path):
    if url.startswith("postgresql://"):
        return psycopg.connect(url), True
    return sqlite3.connect(tmp_path / "upserts.db", isolation_level=None), False


def committed(conn, postgres: bool, work) -> None:
    cur = conn.cursor()
    if postgres:
        with conn.transaction():
            work(Tx(cur, True))
    else:
        cur.execute("BEGIN")
        work(Tx(cur, False))
        cur.execute("COMMIT")


def test_upserted_rows_are_inserted_or_replace_the_row_of_their_key(shared_store_url, tmp_path):
    conn, postgres = connected(shared_store_url, tmp_path)
    try:
        committed(conn, postgres, lambda tx: tx.create(TABLE))
        committed(conn, postgres, lambda tx: tx.upsert("heads", COLUMNS, [("a", 1, "x"), ("b", 2, "y")]))

        def twice(tx: Tx) -> None:  # two upserts in one transaction, as an epoch's flush makes
            tx.upsert("heads", COLUMNS, [("b", 3, "z"), ("c", 4, None)])
            tx.upsert("heads", COLUMNS, [("a", 5, "w")])

        committed(conn, postgres, twice)
        rows = conn.cursor().execute("SELECT id, position, doc FROM heads ORDER BY id").fetchall()
        assert [tuple(r) for r in rows] == [("a", 5, "w"), ("b", 3, "z"), ("c", 4, None)]
    finally:
        conn.close()


@pytest.mark.postgres
def test_the_temporary_table_of_upserts_is_empty_after_each_commit(postgres_url, tmp_path):
    conn, _ = connected(postgres_url, tmp_path)
    try:
        committed(conn, True, lambda tx: tx.create(TABLE))
        for n in range(20):
            rows = [(f"objective-{i}", n * 1000 + i, "d" * 300) for i in range(1000)]
            committed(conn, True, lambda tx: tx.upsert("heads", COLUMNS, rows))
        size = conn.execute("SELECT pg_relation_size('pg_temp.heads_incoming')").fetchone()[0]
        assert size == 0
        assert conn.execute("SELECT count(*) FROM heads").fetchone()[0] == 1000
        assert conn.execute("SELECT min(position) FROM heads").fetchone()[0] == 19_000
    finally:
        conn.close()
