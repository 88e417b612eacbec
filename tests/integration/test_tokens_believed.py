"""A live token is believed for a second after it was checked in the database, so that not
every request reads it; a revocation through the same process takes effect at once, one
through another process within that second."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from api.tokens import BELIEVED_SECONDS, Tokens
from projections.store import ReadStore

pytestmark = pytest.mark.integration

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def stores(shared_store_url):
    """Two read stores on one database: as two API processes would have."""
    opened = [ReadStore(shared_store_url), ReadStore(shared_store_url)]
    yield opened
    for store in opened:
        store.close()


def counting_reads(tokens: Tokens) -> list[str]:
    reads: list[str] = []
    look_up = tokens._look_up
    tokens._look_up = lambda token: (reads.append(token), look_up(token))[1]
    return reads


def test_a_live_token_is_read_once_then_believed_for_a_second(stores):
    ticks = Ticks()
    tokens = Tokens(stores[0], clock=ticks)
    issued = tokens.issue(uuid4(), NOW)
    reads = counting_reads(tokens)
    assert tokens.believed(issued.token) is None  # not read yet

    owners = [tokens.resolve(issued.token) for _ in range(5)]
    assert {o.user_id for o in owners} == {issued.user_id} and len(reads) == 1
    assert tokens.believed(issued.token) == owners[0]

    ticks.now += BELIEVED_SECONDS
    assert tokens.believed(issued.token) is None
    assert tokens.resolve(issued.token).token_id == issued.token_id
    assert len(reads) == 2  # asked again after the second


def test_a_revocation_through_the_same_process_takes_effect_at_once(stores):
    tokens = Tokens(stores[0], clock=Ticks())
    issued, other = tokens.issue(uuid4(), NOW), tokens.issue(uuid4(), NOW)
    assert tokens.resolve(issued.token) and tokens.resolve(other.token)

    assert tokens.revoke(issued.token_id, NOW)
    assert tokens.resolve(issued.token) is None
    assert tokens.resolve(other.token).token_id == other.token_id  # others stay believed


def test_a_revocation_through_another_process_takes_effect_within_the_second(stores):
    ticks = Ticks()
    here, there = Tokens(stores[0], clock=ticks), Tokens(stores[1], clock=ticks)
    issued = here.issue(uuid4(), NOW)
    assert here.resolve(issued.token)

    assert there.revoke(issued.token_id, NOW)
    assert there.resolve(issued.token) is None
    ticks.now += BELIEVED_SECONDS / 2
    assert here.resolve(issued.token) is not None  # still believed, for at most the second
    ticks.now += BELIEVED_SECONDS / 2
    assert here.resolve(issued.token) is None


def test_unknown_wrong_and_revoked_tokens_are_never_believed(stores):
    tokens = Tokens(stores[0], clock=Ticks())
    issued = tokens.issue(uuid4(), NOW)
    wrong_secret = issued.token[:-4] + "AAAA"
    unknown = f"okr_{uuid4().hex}_whatever"
    reads = counting_reads(tokens)

    for token in [wrong_secret, unknown, "not-a-token"] * 3:
        assert tokens.resolve(token) is None
    assert len(reads) == 9  # each asked every time
    assert not tokens._believed
