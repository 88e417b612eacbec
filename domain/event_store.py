"""How the application treats its event store beyond the library's defaults.

The log is append-only: on PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE on the
events table, whoever connects (SQLite has no users to refuse; there the hash chain kept
by the `chain` read model is what shows an altered event). And a call to a database that
is down fails within seconds instead of being retried for half a minute.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError

FUNCTION = """
CREATE OR REPLACE FUNCTION okr_refuse_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def _quoted(name: str) -> str:
    return ".".join('"' + part.replace('"', '""') + '"' for part in name.split("."))


def seal(recorder: Any) -> None:
    """Installs the triggers on the recorder's events table once (idempotent, and safe when
    several processes start at the same moment)."""
    datastore = getattr(recorder, "datastore", None)
    if datastore is None or not hasattr(recorder, "channel_name"):
        return  # not PostgreSQL
    table = _quoted(recorder.events_table_name)
    with datastore.transaction(commit=True) as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(4242001)")
        cursor.execute(
            "SELECT count(*) AS n FROM pg_trigger WHERE tgrelid = %s::regclass"
            " AND tgname IN ('okr_append_only', 'okr_no_truncate')",
            (table,),
        )
        if cursor.fetchone()["n"] == 2:
            return
        cursor.execute(FUNCTION)
        cursor.execute(
            f"CREATE OR REPLACE TRIGGER okr_append_only BEFORE UPDATE OR DELETE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION okr_refuse_log_change()"
        )
        cursor.execute(
            f"CREATE OR REPLACE TRIGGER okr_no_truncate BEFORE TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION okr_refuse_log_change()"
        )


def fail_fast(recorder: Any, attempts: int = 2, pause: float = 0.1, cool_off: float = 1.0) -> None:
    """Bounds the library's retries of a failed database call on this recorder.

    eventsourcing retries each PostgreSQL call ten times, which keeps a request waiting
    for half a minute while the database is down. One retry still rides over a connection
    that died under us; after that the error reaches the caller (a 503 with Retry-After),
    whose own retry is safe with an idempotency key. And for `cool_off` seconds after a
    call failed, calls fail at once instead of each waiting for the pool again: requests
    queued behind the one that found the database down do not wait their turn to find it.
    """
    breaker = _Breaker(cool_off)
    for name in dir(type(recorder)):
        inner = getattr(getattr(type(recorder), name, None), "__wrapped__", None)
        if callable(inner):
            setattr(recorder, name, _bounded(inner.__get__(recorder), attempts, pause, breaker))


class _Breaker:
    def __init__(self, cool_off: float):
        self.cool_off = cool_off
        self.open_until = 0.0
        self.reason = ""

    def check(self) -> None:
        if time.monotonic() < self.open_until:
            raise OperationalError(f"the database was unreachable a moment ago ({self.reason})")

    def tripped(self, error: Exception) -> None:
        self.open_until, self.reason = time.monotonic() + self.cool_off, str(error)

    def closed(self) -> None:
        self.open_until = 0.0


def _bounded(call: Callable[..., Any], attempts: int, pause: float, breaker: _Breaker) -> Callable[..., Any]:
    @wraps(call)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        breaker.check()
        for attempt in range(1, attempts + 1):
            try:
                result = call(*args, **kwargs)
            except (OperationalError, InterfaceError) as error:
                if attempt == attempts:
                    breaker.tripped(error)
                    raise
                time.sleep(pause)
            else:
                breaker.closed()
                return result
        raise AssertionError("unreachable")

    return bounded
