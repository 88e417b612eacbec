"""Seeds the demo organisation through the use cases, once: a second run replays receipts."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from eventsourcing.application import AggregateNotFoundError

from api.seed.steps import build_plan, final_step
from api.seed.summary import DemoSummary, summarise
from api.seed.timeline import (
    MARGIN, DemoClock, Quarter, demo_id, demo_key, quarters_from, quarters_until,
)
from domain.application import ADMIN_ID, OkrApp
from domain.errors import DomainError
from domain.receipt import receipt_id

Progress = Callable[[int, int], None]


class DemoRefused(Exception):
    """Raised when the store holds events the demo did not record: it only seeds its own."""


class DemoFailed(Exception):
    """Raised when a use case refuses a step of the seed (someone changed the demo's data)."""


def seed_demo(
    app: OkrApp, clock: DemoClock, now: datetime | None = None, progress: Progress | None = None
) -> DemoSummary:
    """Seeds the demo into `app`'s store (whose clock must be `clock`) and says what it holds.

    `now` is the real time (the seed records nothing later than a few minutes before it).
    A store the demo seeded before is not seeded again: every step carries an idempotency
    key and the plan is rebuilt for the moment that seed ran, so nothing is appended; a seed
    that was interrupted resumes where it stopped.
    """
    started = time.perf_counter()
    head_before = app.head_position()
    real_now = (now or datetime.now(UTC)).astimezone(UTC).replace(second=0, microsecond=0)
    seeded_at = _finished_seed_at(app) or real_now
    plan = build_plan(app, _quarters(app, seeded_at), seeded_at - MARGIN)
    if head_before and not _started_by_demo(app, plan.steps[0].at):
        raise DemoRefused(
            f"the store already holds events (up to position {head_before}) that `okr demo` "
            "did not record; "
            "the demo seeds only an empty store (or one it seeded itself): "
            "point OKR_DATABASE_URL or --database-url at a new database"
        )
    for done, step in enumerate(plan.steps, start=1):
        clock.set(step.at)
        try:
            step.run(demo_key(step.name), step.at)
        except DomainError as refused:
            raise DemoFailed(
                f"step {step.name!r} was refused: {refused.detail} (was the demo's data changed "
                "since it was seeded?)"
            ) from refused
        if progress is not None:
            progress(done, len(plan.steps))
    return summarise(app, plan, head_before, time.perf_counter() - started)


def _exists(app: OkrApp, aggregate_id) -> bool:
    try:
        app.repository.get(aggregate_id)
    except AggregateNotFoundError:
        return False
    return True


def _finished_seed_at(app: OkrApp) -> datetime | None:
    """When a finished seed ran: its last step was recorded at the limit, MARGIN before it.

    The limit is on a whole minute; the few steps squeezed onto it before the last one
    push the last one's stamp by microseconds only, so rounding down recovers it.
    """
    actor, key = final_step()
    try:
        receipt = app.repository.get(receipt_id(actor, key))
    except AggregateNotFoundError:
        return None
    return receipt.created_on.replace(second=0, microsecond=0) + MARGIN


def _quarters(app: OkrApp, seeded_at: datetime) -> tuple[Quarter, Quarter, Quarter]:
    """The quarters of the seed in the store, if it has begun one; else those up to today."""
    try:
        first = app.repository.get(demo_id("cycle", "q-2"))
    except AggregateNotFoundError:
        return quarters_until(seeded_at.date())
    return quarters_from(first.starts_on)


def _started_by_demo(app: OkrApp, first_step_at: datetime) -> bool:
    """The demo's second step left a receipt; or only its first step ran (the administrator,
    registered at the very moment the demo's first step is stamped with)."""
    if _exists(app, receipt_id(ADMIN_ID, demo_key("north-star"))):
        return True
    first = app.recorder.select_notifications(start=1, limit=2)
    if len(first) != 1 or first[0].originator_id != ADMIN_ID:
        return False
    return app.mapper.to_domain_event(first[0]).timestamp == first_step_at

