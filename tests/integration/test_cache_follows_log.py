"""Aggregates cached by one application are forgotten once another process (here another
application on the same store) changes them, so the next command decides on the new state."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from uuid import UUID

import pytest

from domain.errors import Conflict, InvalidTransition, NotAllowed, NotFound
from domain.objective import Objective

pytestmark = pytest.mark.integration


@pytest.fixture
def store_url(shared_store_url) -> str:
    return shared_store_url


@dataclass(frozen=True)
class Organisation:
    admin: UUID
    lead: UUID
    member: UUID
    team: UUID
    cycle: UUID


def organisation(app) -> Organisation:
    """A root team with a lead and a member, in an active cycle."""
    admin = app.ensure_admin()
    lead = app.register_user(admin, "Lea Lead", "lea@example.org").id
    member = app.register_user(admin, "Max Member", "max@example.org").id
    team = app.form_team(admin, "Company", lead).id
    app.add_member(lead, team, member)
    cycle = app.plan_cycle(admin, "Q1", date(2026, 1, 1), date(2026, 3, 31)).id
    app.activate_cycle(admin, cycle)
    return Organisation(admin, lead, member, team, cycle)


def drafted(app, org: Organisation) -> tuple[UUID, UUID, UUID]:
    """A draft objective of the team with two metric key results."""
    objective = app.draft_objective(org.lead, org.cycle, org.team, "Delight customers", "committed").id
    first = app.add_key_result(org.lead, objective, "Customers", "metric", baseline=0, target=100).id
    second = app.add_key_result(org.lead, objective, "Referrals", "metric", baseline=0, target=10).id
    return objective, first, second


def agreed(app, org: Organisation) -> tuple[UUID, UUID]:
    objective, kr, _ = drafted(app, org)
    app.submit(org.lead, objective)
    app.approve(org.admin, objective)
    return objective, kr


def test_a_check_in_by_another_process_is_the_version_the_next_check_in_expects(make_app):
    a, b = make_app(), make_app()
    org = organisation(a)
    objective, kr = agreed(a, org)
    mine = a.record_check_in(org.member, objective, kr, 10.0, 0.5)  # `a` keeps the objective

    theirs = b.record_check_in(org.lead, objective, kr, 20.0, 0.6)
    assert theirs.version == mine.version + 1

    after = a.record_check_in(org.member, objective, kr, 30.0, 0.7, expected_version=theirs.version)
    assert after.version == theirs.version + 1
    assert len(a.repository.get(objective).check_ins) == 3


def test_a_member_removed_by_another_process_can_no_longer_check_in(make_app):
    a, b = make_app(), make_app()
    org = organisation(a)
    objective, kr = agreed(a, org)
    a.record_check_in(org.member, objective, kr, 10.0, 0.5)  # `a` keeps the team, member and all

    b.remove_member(org.lead, org.team, org.member)
    head = a.head_position()

    with pytest.raises(NotAllowed):
        a.record_check_in(org.member, objective, kr, 20.0, 0.5)
    assert a.head_position() == head


def test_an_approval_by_another_process_lets_the_next_check_in_through(make_app):
    a, b = make_app(), make_app()
    org = organisation(a)
    objective, kr, _ = drafted(a, org)
    a.submit(org.lead, objective)
    with pytest.raises(InvalidTransition):  # `a` keeps the objective, in review
        a.record_check_in(org.member, objective, kr, 10.0, 0.5)

    b.approve(org.admin, objective)

    recorded = a.record_check_in(org.member, objective, kr, 10.0, 0.5)
    assert len(b.repository.get(objective).check_ins) == 1
    assert recorded.version == b.repository.get(objective).version


def test_a_key_result_removed_by_another_process_is_gone_for_the_next_command(make_app):
    a, b = make_app(), make_app()
    org = organisation(a)
    objective, _, second = drafted(a, org)  # `a` keeps the objective with both key results

    b.remove_key_result(org.lead, objective, second)

    with pytest.raises(NotFound):
        a.revise_key_result(org.lead, objective, second, target=20)


def test_a_cycle_closed_by_another_process_takes_no_new_drafts(make_app):
    a, b = make_app(), make_app()
    org = organisation(a)
    drafted(a, org)  # `a` keeps the cycle, still active

    b.close_cycle(org.admin, org.cycle)
    head = a.head_position()

    with pytest.raises(InvalidTransition):
        a.draft_objective(org.lead, org.cycle, org.team, "Too late", "committed")
    assert a.head_position() == head


def test_a_read_outside_a_command_sees_another_processs_write(make_app):
    a, b = make_app(), make_app()
    org = organisation(a)
    newcomer = a.register_user(org.admin, "Nia New", "nia@example.org").id
    assert newcomer not in a.repository.get(org.team).members

    b.add_member(org.lead, org.team, newcomer)

    assert newcomer in a.repository.get(org.team).members


def racing(app, write) -> list[object]:
    """Runs `write` (another process's) once, after `app` has decided its next command and
    before it saves it."""
    save = app._committer._save
    raced: list[object] = []

    def racing_save(*aggregates):
        if not raced:
            raced.append(write())
        return save(*aggregates)

    app._committer._save = racing_save
    return raced


def test_a_write_to_the_same_objective_between_refresh_and_save_is_a_conflict_then_seen(make_app):
    a, b = make_app(), make_app()
    org = organisation(a)
    objective, kr = agreed(a, org)
    a.record_check_in(org.member, objective, kr, 10.0, 0.5)
    raced = racing(a, lambda: b.record_check_in(org.lead, objective, kr, 20.0, 0.6))

    with pytest.raises(Conflict):
        a.record_check_in(org.member, objective, kr, 30.0, 0.7)

    [theirs] = raced
    assert a.head_position() == theirs.position  # nothing of `a`'s was written
    retried = a.record_check_in(org.member, objective, kr, 30.0, 0.7, expected_version=theirs.version)
    assert retried.version == theirs.version + 1
    assert sorted(c.value for c in a.repository.get(objective).check_ins.values()) == [10.0, 20.0, 30.0]


def test_a_write_to_another_aggregate_between_refresh_and_save_is_forgotten_after_the_save(make_app):
    a, b = make_app(), make_app()
    org = organisation(a)
    objective, kr = agreed(a, org)
    a.record_check_in(org.member, objective, kr, 10.0, 0.5)
    # The team changes after `a` decided on it (the check-in below), before `a` saves.
    raced = racing(a, lambda: b.remove_member(org.lead, org.team, org.member))

    mine = a.record_check_in(org.member, objective, kr, 20.0, 0.5)

    [removed] = raced
    assert mine.position > removed.position
    with pytest.raises(NotAllowed):
        a.record_check_in(org.member, objective, kr, 30.0, 0.5)


def test_a_load_that_read_before_a_save_does_not_put_back_the_older_state(make_app):
    a = make_app()
    org = organisation(a)
    objective, kr = agreed(a, org)
    a.repository.cache.get(objective, evict=True)
    # A reader outside the write lock (a token check, say) reads the objective from the
    # log, and is held there while a check-in is saved.
    reconstruct, held, go_on = a.repository._reconstruct_aggregate, threading.Event(), threading.Event()

    def slow_reconstruct(*args, **kwargs):
        aggregate = reconstruct(*args, **kwargs)
        if threading.current_thread().name == "reader":
            held.set()
            go_on.wait(10)
        return aggregate

    a.repository._reconstruct_aggregate = slow_reconstruct
    read: list[Objective] = []
    reader = threading.Thread(name="reader", target=lambda: read.append(a.repository.get(objective)))
    reader.start()
    assert held.wait(10)
    recorded = a.record_check_in(org.member, objective, kr, 10.0, 0.5)
    go_on.set()
    reader.join(10)

    assert read[0].version == recorded.version - 1
    assert a.repository.get(objective).version == recorded.version
