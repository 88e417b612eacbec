"""The projector's decoder gives what the library's own mapper gives, event by event, whether
an event's class has a decoding plan or its stored JSON falls back to the general way."""

from __future__ import annotations

import json
from datetime import datetime
from uuid import UUID

import pytest

from api.seed import DemoClock, seed_demo
from domain.application import OkrApp
from domain.objective import Objective
from projections.notifications import Decoder, Log, Stored
from projections.plans import plan_for

pytestmark = pytest.mark.integration


def comparable(event) -> list:
    """An event's state as (name, kind, value): ids and times compared as what they are,
    whichever subclass holds them; 1 and 1.0 kept apart, as JSON keeps them."""
    def kind(value):
        for general in (UUID, datetime):
            if isinstance(value, general):
                return general
        return type(value)
    return [(name, kind(value), value) for name, value in event.__dict__.items()]


@pytest.fixture
def seeded_app(shared_store_url):
    clock = DemoClock()
    app = OkrApp(shared_store_url, clock=clock)
    seed_demo(app, clock)
    yield app
    app.close()


def test_every_event_of_the_demo_decodes_as_the_library_decodes_it(seeded_app):
    app = seeded_app
    head = app.head_position()
    log = Log(app)
    assert log._decoder.fast, "the plain JSON transcoder: the decoder's own path is taken"
    events = log.read(0, None, head, head)
    reference = app.recorder.select_notifications(start=1, limit=head)
    assert len(events) == len(reference) == head
    planned = 0
    for logged, notification in zip(events, reference):
        expected = app.mapper.to_domain_event(notification)
        assert type(logged.event) is type(expected)
        assert comparable(logged.event) == comparable(expected), notification.topic
        planned += plan_for(type(expected), str, str) is not None
    topics = {n.topic for n in reference}
    # both ways were taken: check-ins by their plan, terms and drafts the general way
    assert planned > head / 2
    assert "okr:Objective.CheckInRecorded" in topics and "okr:Objective.Submitted" in topics
    assert planned < head


def test_stored_json_a_plan_does_not_expect_is_decoded_the_general_way(seeded_app):
    app = seeded_app
    [check_in] = [
        n for n in app.recorder.select_notifications(start=1, limit=app.head_position())
        if n.topic == "okr:Objective.CheckInRecorded"
    ][:1]
    event_class = type(app.mapper.to_domain_event(check_in))
    assert event_class.__qualname__ == Objective.CheckInRecorded.__qualname__
    assert plan_for(event_class, str, str) is not None
    state = json.loads(check_in.state)
    variants = {
        "an extra field": {**state, "added_later": "x"},
        "a missing field": {k: v for k, v in state.items() if k != "note"},
        "a UUID of another encoding": {**state, "actor_id": {"_type_": "uuid_str", "_data_": "x"}},
        "an integral value": {**state, "value": 7},
    }
    decoder = Decoder(app.mapper)
    for why, changed in variants.items():
        raw = json.dumps(changed).encode()
        stored = Stored(check_in.id, check_in.originator_id, check_in.originator_version, check_in.topic, raw)
        try:
            expected = app.mapper.to_domain_event(stored)
        except Exception:  # then ours refuses it too
            with pytest.raises(Exception):
                decoder.decode(stored)
            continue
        assert comparable(decoder.decode(stored)) == comparable(expected), why
    assert decoder.decode(Stored(
        check_in.id, check_in.originator_id, check_in.originator_version, check_in.topic,
        json.dumps(variants["an integral value"]).encode(),
    )).value.__class__ is int
