"""What the demo store holds after a seed, read back from its aggregates and log, and shown."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from api.seed import organisation as org
from domain.application import ADMIN_ID, OkrApp
from domain.north_star import NORTH_STAR_ID
from domain.values import Direction, KeyResultKind, ObjectiveStatus

if TYPE_CHECKING:
    from api.seed.steps import PlanBuilder

STATUS_ORDER = [s.value for s in (
    ObjectiveStatus.APPROVED, ObjectiveStatus.IN_REVIEW, ObjectiveStatus.CHANGES_REQUESTED,
    ObjectiveStatus.COUNTERED, ObjectiveStatus.AMENDING, ObjectiveStatus.DRAFT,
    ObjectiveStatus.REJECTED, ObjectiveStatus.WITHDRAWN,
)]
PAGE = 1000


@dataclass
class DemoSummary:
    company: str
    north_star: str
    users: int
    memberships: int
    teams_by_level: dict[int, list[str]]
    cycles: list[tuple[str, str, str]]                 # name, dates, state
    objectives: dict[str, Counter[str]]                # cycle name → status → count
    key_results: Counter[str]
    check_ins: int
    corrections: int
    rounds: int
    carried_over: int
    adjusted_scores: int
    steps: int
    appended: int
    total: int
    seconds: float
    topics: Counter[str] = field(default_factory=Counter)   # every event in the log, by topic


def count_events(app: OkrApp, after: int = 0) -> Counter[str]:
    """The events of the log after position `after`, counted by topic."""
    topics: Counter[str] = Counter()
    start = after + 1
    while batch := app.recorder.select_notifications(start=start, limit=PAGE):
        topics.update(n.topic for n in batch)
        start = batch[-1].id + 1
    return topics


KR_KINDS = ("metric ↑", "metric ↓", "maintain ≥", "maintain ≤", "milestone")


def _kr_kind(kr) -> str:
    """Metric ↑ / ↓ (up, down), maintain ≥ / ≤ (at least, at most), or milestone."""
    if kr.kind is KeyResultKind.METRIC:
        return KR_KINDS[0] if kr.target > kr.baseline else KR_KINDS[1]
    if kr.kind is KeyResultKind.MAINTAIN:
        return KR_KINDS[2] if kr.direction is Direction.AT_LEAST else KR_KINDS[3]
    return KR_KINDS[4]


def summarise(app: OkrApp, plan: PlanBuilder, head_before: int, seconds: float) -> DemoSummary:
    get = app.repository.get
    users = len([get(user_id) for user_id in (ADMIN_ID, *plan.users.values())])
    teams_by_level: dict[int, list[str]] = {}
    memberships = 0
    for spec in org.TEAMS:
        team = get(plan.teams[spec.slug])
        teams_by_level.setdefault(org.level_of(spec.slug), []).append(team.name)
        memberships += len(team.members)
    cycles, names = [], {}
    for q in plan.quarters:
        cycle = get(plan.cycles[q.label])
        names[q.label] = cycle.name
        cycles.append((cycle.name, f"{cycle.starts_on} → {cycle.ends_on}", cycle.state.value))
    objectives: dict[str, Counter[str]] = {name: Counter() for name in names.values()}
    kinds: Counter[str] = Counter()
    check_ins = corrections = rounds = carried = adjusted = 0
    for (label, _), objective_id in plan.objectives.items():
        objective = get(objective_id)
        objectives[names[label]][objective.status.value] += 1
        kinds.update(_kr_kind(kr) for kr in (objective.agreed or objective.proposal).key_results)
        check_ins += len(objective.check_ins)
        corrections += sum(len(c.corrections) for c in objective.check_ins.values())
        rounds += objective.round
        carried += objective.carried_into_id is not None
        adjusted += objective.adjusted_score is not None
    topics = count_events(app)
    appended = sum(count_events(app, head_before).values()) if head_before else sum(topics.values())
    return DemoSummary(
        company=org.COMPANY, north_star=get(NORTH_STAR_ID).statement, users=users,
        memberships=memberships, teams_by_level=teams_by_level, cycles=cycles,
        objectives=objectives, key_results=kinds, check_ins=check_ins, corrections=corrections,
        rounds=rounds, carried_over=carried, adjusted_scores=adjusted, steps=len(plan.steps),
        appended=appended, total=sum(topics.values()), seconds=seconds, topics=topics,
    )


def render(summary: DemoSummary, console: Console, where: str) -> None:
    """Prints the summary table, then one line with the events appended by this run."""
    table = Table(title=f"{summary.company} demo organisation", title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("count", justify="right")
    table.add_column("detail")
    table.add_row("North Star", "", summary.north_star)
    table.add_row("users", str(summary.users), f"the administrator and {summary.users - 1} people")
    levels = summary.teams_by_level
    table.add_row("teams", str(sum(len(t) for t in levels.values())),
                  f"{len(levels)} levels, each with a lead; {summary.memberships} members")
    for level, names in sorted(levels.items()):
        table.add_row(f"  level {level}", str(len(names)), ", ".join(names))
    for name, dates, state in summary.cycles:
        table.add_row(f"cycle {name}", "", f"{state} ({dates})")
    for name, statuses in summary.objectives.items():
        by_status = ", ".join(f"{statuses[s]} {s}" for s in STATUS_ORDER if statuses[s])
        table.add_row(f"objectives {name}", str(sum(statuses.values())), by_status)
    table.add_row("key results", str(sum(summary.key_results.values())),
                  ", ".join(f"{summary.key_results[k]} {k}" for k in KR_KINDS))
    table.add_row("check-ins", str(summary.check_ins), "weekly, with confidence and notes")
    table.add_row("corrections", str(summary.corrections), "of earlier check-ins")
    moves = summary.topics
    table.add_row("negotiation rounds", str(summary.rounds),
                  f"{moves['okr:Objective.ChangesRequested']} changes requested, "
                  f"{moves['okr:Objective.Countered']} counters, "
                  f"{moves['okr:Objective.AmendmentStarted']} amendments")
    table.add_row("adjusted scores", str(summary.adjusted_scores), "after the close, with reasons")
    table.add_row("carried over", str(summary.carried_over), "into the next quarter")
    table.add_row("events in the log", str(summary.total), f"{summary.steps} demo steps")
    console.print(table)
    console.print(
        f"{summary.appended} events appended to {where} in {summary.seconds:.1f} s "
        f"({summary.total} events in the log).",
        soft_wrap=True, markup=False,
    )
