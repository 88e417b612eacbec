"""The read side of an objective's version rows: rows back from stored versions, nested into
a tree, and team subtrees. (`versions` writes them.)"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields as dataclass_fields
from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

import msgspec

from domain import rules
from domain.objective import Objective
from domain.values import CycleState, KeyResultTerms, ObjectiveKind, ObjectiveStatus as S, Terms
from projections.tree.rows import (
    CounterTarget, CycleRow, KeyResultRow, ObjectiveRow, TeamRow, TreeNode,
)
from projections.tree.versions import FIELDS, Encoder, fields, negotiated, terms_text


# Ids recur from answer to answer (objectives, cycles, teams): each text is parsed once, the
# immutable UUID shared.
_id = lru_cache(maxsize=65_536)(UUID)
_STATUSES = {status.value: status for status in S}
_parse = msgspec.json.Decoder().decode


def _uuid(value: str | None) -> UUID | None:
    return None if value is None else _id(value)


# Terms by key: their rows never change (the key is a digest of the text), so each is
# read and parsed once, and the immutable Terms shared, up to this many of them.
KEPT_TERMS = 20_000
_terms_by_key: dict[str, Terms] = {}


def known_terms(keys: set[str]) -> tuple[dict[str, Terms], set[str]]:
    """The terms of `keys` already parsed, and the keys still to read."""
    found = {key: terms for key in keys if (terms := _terms_by_key.get(key)) is not None}
    return found, keys - found.keys()


def parsed_terms(rows: Sequence[tuple[str, str]], into: dict[str, Terms]) -> None:
    """Parses (terms_id, text) rows into `into`, and keeps them for later answers."""
    if len(_terms_by_key) + len(rows) > KEPT_TERMS:
        _terms_by_key.clear()
    for key, text in rows:
        into[key] = _terms_by_key[key] = Terms.from_dict(json.loads(text))


def document(objective: Objective, closed_at: datetime | None) -> dict[str, Any]:
    """The version document's values by name, as the read side sees them, with the status
    and the terms its row holds beside it under "status", "agreed" and "proposal"."""
    agreed, proposal = objective.agreed, negotiated(objective)
    return {
        "status": objective.status.value,
        "agreed": None if agreed is None else json.loads(terms_text(agreed)),
        "proposal": None if proposal is None else json.loads(terms_text(proposal)),
        **fields(Encoder().document(objective, closed_at)),
    }


def _key_result(kr: KeyResultTerms, measure: Sequence[Any]) -> KeyResultRow:
    value, confidence, progress = measure
    # positionally, in the order of KeyResultRow's fields (checked below)
    return KeyResultRow(
        kr.id, kr.kind, kr.title, kr.unit, kr.baseline, kr.target, kr.direction, kr.weight,
        value, confidence, progress,
    )


# ObjectiveRow's fields, in order: a draft keeps the values of those before and after
# `children_average` and makes the row from them positionally (made by the thousand).
_BEFORE_AVERAGE = (
    "id", "cycle_id", "team_id", "team_name", "version", "changed_at_position", "status",
    "round", "title", "description", "kind", "parent_id", "agreed", "proposal",
    "counter_targets", "key_results", "progress",
)
_AFTER_AVERAGE = (
    "health", "computed_score", "band", "flags", "adjusted_score", "adjustment_reason",
    "origin_id", "carried_into_id",
)
assert tuple(f.name for f in dataclass_fields(ObjectiveRow)) == (
    *_BEFORE_AVERAGE, "children_average", *_AFTER_AVERAGE
), "ObjectiveRow's fields changed: change Draft too"
assert tuple(f.name for f in dataclass_fields(KeyResultRow)) == (
    "id", "kind", "title", "unit", "baseline", "target", "direction", "weight", "current_value",
    "confidence", "progress",
), "KeyResultRow's fields changed: change _key_result too"
_PADDING = (None,) * len(FIELDS)


class Draft:
    """A stored version read, not yet a row: the row is made once its children's average
    is known (`row`), so that nesting makes each row once."""

    __slots__ = ("id", "parent_id", "progress", "_before", "_after")

    def __init__(
        self, version: Sequence[Any], terms_by_key: Mapping[str, Terms], team_name: str | None,
        cycle: CycleRow | None, now: datetime, expected: float | None = None,
    ):
        objective_id, cycle_id, team_id, changed_at_position, status_text, agreed_key, \
            proposal_key, text = version
        values = _parse(text)
        number, round_, description, counter, measures, progress, has_check_ins, computed, \
            adjusted, reason, origin, carried = (*values, *_PADDING[len(values):])
        agreed = None if agreed_key is None else terms_by_key[agreed_key]
        proposal = None if proposal_key is None else terms_by_key[proposal_key]
        terms = agreed or proposal
        health = None
        if cycle is not None and cycle.state is CycleState.ACTIVE and agreed is not None:
            if expected is None:
                expected = rules.expected_progress(cycle.starts_on, cycle.ends_on, now)
            health = rules.health(progress, expected, has_check_ins)
        scored = computed is not None and agreed is not None
        self.id, self.parent_id, self.progress = _id(objective_id), terms.parent_id, progress
        self._before = (
            self.id, _id(cycle_id), _id(team_id), team_name, number, changed_at_position,
            _STATUSES[status_text], round_, terms.title, description, ObjectiveKind(terms.kind),
            terms.parent_id, agreed, proposal,
            tuple(CounterTarget(_id(k), t) for k, t in counter) if counter else (),
            tuple(map(_key_result, terms.key_results, measures)), progress,
        )
        self._after = (
            health, computed, rules.score_band(computed) if scored else None,
            rules.score_flags(agreed.kind, computed) if scored else (), adjusted, reason,
            _uuid(origin), _uuid(carried),
        )

    def row(self, children_average: float | None = None) -> ObjectiveRow:
        return ObjectiveRow(*self._before, children_average, *self._after)


def objective_row(
    version: Sequence[Any], *, terms: Mapping[str, Terms], team_name: str | None,
    cycle: CycleRow | None, now: datetime, children_average: float | None = None,
) -> ObjectiveRow:
    """The row for a stored version (objective_id, cycle_id, team_id, from_position, status,
    key of the agreed terms, key of the terms under negotiation, doc), with health at `now`
    when its cycle is active; `terms` has the terms of those keys."""
    return Draft(version, terms, team_name, cycle, now).row(children_average)


def _with_average(row: ObjectiveRow, average: float | None) -> ObjectiveRow:
    return replace(row, children_average=average)


def nest(
    rows: Sequence[Any], finish: Callable[[Any, float | None], ObjectiveRow] = _with_average,
) -> tuple[TreeNode, ...]:
    """Nests rows by parent links, in the order given; each parent gets its children's average.

    A row whose parent is not among `rows` is a root. `rows` are ObjectiveRows, or anything
    with an `id`, `parent_id` and `progress` that `finish(row, children_average)` turns into
    one (`Draft`: `nest(drafts, Draft.row)`).
    """
    # by the ids' numbers (UUID.int): hashed far quicker than UUIDs
    ids = {row.id.int for row in rows}
    children: dict[int, list[Any]] = {}
    roots = []
    for row in rows:
        parent = None if row.parent_id is None else row.parent_id.int
        if parent not in ids:
            roots.append(row)
        elif parent != row.id.int:
            children.setdefault(parent, []).append(row)
    path: set[int] = set()  # the row being nested and those above it: no loops

    def node(row: Any) -> TreeNode:
        key = row.id.int
        path.add(key)
        below = [c for c in children.get(key, ()) if c.id.int not in path]
        average = rules.children_average([c.progress for c in below])
        made = TreeNode(finish(row, average), tuple([node(c) for c in below]))
        path.discard(key)
        return made

    return tuple([node(row) for row in roots])


def team_and_below(teams: Mapping[UUID, TeamRow], team_id: UUID) -> set[UUID]:
    """The team and every team under it, by the parent links given."""
    below: dict[UUID, list[UUID]] = {}
    for team in teams.values():
        if team.parent_id is not None:
            below.setdefault(team.parent_id, []).append(team.id)
    found, todo = {team_id}, [team_id]
    while todo:
        for child in below.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found

