"""The read side of an objective's version rows: rows back from stored versions, nested into
a tree, and team subtrees. (`versions` writes them.)"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, TypedDict
from uuid import UUID

import msgspec

from domain import rules
from domain.objective import Objective
from domain.values import CycleState, Health, KeyResultTerms, ObjectiveStatus as S, Terms
from projections.tree.rows import (
    CounterTarget, CycleRow, KeyResultRow, ObjectiveRow, TeamRow, TreeNode,
)
from projections.tree.versions import FIELDS, Encoder, fields, negotiated, terms_text


# Ids recur from answer to answer (objectives, cycles, teams): each text is parsed once, the
# immutable UUID shared.
_id = lru_cache(maxsize=65_536)(UUID)
_STATUSES = {status.value: status for status in S}


# Terms by key: their rows never change (the key is a digest of the text), so each is
# read and parsed once, and the immutable Terms shared, up to this many of them.
KEPT_TERMS = 20_000
_terms_by_key: dict[str, Terms] = {}


def known_terms(keys: set[str]) -> tuple[dict[str, Terms], set[str]]:
    """The terms of `keys` already parsed, and the keys still to read."""
    found = {key: terms for key in keys if (terms := _terms_by_key.get(key)) is not None}
    return found, keys - found.keys()


class _KeyResultText(TypedDict, total=False):
    id: str
    title: str
    kind: str
    unit: str | None
    baseline: float | None
    target: float | None
    direction: str | None
    weight: float


class _TermsText(TypedDict, total=False):
    title: str
    kind: str
    parent_id: str | None
    key_results: list[_KeyResultText]


# Typed, so that the numbers of the terms are floats even where a text holds an integer:
# rows are answered as they are, and their fields say float.
_terms_text = msgspec.json.Decoder(_TermsText).decode


def parsed_terms(rows: Sequence[tuple[str, str]], into: dict[str, Terms]) -> None:
    """Parses (terms_id, text) rows into `into`, and keeps them for later answers."""
    if len(_terms_by_key) + len(rows) > KEPT_TERMS:
        _terms_by_key.clear()
    for key, text in rows:
        into[key] = _terms_by_key[key] = Terms.from_dict(_terms_text(text))


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


_Measure = tuple[float | None, float | None, float]  # current value, confidence, progress


class _Document(msgspec.Struct, array_like=True, frozen=True, gc=False):
    """A stored version document (`FIELDS`, in order, the nulls at its end left out), typed:
    its numbers come back as the floats the rows declare even where the text holds an
    integer, as the API's views would have made them."""

    version: int
    round: int
    description: str
    counter_targets: tuple[tuple[UUID, float], ...]
    measures: tuple[_Measure, ...]
    progress: float
    has_check_ins: bool
    computed_score: float | None = None
    adjusted_score: float | None = None
    adjustment_reason: str | None = None
    origin_id: UUID | None = None
    carried_into_id: UUID | None = None


assert _Document.__struct_fields__ == FIELDS, "the version document changed: change _Document too"
_document = msgspec.json.Decoder(_Document).decode


def _key_result(kr: KeyResultTerms, measure: _Measure) -> KeyResultRow:
    return KeyResultRow(
        kr.id, kr.title, kr.kind, kr.unit, kr.baseline, kr.target, kr.direction, kr.weight,
        *measure,
    )


assert KeyResultRow.__struct_fields__ == (
    "id", "title", "kind", "unit", "baseline", "target", "direction", "weight", "current_value",
    "confidence", "progress",
), "KeyResultRow's fields changed: change _key_result too"


def _health(
    agreed: Terms | None, progress: float, has_check_ins: bool, cycle: CycleRow | None,
    now: datetime, expected: float | None,
) -> Health | None:
    """Health at `now`: only for agreed terms in an active cycle."""
    if agreed is None or cycle is None or cycle.state is not CycleState.ACTIVE:
        return None
    if expected is None:
        expected = rules.expected_progress(cycle.starts_on, cycle.ends_on, now)
    return rules.health(progress, expected, has_check_ins)


def _made(
    version: tuple, terms: Mapping[str, Terms], team_name: str | None, cycle: CycleRow | None,
    now: datetime, expected: float | None, children_average: float | None,
) -> tuple[ObjectiveRow, bool]:
    """The row of a stored version, and whether it has check-ins (health needs it)."""
    objective_id, cycle_id, team_id, changed_at_position, status, agreed_key, proposal_key, \
        text = version
    doc = _document(text)
    agreed = None if agreed_key is None else terms[agreed_key]
    proposal = None if proposal_key is None else terms[proposal_key]
    in_force = agreed or proposal
    computed = doc.computed_score
    scored = computed is not None and agreed is not None
    # positionally, in the order of ObjectiveRow's fields (checked below)
    row = ObjectiveRow(
        _id(objective_id), _id(cycle_id), _id(team_id), team_name, doc.version,
        changed_at_position, _STATUSES[status], doc.round, in_force.title, doc.description,
        in_force.kind, in_force.parent_id, agreed, proposal,
        tuple([CounterTarget(k, t) for k, t in doc.counter_targets]),
        tuple(map(_key_result, in_force.key_results, doc.measures)), doc.progress,
        children_average,
        _health(agreed, doc.progress, doc.has_check_ins, cycle, now, expected), computed,
        rules.score_band(computed) if scored else None,
        rules.score_flags(agreed.kind, computed) if scored else (), doc.adjusted_score,
        doc.adjustment_reason, doc.origin_id, doc.carried_into_id,
    )
    return row, doc.has_check_ins


# Rows by the stored version they were made from: a version row never changes once written
# (the next event makes another), so while check-ins stream in, nearly every row of a tree
# was made by an earlier read. Keyed by the whole stored version, its text included, so that
# only equal versions share an entry, whichever store they come from. Each holds the row
# last answered, replaced when a read adds another team name, health or average.
KEPT_ROWS = 20_000
_rows_by_version: dict[tuple, tuple[ObjectiveRow, bool]] = {}


def objective_row(
    version: tuple, *, terms: Mapping[str, Terms], team_name: str | None,
    cycle: CycleRow | None, now: datetime, children_average: float | None = None,
    expected: float | None = None,
) -> ObjectiveRow:
    """The row for a stored version (objective_id, cycle_id, team_id, from_position, status,
    key of the agreed terms, key of the terms under negotiation, doc), with health at `now`
    when its cycle is active; `terms` has the terms of those keys. `expected` is the
    cycle's expected progress at `now`, when the caller has it already."""
    made = _rows_by_version.get(version)
    if made is None:
        if len(_rows_by_version) >= KEPT_ROWS:
            _rows_by_version.clear()
        made = _made(version, terms, team_name, cycle, now, expected, children_average)
        _rows_by_version[version] = made
        return made[0]
    row, has_check_ins = made
    health = _health(row.agreed, row.progress, has_check_ins, cycle, now, expected)
    if row.team_name != team_name or row.health is not health or (
        row.children_average != children_average
    ):
        row = msgspec.structs.replace(
            row, team_name=team_name, health=health, children_average=children_average,
        )
        _rows_by_version[version] = row, has_check_ins
    return row


assert ObjectiveRow.__struct_fields__ == (
    "id", "cycle_id", "team_id", "team_name", "version", "changed_at_position", "status",
    "round", "title", "description", "kind", "parent_id", "agreed", "proposal",
    "counter_targets", "key_results", "progress", "children_average", "health",
    "computed_score", "band", "flags", "adjusted_score", "adjustment_reason", "origin_id",
    "carried_into_id",
), "ObjectiveRow's fields changed: change objective_row too"


def _with_average(row: ObjectiveRow, average: float | None) -> ObjectiveRow:
    if row.children_average == average:  # most rows are leaves: made once
        return row
    return msgspec.structs.replace(row, children_average=average)


def nest(rows: Sequence[ObjectiveRow]) -> tuple[TreeNode, ...]:
    """Nests rows by parent links, in the order given; each parent gets its children's average.

    A row whose parent is not among `rows` is a root.
    """
    # by the ids' numbers (UUID.int): hashed far quicker than UUIDs
    ids = {row.id.int for row in rows}
    children: dict[int, list[ObjectiveRow]] = {}
    roots = []
    for row in rows:
        parent = None if row.parent_id is None else row.parent_id.int
        if parent not in ids:
            roots.append(row)
        elif parent != row.id.int:
            children.setdefault(parent, []).append(row)
    path: set[int] = set()  # the row being nested and those above it: no loops

    def node(row: ObjectiveRow) -> TreeNode:
        key = row.id.int
        below = children.get(key)
        if below is None:
            return TreeNode(_with_average(row, None), ())
        path.add(key)
        below = [c for c in below if c.id.int not in path]
        average = rules.children_average([c.progress for c in below])
        made = TreeNode(_with_average(row, average), tuple([node(c) for c in below]))
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

