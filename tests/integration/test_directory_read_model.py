"""Who is who, read back from the directory on every store: users page by page, team members
as of any position, and a rebuild that answers exactly as incremental processing did."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from domain.organisation import user_id_for
from projections.directory import MAX_LIMIT, DirectoryProjection, members_at, user_at, users_at
from projections.runner import Projector
from projections.store import ReadStore

pytestmark = pytest.mark.integration


@pytest.fixture
def read_store(store_url):
    store = ReadStore(store_url)
    yield store
    store.close()


class Watcher:
    """After every command: catch up, then note what the directory answered at that position
    about the users and teams of the story (known before it starts)."""

    def __init__(self, app, store: ReadStore, users: list[UUID], teams: list[UUID]):
        self.store = store
        self.projector = Projector(app, store, [DirectoryProjection()])
        self.users, self.teams = users, teams
        self.seen: dict[int, tuple] = {}
        app.on_recorded.append(self)

    def __call__(self, position: int) -> None:
        self.projector.catch_up()
        with self.store.reading() as tx:
            self.seen[position] = answers(tx, position, self.users, self.teams)


def answers(tx, position: int, users: list[UUID], teams: list[UUID]):
    return (
        users_at(tx, position, limit=MAX_LIMIT),
        [user_at(tx, u, position) for u in users],
        members_at(tx, teams, position),
    )


@pytest.fixture
def story(app, read_store):
    people = {name: user_id_for(f"{name}@example.org") for name in ("ceo", "lead", "dev", "ops")}
    company, mobile = uuid4(), uuid4()
    watcher = Watcher(app, read_store, list(people.values()), [company, mobile])
    admin = app.ensure_admin()
    for name in people:
        app.register_user(admin, name.title(), f"{name}@example.org")
    app.form_team(admin, "Company", people["ceo"], team_id=company)
    app.form_team(admin, "Mobile", people["lead"], parent_id=company, team_id=mobile)
    app.add_member(people["lead"], mobile, people["dev"])
    app.add_member(people["lead"], mobile, people["ops"])
    app.add_member(admin, company, people["lead"])
    app.remove_member(people["lead"], mobile, people["dev"])
    app.appoint_lead(admin, mobile, people["ops"])
    app.add_member(people["ops"], mobile, people["dev"])
    return people, {"company": company, "mobile": mobile}, watcher


def test_users_are_listed_in_the_order_registered_and_page_on_from_the_last_position(app, read_store, story):
    people, _, _ = story
    head = app.head_position()
    with read_store.reading() as tx:
        everyone = users_at(tx, head)
        pages, after = [], 0
        while page := users_at(tx, head, after=after, limit=2):
            pages.append(page)
            after = page[-1].position
    assert [u.name for u in everyone] == ["Administrator", "Ceo", "Lead", "Dev", "Ops"]
    assert [len(p) for p in pages] == [2, 2, 1] and [u for p in pages for u in p] == everyone
    assert everyone[3].id == people["dev"] and everyone[3].email == "dev@example.org"
    assert not everyone[3].admin and everyone[0].admin
    with read_store.reading() as tx:
        assert user_at(tx, people["ops"], everyone[4].position) == everyone[4]
        assert user_at(tx, people["ops"], everyone[4].position - 1) is None


def test_members_as_of_each_position_follow_additions_and_removals(app, read_store, story):
    people, teams, watcher = story
    mobile = teams["mobile"]
    history = [members_at_then[mobile] for _, _, members_at_then in watcher.seen.values()]
    dev, ops = people["dev"], people["ops"]
    assert [m for i, m in enumerate(history) if i == 0 or m != history[i - 1]] == [
        [], [dev], [dev, ops], [ops], [ops, dev],
    ]
    with read_store.reading() as tx:
        assert members_at(tx, [teams["company"]], app.head_position()) == {teams["company"]: [people["lead"]]}


def test_every_position_answers_as_it_did_then_and_a_rebuild_answers_the_same(app, read_store, story):
    _, _, watcher = story
    head = app.head_position()
    users, teams = watcher.users, watcher.teams
    with read_store.reading() as tx:
        for position, then in watcher.seen.items():
            assert answers(tx, position, users, teams) == then, position
        incremental = [answers(tx, position, users, teams) for position in range(head + 1)]
    rebuilt = Projector(app, read_store, [DirectoryProjection()], batch_size=3)
    assert rebuilt.rebuild() == head
    with read_store.reading() as tx:
        assert [answers(tx, position, users, teams) for position in range(head + 1)] == incremental
