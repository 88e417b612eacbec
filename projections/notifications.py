"""The notification log as the projector reads it: in batches, each event decoded once, the
next batch read and decoded in a thread of its own while the current one is applied."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any
from uuid import UUID, SafeUUID

import msgspec
from eventsourcing.persistence import (
    DatetimeAsISO,
    JSONTranscoder,
    Mapper,
    MapperDeserialisationError,
    TranscodingNotRegisteredError,
    UUIDAsHex,
    find_id_convertor,
)
from eventsourcing.utils import resolve_topic

from projections.plans import CANONICAL, IDS_KEPT, Ids, Plan, Refused, plan_for
from projections.projection import Logged
from projections.timefmt import Moment

decoded_time = Moment.decoded

_NESTED = (dict, list)


class Id(UUID):
    """A UUID that keeps its text once asked for it: the read models store ids as text, and
    write the same id into several rows of several tables."""

    __slots__ = ("_text",)

    def __str__(self) -> str:
        try:
            return self._text
        except AttributeError:
            text = UUID.__str__(self)
            object.__setattr__(self, "_text", text)  # UUIDs refuse attributes being set
            return text

    @classmethod
    def of_hex(cls, data: str) -> Id:
        """`Id(data)`; for the text the transcoder writes (32 lowercase hex digits), made
        without `UUID.__init__`'s clean-up of other spellings, at half its cost."""
        if not CANONICAL(data):
            return cls(data)
        made = object.__new__(cls)
        object.__setattr__(made, "int", int(data, 16))
        object.__setattr__(made, "is_safe", SafeUUID.unknown)
        return made


class Decoder:
    """`mapper.to_domain_event`, twice as quick: the same steps, but the JSON is parsed by
    msgspec (the library's own parser, `json`, is the fallback for what msgspec refuses,
    such as NaN), and each UUID's text is turned into a UUID once and the object shared
    (key results, actors and objectives recur on event after event; UUIDs are immutable),
    one that keeps its text (`Id`). Only for the plain JSON transcoder without cipher or
    compression; otherwise the mapper itself decodes."""

    def __init__(self, mapper: Mapper):
        self.mapper = mapper
        transcoder = mapper.transcoder
        self.fast = (
            type(transcoder) is JSONTranscoder and not mapper.cipher and not mapper.compressor
            and type(transcoder.names.get("uuid_hex")) is UUIDAsHex
        )
        self.decode = self._decode if self.fast else mapper.to_domain_event
        self._names = transcoder.names
        self._uuids: dict[str, UUID] = {}
        self._ids = Ids(self._uuid)  # their texts
        # by UUID.int (hashed far quicker than a UUID), or by the text the store keeps
        self._originators: dict[int | str, UUID] = {}
        # by topic: the class, its version, its decoding plan if it has one
        self._classes: dict[str, tuple[type, int, Plan | None]] = {}
        self._last_time: tuple[str, datetime] = ("", datetime.min)
        self._json = json.JSONDecoder(object_hook=self._object)
        self._parse = msgspec.json.Decoder().decode
        self._iso_datetimes = type(transcoder.names.get("datetime_iso")) is DatetimeAsISO

    def _state(self, state: dict[str, Any]) -> Any:
        """`_walk(state)`, with its UUIDs and times (most of its values) turned in line."""
        uuids, times = self._uuids, self._iso_datetimes
        for key, item in state.items():
            kind = type(item)
            if kind is dict:
                if len(item) == 2 and type(data := item.get("_data_")) is str:
                    name = item.get("_type_")
                    if name == "uuid_hex" and (found := uuids.get(data)) is not None:
                        state[key] = found
                        continue
                    if name == "datetime_iso" and times:
                        state[key] = decoded_time(data)  # DatetimeAsISO.decode
                        continue
                state[key] = self._walk(item)
            elif kind is list:
                state[key] = self._walk(item)
        return self._object(state)

    def _walk(self, value: Any) -> Any:
        """`value` as the `json` parser with `_object` as its object hook gives it: each
        dict turned by `_object` after its values."""
        kind = type(value)
        if kind is dict:
            if len(value) == 2 and "_type_" in value and "_data_" in value:  # most are
                data = value["_data_"]
                if type(data) is str:
                    name = value["_type_"]
                    if name == "uuid_hex":
                        found = self._uuids.get(data)
                        return found if found is not None else self._object(value)
                    if name == "datetime_iso" and self._iso_datetimes:
                        return decoded_time(data)  # DatetimeAsISO.decode
                if type(data) in _NESTED:
                    value["_data_"] = self._walk(data)
                return self._object(value)
            for key, item in value.items():
                if type(item) in _NESTED:
                    value[key] = self._walk(item)
            return self._object(value)
        if kind is list:
            return [self._walk(item) if type(item) in _NESTED else item for item in value]
        return value

    def _uuid(self, data: str) -> UUID:
        found = self._uuids.get(data)
        if found is None:
            if len(self._uuids) >= IDS_KEPT:
                self._uuids.clear()
            found = self._uuids[data] = Id.of_hex(data)
        return found

    def _moment(self, text: str) -> datetime:
        # A check-in measured when it was recorded has the same text twice.
        last_text, last = self._last_time
        if text == last_text:
            return last
        moment = decoded_time(text)
        self._last_time = (text, moment)
        return moment

    def _object(self, d: dict[str, Any]) -> Any:
        # JSONTranscoder._decode_obj, with UUIDs memoised
        if len(d) == 2 and "_type_" in d and "_data_" in d:
            name, data = d["_type_"], d["_data_"]
            if name == "uuid_hex":
                return self._uuid(data)
            try:
                transcoding = self._names[name]
            except KeyError:
                raise TranscodingNotRegisteredError(
                    f"Data serialized with name '{name}' is not deserializable. "
                    "Please register a custom transcoding for this type."
                ) from None
            return transcoding.decode(data)
        return d

    def originator(self, stored: Any) -> Any:
        """The aggregate's id as stored (a UUID, or its text where the store keeps text), as
        the one `Id` shared by all the events about it; another id as it is."""
        kind = type(stored)
        if kind is Id:
            return stored
        key = stored.int if kind is UUID else stored
        shared = self._originators.get(key)
        if shared is None:
            if kind is UUID:
                shared = Id(int=key)
            else:
                try:
                    shared = Id(key)  # as the SQLite recorder reads it: UUID text
                except (TypeError, ValueError):
                    return stored  # (an aggregate id that is not a UUID)
            if len(self._originators) >= IDS_KEPT:
                self._originators.clear()
            self._originators[key] = shared
        return shared

    def _found(self, topic: str) -> tuple[type, int, Plan | None]:
        """The class of events of `topic`, its version, and its decoding plan if it has one."""
        found = self._classes.get(topic)
        if found is None:
            cls = resolve_topic(topic)
            plan = plan_for(cls, self._uuid, self._moment, self._ids) if self._iso_datetimes else None
            found = self._classes[topic] = (cls, getattr(cls, "class_version", 1), plan)
        return found

    def read(self, stored: Any, decode: bool) -> tuple[Any, datetime, tuple | None]:
        """(the event or, unless `decode`, None if it can be made later (by `decode`); its
        timestamp; what `Logged` needs for its plain values or to make it later: this
        decoder, its class's plan and the Struct that plan parsed, or None where the event
        was made at once; all None when its class has no plan or its JSON is not as the
        plan expects)."""
        found = self._found(stored.topic)
        plan = found[2]
        if plan is not None and plan.when is not None:
            try:
                if decode:
                    event = self._made(stored, found, plan.state(stored.state))
                    return event, event.timestamp, (self, plan, None)
                parsed = plan.parse(stored.state)
                return None, plan.when(parsed), (self, plan, parsed)
            except Refused:
                pass  # decoded the general way
        event = self.decode(stored)
        return event, event.timestamp, None

    def _decode(self, stored: Any) -> Any:
        """Mapper.to_domain_event, step by step."""
        found = self._found(stored.topic)
        plan = found[2]
        state = None
        if plan is not None:
            try:
                state = plan.state(stored.state)
            except Refused:
                pass  # not as the plan expects: decoded the general way
        try:
            if state is None:
                try:
                    state = self._state(self._parse(stored.state))
                except msgspec.DecodeError:
                    state = self._json.decode(bytes(stored.state).decode("utf8"))
        except Exception as e:
            raise MapperDeserialisationError(
                f"Failed to deserialise state of stored event with topic '{stored.topic}', "
                f"originator_id '{stored.originator_id}' and originator_version "
                f"{stored.originator_version}: {e}"
            ) from e
        return self._made(stored, found, state)

    def _made(self, stored: Any, found: tuple[type, int, Plan | None], state: dict[str, Any]) -> Any:
        cls, class_version, _ = found
        originator_id = self.originator(stored.originator_id)
        if type(originator_id) is Id:
            state["originator_id"] = originator_id
        else:
            state["originator_id"] = find_id_convertor(cls, type(originator_id))(originator_id)
        state["originator_version"] = stored.originator_version
        from_version = state.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return event


class Stored:
    """A stored event with its position, as the library's `Notification` holds it, made
    without a frozen dataclass's cost: the projector reads them by the hundred thousand."""

    __slots__ = ("id", "originator_id", "originator_version", "topic", "state")

    def __init__(self, id: int, originator_id: Any, originator_version: int, topic: str, state: bytes):
        self.id = id
        self.originator_id = originator_id
        self.originator_version = originator_version
        self.topic = topic
        self.state = state


def _rows(recorder: Any) -> Callable[[int, int, int], list[Any]] | None:
    """For the library's SQLite and PostgreSQL recorders, the very query their
    `select_notifications(start, limit, stop)` makes, returning its plain rows (position,
    originator id, version, topic, state): making a `Notification` of each costs more than
    the query. None for any other recorder (its own method is used)."""
    from eventsourcing.sqlite import SQLiteApplicationRecorder

    own = type(recorder).select_notifications
    if own is SQLiteApplicationRecorder.select_notifications:
        statement = (
            "SELECT rowid, originator_id, originator_version, topic, state"
            f" FROM {recorder.events_table_name} WHERE rowid>=? AND rowid<=? ORDER BY rowid LIMIT ?"
        )

        def sqlite_rows(start: int, stop: int, limit: int) -> list[Any]:
            with recorder.datastore.transaction(commit=False) as cursor:
                cursor.execute(statement, (start, stop, limit))
                return cursor.fetchall()

        return sqlite_rows
    try:
        from eventsourcing.postgres import PostgresApplicationRecorder
        from psycopg.rows import tuple_row
        from psycopg.sql import SQL, Identifier
    except ImportError:  # pragma: no cover - installed with okr-ledger
        return None
    if own is not PostgresApplicationRecorder.select_notifications:
        return None
    query = SQL(
        "SELECT notification_id, originator_id, originator_version, topic, state"
        " FROM {schema}.{table} WHERE notification_id>=%s AND notification_id<=%s"
        " ORDER BY notification_id LIMIT %s"
    ).format(schema=Identifier(recorder.datastore.schema), table=Identifier(recorder.events_table_name))

    def postgres_rows(start: int, stop: int, limit: int) -> list[Any]:
        with recorder.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as cursor:
            cursor.execute(query, (start, stop, limit), prepare=True, binary=True)
            return cursor.fetchall()

    return postgres_rows


class Log:
    """The application's notification log, read in batches of decoded events."""

    def __init__(self, app: Any):
        self.recorder = app.recorder
        self._decoder = Decoder(app.mapper)
        self._rows = _rows(app.recorder) if self._decoder.fast else None
        # `Decoder.read` of one stored event, by whichever decoder reads this log; bound
        # once, as `read` calls it for every event.
        self.decoded: Callable[[Any, bool], tuple[Any, datetime, tuple | None]] = (
            self._decoder.read if self._decoder.fast else self._decoded_whole
        )

    def read(
        self, after: int, previous: datetime | None, limit: int, stop: int, decode: bool = True
    ) -> list[Logged]:
        """Up to `limit` events after position `after`, at most up to `stop`; `previous` is
        the recorded time of the event at `after` (None at the start of the log). With
        `decode` false, an event whose class has a decoding plan is made only when first
        asked for (`Logged.event`)."""
        if self._rows is None:
            stored = self.recorder.select_notifications(start=after + 1, limit=limit, stop=stop)
        else:
            shared = self._decoder.originator
            stored = [
                Stored(position, shared(originator_id), version, topic, state)
                for position, originator_id, version, topic, state
                in self._rows(after + 1, stop, limit)
            ]
        read = self.decoded
        batch = []
        for n in stored:
            event, timestamp, later = read(n, decode)
            recorded = timestamp if previous is None or timestamp > previous else previous
            batch.append(Logged(n.id, n.topic, recorded, event, n, later))
            previous = recorded
        return batch

    def _decoded_whole(self, stored: Any, decode: bool) -> tuple[Any, datetime, None]:
        event = self._decoder.decode(stored)
        return event, event.timestamp, None


class ReadAhead:
    """Reads and decodes the next batch in a thread of its own while the current one is applied."""

    def __init__(self, log: Log):
        self.log = log
        self.pool: ThreadPoolExecutor | None = None
        self.pending: tuple[int, datetime | None, int, Future] | None = None

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        self.pending = None

    def read(
        self, after: int, previous: datetime | None, limit: int, stop: int, decode: bool = True
    ) -> None:
        if self.pool is None:
            self.pool = ThreadPoolExecutor(1, thread_name_prefix="okr-read-ahead")
        future = self.pool.submit(self.log.read, after, previous, limit, stop, decode)
        self.pending = (after, previous, stop, future)

    def take(self, after: int, previous: datetime | None, stop: int) -> list[Logged] | None:
        """The batch read ahead, if it is the one wanted now (else None: read it again)."""
        pending, self.pending = self.pending, None
        if pending is None:
            return None
        p_after, p_previous, p_stop, future = pending
        try:
            batch = future.result()
        except Exception:  # e.g. a dropped connection: the caller reads again, and sees
            return None
        if p_after != after or p_previous != previous or p_stop > stop:
            return None
        return batch
