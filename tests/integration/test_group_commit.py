"""Group commit: commands that arrive while another is being saved share one transaction,
and each caller still gets its own result or its own error."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest

from domain.errors import Conflict, InvalidValue
from domain.objective import Objective

pytestmark = pytest.mark.integration


@pytest.fixture
def store_url(shared_store_url) -> str:
    return shared_store_url


def agreed_objectives(app, count: int):
    """`count` approved objectives of one team, each with one metric key result."""
    admin = app.ensure_admin()
    lead = app.register_user(admin, "Lea Lead", "lea@example.org").id
    team = app.form_team(admin, "Company", lead).id
    cycle = app.plan_cycle(admin, "Q1", date(2026, 1, 1), date(2026, 3, 31)).id
    app.activate_cycle(admin, cycle)
    made = []
    for i in range(count):
        objective = app.draft_objective(lead, cycle, team, f"Objective {i}", "committed").id
        kr = app.add_key_result(lead, objective, "Customers", "metric", baseline=0, target=100).id
        app.submit(lead, objective)
        app.approve(admin, objective)
        made.append((objective, kr))
    return lead, made


def run_together(app, calls) -> list[object]:
    """Runs each call in its own thread while the write lock is held, so all of them queue,
    then lets them go: they are committed as one group."""
    outcomes: list[object] = [None] * len(calls)

    def run(i, call):
        try:
            outcomes[i] = call()
        except Exception as e:
            outcomes[i] = e

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    with app.write_lock:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 10
        # The first thread leads and waits for the lock; the others queue behind it.
        while len(app._committer._queue) < len(calls) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(app._committer._queue) == len(calls)
    for t in threads:
        t.join(timeout=30)
    return outcomes


def counting_saves(app) -> list[int]:
    saves: list[int] = []
    save = app._committer._save

    def counted(*aggregates):
        saves.append(len(aggregates))
        return save(*aggregates)

    app._committer._save = counted
    return saves


def test_concurrent_check_ins_are_saved_in_one_transaction_each_with_its_own_position(app):
    lead, objectives = agreed_objectives(app, 6)
    saves = counting_saves(app)
    head = app.head_position()

    outcomes = run_together(app, [
        (lambda o=o, k=k: app.record_check_in(lead, o, k, 10.0 * (i + 1), 0.7))
        for i, (o, k) in enumerate(objectives)
    ])

    assert saves == [6]  # one save() of six aggregates: one transaction
    assert sorted(r.position for r in outcomes) == list(range(head + 1, head + 7))
    for (objective, kr), recorded in zip(objectives, outcomes):
        state = app.repository.get(objective)
        assert recorded.version == state.version
        [check_in] = state.check_ins.values()
        assert check_in.id == recorded.id and check_in.key_result_id == kr
    # recorded time increases along the log, in the order of the positions
    events = app.recorder.select_notifications(start=head + 1, limit=10)
    times = [app.mapper.to_domain_event(n).timestamp for n in events]
    assert times == sorted(times) and len(set(times)) == 6


def test_a_refused_command_in_a_group_costs_the_others_nothing(app):
    lead, [(first, kr1), (second, kr2), (third, kr3)] = agreed_objectives(app, 3)
    head = app.head_position()

    outcomes = run_together(app, [
        lambda: app.record_check_in(lead, first, kr1, 5.0, 0.5),
        lambda: app.record_check_in(lead, second, kr2, 5.0, 1.5),  # confidence out of range
        lambda: app.record_check_in(lead, third, kr3, 7.0, 0.5),
    ])

    assert isinstance(outcomes[1], InvalidValue)
    assert not isinstance(outcomes[0], Exception) and not isinstance(outcomes[2], Exception)
    assert app.head_position() == head + 2
    assert not app.repository.get(second).check_ins


def test_two_commands_on_one_objective_in_a_group_are_both_applied_in_order(app):
    lead, [(objective, kr)] = agreed_objectives(app, 1)
    version = app.repository.get(objective).version

    outcomes = run_together(app, [
        lambda: app.record_check_in(lead, objective, kr, 20.0, 0.5),
        lambda: app.record_check_in(lead, objective, kr, 30.0, 0.6),
    ])

    # in the order they queued, which the threads' scheduling decides
    assert sorted(o.version for o in outcomes) == [version + 1, version + 2]
    assert len(app.repository.get(objective).check_ins) == 2


def test_the_same_expected_version_twice_in_a_group_lets_exactly_one_win(app):
    lead, [(objective, kr)] = agreed_objectives(app, 1)
    version = app.repository.get(objective).version
    head = app.head_position()

    outcomes = run_together(app, [
        (lambda v=v: app.record_check_in(lead, objective, kr, v, 0.5, expected_version=version))
        for v in (20.0, 30.0)
    ])

    [conflict] = [o for o in outcomes if isinstance(o, Exception)]
    assert isinstance(conflict, Conflict) and conflict.current_version == version + 1
    assert app.head_position() == head + 1


def test_the_same_idempotency_key_twice_in_a_group_records_once(app):
    lead, [(objective, kr)] = agreed_objectives(app, 1)
    head = app.head_position()

    outcomes = run_together(app, [
        lambda: app.record_check_in(lead, objective, kr, 20.0, 0.5, idempotency_key="week-1"),
        lambda: app.record_check_in(lead, objective, kr, 20.0, 0.5, idempotency_key="week-1"),
    ])

    assert outcomes[0].id == outcomes[1].id and outcomes[0].version == outcomes[1].version
    assert app.head_position() == head + 2  # the check-in and its receipt, once
    assert len(app.repository.get(objective).check_ins) == 1


def test_a_group_whose_save_conflicts_with_another_process_saves_the_rest_alone(make_app):
    app = make_app()
    lead, [(first, kr1), (second, kr2)] = agreed_objectives(app, 2)
    other = make_app()
    head = app.head_position()
    # Another process appends to `first` after this group decided on it, before it saves.
    save = app._committer._save
    raced = []

    def racing_save(*aggregates):
        if not raced:
            raced.append(other.record_check_in(lead, first, kr1, 1.0, 0.5))
        return save(*aggregates)

    app._committer._save = racing_save

    outcomes = run_together(app, [
        lambda: app.record_check_in(lead, first, kr1, 20.0, 0.5),
        lambda: app.record_check_in(lead, second, kr2, 30.0, 0.6),
    ])

    # Saved alone after the group's save failed: each decided again from the saved state.
    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    # (PostgreSQL's ids skip the numbers the rolled-back insert took: count the events)
    assert len(app.recorder.select_notifications(start=head + 1, limit=10)) == 3
    assert len(app.repository.get(first).check_ins) == 2
    assert isinstance(app.repository.get(second), Objective)


# ---- commands submitted without waiting (as the HTTP server's event loop does) ---------


def submit_all(app, use_cases) -> list[tuple[object, object]]:
    """Defers each use case and queues its command while the write lock is held, so that
    they form one group; returns (command, answer or error) of each once all are settled."""
    settled = threading.Semaphore(0)
    told: list[int] = []
    pendings = [app.defer(use_case) for use_case in use_cases]
    with app.write_lock:
        for pending in pendings:
            app.enqueue(pending, lambda command: (told.append(id(command)), settled.release()))
        assert not told  # nothing is decided while the lock is held
    for _ in pendings:
        assert settled.acquire(timeout=30)
    assert sorted(told) == sorted(id(p.command) for p in pendings)  # each told exactly once
    outcomes = []
    for pending in pendings:
        try:
            outcomes.append((pending.command, pending.finish(pending.command)))
        except Exception as e:
            outcomes.append((pending.command, e))
    return outcomes


def test_submitted_commands_are_led_by_the_committers_thread_in_one_transaction(app):
    lead, objectives = agreed_objectives(app, 4)
    saves = counting_saves(app)
    head = app.head_position()
    caller = threading.get_ident()
    deciders: set[int] = set()

    def watched(use_case):
        def run():
            pending = use_case()
            decide = pending.command.decide
            pending.command.decide = lambda now: (deciders.add(threading.get_ident()), decide(now))[1]
            return pending
        return run

    outcomes = submit_all(app, [
        watched(lambda o=o, k=k, i=i: app.record_check_in(lead, o, k, 10.0 * i, 0.7))
        for i, (o, k) in enumerate(objectives)
    ])

    assert saves == [4]
    assert sorted(recorded.position for _, recorded in outcomes) == list(range(head + 1, head + 5))
    assert caller not in deciders and len(deciders) == 1  # the committer's own thread
    for (objective, _), (command, recorded) in zip(objectives, outcomes):
        assert command.position == recorded.position
        assert app.repository.get(objective).version == recorded.version


def test_a_submitted_command_that_is_refused_is_told_so_and_costs_the_others_nothing(app):
    lead, [(first, kr1), (second, kr2)] = agreed_objectives(app, 2)
    head = app.head_position()

    [(_, recorded), (command, error)] = submit_all(app, [
        lambda: app.record_check_in(lead, first, kr1, 5.0, 0.5),
        lambda: app.record_check_in(lead, second, kr2, 5.0, 1.5),  # confidence out of range
    ])

    assert recorded.position == head + 1
    assert isinstance(error, InvalidValue) and command.error is error
    assert app.head_position() == head + 1


def test_the_committers_thread_keeps_serving_after_a_save_fails(app):
    lead, [(objective, kr)] = agreed_objectives(app, 1)
    head = app.head_position()
    save = app._committer._save

    def broken(*aggregates):
        raise RuntimeError("disk full")

    app._committer._save = broken
    [(_, error)] = submit_all(app, [lambda: app.record_check_in(lead, objective, kr, 5.0, 0.5)])
    assert isinstance(error, RuntimeError) and app.head_position() == head

    app._committer._save = save
    [(_, recorded)] = submit_all(app, [lambda: app.record_check_in(lead, objective, kr, 6.0, 0.5)])
    assert recorded.position == head + 1


def test_a_use_case_that_refuses_its_arguments_raises_before_anything_is_queued(app):
    lead, [(objective, kr)] = agreed_objectives(app, 1)
    with pytest.raises(InvalidValue, match="idempotency key"):
        app.defer(lambda: app.record_check_in(lead, objective, kr, 5.0, 0.5, idempotency_key=" "))
    assert not app._committer._queue
    # and the next use case runs as usual, not deferred
    assert app.record_check_in(lead, objective, kr, 5.0, 0.5).position == app.head_position()
