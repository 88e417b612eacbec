"""What an objective's check-ins add up to: current values, progress, the score frozen at the close."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid5

from domain import rules
from domain.values import CheckIn, KeyResultKind, KeyResultTerms, Terms

if TYPE_CHECKING:
    from domain.objective import Objective


def latest_check_in(
    objective: Objective, key_result_id: UUID, recorded_until: datetime | None = None
) -> CheckIn | None:
    """The check-in with the latest valid time among those recorded by `recorded_until`.

    A late-arriving measurement of an earlier moment does not displace a newer one;
    ties on valid time go to the one recorded last.
    """
    return latest_check_ins(objective, recorded_until).get(key_result_id)


def latest_check_ins(
    objective: Objective, recorded_until: datetime | None = None
) -> dict[UUID, CheckIn]:
    """`latest_check_in` of every key result with check-ins, by key result id, in one pass."""
    latest = latest_check_ins_by_number(objective, recorded_until)
    return {check_in.key_result_id: check_in for check_in in latest.values()}


def latest_check_ins_by_number(
    objective: Objective, recorded_until: datetime | None = None
) -> dict[int, CheckIn]:
    """`latest_check_ins`, keyed by the key result id's number (`UUID.int`): hashed far
    quicker than a UUID, for readers that look them up event after event."""
    latest: dict[int, CheckIn] = {}
    for check_in in objective.check_ins.values():
        if recorded_until is not None and check_in.recorded_at > recorded_until:
            continue
        kr = check_in.key_result_id.int
        if displaces(check_in, latest.get(kr)):
            latest[kr] = check_in
    return latest


def displaces(check_in: CheckIn, latest: CheckIn | None) -> bool:
    """Whether `check_in`, recorded after `latest` (the latest of its key result so far),
    takes its place: a later valid time, or the same (a tie goes to the one recorded last)."""
    return latest is None or check_in.measured_at >= latest.measured_at


def deciding_check_ins(
    objective: Objective, closed_at: datetime | None = None,
    latest: dict[int, CheckIn] | None = None,
) -> list[CheckIn]:
    """The check-ins that decide the objective's values from now on.

    These are the latest check-in of each key result (as `latest_check_in` picks it) and,
    with `closed_at`, the latest of each among those recorded by then (the frozen score's).
    Every other check-in is superseded for good: check-ins are only ever added, and an added
    one can displace a latest check-in but never bring back one it displaced. So a reader
    that only needs the values may forget the others (without `closed_at`, as long as the
    close, when it comes, is not earlier than every check-in it forgot).

    `latest`, if given, is `latest_check_ins_by_number(objective)`, already at hand.
    """
    if latest is None:
        latest = latest_check_ins_by_number(objective)
    deciding = list(latest.values())
    if closed_at is not None:
        frozen = latest_check_ins_by_number(objective, closed_at).values()
        deciding += [c for c in frozen if not any(c is d for d in deciding)]
    return deciding


def current_value(
    objective: Objective, key_result_id: UUID, recorded_until: datetime | None = None
) -> float | None:
    check_in = latest_check_in(objective, key_result_id, recorded_until)
    return None if check_in is None else check_in.value_as_of(recorded_until)


def key_result_progress(
    objective: Objective, kr: KeyResultTerms, recorded_until: datetime | None = None
) -> float:
    return rules.key_result_progress(kr, current_value(objective, kr.id, recorded_until))


def progress(objective: Objective, recorded_until: datetime | None = None) -> float:
    terms: Terms = objective.agreed or objective.proposal
    latest = latest_check_ins(objective, recorded_until)  # one pass for every key result
    parts = []
    for kr in terms.key_results:
        check_in = latest.get(kr.id)
        value = None if check_in is None else check_in.value_as_of(recorded_until)
        parts.append((rules.key_result_progress(kr, value), kr.weight))
    return rules.objective_progress(parts)


def frozen_score(objective: Objective, closed_at: datetime) -> float:
    """The computed score: progress from what was recorded before the close, two decimals."""
    return rules.round_score(progress(objective, closed_at))


def unfinished_key_results(objective: Objective, into_objective_id: UUID) -> list[KeyResultTerms]:
    """The key results a carry-over takes along, under new ids derived from the new objective.

    Metric key results start from their last measured value; key results already
    achieved stay behind, since a metric whose baseline is its target cannot move.
    """
    carried = []
    terms = objective.agreed or objective.proposal
    for kr in terms.key_results:
        value = current_value(objective, kr.id)
        if rules.key_result_progress(kr, value) >= 1.0:
            continue
        new_id = uuid5(into_objective_id, str(kr.id))
        if kr.kind is KeyResultKind.METRIC and value is not None:
            carried.append(replace(kr, id=new_id, baseline=value))
        else:
            carried.append(replace(kr, id=new_id))
    return carried
