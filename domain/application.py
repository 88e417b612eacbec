"""OkrApp: the use cases. Each takes the acting user's id and plain values and returns
`Recorded(id, version, position)`; cross-aggregate facts are checked against aggregates."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import NamedTuple, TypeVar
from uuid import UUID, uuid5

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Recording
from eventsourcing.utils import strtobool

from domain.committer import Command, GroupCommitter
from domain.event_store import fail_fast, seal
from domain.errors import Conflict, InvalidValue, NotAllowed, NotFound
from domain.okrs import OkrCases
from domain.organisation import OrganisationCases
from domain.persistence import database_url, environment_for
from domain.receipt import Receipt, receipt_id
from domain.repository import FollowingRepository
from domain.team import Team
from domain.transcodings import DateAsISO
from domain.user import User
from domain.values import Role, Standing

A = TypeVar("A", bound=Aggregate)
Clock = Callable[[], datetime]

ADMIN_ID = uuid5(UUID("6f0c2a57-3f0e-4d7e-9a53-5b8a3d1b0e11"), "admin")



class Recorded(NamedTuple):
    """What a command returns: the aggregate it changed, its new version and the log position
    of the command's last event (for read-your-writes)."""

    id: UUID
    version: int
    position: int


def replay(aggregate: Aggregate | None, events) -> Aggregate | None:
    """The library's `project_aggregate` without its per-event runtime Protocol check, which
    costs more than the event's own mutation."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


# Aggregates a command loads are kept between commands, then copied for the command, so a
# refused command leaves the kept one untouched. They are not brought up to date on each
# load (the library's AGGREGATE_CACHE_FASTFORWARD, a query per load): the repository checks
# the log once per command group and forgets what other processes changed since
# (domain/repository.py says why that misses nothing).
CACHE_ENV = {"AGGREGATE_CACHE_MAXSIZE": "5000", "DEEPCOPY_FROM_AGGREGATE_CACHE": "y"}


class Pending(NamedTuple):
    """A use case's command, built but not yet run (`OkrApp.defer`)."""

    command: Command
    finish: Callable[[Command], Recorded]  # its answer (or error) once the command is settled


def system_clock() -> datetime:
    return datetime.now(UTC)


class OkrApp(OrganisationCases, OkrCases, Application[UUID]):
    """The write side of okr-ledger."""

    name = "okr"

    def __init__(self, url: str | None = None, clock: Clock | None = None, env: dict | None = None):
        super().__init__(env={**CACHE_ENV, **environment_for(url or database_url()), **(env or {})})
        seal(self.recorder)
        fail_fast(self.recorder)
        self.clock = clock or system_clock
        self._last_time: datetime | None = None
        # One writer at a time per process: the time stamped on a command and the order its
        # events enter the log then agree, so recorded time never decreases along the log.
        self.write_lock = threading.RLock()
        # Called with the position of each command's last event, e.g. to wake projections.
        self.on_recorded: list[Callable[[int], None]] = []
        self._deferring = threading.local()
        self._committer = GroupCommitter(
            self.save, self.now, self.write_lock, self.repository.refresh, self._after_conflict
        )

    @property
    def repository(self) -> FollowingRepository:
        return self._repository  # type: ignore[return-value]

    def construct_repository(self) -> FollowingRepository:
        maxsize = self.env.get(self.AGGREGATE_CACHE_MAXSIZE)
        return FollowingRepository(
            self.recorder, event_store=self.events, snapshot_store=self.snapshots,
            cache_maxsize=int(maxsize) if maxsize else None,
            deepcopy_from_cache=strtobool(self.env.get(self.DEEPCOPY_FROM_AGGREGATE_CACHE, "y")),
        )

    def _record(self, processing_event: ProcessingEvent) -> list[Recording]:
        # The library's, except that the saved aggregates enter the cache through the
        # repository, which also learns the positions they bring it up to.
        recordings = self.events.put(
            processing_event.events, tracking=processing_event.tracking,
            **processing_event.saved_kwargs,
        )
        self.repository.saved(recordings, processing_event.aggregates)
        return recordings

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    # ---- plumbing ---------------------------------------------------------------

    def now(self) -> datetime:
        """The time to stamp on the next command: the clock, but always after the log's head.

        Strictly increasing, so "recorded at or before T" and "before in the log" agree.
        """
        t = self.clock()
        if t.tzinfo is None:
            raise ValueError("the clock must return timezone-aware datetimes")
        if self._last_time is None:
            self._last_time = self._head_time()
        if self._last_time is not None and t <= self._last_time:
            t = self._last_time + timedelta(microseconds=1)
        self._last_time = t
        return t

    def _head_time(self) -> datetime | None:
        head = self.recorder.max_notification_id()
        if not head:
            return None
        [notification] = self.recorder.select_notifications(start=head, limit=1)
        return self.mapper.to_domain_event(notification).timestamp

    def _after_conflict(self) -> None:
        # Another process appended to an aggregate of ours: forget what it changed, and read
        # the head's time again before stamping.
        self.repository.refresh()
        self._last_time = None

    def head_position(self) -> int:
        return self.recorder.max_notification_id() or 0

    def _load(self, cls: type[A], aggregate_id: UUID, what: str, copy: bool = True) -> A:
        """The aggregate, to change: a copy of the cached one, which a refused command
        leaves as it was. (`_look` for one only looked at.)"""
        try:
            aggregate = self.repository.get(
                aggregate_id, projector_func=replay, deepcopy_from_cache=copy
            )
        except AggregateNotFoundError:
            raise NotFound(f"no {what} with id {aggregate_id}") from None
        if not isinstance(aggregate, cls):
            raise NotFound(f"no {what} with id {aggregate_id}")
        return aggregate

    def _look(self, cls: type[A], aggregate_id: UUID, what: str) -> A:
        """The aggregate, only to look at (a cycle's dates, a team's lead): the cached one
        itself, not copied. Nothing changes a cached aggregate: what another process changed
        is forgotten and read again, what a command saves replaces it."""
        return self._load(cls, aggregate_id, what, copy=False)

    def _exists(self, aggregate_id: UUID) -> bool:
        try:
            self.repository.get(aggregate_id, projector_func=replay, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            return False
        return True

    def _execute(
        self, name: str, actor_id: UUID, key: str | None,
        work: Callable[[datetime], tuple[Aggregate, ...]], result_id: UUID | None = None,
    ) -> Recorded:
        """Runs one command: `work(now)` loads, decides and returns the aggregates it changed
        (the first is the one whose version the result gives; `result_id` names what the
        command created inside it, a key result say); they are saved in one transaction, with a
        receipt when an idempotency key was given, so a retry records nothing twice."""
        request = getattr(key, "request", None)
        if key is not None:
            key = key.strip()
            if not key or len(key) > 200:
                raise InvalidValue("idempotency key: must be 1 to 200 characters")
        replayed: list[Recorded] = []
        primary_of: list[Aggregate] = []

        def decide(now: datetime) -> list[Aggregate]:
            replayed.clear()
            primary_of.clear()
            with self.repository.deciding():
                if key is not None and (previous := self._receipt(actor_id, key, name, request)) is not None:
                    replayed.append(previous)
                    return []
                primary, *others = work(now)
            primary_of.append(primary)
            to_save = [primary, *others]
            if key is not None:
                to_save.append(Receipt(
                    id=receipt_id(actor_id, key), actor_id=actor_id, key=key, command=name,
                    result_id=result_id or primary.id, version=primary.version, timestamp=now,
                    request=request,
                ))
            return to_save

        def finish(command: Command) -> Recorded:
            """The answer once the command is settled: only a conflict (a receipt to look
            for) and a command that changed nothing (the head) read the database here."""
            if isinstance(command.error, IntegrityError):
                if key is not None and (previous := self._receipt(actor_id, key, name, request)) is not None:
                    return previous
                primary = primary_of[0]
                raise Conflict(
                    f"{type(primary).__name__.lower()} {primary.id} was changed by another "
                    "request at the same time: reload it and try again"
                ) from None
            if command.error is not None:
                raise command.error
            if replayed:
                return replayed[0]
            primary = primary_of[0]
            if not command.position:  # a command that changed nothing (the same lead appointed again)
                return Recorded(result_id or primary.id, primary.version, self.head_position())
            for listener in self.on_recorded:
                listener(command.position)
            return Recorded(result_id or primary.id, primary.version, command.position)

        command = Command(decide)
        if getattr(self._deferring, "on", False):
            return Pending(command, finish)  # type: ignore[return-value]
        return finish(self._committer.run(command))

    def defer(self, use_case: Callable[[], Recorded]) -> Pending:
        """Calls `use_case` (one of this application's, its arguments bound) so that it
        builds its command without running it; `enqueue` it, and `finish` it once settled.
        Up to its command a use case only checks its arguments: nothing here blocks."""
        self._deferring.on = True
        try:
            pending = use_case()
        finally:
            self._deferring.on = False
        assert isinstance(pending, Pending), use_case
        return pending

    def enqueue(self, pending: Pending, on_settled: Callable[[Command], None]) -> None:
        """Queues a deferred command for the next group; `on_settled` is told its outcome,
        in the committer's thread (it must be quick and must not raise)."""
        pending.command.on_settled = on_settled
        self._committer.submit(pending.command)

    def _receipt(self, actor_id: UUID, key: str, name: str, request: str | None = None) -> Recorded | None:
        try:
            receipt = self.repository.get(
                receipt_id(actor_id, key), projector_func=replay, deepcopy_from_cache=False
            )
        except AggregateNotFoundError:
            return None
        if receipt.command != name:
            raise InvalidValue(
                f"idempotency key {key!r} was already used for another request ({receipt.command}):"
                " send a new key with each new request"
            )
        if request is not None and receipt.request is not None and receipt.request != request:
            raise InvalidValue(
                f"idempotency key {key!r} was already used for a request with other content:"
                " a retry must repeat the first request exactly; send a new key with each new request"
            )
        # The original position is not kept on the receipt; the head is at or after it,
        # which is what a reader waiting for this write needs.
        return Recorded(receipt.result_id, receipt.version, self.head_position())

    @staticmethod
    def _check_version(aggregate: Aggregate, expected_version: int | None) -> None:
        if expected_version is not None and aggregate.version != expected_version:
            raise Conflict(
                f"{type(aggregate).__name__.lower()} is at version {aggregate.version}, "
                f"not {expected_version}: reload it and try again",
                current_version=aggregate.version,
            )

    # ---- who is who -------------------------------------------------------------

    def ensure_admin(self, name: str = "Administrator", email: str = "admin@okr-ledger.local") -> UUID:
        """Registers the built-in administrator (the holder of OKR_ADMIN_TOKEN) once."""
        if not self._exists(ADMIN_ID):
            try:
                self._execute("ensure_admin", ADMIN_ID, None, lambda now: (
                    User.register(ADMIN_ID, ADMIN_ID, name, email, True, now),
                ))
            except Conflict:
                pass  # registered by another process meanwhile
        return ADMIN_ID

    def is_admin(self, user_id: UUID) -> bool:
        try:
            return self._look(User, user_id, "user").admin
        except NotFound:
            return False

    def _require_admin(self, actor_id: UUID, action: str) -> None:
        if not self.is_admin(actor_id):
            raise NotAllowed(f"only an administrator may {action}")

    def _require_user(self, user_id: UUID) -> User:
        return self._load(User, user_id, "user")

    def standing(self, actor_id: UUID, team_id: UUID) -> Standing:
        """The roles `actor_id` holds for the team `team_id`, from the Team and User aggregates."""
        team = self._look(Team, team_id, "team")
        admin = self.is_admin(actor_id)
        roles = set()
        if admin:
            roles.add(Role.ADMIN)
        if team.lead_id == actor_id:
            roles.add(Role.LEAD)
        if actor_id in team.members:
            roles.add(Role.MEMBER)
        if team.parent_id is None:
            if admin:
                roles.add(Role.APPROVER)
        elif self._look(Team, team.parent_id, "team").lead_id == actor_id:
            roles.add(Role.APPROVER)
        return Standing(actor_id=actor_id, roles=frozenset(roles))

    def approver_of(self, team_id: UUID) -> UUID | None:
        """The lead of the parent team; None for the root team (whose approver is an admin)."""
        team = self._look(Team, team_id, "team")
        if team.parent_id is None:
            return None
        return self._look(Team, team.parent_id, "team").lead_id

    def _ancestors(self, team_id: UUID) -> list[UUID]:
        seen: list[UUID] = []
        team = self._look(Team, team_id, "team")
        while team.parent_id is not None and team.parent_id not in seen:
            seen.append(team.parent_id)
            team = self._look(Team, team.parent_id, "team")
        return seen
