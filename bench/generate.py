"""A synthetic but valid event log of about N events, written in bulk and cached under /tmp.

Every event comes from the domain's own command methods (with the roles the application
would work out), stamped by a stepping clock, so the log is one the application could have
written: recorded time strictly increases along it and each command's events stay together.
The organisation, its users, teams, North Star and cycles are made through the application's
use cases; objectives, negotiations and check-ins through the aggregates, saved with
`app.events.put(events)` (what `app.save(*events)` does) per batch of a few thousand events (one transaction each).

What the log holds, in order:
  - an organisation: a company, 6 departments, 36 teams, 79 users, the North Star;
  - two closed quarters (2025-Q1, 2025-Q2) of 80 objectives each: negotiations with counters,
    change requests, rejections and withdrawals, check-ins and corrections, the close,
    adjusted scores and carry-overs into the next quarter;
  - the active quarter 2025-Q3 with exactly 1,000 objectives (aligned company → department
    → team), all negotiated and approved within the first ~9,000 events;
  - then, until N: check-ins on those 1,000 objectives (about 1 in 10 measured some hours
    late), with 1 % corrections, 0.5 % review measurements on the closed quarters'
    objectives and now and then an amendment (amend, new target, submit, approve).

The stream is deterministic (fixed seed) and does not depend on N, so the log of N events is
a prefix of the log of any larger N (cut at a command boundary): a read as of position P
gives the same answer in both.

    uv run python -m bench.generate 100000      # writes (or finds) the cached log, prints its path
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import time
from collections import deque
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

from domain.application import OkrApp
from domain.objective import Objective
from domain.values import Direction, KeyResultKind, KeyResultTerms, Role, Standing

GENERATOR_VERSION = "5"
CACHE = Path(os.environ.get("OKR_BENCH_CACHE", "/tmp/okr-bench"))
MAIN_OBJECTIVES = 1000
HISTORY_OBJECTIVES = 80
FLUSH_EVERY = 4000
SEED = 20250701
START = datetime(2025, 1, 1, 8, tzinfo=UTC)
MAIN_STARTS = datetime(2025, 7, 1, 8, tzinfo=UTC)
TAIL_STEP = 7.0  # seconds between tail commands: a million of them fit in the quarter


class _Done(Exception):
    """Raised after the command that brings the log to its target size."""


class SteppingClock:
    """The application's clock and the bulk writer's: every reading moves it on."""

    def __init__(self, start: datetime):
        self.t = start

    def __call__(self) -> datetime:
        return self.tick(1.0)

    def tick(self, seconds: float) -> datetime:
        self.t += timedelta(seconds=seconds)
        return self.t

    def jump(self, to: datetime) -> None:
        if to > self.t:
            self.t = to


class _Team:
    def __init__(self, id: UUID, lead: UUID, member: UUID, approver: Standing, depth: int):
        self.id, self.depth = id, depth
        self.lead = Standing(lead, frozenset({Role.LEAD}))
        # Department and company objectives are drafted and measured by the lead.
        self.member = self.lead if member == lead else Standing(member, frozenset({Role.MEMBER}))
        self.approver = approver


class Writer:
    def __init__(self, app: OkrApp, clock: SteppingClock, target: int):
        self.app, self.clock, self.target = app, clock, target
        self.rng = random.Random(SEED)
        self.pending: list = []
        self.saved = 0

    # ---- plumbing -------------------------------------------------------------------

    def uid(self) -> UUID:
        return UUID(int=self.rng.getrandbits(128), version=4)

    def emit(self, *aggregates) -> None:
        """Queues the events a command raised on `aggregates`; stops once the target is met."""
        for aggregate in aggregates:
            self.pending.extend(aggregate.collect_events())
        if len(self.pending) >= FLUSH_EVERY:
            self.flush()
        if self.saved + len(self.pending) >= self.target:
            raise _Done

    def flush(self) -> None:
        if self.pending:
            # What `app.save(*events)` does, without its per-object protocol checks.
            recordings = self.app.events.put(self.pending)
            self.saved = recordings[-1].notification.id  # the log's head
            self.pending.clear()

    def case(self, use_case, *args, **kwargs):
        """Runs an application use case (saved at once, so queued events go first)."""
        self.flush()
        result = use_case(*args, **kwargs)
        self.saved = self.app.head_position()
        if self.saved >= self.target:
            raise _Done
        return result

    # ---- the organisation -----------------------------------------------------------

    def organisation(self) -> None:
        app = self.app
        self.admin = app.ensure_admin()
        admin_standing = Standing(self.admin, frozenset({Role.ADMIN, Role.APPROVER}))

        def user(name: str) -> UUID:
            email = name.lower().replace(" ", ".") + "@bench.example.org"
            return self.case(app.register_user, self.admin, name, email).id

        ceo = user("Cleo Ceo")
        company = self.case(app.form_team, self.admin, "Company", ceo, team_id=self.uid()).id
        self.teams = [_Team(company, ceo, ceo, admin_standing, 0)]
        self.departments: list[_Team] = []
        for d in range(6):
            vp = user(f"Vera Vp{d}")
            dept = self.case(app.form_team, self.admin, f"Department {d}", vp, parent_id=company,
                             team_id=self.uid()).id
            team = _Team(dept, vp, vp, Standing(ceo, frozenset({Role.APPROVER})), 1)
            self.teams.append(team)
            self.departments.append(team)
        self.squads: list[_Team] = []
        for t in range(36):
            dept = self.departments[t // 6]
            lead, member = user(f"Lee Lead{t}"), user(f"Max Member{t}")
            team_id = self.case(app.form_team, self.admin, f"Team {t}", lead, parent_id=dept.id,
                                team_id=self.uid()).id
            self.case(app.add_member, lead, team_id, member)
            squad = _Team(team_id, lead, member, Standing(dept.lead.actor_id, frozenset({Role.APPROVER})), 2)
            squad.department = dept
            self.teams.append(squad)
            self.squads.append(squad)
        self.case(app.state_north_star, self.admin, "Every customer succeeds on the first try")

    # ---- objectives -----------------------------------------------------------------

    def key_results(self, n: int) -> list[KeyResultTerms]:
        rng = self.rng
        krs = []
        for i in range(n):
            kind = KeyResultKind.METRIC if i == 0 else rng.choice(
                (KeyResultKind.METRIC, KeyResultKind.MAINTAIN, KeyResultKind.MILESTONE))
            if kind is KeyResultKind.METRIC:
                baseline = float(rng.randint(5, 80))
                target = baseline + rng.choice((-1, 1)) * float(rng.randint(5, 40))
                krs.append(KeyResultTerms(self.uid(), f"Metric {i}", kind, "%", baseline, target))
            elif kind is KeyResultKind.MAINTAIN:
                krs.append(KeyResultTerms(
                    self.uid(), f"Keep {i}", kind, "ms", None, float(rng.randint(100, 500)),
                    Direction.AT_MOST))
            else:
                krs.append(KeyResultTerms(self.uid(), f"Ship {i}", kind))
        return krs

    def negotiate(self, cycle_id: UUID, team: _Team, parent: UUID | None, n: int,
                  may_fail: bool, krs: list[KeyResultTerms] | None = None,
                  objective: Objective | None = None) -> Objective | None:
        """Drafts (unless given), adds key results, and negotiates to approval (or not)."""
        rng, now = self.rng, self.clock.tick
        if objective is None:
            drafter = team.member if team.depth == 2 else team.lead
            objective = Objective.draft(
                drafter, self.uid(), cycle_id, team.id, f"Objective {n} of team {team.id.hex[:6]}",
                rng.choice(("committed", "committed", "aspirational")),
                "Why this matters to our customers", parent, now(1))
            self.emit(objective)
            for kr in krs if krs is not None else self.key_results(rng.choice((2, 3, 3, 4))):
                objective.add_key_result(team.member, kr, now(1))
                self.emit(objective)
        objective.submit(team.lead, now(1), comment="Our proposal")
        self.emit(objective)
        roll = rng.random()
        if may_fail and roll < 0.03:
            objective.reject(team.approver, now(1), comment="Not this quarter")
            self.emit(objective)
            return None
        if may_fail and roll < 0.06:
            objective.withdraw(team.lead, now(1), comment="Priorities changed")
            self.emit(objective)
            return None
        metric = next((k for k in objective.proposal.key_results if k.kind is KeyResultKind.METRIC), None)
        if roll < 0.15 and metric is not None:
            objective.counter(team.approver, {metric.id: metric.target * 1.5 + 1.0}, now(1),
                              comment="Aim higher")
            self.emit(objective)
            if rng.random() < 0.6:
                objective.accept_counter(team.lead, now(1), comment="Deal")
                self.emit(objective)
                return objective
            objective.decline_counter(team.lead, now(1), comment="Too much")
            self.emit(objective)
            objective.revise_key_result(team.member, metric.id, now(1), target=metric.target * 1.2 + 0.5)
            self.emit(objective)
            objective.submit(team.lead, now(1))
            self.emit(objective)
        elif roll < 0.22:
            objective.request_changes(team.approver, now(1), comment="Sharper title, please")
            self.emit(objective)
            objective.revise(team.member, now(1), title=f"Objective {n}, sharpened")
            self.emit(objective)
            objective.submit(team.lead, now(1))
            self.emit(objective)
        objective.approve(team.approver, now(1), comment="Agreed")
        self.emit(objective)
        return objective

    def plan(self, cycle_objectives: int, cycle_id: UUID, carried: list[tuple[Objective, _Team]],
             may_fail: bool) -> list[tuple[Objective, _Team]]:
        """The cycle's objectives: company, then departments, then teams, aligned upwards."""
        rng = self.rng
        approved = []
        for objective, team in carried:
            if self.negotiate(cycle_id, team, None, 0, False, objective=objective) is not None:
                approved.append((objective, team))
        fresh = cycle_objectives - len(carried)
        company = self.teams[0]
        tops, by_department = [], {}
        for n in range(fresh):
            if n < 5:
                team, parent = company, None
            elif n < 35:
                team = self.departments[(n - 5) % 6]
                parent = rng.choice(tops) if tops else None
            else:
                team = self.squads[(n - 35) % 36]
                choices = by_department.get(team.department.id)
                parent = rng.choice(choices) if choices else None
            objective = self.negotiate(cycle_id, team, parent, n, may_fail)
            if objective is None:
                continue
            approved.append((objective, team))
            if team.depth == 0:
                tops.append(objective.id)
            elif team.depth == 1:
                by_department.setdefault(team.id, []).append(objective.id)
        return approved

    # ---- check-ins ------------------------------------------------------------------

    def value(self, kr: KeyResultTerms, share: float) -> float:
        rng = self.rng
        if kr.kind is KeyResultKind.METRIC:
            v = kr.baseline + (kr.target - kr.baseline) * min(1.2, share * rng.uniform(0.6, 1.3))
            return round(v, 2)
        if kr.kind is KeyResultKind.MAINTAIN:
            return float(round(kr.target * rng.uniform(0.7, 1.1)))
        return 1.0 if rng.random() < share * 0.8 else 0.0

    def check_in(self, objective: Objective, team: _Team, share: float, recent: deque | None) -> None:
        rng = self.rng
        now = self.clock.tick(TAIL_STEP)
        kr = rng.choice(objective.agreed.key_results)
        measured = now - timedelta(hours=rng.randint(1, 30)) if rng.random() < 0.1 else None
        check_in_id = self.uid()
        objective.record_check_in(
            team.member, check_in_id, kr.id, self.value(kr, share), round(rng.uniform(0.3, 0.95), 2),
            rng.choice(("", "", "", "on track", "blocked by review", "new data")), measured, now)
        if recent is not None:
            recent.append(check_in_id)
        self.emit(objective)

    def correct(self, objective: Objective, team: _Team, recent: deque) -> None:
        check_in = objective.check_ins[self.rng.choice(recent)]
        kr = objective.agreed.key_result(check_in.key_result_id) or objective.proposal.key_result(check_in.key_result_id)
        value = check_in.value if kr is None else self.value(kr, 0.5)
        if kr is not None and kr.kind is KeyResultKind.MILESTONE:
            value = 1.0 - check_in.value
        objective.correct_check_in(team.member, check_in.id, value, "Typo in the dashboard",
                                   self.clock.tick(TAIL_STEP))
        self.emit(objective)

    # ---- a closed quarter -----------------------------------------------------------

    def history(self, name: str, starts: date, ends: date, carried: list, next_cycle: UUID | None,
                next_name: str | None, next_dates: tuple[date, date] | None):
        app = self.app
        self.clock.jump(datetime(starts.year, starts.month, starts.day, 8, tzinfo=UTC))
        cycle_id = self.case(app.plan_cycle, self.admin, name, starts, ends - timedelta(days=1),
                             cycle_id=self.uid()).id
        self.case(app.activate_cycle, self.admin, cycle_id)
        objectives = self.plan(HISTORY_OBJECTIVES, cycle_id, carried, may_fail=True)
        for week in range(1, 6):
            for objective, team in objectives:
                self.clock.tick(60)
                self.check_in(objective, team, week / 6, None)
                if self.rng.random() < 0.05:
                    ids = deque(objective.check_ins)
                    self.correct(objective, team, ids)
        next_id = None
        if next_name is not None:
            next_id = self.case(app.plan_cycle, self.admin, next_name, *next_dates,
                                cycle_id=self.uid()).id
        self.clock.jump(datetime(ends.year, ends.month, ends.day, 9, tzinfo=UTC))
        self.case(app.close_cycle, self.admin, cycle_id)
        closed_at = app.repository.get(cycle_id).closed_at
        into = []
        for objective, team in objectives:
            roll = self.rng.random()
            if roll < 0.3:
                objective.adjust_score(team.lead, round(self.rng.uniform(0.3, 1.0), 1),
                                       "The metric lagged the work", closed_at, self.clock.tick(1))
                self.emit(objective)
            elif roll < 0.4 and next_id is not None:
                from domain import scorecard
                if scorecard.progress(objective, closed_at) < 1.0:
                    new_id = self.uid()
                    krs = objective.carry_over(team.lead, new_id, next_id, closed_at, self.clock.tick(1))
                    carried_objective = Objective.carried_over(
                        team.lead, new_id, objective, next_id, krs, self.clock.t)
                    self.emit(carried_objective, objective)
                    into.append((carried_objective, team))
        return objectives, next_id, into

    # ---- the whole log --------------------------------------------------------------

    def run(self) -> None:
        try:
            self.organisation()
            q1, q2_id, into_q2 = self.history(
                "2025-Q1", date(2025, 1, 1), date(2025, 4, 1), [], None, "2025-Q2",
                (date(2025, 4, 1), date(2025, 6, 30)))
            # Q2 was planned before Q1 closed, so carried objectives had somewhere to go.
            q2, main_id, into_main = self._second_quarter(q2_id, into_q2)
            self.clock.jump(MAIN_STARTS)
            self.case(self.app.activate_cycle, self.admin, main_id)
            main = self.plan(MAIN_OBJECTIVES, main_id, into_main, may_fail=False)
            assert len(main) == MAIN_OBJECTIVES, len(main)
            self.main_cycle = main_id
            self.tail(main, q1 + q2)
        except _Done:
            pass
        self.flush()

    def _second_quarter(self, q2_id: UUID, carried: list):
        app = self.app
        self.clock.jump(datetime(2025, 4, 1, 8, tzinfo=UTC))
        self.case(app.activate_cycle, self.admin, q2_id)
        objectives = self.plan(HISTORY_OBJECTIVES, q2_id, carried, may_fail=True)
        for week in range(1, 6):
            for objective, team in objectives:
                self.clock.tick(60)
                self.check_in(objective, team, week / 6, None)
        main_id = self.case(app.plan_cycle, self.admin, "2025-Q3", date(2025, 7, 1), date(2025, 9, 30),
                            cycle_id=self.uid()).id
        self.clock.jump(datetime(2025, 6, 30, 9, tzinfo=UTC))
        self.case(app.close_cycle, self.admin, q2_id)
        closed_at = app.repository.get(q2_id).closed_at
        into = []
        from domain import scorecard
        for objective, team in objectives:
            if self.rng.random() < 0.1 and scorecard.progress(objective, closed_at) < 1.0:
                new_id = self.uid()
                krs = objective.carry_over(team.lead, new_id, main_id, closed_at, self.clock.tick(1))
                carried_objective = Objective.carried_over(
                    team.lead, new_id, objective, main_id, krs, self.clock.t)
                self.emit(carried_objective, objective)
                into.append((carried_objective, team))
        return objectives, main_id, into

    def tail(self, main: list, closed: list) -> None:
        rng = self.rng
        recent = {o.id: deque(maxlen=32) for o, _ in main}
        step = 0
        while True:
            step += 1
            objective, team = main[rng.randrange(len(main))]
            roll = rng.random()
            if roll < 0.01 and recent[objective.id]:
                self.correct(objective, team, recent[objective.id])
            elif roll < 0.015:
                old, old_team = closed[rng.randrange(len(closed))]
                self.check_in(old, old_team, 1.0, None)
            elif roll < 0.0152 and objective.status.value == "approved":
                self.amend(objective, team)
            else:
                self.check_in(objective, team, min(1.0, step / 900_000), recent[objective.id])
            # The writer keeps only the check-ins it may still correct: what it writes does
            # not depend on the others, and a million of them would only cost memory here.
            if len(objective.check_ins) > 256:
                keep = set(recent[objective.id])
                for check_in_id in list(objective.check_ins)[:128]:
                    if check_in_id not in keep:
                        del objective.check_ins[check_in_id]
            if len(old_ins := closed[step % len(closed)][0].check_ins) > 256:
                for check_in_id in list(old_ins)[:128]:
                    del old_ins[check_in_id]

    def amend(self, objective: Objective, team: _Team) -> None:
        now = self.clock.tick
        objective.amend(team.lead, now(TAIL_STEP), comment="The market moved")
        self.emit(objective)
        metric = next((k for k in objective.proposal.key_results if k.kind is KeyResultKind.METRIC), None)
        if metric is not None:
            objective.revise_key_result(team.member, metric.id, now(TAIL_STEP), target=metric.target + 3.0)
            self.emit(objective)
        objective.submit(team.lead, now(TAIL_STEP))
        self.emit(objective)
        objective.approve(team.approver, now(TAIL_STEP), comment="Fair")
        self.emit(objective)


# ---- the cache ----------------------------------------------------------------------


def log_path(events: int) -> Path:
    return CACHE / f"log-{events}-g{GENERATOR_VERSION}.db"


def generate(events: int, path: Path) -> tuple[int, float]:
    """Writes the log of about `events` events into a new SQLite file; (events, seconds)."""
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)
    clock = SteppingClock(START)
    started = time.perf_counter()
    app = OkrApp(f"sqlite:///{path}", clock=clock)
    writer = Writer(app, clock, events)
    writer.run()
    head = app.head_position()
    app.close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return head, time.perf_counter() - started


def cached_log(events: int, say=print) -> Path:
    """The cached log of about `events` events (generated on first use)."""
    path = log_path(events)
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        say(f"generating a log of {events:,} events into {path} ...")
        head, seconds = generate(events, partial)
        for suffix in ("-wal", "-shm"):
            Path(f"{partial}{suffix}").unlink(missing_ok=True)
        partial.rename(path)
        say(f"  {head:,} events in {seconds:.1f} s ({head / seconds:,.0f} events/s)")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("events", type=int, nargs="+", help="how many events (about)")
    parser.add_argument("--force", action="store_true", help="generate again even if cached")
    args = parser.parse_args(argv)
    for n in args.events:
        if args.force:
            log_path(n).unlink(missing_ok=True)
        print(cached_log(n))


if __name__ == "__main__":
    sys.exit(main())
