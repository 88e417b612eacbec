"""Random OKR histories for the time-travel property: an organisation of three levels, then
steps drawn by Hypothesis and applied through the use cases.

A step is mostly the next move in one objective's story, as its status allows (submit a
draft, answer a round, check in on agreed terms, carry over after the close), sometimes a
move of the organisation or its cycles, sometimes any move at all; now and then by the
wrong person, with a bad value or with an idempotency key (or a retry of the last keyed
command). So histories reach negotiations, check-ins, closes and carry-overs, and also try
plenty of commands the domain refuses, which must append nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid5

from hypothesis import strategies as st

from domain.application import ADMIN_ID, OkrApp, Recorded
from domain.cycle import Cycle
from domain.errors import DomainError
from domain.objective import Objective
from domain.team import Team
from domain.values import CycleState, KeyResultKind
from domain.values import ObjectiveStatus as S

START = datetime(2026, 1, 1, 9, tzinfo=UTC)
MAX_OBJECTIVES, MAX_KEY_RESULTS = 10, 4  # drafted; an objective's proposal (keeps answers small)
NAMESPACE = UUID("0b7a3c52-9d1e-4f6b-8a2d-6c1e5f9a7b30")

# Every step moves the clock on by at least a microsecond: a few microseconds (commands
# crowding one instant), seconds to hours, or days (so cycles start, run and end).
ADVANCES = st.one_of(
    st.integers(1, 50).map(lambda n: timedelta(microseconds=n)),
    st.integers(1, 6 * 3600).map(lambda n: timedelta(seconds=n)),
    st.integers(1, 9).map(lambda n: timedelta(days=n)),
)

def weighted(**weights: int) -> list[str]:
    return [move for move, weight in weights.items() for _ in range(weight)]


ORGANISATION_MOVES = weighted(
    draft_objective=5, close_cycle=4, activate_cycle=3, plan_cycle=2, appoint_lead=1,
    add_member=1, form_team=1, retry=1,
)
# The first move of each is the happy path: the simplest history follows it.
DRAFTING = weighted(
    add_key_result=8, revise_key_result=2, remove_key_result=1, revise_objective=2, withdraw=1,
)
NEGOTIATING = weighted(
    submit=8, add_key_result=3, revise_key_result=3, remove_key_result=1, revise_objective=1,
    withdraw=1,
)
MOVES = {
    S.IN_REVIEW: weighted(approve=6, counter=5, request_changes=4, reject=1, withdraw=1),
    S.COUNTERED: weighted(accept_counter=3, decline_counter=3, withdraw=1),
    S.APPROVED: weighted(record_check_in=8, correct_check_in=3, amend=2),
    S.REJECTED: weighted(submit=1, amend=1, record_check_in=1, revise_objective=1),
    S.WITHDRAWN: weighted(submit=1, approve=1, record_check_in=1, add_key_result=1),
}
AFTER_THE_CLOSE = weighted(
    record_check_in=3, correct_check_in=1, adjust_score=2, carry_over=3, submit=1, amend=1,
)
ANY_MOVE = sorted({m for moves in (*MOVES.values(), NEGOTIATING, AFTER_THE_CLOSE) for m in moves})

# The first choice of each is the usual one, which is also where shrinking leads; the
# values the domain refuses are a few among many.
TITLES = ("Win the mid-market", "Delight every user", "  Ship it  ", "Grow", "Retain", "")
KINDS = ("committed", "aspirational") * 3 + ("stretchy",)
COMMENTS = (None, "looks good", "too safe: aim higher", "")
NUMBERS = st.integers(0, 120).map(float) | st.sampled_from([0.5, 2.25, 99.9])
MOVES_BY = (20.0, -15.0, 40.0, 5.0, -30.0, 0.5, 0.0)  # a target from its baseline (0: refused)


@dataclass(frozen=True)
class Known:
    """The ids a history has created by some moment."""

    cycles: tuple[UUID, ...]
    teams: tuple[UUID, ...]
    objectives: tuple[UUID, ...]
    key_results: tuple[UUID, ...]


class TravelClock:
    """The clock the application stamps commands with; the history moves it on each step."""

    def __init__(self, start: datetime = START):
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


Command = Callable[[], Recorded]


class History:
    """Builds a random history in `app`, one step at a time, drawing from `data`."""

    def __init__(self, app: OkrApp, clock: TravelClock, data: Any):
        self.app, self.clock, self.data = app, clock, data
        self._ids = 0
        self.users: dict[str, UUID] = {}
        self.teams: list[UUID] = []
        self.cycles: list[UUID] = []
        self.objectives: list[UUID] = []
        self.key_results: dict[UUID, UUID] = {}  # key result → its objective
        self.check_ins: dict[UUID, list[UUID]] = {}  # objective → its check-ins
        self.last_keyed: tuple[Command, str] | None = None
        self.applied = self.refused = self.replayed = 0
        self.kinds: dict[str, int] = {}
        self._loaded: dict[UUID, Any] = {}
        self.focus: UUID | None = None  # the objective whose story the last step moved on  # aggregates as of the last command that changed any

    # ---- drawing ------------------------------------------------------------------------

    def draw(self, strategy: st.SearchStrategy, label: str) -> Any:
        return self.data.draw(strategy, label=label)

    def choose(self, items, label: str) -> Any:
        return self.draw(st.sampled_from(list(items)), label)

    def now_and_then(self, label: str, one_in: int = 10) -> bool:
        return self.choose([False] * (one_in - 1) + [True], label)

    def new_id(self, kind: str) -> UUID:
        self._ids += 1
        return uuid5(NAMESPACE, f"{kind}-{self._ids}")

    def key(self) -> str | None:
        """An idempotency key on some commands (the receipt is one more event in the log)."""
        if self.now_and_then("keyed?", 4):
            self._ids += 1
            return f"key-{self._ids}"
        return None

    def known(self) -> Known:
        return Known(
            tuple(self.cycles), tuple(self.teams), tuple(self.objectives), tuple(self.key_results),
        )

    # ---- who is who ---------------------------------------------------------------------

    def get(self, aggregate_id: UUID) -> Any:
        """The aggregate as it is now (loaded once between two commands that record)."""
        if aggregate_id not in self._loaded:
            self._loaded[aggregate_id] = self.app.repository.get(aggregate_id)
        return self._loaded[aggregate_id]

    def anyone(self) -> UUID:
        return self.choose([ADMIN_ID, *self.users.values()], "anyone")

    def actor(self, natural: UUID | list[UUID]) -> UUID:
        """Mostly who should act; now and then anybody (whom the domain may refuse)."""
        if self.now_and_then("wrong actor?"):
            return self.anyone()
        return self.choose(natural, "actor") if isinstance(natural, list) else natural

    def lead(self, team_id: UUID) -> UUID:
        return self.get(team_id).lead_id

    def approver(self, team_id: UUID) -> UUID:
        return self.app.approver_of(team_id) or ADMIN_ID

    def editors(self, team_id: UUID) -> list[UUID]:
        team: Team = self.get(team_id)
        return [team.lead_id, *team.members]

    # ---- running --------------------------------------------------------------------------

    def run(self, name: str, command: Command, key: str | None = None,
            then: Callable[[Recorded], None] | None = None) -> None:
        """Runs one command; a refused one must leave the log as it was."""
        head = self.app.head_position()
        try:
            recorded = command()
        except DomainError:
            assert self.app.head_position() == head, f"the refused {name} appended events"
            self.refused += 1
            return
        # A command that changes nothing (the lead appointed again) records nothing.
        assert recorded.position == self.app.head_position() >= head
        self._loaded.clear()
        self.applied += 1
        self.kinds[name] = self.kinds.get(name, 0) + 1
        if key is not None:
            self.last_keyed = (command, name)
        if then is not None:
            then(recorded)

    def organisation(self):
        """Three levels of teams, members, the North Star and a first cycle, planned and
        activated: one step each."""
        app = self.app
        yield lambda: self.run(
            "ensure_admin", lambda: Recorded(app.ensure_admin(), 1, app.head_position())
        )
        for name in ("ceo", "vp", "ops", "lea", "dev", "ana"):
            yield lambda name=name: self.run("register_user", lambda: app.register_user(
                ADMIN_ID, name.title(), f"{name}@example.org"
            ), then=lambda r, name=name: self.users.__setitem__(name, r.id))
        u = self.users
        for name, lead, parent in (
            ("Company", "ceo", None), ("Product", "vp", 0), ("Operations", "ops", 0),
            ("Mobile", "lea", 1),
        ):
            yield lambda name=name, lead=lead, parent=parent: self._form_team(
                name, u[lead], None if parent is None else self.teams[parent]
            )
        yield lambda: self.run("add_member", lambda: app.add_member(u["lea"], self.teams[3], u["dev"]))
        yield lambda: self.run("add_member", lambda: app.add_member(u["vp"], self.teams[1], u["ana"]))
        yield lambda: self.run("state_north_star", lambda: app.state_north_star(
            ADMIN_ID, "Every team knows why its work matters"
        ))
        yield self.plan_cycle
        yield self.activate_cycle

    def step(self) -> bool:
        """Moves the clock on and tries one drawn move; False when it had nothing to act on."""
        self.clock.advance(self.draw(ADVANCES, "advance"))
        roll = self.draw(st.integers(0, 9), "kind of step")
        o = None
        if not any(not self.get(c).is_closed for c in self.cycles):
            return self.plan_cycle() is not False  # every cycle closed: plan the next one
        if roll >= 8 or not self.objectives:
            move = self.choose(ORGANISATION_MOVES, "organisation move")
        else:
            # Mostly the next move in the story of the objective moved last.
            live = [o for o in self.objectives if self._live(self.get(o))]
            if self.focus in live and not self.now_and_then("another objective?", 4):
                o = self.get(self.focus)
            elif live and not self.now_and_then("a rejected or withdrawn one?"):
                o = self.get(self.choose(live, "objective"))
            else:
                o = self.get(self.choose(self.objectives, "objective"))
            self.focus = o.id
            if roll == 7:
                moves = ANY_MOVE
            elif self.get(o.cycle_id).is_closed:
                moves = AFTER_THE_CLOSE
            elif o.status in (S.DRAFT, S.CHANGES_REQUESTED, S.AMENDING):
                moves = NEGOTIATING if o.proposal.key_results else DRAFTING
            else:
                moves = MOVES[o.status]
            move = self.choose(moves, "move")
        return getattr(self, move)(o) is not False

    def _live(self, o: Objective) -> bool:
        """Its story goes on: neither over nor left behind as a draft in a closed cycle."""
        if o.status in (S.REJECTED, S.WITHDRAWN):
            return False
        return o.agreed is not None or not self.get(o.cycle_id).is_closed

    # ---- the organisation and its cycles ---------------------------------------------------

    def _form_team(self, name: str, lead: UUID, parent: UUID | None) -> None:
        team_id = self.new_id("team")
        self.run("form_team", lambda: self.app.form_team(
            ADMIN_ID, name, lead, parent_id=parent, team_id=team_id
        ), then=lambda r: self.teams.append(team_id))

    def form_team(self, o=None):
        if len(self.teams) >= 6:
            return False
        name = self.choose(["Wearables", "Payments", "Growth"], "team name")
        self._form_team(name, self.anyone(), self.choose(self.teams, "parent team"))

    def appoint_lead(self, o=None):
        team = self.choose(self.teams, "team")
        lead = self.choose(list(self.users.values()), "new lead")
        actor = self.actor(ADMIN_ID)
        self.run("appoint_lead", lambda: self.app.appoint_lead(actor, team, lead))

    def add_member(self, o=None):
        team = self.choose(self.teams, "team")
        user = self.choose(list(self.users.values()), "member")
        actor = self.actor(self.lead(team))
        self.run("add_member", lambda: self.app.add_member(actor, team, user))

    def plan_cycle(self, o=None):
        if len(self.cycles) >= 4:
            return False
        starts = self.clock.current.date() + timedelta(days=self.draw(st.integers(-14, 7), "starts"))
        ends = starts + timedelta(days=self.draw(st.integers(14, 45), "length"))
        if self.now_and_then("ends before it starts?"):
            ends = starts - timedelta(days=1)
        cycle_id, key = self.new_id("cycle"), self.key()
        self.run("plan_cycle", lambda: self.app.plan_cycle(
            ADMIN_ID, f"Cycle {len(self.cycles) + 1}", starts, ends, cycle_id=cycle_id,
            idempotency_key=key,
        ), key, then=lambda r: self.cycles.append(cycle_id))

    def activate_cycle(self, o=None):
        return self._cycle("activate_cycle", lambda c: c.state is CycleState.PLANNING)

    def close_cycle(self, o=None):
        """Mostly a cycle that has ended; now and then one still running."""
        today = self.clock.current.date()
        early = self.now_and_then("close early?")
        return self._cycle("close_cycle", lambda c: c.state is CycleState.ACTIVE and (
            early or c.ends_on < today
        ))

    def _cycle(self, name: str, fits: Callable[[Cycle], bool]):
        if not self.cycles:  # every plan so far was refused: no cycle to act on
            return False
        fitting = [c for c in self.cycles if fits(self.get(c))]
        if not fitting and not self.now_and_then("no cycle fits: try one anyway?"):
            return False
        cycle = self.choose(fitting or self.cycles, "cycle")
        actor, key = self.actor(ADMIN_ID), self.key()
        self.run(name, lambda: getattr(self.app, name)(actor, cycle, idempotency_key=key), key)

    # ---- drafting ------------------------------------------------------------------------

    def draft_objective(self, o=None):
        if not self.cycles or len(self.objectives) >= MAX_OBJECTIVES:
            return False
        open_cycles = [c for c in self.cycles if not self.get(c).is_closed]
        cycle = self.choose(open_cycles or self.cycles, "cycle")
        team = self.choose(self.teams, "team")
        parent = None
        if self.objectives and not self.now_and_then("a root objective?", 3):
            above = self.app._ancestors(team)
            higher = [
                p for p in self.objectives
                if (obj := self.get(p)).cycle_id == cycle and obj.team_id in above
                and obj.status not in (S.REJECTED, S.WITHDRAWN)
            ]
            if higher or self.now_and_then("align anywhere?"):
                parent = self.choose(higher or self.objectives, "parent")
        actor = self.actor(self.editors(team) + [self.approver(team)])  # bottom-up or top-down
        kind, title = self.choose(KINDS, "kind"), self.choose(TITLES, "title")
        objective_id, key = self.new_id("objective"), self.key()
        self.run("draft_objective", lambda: self.app.draft_objective(
            actor, cycle, team, title, kind, parent_id=parent, objective_id=objective_id,
            idempotency_key=key,
        ), key, then=lambda r: self._drafted(objective_id))

    def _drafted(self, objective_id: UUID) -> None:
        self.objectives.append(objective_id)
        self.focus = objective_id

    def revise_objective(self, o: Objective):
        actor = self.actor(self.editors(o.team_id))
        what = self.choose(["title", "kind", "parent", "description"], "revise what")
        changes: dict[str, Any] = {}
        if what == "title":
            changes["title"] = self.choose(TITLES, "title")
        elif what == "description":
            changes["description"] = self.choose(["Why it matters", "", "x" * 2001], "description")
        elif what == "kind":
            changes["kind"] = self.choose(KINDS, "kind")
        else:
            changes["parent_id"] = self.choose([None, *self.objectives], "parent")
        key = self.key()
        self.run("revise_objective", lambda: self.app.revise_objective(
            actor, o.id, idempotency_key=key, **changes
        ), key)

    def add_key_result(self, o: Objective):
        if len(o.proposal.key_results) >= MAX_KEY_RESULTS:
            return False
        actor = self.actor(self.editors(o.team_id))
        kind = self.choose(["metric", "metric", "maintain", "milestone"], "kr kind")
        terms: dict[str, Any] = {"unit": self.choose(["%", "", "orders"], "unit")}
        if kind == "metric":
            terms["baseline"] = self.draw(NUMBERS, "baseline")
            terms["target"] = terms["baseline"] + self.choose(MOVES_BY, "target - baseline")
        elif kind == "maintain":
            terms["target"] = self.draw(NUMBERS, "threshold")
            terms["direction"] = self.choose(["at_least", "at_most"], "direction")
        terms["weight"] = self.choose([1.0, 2.0, 1.0, 0.5, 1.0, 0.0], "weight")
        title = self.choose(["Customers", "Crash rate", "Rating", "Revenue", "NPS"] * 2 + [" "], "kr title")
        kr_id, key = self.new_id("key-result"), self.key()
        self.run("add_key_result", lambda: self.app.add_key_result(
            actor, o.id, title, kind, key_result_id=kr_id, idempotency_key=key, **terms
        ), key, then=lambda r: self.key_results.__setitem__(kr_id, o.id))

    def _proposed(self, o: Objective) -> UUID | None:
        """Mostly one of the objective's proposed key results; now and then any."""
        krs = [kr.id for kr in o.proposal.key_results]
        if krs and not self.now_and_then("another objective's key result?"):
            return self.choose(krs, "key result")
        return self.choose(list(self.key_results), "key result") if self.key_results else None

    def revise_key_result(self, o: Objective):
        if (kr := self._proposed(o)) is None:
            return False
        what = self.choose(["target", "target", "baseline", "weight", "title"], "revise kr what")
        value = (
            self.choose(["Active users", ""], "kr title") if what == "title"
            else self.choose([3.0, 1.0], "weight") if what == "weight"
            else self.draw(NUMBERS, what)
        )
        actor, key = self.actor(self.editors(o.team_id)), self.key()
        self.run("revise_key_result", lambda: self.app.revise_key_result(
            actor, o.id, kr, idempotency_key=key, **{what: value}
        ), key)

    def remove_key_result(self, o: Objective):
        if (kr := self._proposed(o)) is None:
            return False
        actor, key = self.actor(self.editors(o.team_id)), self.key()
        self.run("remove_key_result", lambda: self.app.remove_key_result(
            actor, o.id, kr, idempotency_key=key
        ), key)

    # ---- the negotiation -------------------------------------------------------------------

    def _move(self, name: str, o: Objective, by_approver: bool):
        natural = self.approver(o.team_id) if by_approver else self.lead(o.team_id)
        actor, key = self.actor(natural), self.key()
        comment = self.choose(COMMENTS, "comment")
        self.run(name, lambda: getattr(self.app, name)(
            actor, o.id, comment=comment, idempotency_key=key
        ), key)

    def submit(self, o: Objective):
        return self._move("submit", o, by_approver=False)

    def approve(self, o: Objective):
        return self._move("approve", o, by_approver=True)

    def request_changes(self, o: Objective):
        return self._move("request_changes", o, by_approver=True)

    def reject(self, o: Objective):
        return self._move("reject", o, by_approver=True)

    def accept_counter(self, o: Objective):
        return self._move("accept_counter", o, by_approver=False)

    def decline_counter(self, o: Objective):
        return self._move("decline_counter", o, by_approver=False)

    def withdraw(self, o: Objective):
        return self._move("withdraw", o, by_approver=False)

    def amend(self, o: Objective):
        return self._move("amend", o, by_approver=False)

    def counter(self, o: Objective):
        targets = {}
        for _ in range(self.draw(st.integers(1, 2), "countered key results")):
            if (kr := self._proposed(o)) is not None:
                targets[kr] = self.draw(NUMBERS, "counter target")
        actor, key = self.actor(self.approver(o.team_id)), self.key()
        comment = self.choose(COMMENTS, "comment")
        self.run("counter", lambda: self.app.counter(
            actor, o.id, targets, comment=comment, idempotency_key=key
        ), key)

    # ---- measuring and scoring ------------------------------------------------------------

    def record_check_in(self, o: Objective):
        krs = list((o.agreed or o.proposal).key_results)
        if not krs:
            return False
        kr = self.choose(krs, "key result")
        if kr.kind is KeyResultKind.MILESTONE:
            value = self.choose([1.0, 0.0, 1.0, 0.0, 0.5], "done?")
        else:
            value = self.draw(NUMBERS, "value")
        confidence = self.choose([0.7, 0.3, 1.0, 0.0, 0.5, 0.9, 0.1, 0.6, 1.5], "confidence")
        measured_at = None
        if self.draw(st.booleans(), "backdated?"):
            hours = self.draw(st.integers(0, 24 * 20), "hours back")
            measured_at = self.clock.current - timedelta(hours=hours)
        actor, key = self.actor(self.editors(o.team_id)), self.key()
        check_in_id, note = self.new_id("check-in"), self.choose(["weekly", ""], "note")
        self.run("record_check_in", lambda: self.app.record_check_in(
            actor, o.id, kr.id, value, confidence, note, measured_at=measured_at,
            check_in_id=check_in_id, idempotency_key=key,
        ), key, then=lambda r: self.check_ins.setdefault(o.id, []).append(check_in_id))

    def correct_check_in(self, o: Objective):
        if not self.check_ins.get(o.id):
            return False
        check_in_id = self.choose(self.check_ins[o.id], "check-in")
        actor, key = self.actor(self.editors(o.team_id)), self.key()
        value = self.draw(NUMBERS | st.sampled_from([0.0, 1.0]), "corrected value")
        reason = self.choose(["read the wrong dashboard", " "], "reason")
        self.run("correct_check_in", lambda: self.app.correct_check_in(
            actor, o.id, check_in_id, value, reason, idempotency_key=key
        ), key)

    def adjust_score(self, o: Objective):
        actor, key = self.actor(self.lead(o.team_id)), self.key()
        score = self.choose([0.7, 0.35, 0.0, 1.0, 1.2], "score")
        reason = self.choose(["landed late", ""], "reason")
        self.run("adjust_score", lambda: self.app.adjust_score(
            actor, o.id, score, reason, idempotency_key=key
        ), key)

    def carry_over(self, o: Objective):
        open_cycles = [c for c in self.cycles if not self.get(c).is_closed]
        into = self.choose(open_cycles or self.cycles, "into cycle")
        actor, key = self.actor(self.lead(o.team_id)), self.key()
        new_id = self.new_id("objective")

        def carried(recorded: Recorded) -> None:
            self.objectives.append(new_id)
            for kr in self.get(new_id).proposal.key_results:
                self.key_results[kr.id] = new_id

        self.run("carry_over", lambda: self.app.carry_over(
            actor, o.id, into, new_objective_id=new_id, idempotency_key=key
        ), key, then=carried)

    def retry(self, o=None):
        """Sends the last command that had an idempotency key again: nothing is recorded twice."""
        if self.last_keyed is None:
            return False
        command, name = self.last_keyed
        head = self.app.head_position()
        command()
        assert self.app.head_position() == head, f"a retried {name} appended events"
        self.replayed += 1
