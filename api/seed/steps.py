"""Turns the demo's catalogue into steps: one use case call each, with a stable name and moment.

A step's name, prefixed `demo:`, is its idempotency key, and everything it creates gets an id
derived from fixed names, so running the plan again replays receipts instead of recording
anything twice, and a step can refer to what an earlier step created without its result.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid5

from api.seed import organisation as org
from api.seed.quarters import FINAL_READING, QUARTERS
from api.seed.readings import Draw, agreed_target, draws, value_of
from api.seed.specs import KR, Amendment, CarryOver, ObjectiveSpec, QuarterSpec
from api.seed.timeline import Quarter, Step, demo_id, demo_key, schedule
from domain.application import ADMIN_ID, OkrApp
from domain.organisation import user_id_for

SEED = 20240611
# Hours after an objective's drafting at which its negotiation's moves happen, in order.
MOVES_AT = (1, 21, 23, 26, 45, 50, 69)
APPROVED_AT_THE_END = ("approve", "changes", "counter_decline", "counter_accept")
LEVEL_STARTS = {1: 14, 2: 11, 3: 8}  # days before the quarter an objective of each level is drafted

SCRIPTS = {
    "approve": ("submit", "approve"),
    "changes": ("submit", "request_changes", "revise", "submit", "approve"),
    "counter_decline": ("submit", "counter", "decline_counter", "revise", "submit", "approve"),
    "counter_accept": ("submit", "counter", "accept_counter"),
    "reject": ("submit", "reject"),
    "withdraw": ("submit", "request_changes", "withdraw"),
    "pending": ("submit",),
}
LEAD_MOVES = ("submit", "accept_counter", "decline_counter", "withdraw", "amend")


class PlanBuilder:
    """Collects the steps of the whole seed; the ids it hands out are the summary's inventory."""

    def __init__(self, app: OkrApp, quarters: tuple[Quarter, ...]):
        self.app = app
        self.quarters = quarters
        self.rng = random.Random(SEED)
        self.steps: list[Step] = []
        self.names: set[str] = set()
        self.users = {p.slug: user_id_for(p.email) for p in org.PEOPLE}
        self.teams = {t.slug: demo_id("team", t.slug) for t in org.TEAMS}
        self.cycles = {q.label: demo_id("cycle", q.label) for q in quarters}
        self.objectives: dict[tuple[str, str], UUID] = {}
        self.owners: dict[tuple[str, str], str] = {}  # (quarter, objective) → team slug

    def add(self, name: str, at: datetime, run: Callable[..., Any], optional: bool = False) -> None:
        if name in self.names:
            raise ValueError(f"two demo steps are named {name!r}")
        self.names.add(name)
        self.steps.append(Step(name, at, run, optional))

    def lead(self, team: str) -> UUID:
        return self.users[org.TEAM_BY_SLUG[team].lead]

    def approver(self, team: str) -> UUID:
        parent = org.TEAM_BY_SLUG[team].parent
        return ADMIN_ID if parent is None else self.lead(parent)

    def measurer(self, team: str) -> UUID:
        return self.users[org.measurer_of(team)]

    # ---- the organisation -----------------------------------------------------------

    def organisation(self, start: datetime) -> None:
        app, at = self.app, start
        self.add("admin", at, lambda key, now: app.ensure_admin())
        self.add("north-star", at, lambda key, now: app.state_north_star(
            ADMIN_ID, org.NORTH_STAR, idempotency_key=key))
        for person in org.PEOPLE:
            at += timedelta(minutes=3)
            self.add(f"user:{person.slug}", at, lambda key, now, p=person: app.register_user(
                ADMIN_ID, p.name, p.email, idempotency_key=key))
        for team in org.TEAMS:
            at += timedelta(minutes=10)
            self.add(f"team:{team.slug}", at, lambda key, now, t=team: app.form_team(
                ADMIN_ID, t.name, self.users[t.lead],
                parent_id=self.teams[t.parent] if t.parent else None,
                team_id=self.teams[t.slug], idempotency_key=key))
            for member in team.members:
                at += timedelta(minutes=2)
                self.add(f"member:{team.slug}:{member}", at,
                         lambda key, now, t=team.slug, m=member: app.add_member(
                             ADMIN_ID, self.teams[t], self.users[m], idempotency_key=key))

    # ---- a quarter ------------------------------------------------------------------

    def quarter(self, q: Quarter, spec: QuarterSpec, following: Quarter | None) -> None:
        app, label, cycle = self.app, q.label, self.cycles[q.label]
        self.add(f"{label}:plan", q.at(-15, 9), lambda key, now: app.plan_cycle(
            ADMIN_ID, q.name, q.starts_on, q.ends_on, cycle_id=cycle, idempotency_key=key))
        by_level: dict[int, int] = {}
        for o in spec.objectives:
            level = org.level_of(o.team)
            index = by_level[level] = by_level.get(level, -1) + 1
            self.objective(q, o, q.at(-LEVEL_STARTS[level], 10 + 1.5 * index))
        self.add(f"{label}:activate", q.at(0, 8), lambda key, now: app.activate_cycle(
            ADMIN_ID, cycle, idempotency_key=key))
        for n, o in enumerate(spec.objectives):
            if o.script in APPROVED_AT_THE_END:
                for j, kr in enumerate(o.krs):
                    self.check_ins(q, spec, o, kr, agreed_target(kr, o.script), 7 * n + j)
        for a in spec.amendments:
            self.amendment(q, spec, a)
        if following is None:
            return
        self.add(f"{label}:close", q.last_day(17), lambda key, now: app.close_cycle(
            ADMIN_ID, cycle, idempotency_key=key))
        for i, adj in enumerate(spec.adjustments):
            team = self.owners[(label, adj.objective)]
            oid = self.objectives[(label, adj.objective)]
            self.add(f"{label}:{adj.objective}:adjust-score", following.at(0, 11 + i / 4),
                     lambda key, now, a=adj, t=team, o=oid: app.adjust_score(
                         self.lead(t), o, a.score, a.reason, idempotency_key=key))
        for r in spec.reviews:
            o = next(o for o in spec.objectives if o.slug == r.objective)
            kr = next(k for k in o.krs if k.slug == r.kr)
            draw = Draw(0, r.finish, True, True, 0.0, 0.9, r.note)
            value = value_of(kr, draw, kr.baseline, agreed_target(kr, o.script))
            self.reading(q, o.slug, o.team, kr, f"review-{r.days}d", q.last_day(17 + 24 * r.days),
                         lambda d=draw, v=value: (v, d), optional=True)
        for i, carry in enumerate(spec.carry_overs):
            origin = next(o for o in spec.objectives if o.slug == carry.origin)
            self.carry_over(q, origin, carry, following, following.at(0, 13 + 2 * i))

    def objective(self, q: Quarter, o: ObjectiveSpec, start: datetime) -> None:
        app, label = self.app, q.label
        oid = self.register(label, o.slug, o.team)
        drafter = self.users[o.drafter] if o.drafter else self.lead(o.team)
        parent = self.objectives[(label, o.parent)] if o.parent else None
        self.add(f"{label}:{o.slug}:draft", start, lambda key, now: app.draft_objective(
            drafter, self.cycles[label], self.teams[o.team], o.title, o.kind, o.description,
            parent_id=parent, objective_id=oid, idempotency_key=key))
        for j, kr in enumerate(o.krs):
            self.add(f"{label}:{o.slug}:kr:{kr.slug}", start + timedelta(minutes=5 * (j + 1)),
                     lambda key, now, k=kr: self.add_key_result(drafter, label, o.slug, k, key))
        comments = iter(o.comments)
        for n, move in enumerate(SCRIPTS[o.script]):
            at = start + timedelta(hours=MOVES_AT[n])
            if move == "revise":
                for kr in (k for k in o.krs if k.revised is not None):
                    self.add(f"{label}:{o.slug}:{n}:revise:{kr.slug}", at,
                             lambda key, now, k=kr: app.revise_key_result(
                                 self.measurer(o.team), oid, self.kr_id(label, o.slug, k.slug),
                                 target=k.revised, idempotency_key=key))
                continue
            self.move(f"{label}:{o.slug}:{n}:{move}", at, move, o.team, oid,
                      next(comments, None), {self.kr_id(label, o.slug, k.slug): k.counter
                                             for k in o.krs if k.counter is not None})

    def register(self, label: str, slug: str, team: str) -> UUID:
        if (label, slug) in self.objectives:
            raise ValueError(f"two demo objectives are named {slug!r} in {label}")
        self.owners[(label, slug)] = team
        self.objectives[(label, slug)] = demo_id("objective", label, slug)
        return self.objectives[(label, slug)]

    def move(self, name: str, at: datetime, move: str, team: str, oid: UUID,
             comment: str | None, counter: dict[UUID, float] | None = None,
             optional: bool = False) -> None:
        """A negotiation move: the team's lead submits and answers, the approver reviews."""
        actor = self.lead(team) if move in LEAD_MOVES else self.approver(team)
        if move == "counter":
            self.add(name, at, lambda key, now: self.app.counter(
                actor, oid, counter, comment=comment, idempotency_key=key), optional)
        else:
            self.add(name, at, lambda key, now: getattr(self.app, move)(
                actor, oid, comment=comment, idempotency_key=key), optional)

    def kr_id(self, label: str, objective: str, kr: str) -> UUID:
        return demo_id("key-result", label, objective, kr)

    def add_key_result(self, actor: UUID, label: str, objective: str, kr: KR, key: str):
        return self.app.add_key_result(
            actor, self.objectives[(label, objective)], kr.title, kr.kind, unit=kr.unit,
            baseline=kr.baseline, target=kr.target, direction=kr.direction, weight=kr.weight,
            key_result_id=self.kr_id(label, objective, kr.slug), idempotency_key=key)

    # ---- measuring ------------------------------------------------------------------

    def check_ins(self, q: Quarter, spec: QuarterSpec, o: ObjectiveSpec, kr: KR,
                  target: float | None, minute: int, from_week: int = 1) -> None:
        for draw in draws(kr, self.rng):
            if draw.week < from_week:
                continue
            value = value_of(kr, draw, kr.baseline, target)
            fix = next((c for c in spec.corrections if (c.objective, c.kr, c.week) ==
                        (o.slug, kr.slug, draw.week)), None)
            shown = value if fix is None else round(value * fix.wrong_by, kr.decimals)
            at = q.week(draw.week, 14) + timedelta(minutes=minute)
            check_in = self.reading(q, o.slug, o.team, kr, f"w{draw.week:02d}", at,
                                    lambda d=draw, v=shown: (v, d), optional=True)
            if fix is not None:
                self.add(f"{q.label}:{o.slug}:{kr.slug}:w{draw.week:02d}:correct",
                         at + timedelta(hours=17.5), lambda key, now, v=value, f=fix, c=check_in:
                         self.app.correct_check_in(
                             self.measurer(o.team), self.objectives[(q.label, o.slug)], c, v,
                             f.reason, idempotency_key=key), optional=True)

    def reading(self, q: Quarter, objective: str, team: str, kr: KR, when: str, at: datetime,
                measure: Callable[[], tuple[float, Draw] | None], optional: bool,
                kr_id: UUID | None = None, measured_at: datetime | None = None) -> UUID:
        """One check-in step; `measure` gives (value, draw) at run time, or None to skip."""
        name = f"{q.label}:{objective}:{kr.slug}:{when}"
        check_in = demo_id("check-in", name)
        kr_id = kr_id or self.kr_id(q.label, objective, kr.slug)
        if measured_at is None:  # measured in the morning, recorded later that day
            measured_at = at.replace(hour=9, minute=0) if at.hour >= 9 else at - timedelta(hours=1)

        def run(key: str, now: datetime):
            measured = measure()
            if measured is None:
                return None
            value, draw = measured
            return self.app.record_check_in(
                self.measurer(team), self.objectives[(q.label, objective)], kr_id, value,
                draw.confidence, draw.note, measured_at=min(measured_at, now),
                check_in_id=check_in, idempotency_key=key)

        self.add(name, at, run, optional)
        return check_in

    def amendment(self, q: Quarter, spec: QuarterSpec, a: Amendment) -> None:
        label, day = q.label, 7 * a.week - 4
        o = next(o for o in spec.objectives if o.slug == a.objective)
        oid, base = self.objectives[(label, o.slug)], f"{label}:{o.slug}:amendment"
        self.move(f"{base}:amend", q.at(day, 10), "amend", o.team, oid, a.reason, optional=True)
        if a.added is not None:
            self.add(f"{base}:kr:{a.added.slug}", q.at(day, 11),
                     lambda key, now: self.add_key_result(
                         self.measurer(o.team), label, o.slug, a.added, key), optional=True)
        else:
            self.add(f"{base}:revise:{a.kr}", q.at(day, 11),
                     lambda key, now: self.app.revise_key_result(
                         self.measurer(o.team), oid, self.kr_id(label, o.slug, a.kr),
                         target=a.target, idempotency_key=key), optional=True)
        self.move(f"{base}:submit", q.at(day, 11.5), "submit", o.team, oid, None, optional=True)
        answer = "approve" if a.outcome == "approved" else "reject"
        self.move(f"{base}:{answer}", q.at(day + 1, 10), answer, o.team, oid, a.answer,
                  optional=True)
        if a.added is not None and a.outcome == "approved":
            self.check_ins(q, spec, o, a.added, a.added.target, 6, from_week=a.week)

    # ---- after the close ------------------------------------------------------------

    def carry_over(self, q: Quarter, origin: ObjectiveSpec, carry: CarryOver, nxt: Quarter,
                   start: datetime) -> None:
        app, team = self.app, origin.team
        origin_id = self.objectives[(q.label, origin.slug)]
        new_id = self.register(nxt.label, carry.slug, team)
        parent_id = demo_id("objective", nxt.label, carry.parent)
        self.add(f"{q.label}:{origin.slug}:carry-over", start, lambda key, now: app.carry_over(
            self.lead(team), origin_id, self.cycles[nxt.label], new_objective_id=new_id,
            idempotency_key=key))
        moves = (("realign", 0.2), ("submit", 1), ("approve", 21)) if carry.script == "realign" \
            else (("submit", 1), ("request_changes", 21), ("realign", 23), ("submit", 24),
                  ("approve", 45))
        comments = iter(carry.comments)
        for n, (move, hours) in enumerate(moves):
            name = f"{nxt.label}:{carry.slug}:carried:{n}:{move}"
            at = start + timedelta(hours=hours)
            if move == "realign":
                self.add(name, at, lambda key, now: app.revise_objective(
                    self.lead(team), new_id, parent_id=parent_id, idempotency_key=key))
            else:
                self.move(name, at, move, team, new_id, next(comments, None))
        for j, kr in enumerate(origin.krs):
            carried_kr = uuid5(new_id, str(self.kr_id(q.label, origin.slug, kr.slug)))
            for draw in draws(kr, self.rng, finish=carry.finish, broken=()):
                self.reading(nxt, carry.slug, team, kr, f"w{draw.week:02d}",
                             nxt.week(draw.week, 14) + timedelta(minutes=140 + j),
                             self._carried_measure(new_id, carried_kr, kr, draw), optional=True,
                             kr_id=carried_kr)

    def _carried_measure(self, objective_id: UUID, kr_id: UUID, kr: KR, draw: Draw):
        """Carried key results start from the origin's last value: read their terms at run time.
        A key result the origin had already achieved stayed behind, so it is not measured."""
        def measure() -> tuple[float, Draw] | None:
            agreed = self.app.repository.get(objective_id).agreed
            terms = agreed.key_result(kr_id) if agreed is not None else None
            if terms is None:
                return None
            return value_of(kr, draw, terms.baseline, terms.target), draw
        return measure

    def final_reading(self, q: Quarter, limit: datetime) -> Step:
        """The last step of every seed: the latest reading, just before the seed ran."""
        slug, kr_slug = FINAL_READING
        o = next(o for o in QUARTERS[-1][1].objectives if o.slug == slug)
        kr = next(k for k in o.krs if k.slug == kr_slug)
        draw = Draw(0, kr.finish * q.elapsed(limit), True, False, 0.0, 0.8,
                    "Latest reading from the finance dashboard.")
        value = value_of(kr, draw, kr.baseline, agreed_target(kr, o.script))
        self.reading(q, slug, o.team, kr, "latest", limit, lambda: (value, draw), optional=False,
                     measured_at=limit - timedelta(minutes=30))
        return self.steps.pop()


def build_plan(app: OkrApp, quarters: tuple[Quarter, ...], limit: datetime) -> PlanBuilder:
    """All steps of the seed, scheduled up to `limit`, in `builder.steps`."""
    builder = PlanBuilder(app, quarters)
    builder.organisation(quarters[0].at(-21, 9))
    for i, (q, (label, spec)) in enumerate(zip(quarters, QUARTERS, strict=True)):
        assert q.label == label
        builder.quarter(q, spec, quarters[i + 1] if i + 1 < len(quarters) else None)
    builder.steps = schedule(builder.steps, limit) + [builder.final_reading(quarters[-1], limit)]
    return builder


def final_step() -> tuple[UUID, str]:
    """The actor and idempotency key of the seed's last step: its receipt marks a finished seed
    and its recorded time tells when that seed ran."""
    slug, kr = FINAL_READING
    team = next(o.team for o in QUARTERS[-1][1].objectives if o.slug == slug)
    return user_id_for(next(p.email for p in org.PEOPLE if p.slug == org.measurer_of(team))), \
        demo_key(f"{QUARTERS[-1][0]}:{slug}:{kr}:latest")
