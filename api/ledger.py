"""The server's parts wired together: the write side, the read store, the projector and
the tokens, started and stopped with the HTTP application."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime
from uuid import UUID

import anyio.to_thread

from domain.application import ADMIN_ID, Clock, OkrApp, Recorded
from domain.committer import Command
from projections.catalog import read_models
from projections.feed.queries import Payloads, position_at
from projections.runner import ProjectionTimeout, Projector
from projections.store import ReadStore
from api.settings import Settings
from api.errors import BadRequest
from api.limits import RateLimiter
from api.tokens import Tokens


def _resolve(future: asyncio.Future, command: Command) -> None:
    if not future.done():  # (cancelled if the client went away)
        future.set_result(command)


class Ledger:
    def __init__(self, settings: Settings, clock: Clock | None = None, app: OkrApp | None = None):
        self.settings = settings
        self.app = app or OkrApp(settings.database_url, clock=clock)
        self.store = ReadStore(settings.database_url, writers=self.app.write_lock)
        self.projector = Projector(self.app, self.store, read_models(self.app))
        self.payloads = Payloads(self.app)
        self.tokens = Tokens(self.store)
        self.limiter = RateLimiter(settings.rate_per_minute, settings.rate_burst)
        self.admin_id: UUID = ADMIN_ID
        if settings.projections_in_process:
            self.app.on_recorded.append(self.projector.wake)

    def start(self) -> None:
        self.app.ensure_admin()
        if self.settings.projections_in_process:
            self.projector.start()

    def stop(self) -> None:
        self.projector.stop()
        self.store.close()
        self.app.close()

    def now(self) -> datetime:
        return self.app.clock()

    def _wait_for(self, position: int) -> int:
        timeout = self.settings.read_wait_seconds
        if self.settings.projections_in_process:
            return self.projector.wait_for(position, timeout)
        # `okr project` workers keep the read models: watch their positions, do not project.
        deadline = time.monotonic() + timeout
        while (reached := self.projector.position()) < position:
            if time.monotonic() >= deadline:
                raise ProjectionTimeout(position, reached, timeout)
            time.sleep(0.02)
        return reached

    async def run(self, use_case: Callable[[], Recorded]) -> Recorded:
        """Runs a use case (its arguments bound) from the event loop: its command joins the
        next group commit, and no thread waits for it meanwhile.

        A handler in a worker thread would hold that thread through the group's save and
        cost two hand-overs between threads each way; with 16 writers that was about a
        quarter of the server's time (measured: 1,000-1,100 check-ins/s in worker threads,
        1,360-1,610/s this way).
        """
        pending = self.app.defer(use_case)
        loop = asyncio.get_running_loop()
        settled: asyncio.Future[Command] = loop.create_future()

        def hand_over(command: Command) -> None:
            try:
                loop.call_soon_threadsafe(_resolve, settled, command)
            except RuntimeError:  # the loop has closed: nobody is waiting any more
                pass

        self.app.enqueue(pending, hand_over)
        command = await settled
        if command.error is None and command.position:
            return pending.finish(command)  # formats the answer: no database read
        return await anyio.to_thread.run_sync(pending.finish, command)

    def read_position(self, min_position: int | None, as_of: datetime | None) -> int:
        """The log position a read answers at: as of a time, or the projections' current
        position once they have reached `min_position` (waiting for them, bounded)."""
        if min_position is not None:
            head = self.app.head_position()
            if min_position > head:
                raise BadRequest(
                    f"min_position {min_position} is beyond the end of the log ({head}): pass the "
                    "position a write answered with"
                )
            reached = self._wait_for(min_position)
        else:
            reached = self.projector.position()
        if as_of is None:
            return reached
        with self.store.reading() as tx:
            return min(position_at(tx, as_of), reached)
