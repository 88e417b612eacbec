"""A projection worker (`okr project`): keeps the read models up to date from its own process.

On PostgreSQL it LISTENs on the channel the event store NOTIFYs after every insert and
also polls, so a dropped LISTEN connection or a lost notification only delays it by one
poll interval. On SQLite it polls.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from projections.runner import Projector

log = logging.getLogger(__name__)


def run(projector: Projector, url_env: dict[str, str] | None, stop: threading.Event,
        poll_seconds: float = 1.0, caught_up: Callable[[int], None] | None = None) -> None:
    """Catches up, then waits for a notification or the poll interval; until `stop` is set.

    `stop` is also checked between batches, so a long catch-up ends after the batch in hand.
    `caught_up(events)` is called after each round that reached the head of the log.
    """
    listener = _Listener(projector, url_env) if url_env else None
    try:
        while not stop.is_set():
            try:
                done = projector.catch_up(stop=stop)
            except Exception as failure:  # the database went away: retry after a pause
                log.warning("projection round failed, retrying: %s", failure)
                stop.wait(poll_seconds)
                continue
            if stop.is_set():
                break
            if caught_up is not None:
                caught_up(done)
            if listener is not None:
                listener.wait(poll_seconds, stop)
            else:
                stop.wait(poll_seconds)
    finally:
        if listener is not None:
            listener.close()


class _Listener:
    """LISTEN on the event store's channel, reconnecting on demand."""

    def __init__(self, projector: Projector, env: dict[str, str]):
        self.channel = projector.app.recorder.channel_name
        self.env = env
        self.conn = None

    def _connect(self):
        import psycopg
        from psycopg import sql

        from projections.store import _conninfo

        conn = psycopg.connect(_conninfo(self.env), autocommit=True)
        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
        return conn

    def wait(self, seconds: float, stop: threading.Event | None = None) -> None:
        """Returns on a notification, after `seconds`, or soon (within 0.25 s) after `stop`."""
        deadline = time.monotonic() + seconds
        try:
            if self.conn is None or self.conn.closed:
                self.conn = self._connect()
            while (remaining := deadline - time.monotonic()) > 0:
                if stop is not None and stop.is_set():
                    return
                if any(True for _ in self.conn.notifies(timeout=min(remaining, 0.25), stop_after=1)):
                    return
        except Exception as failure:
            log.warning("LISTEN connection lost, polling until it is back: %s", failure)
            self.close()
            if stop is not None:
                stop.wait(seconds)
            else:
                time.sleep(seconds)

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:
                pass
            self.conn = None
