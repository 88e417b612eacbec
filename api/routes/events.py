"""The event feed: the global log and one objective's events, in pages, and the log as a
live stream of server-sent events that resumes after `Last-Event-ID`."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated
from uuid import UUID

import anyio
import msgspec
from litestar import Controller, Litestar, get
from litestar.datastructures import State
from litestar.params import FromPath, HeaderParameter, Parameter
from litestar.response import ServerSentEvent, ServerSentEventMessage

from api.deps import CallerDep, LedgerDep, Position
from api.ledger import Ledger
from api.routes.responses import READ_PROBLEMS
from api.schemas.events import EventPage, EventView
from domain.errors import NotFound
from projections.feed.queries import aggregate_events, events_after, first_type
from projections.projection import MAX_POSITION

After = Annotated[int, Parameter(ge=0, le=MAX_POSITION, description="the `next_after` of the previous page")]
Limit = Annotated[int, Parameter(ge=1, le=1000)]
HEARTBEAT_SECONDS = 15.0
# The stream polls the feed rather than waiting on the in-process projector: it then works
# the same when `okr project` workers keep the read models, and an idle client holds no thread.
IDLE_POLL_SECONDS = 0.2
CLOSING = "event_streams_closing"


def close_streams(app: Litestar) -> None:
    """Ends every open stream of `app` at its next poll. A server that is stopping waits for
    its open responses, and a stream never ends by itself; its clients reconnect with
    Last-Event-ID and miss nothing."""
    app.state[CLOSING] = True


def page(entries, limit: int, position: int) -> EventPage:
    events = [msgspec.convert(e, EventView, from_attributes=True) for e in entries]
    return EventPage(events, events[-1].position if len(events) == limit else None, position)


class EventController(Controller):
    tags = ["events"]

    @get("/events", sync_to_thread=True, responses=READ_PROBLEMS, summary="The global event feed, in log order")
    def feed(self, caller: CallerDep, ledger: LedgerDep, position: Position, after: After = 0,
             limit: Limit = 100) -> EventPage:
        with ledger.store.reading() as tx:
            return page(events_after(tx, ledger.payloads, after, limit, until=position), limit, position)

    @get("/objectives/{objective_id:uuid}/events", sync_to_thread=True, responses=READ_PROBLEMS,
         summary="One objective's events, in log order")
    def objective_feed(self, objective_id: FromPath[UUID], caller: CallerDep, ledger: LedgerDep,
                       position: Position, after: After = 0, limit: Limit = 100) -> EventPage:
        with ledger.store.reading() as tx:
            entries = aggregate_events(tx, ledger.payloads, objective_id, after, limit, until=position)
            first = entries[0].type if entries and after == 0 else None
            kind = first or first_type(tx, objective_id, position)
        # Any aggregate's id finds its events; only an objective's belong under /objectives.
        if kind is None or not kind.startswith("Objective."):
            raise NotFound(f"no objective with id {objective_id} at position {position}")
        return page(entries, limit, position)

    @get("/events/stream", responses=READ_PROBLEMS, media_type="text/event-stream",
         summary="The event feed as server-sent events (`id` = position); reconnect with Last-Event-ID to resume")
    async def stream(
        self, caller: CallerDep, ledger: LedgerDep, state: State,
        last_event_id: Annotated[str | None, HeaderParameter(
            name="Last-Event-ID", required=False, pattern=r"^[0-9]{1,18}$",
            schema_extra={"oneOf": None, "type": "string"},
            description="resume after this position (sent by EventSource clients on reconnect)")] = None,
        after: After = 0,
    ) -> ServerSentEvent:
        start = int(last_event_id) if last_event_id else after
        return ServerSentEvent(_events(ledger, state, start), headers={"Cache-Control": "no-store"})


async def _events(ledger: Ledger, state: State, after: int) -> AsyncIterator[ServerSentEventMessage]:
    quiet_since = time.monotonic()
    while not state.get(CLOSING):
        batch = await anyio.to_thread.run_sync(_read, ledger, after)
        for entry in batch:
            yield ServerSentEventMessage(
                data=msgspec.json.encode(msgspec.convert(entry, EventView, from_attributes=True)).decode(),
                event=entry.type, id=entry.position,
            )
            after = entry.position
        if batch:
            quiet_since = time.monotonic()
            continue
        if time.monotonic() - quiet_since >= HEARTBEAT_SECONDS:
            quiet_since = time.monotonic()
            # A comment alone: with a data line, EventSource would fire an empty message.
            yield ServerSentEventMessage(data=None, comment="keep-alive")
        await anyio.sleep(IDLE_POLL_SECONDS)


def _read(ledger: Ledger, after: int) -> list:
    with ledger.store.reading() as tx:
        return events_after(tx, ledger.payloads, after, 500)
