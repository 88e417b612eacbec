"""The goal tree evolves its aggregates with `Mutator`, which must do exactly what the
library's `event.mutate` does, event after event."""

from __future__ import annotations

import copy

import pytest
from eventsourcing.domain import OriginatorIDError, OriginatorVersionError

from api.seed import DemoClock, seed_demo
from domain.application import OkrApp
from domain.objective import Objective
from projections.notifications import Log
from projections.tree.mutation import Mutator, _call_for

pytestmark = pytest.mark.integration


@pytest.fixture
def demo_events(shared_store_url):
    clock = DemoClock()
    app = OkrApp(shared_store_url, clock=clock)
    seed_demo(app, clock)
    head = app.head_position()
    yield [logged.event for logged in Log(app).read(0, None, head, head)]
    app.close()


def test_every_event_of_the_demo_evolves_its_aggregate_as_the_librarys_mutate_does(demo_events):
    mutate = Mutator()
    ours: dict = {}
    theirs: dict = {}
    fast = updates = 0
    for event in demo_events:
        key = event.originator_id
        if event.originator_version == 1:
            ours[key] = event.mutate(None)
            theirs[key] = event.mutate(None)
        else:
            before = copy.deepcopy(ours[key])
            assert mutate(event, ours[key]) is ours[key]
            assert event.mutate(theirs[key]) is theirs[key]
            updates += 1
            fast += _call_for(type(event)) is not None
            assert vars(ours[key]) == vars(theirs[key]), type(event).__qualname__
            assert vars(ours[key]) != vars(before)  # (the version at least moved on)
    # every event after an aggregate's first took the quick way (its first, the library's)
    assert fast == updates > 800


def test_an_event_for_another_aggregate_or_version_is_refused_as_the_library_refuses_it(demo_events):
    mutate = Mutator()
    aggregates: dict = {}
    later = None
    for event in demo_events:
        if event.originator_version == 1:
            aggregates[event.originator_id] = event.mutate(None)
        elif event.originator_version == 3 and isinstance(event, Objective.Event):
            later = event
            break
    objective = aggregates[later.originator_id]  # at version 1: the event is one too far
    with pytest.raises(OriginatorVersionError):
        mutate(later, objective)
    other = next(a for k, a in aggregates.items() if k != later.originator_id)
    with pytest.raises(OriginatorIDError):
        mutate(later, other)
    assert objective.version == 1
