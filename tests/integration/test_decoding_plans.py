"""The projector's decoder gives what the library's own mapper gives, event by event, whether
an event's class has a decoding plan or its stored JSON falls back to the general way."""

from __future__ import annotations

import json
from datetime import datetime
from uuid import UUID, uuid4

import pytest

from api.seed import DemoClock, seed_demo
from domain.application import OkrApp
from domain.objective import Objective
from projections.notifications import Decoder, Id, Log, Stored
from projections.check_ins.projection import REGISTER, CheckInsProjection
from projections.feed.projection import FeedProjection
from projections.plans import Ids, plan_for
from projections.projection import Logged

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
        # ids and times of spellings the transcoder does not write, but `UUID` and
        # `datetime.fromisoformat` take
        "a UUID's hex in capitals": {**state, "actor_id": {
            "_type_": "uuid_hex", "_data_": state["actor_id"]["_data_"].upper()}},
        "a UUID in braces": {**state, "actor_id": {
            "_type_": "uuid_hex", "_data_": "{%s}" % UUID(state["actor_id"]["_data_"])}},
        "a time not in UTC": {**state, "measured_at": {
            "_type_": "datetime_iso", "_data_": "2026-03-01T10:00:00.250000+02:00"}},
        "a time without seconds": {**state, "measured_at": {
            "_type_": "datetime_iso", "_data_": "2026-03-01T10:00+00:00"}},
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
        # read at once, or made later: the same event
        at_once, _, _ = decoder.read(stored, True)
        assert comparable(at_once) == comparable(expected), why
        event, timestamp, later = decoder.read(stored, False)
        made_later = Logged(stored.id, stored.topic, timestamp, event, stored, later).event
        assert comparable(made_later) == comparable(expected), why
    assert decoder.decode(Stored(
        check_in.id, check_in.originator_id, check_in.originator_version, check_in.topic,
        json.dumps(variants["an integral value"]).encode(),
    )).value.__class__ is int


class Rows:
    """A stand-in transaction that keeps what a read model appends, table by table, and the
    rows it writes by statement."""

    postgres = False

    def __init__(self):
        self.tables: dict[str, list[tuple]] = {}
        self.statements: dict[str, list[tuple]] = {}

    def append(self, table, columns, rows):
        self.tables.setdefault(table, []).extend(rows)

    def executemany(self, sql, rows):
        self.statements.setdefault(sql, []).extend(rows)


def test_events_made_when_asked_for_and_their_plain_values_give_the_same_rows(seeded_app):
    app = seeded_app
    head = app.head_position()
    lazy = Log(app).read(0, None, head, head, decode=False)
    eager = Log(app).read(0, None, head, head)
    # the same events, recorded at the same times
    assert [(e.position, e.recorded_at) for e in lazy] == [(e.position, e.recorded_at) for e in eager]
    planned = [e for e in lazy if e.plain is not None]
    assert len(planned) > head / 2 and all(e._event is None for e in planned)
    # the same rows, whether a read model takes an event's plain values or the event itself
    whole = [Logged(e.position, e.topic, e.recorded_at, e.event, e.stored) for e in eager]
    assert all(e.plain is None for e in whole)
    check_ins = sum(e.topic.startswith("okr:Objective.CheckIn") for e in lazy)
    for projection, rows in ((FeedProjection(), head), (CheckInsProjection(), check_ins)):
        from_plain, from_events = Rows(), Rows()
        projection.process(from_plain, lazy)
        projection.process(from_events, whole)
        assert from_plain.tables == from_events.tables, projection.name
        assert from_plain.statements == from_events.statements, projection.name
        assert sum(map(len, from_plain.tables.values())) == rows > 100
    assert len(from_plain.statements[REGISTER]) > 10  # the key results, from their plain values too
    # and the event itself, made later, is the one decoded at once
    for made_later, at_once in zip(lazy, eager):
        assert comparable(made_later.event) == comparable(at_once.event), made_later.topic


def test_an_ids_text_is_the_uuids_text_however_its_hex_is_written():
    ids = Ids(UUID)
    for _ in range(50):
        u = uuid4()
        assert ids[u.hex] == str(u)
        assert ids[u.hex.upper()] == str(u)  # not as the transcoder writes it: made a UUID
    assert len(ids) == 100


def test_an_id_made_from_hex_is_the_uuid_that_hex_makes():
    for _ in range(50):
        u = uuid4()
        for spelling in (u.hex, u.hex.upper(), str(u), "{%s}" % u):
            made = Id.of_hex(spelling)
            assert type(made) is Id
            assert (made, hash(made), str(made), made.is_safe) == (u, hash(u), str(u), u.is_safe)
    with pytest.raises(ValueError):
        Id.of_hex("not a uuid")
