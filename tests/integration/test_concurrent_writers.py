"""Two application processes' worth of writers racing on one aggregate in one shared store."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from domain.errors import Conflict

pytestmark = pytest.mark.integration


@pytest.fixture
def store_url(shared_store_url) -> str:
    return shared_store_url


def test_two_writers_that_loaded_the_same_version_cannot_both_append(make_app, clock):
    setup = make_app()
    admin = setup.ensure_admin()
    cycle = setup.plan_cycle(admin, "Q3", date(2026, 7, 1), date(2026, 9, 30)).id
    head = setup.head_position()

    # Both writers are held just after loading the cycle, so both decide on version 1
    # before either saves.
    gate = threading.Barrier(2, timeout=10)
    writers = [make_app(), make_app()]
    for writer in writers:
        load = writer.repository.get

        def gated_get(*args, _load=load, **kwargs):
            aggregate = _load(*args, **kwargs)
            if getattr(aggregate, "id", None) == cycle:
                gate.wait()
            return aggregate

        writer.repository.get = gated_get
    outcomes: list[object] = []

    def write(app):
        try:
            outcomes.append(app.activate_cycle(admin, cycle))
        except Conflict as conflict:
            outcomes.append(conflict)

    threads = [threading.Thread(target=write, args=(w,)) for w in writers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    wins = [o for o in outcomes if not isinstance(o, Conflict)]
    assert len(wins) == 1 and len(conflicts) == 1
    assert "changed by another request" in conflicts[0].detail
    assert setup.head_position() == head + 1
    assert setup.repository.get(cycle).version == 2
