"""The read database: where projections keep their rows and tracked positions.

One SQL text serves SQLite and PostgreSQL: queries are written with `?` placeholders
and translated for psycopg. Read models live beside the event log, in the same SQLite
file or PostgreSQL database, so one setting (OKR_DATABASE_URL) places both.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any
from uuid import uuid4

from domain.persistence import environment_for


MAP_BYTES = 2 << 30  # SQLite caps it at 2 GB unless built otherwise
BUSY_TIMEOUT_MS = 30_000


class Tx:
    """A cursor inside one transaction, speaking `?` placeholders on either database."""

    def __init__(self, cursor: Any, postgres: bool, types: dict[str, dict[str, str]] | None = None):
        """`types`: the column types of each table COPYed into, as found (PostgreSQL)."""
        self._cursor = cursor
        self.postgres = postgres
        self._types = {} if types is None else types

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.postgres else sql

    def create(self, statement: str) -> None:
        """Runs a CREATE statement written for both databases. On SQLite a `BIGINT PRIMARY
        KEY` becomes `INTEGER PRIMARY KEY`: the row id itself, one B-tree fewer to write."""
        if not self.postgres:
            statement = statement.replace(" BIGINT PRIMARY KEY", " INTEGER PRIMARY KEY")
        else:
            self._types.clear()  # a table made again may have other columns
        self._cursor.execute(statement)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Tx:
        self._cursor.execute(self._sql(sql), params)
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._cursor.executemany(self._sql(sql), rows)

    def append(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Inserts rows that cannot collide with any already there (keyed by log position,
        under the tracked row's lock). PostgreSQL takes them by COPY: one statement for
        the lot instead of one parsed, planned and executed INSERT per row; in its binary
        format, which both sides write and read in about half the time of text."""
        if not rows:
            return
        if self.postgres:
            self._copy(table, table, columns, rows)
            return
        marks = ", ".join("?" * len(columns))
        self._cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
        )

    def upsert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Inserts rows, or replaces those with the same key (the first column). Keys must not
        repeat among `rows`. PostgreSQL takes them by COPY into a temporary table, then one
        INSERT: an executemany of 35,000 upserts took twice the server's time and ten times
        the client's."""
        if not rows:
            return
        key, rest = columns[0], columns[1:]
        listed = ", ".join(columns)
        update = f" ON CONFLICT ({key}) DO UPDATE SET " + ", ".join(
            f"{c} = excluded.{c}" for c in rest
        )
        if not self.postgres:
            marks = ", ".join("?" * len(columns))
            self._cursor.executemany(
                f"INSERT INTO {table} ({listed}) VALUES ({marks}){update}", rows
            )
            return
        incoming = f"{table}_incoming"
        # Emptied by each commit, its file cut back, as well as by the DELETE (for the next
        # upsert in the same transaction): deleted rows alone stay in the file, which no
        # autovacuum visits in a temporary table, and a pooled connection lives long (52,000
        # dead rows, 18 MB, after a rebuild of 1M events).
        self._cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {incoming} (LIKE {table}) ON COMMIT DELETE ROWS"
        )
        self._copy(incoming, table, columns, rows)
        self._cursor.execute(
            f"INSERT INTO {table} ({listed}) SELECT {listed} FROM {incoming}{update}"
        )
        self._cursor.execute(f"DELETE FROM {incoming}")

    def _copy(
        self, target: str, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """COPYs `rows` into `target`, whose columns are typed as `table`'s (PostgreSQL)."""
        types = self._column_types(table)
        with self._cursor.copy(
            f"COPY {target} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types([types[column] for column in columns])
            write = copy.write_row
            for row in rows:
                write(row)

    def _column_types(self, table: str) -> dict[str, str]:
        found = self._types.get(table)
        if found is None:
            self._cursor.execute(
                "SELECT column_name, udt_name FROM information_schema.columns"
                " WHERE table_name = %s AND table_schema = current_schema()", (table,),
            )
            found = self._types[table] = dict(self._cursor.fetchall())
        return found

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount


class Busy(Exception):
    """Another writer holds the database: a transaction asked for without waiting was not begun."""


class Unsettled(Exception):
    """A read could not be answered ahead of the transaction (see `Deferred`)."""


class Deferred:
    """Stands in for a transaction while a batch is folded ahead of it: reads are answered
    from what is committed, each in a snapshot of its own in which `settled` holds (the
    read model's tracked position is where the fold started); writes are kept, in order,
    and `replay` makes them in the transaction, once it finds the position unmoved.

    So the rows written are the ones a fold inside the transaction would have written. A
    read after a write (which would have to see that write) raises `Unsettled`, as does a
    read that finds the tracked position moved.
    """

    def __init__(self, store: ReadStore, settled: Callable[[Tx], bool], name: str, position: int):
        """`name`'s tracked `position` is where the fold starts: `settled` checks it is."""
        self._store = store
        self.postgres = store.postgres
        self._settled = settled
        self.name, self.position = name, position
        self._writes: list[tuple[str, tuple]] = []
        self._rows: list[Any] = []

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Deferred:
        if sql.lstrip()[:6].upper() != "SELECT":
            self._writes.append(("execute", (sql, params)))
            return self
        if self._writes:
            raise Unsettled("a read after a write")
        with self._store.reading() as tx:
            if not self._settled(tx):
                raise Unsettled("the tracked position moved")
            self._rows = tx.execute(sql, params).fetchall()
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._writes.append(("executemany", (sql, list(rows))))

    def append(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._writes.append(("append", (table, columns, list(rows))))

    def upsert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._writes.append(("upsert", (table, columns, list(rows))))

    def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[Any]:
        return self._rows

    def replay(self, tx: Tx) -> None:
        for method, args in self._writes:
            getattr(tx, method)(*args)


def _begin_now(cur: sqlite3.Cursor) -> None:
    """BEGIN IMMEDIATE without waiting in the busy handler: `Busy` if the file is locked."""
    cur.execute("PRAGMA busy_timeout = 0")
    try:
        cur.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as failure:
        if failure.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            raise Busy(str(failure)) from None
        raise
    finally:
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


class ReadStore:
    """Connections to the read database named by a database URL."""

    def __init__(self, url: str, writers: AbstractContextManager | None = None):
        """`writers`: a lock the event store's writers of this process hold too (on SQLite).

        SQLite lets one connection write at a time; a connection that finds the file locked
        waits in its busy handler, sleeping 1, 2, 5, 10 ms and longer between tries. Taking
        turns at a lock of the process instead, a writer starts the moment the other is done.
        """
        env = environment_for(url)
        self.postgres = env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
        self._writers = writers if writers is not None and not self.postgres else nullcontext()
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []  # by every thread, to close them all
        self._opened_lock = threading.Lock()
        self._types: dict[str, dict[str, str]] = {}  # of the tables COPYed into
        if self.postgres:
            from psycopg_pool import ConnectionPool

            conninfo = _conninfo(env)
            self._pool = ConnectionPool(
                conninfo, min_size=1, max_size=int(env.get("POSTGRES_POOL_SIZE", "5")) + 2,
                timeout=float(env.get("POSTGRES_CONNECT_TIMEOUT", "2")), open=True,
                check=ConnectionPool.check_connection,
            )
        else:
            # memory:// keeps its read models in one shared in-memory SQLite database.
            self._path = env.get("SQLITE_DBNAME") or f"file:okr-read-{uuid4().hex}?mode=memory&cache=shared"
            self._keepalive = self._connect() if "mode=memory" in self._path else None

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self._path, uri=self._path.startswith("file:"), isolation_level=None,
            check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000,
        )
        conn.execute("PRAGMA journal_mode=WAL")
        # Read models are rebuilt from the log, which is written with fsync on every commit
        # (synchronous=FULL, by the event store's own connections). A read model commit need
        # not wait for the disk: after a power loss the WAL keeps whole transactions, rows and
        # tracked position together, and the projector goes on from the position it finds.
        conn.execute("PRAGMA synchronous=NORMAL")
        # Reads map the file rather than copy its pages into each connection's own cache (2 MB
        # by default, one per thread): an as-of tree of a thousand objectives touches a
        # thousand pages scattered over a long history, which then stay shared and warm.
        conn.execute(f"PRAGMA mmap_size={MAP_BYTES}")
        return conn

    def _sqlite(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
            with self._opened_lock:
                self._opened.append(conn)
        return conn

    @contextmanager
    def transaction(self, wait: bool = True) -> Iterator[Tx]:
        """One atomic unit: everything in it commits together or not at all.

        With `wait` false, on SQLite, raises `Busy` at once if another writer holds the
        file, rather than waiting its turn (PostgreSQL's writers do not take turns).
        """
        if self.postgres:
            with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                yield Tx(cur, True, self._types)
            return
        conn = self._sqlite()
        cur = conn.cursor()
        with self._writers if wait else self._writers_now():
            if wait:
                cur.execute("BEGIN IMMEDIATE")
            else:
                _begin_now(cur)
            try:
                yield Tx(cur, False)
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            else:
                cur.execute("COMMIT")
            finally:
                cur.close()

    @contextmanager
    def _writers_now(self) -> Iterator[None]:
        """This process's writers' lock if it is free at once; else `Busy`."""
        acquire = getattr(self._writers, "acquire", None)
        if acquire is None:  # no lock of the process
            yield
            return
        if not acquire(blocking=False):
            raise Busy("another writer of this process holds the database")
        try:
            yield
        finally:
            self._writers.release()

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        """A consistent snapshot for a read spanning several queries."""
        if self.postgres:
            with self._pool.connection() as conn:
                conn.read_only = True
                try:
                    with conn.transaction(), conn.cursor() as cur:
                        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                        yield Tx(cur, True)
                finally:
                    conn.read_only = False
            return
        conn = self._sqlite()
        cur = conn.cursor()
        cur.execute("BEGIN")
        try:
            yield Tx(cur, False)
        finally:
            cur.execute("COMMIT")
            cur.close()

    def close(self) -> None:
        if self.postgres:
            self._pool.close()
            return
        # Each thread's connection, not only this one's: threads outlive a store (a server's
        # worker threads), and their connections would keep the file open until collected.
        with self._opened_lock:
            opened, self._opened = self._opened, []
        for conn in opened:
            conn.close()
        self._local = threading.local()


def _conninfo(env: dict[str, str]) -> str:
    from psycopg.conninfo import make_conninfo

    return make_conninfo(
        dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"], password=env.get("POSTGRES_PASSWORD", ""),
        connect_timeout=env.get("POSTGRES_CONNECT_TIMEOUT", "2"),
    )
