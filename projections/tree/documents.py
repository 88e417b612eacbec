"""The read side of an objective's version rows: rows back from stored versions, nested into
a tree, and team subtrees. (`versions` writes them.)"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

from domain import rules
from domain.objective import Objective
from domain.values import CycleState, KeyResultTerms, ObjectiveKind, ObjectiveStatus as S, Terms
from projections.tree.rows import (
    CounterTarget, CycleRow, KeyResultRow, ObjectiveRow, TeamRow, TreeNode,
)
from projections.tree.versions import Encoder, negotiated, terms_text


def _uuid(value: str | None) -> UUID | None:
    return None if value is None else UUID(value)


def document(objective: Objective, closed_at: datetime | None) -> dict[str, Any]:
    """The version document as the read side sees it once decoded, with the terms its row
    refers to under "agreed" and "proposal"."""
    agreed, proposal = objective.agreed, negotiated(objective)
    return {
        "agreed": None if agreed is None else json.loads(terms_text(agreed)),
        "proposal": None if proposal is None else json.loads(terms_text(proposal)),
        **json.loads(Encoder().document(objective, closed_at)),
    }


def _key_result(kr: KeyResultTerms, measure: Sequence[Any]) -> KeyResultRow:
    value, confidence, progress = measure
    return KeyResultRow(
        id=kr.id, kind=kr.kind, title=kr.title, unit=kr.unit, baseline=kr.baseline,
        target=kr.target, direction=kr.direction, weight=kr.weight, current_value=value,
        confidence=confidence, progress=progress,
    )


def _terms(text: str | None) -> Terms | None:
    return None if text is None else Terms.from_dict(json.loads(text))


def objective_row(
    version: Sequence[Any], *, team_name: str | None, cycle: CycleRow | None, now: datetime,
    children_average: float | None = None,
) -> ObjectiveRow:
    """The row for a stored version (objective_id, cycle_id, team_id, from_position, agreed
    terms, terms under negotiation, doc), with health at `now` when its cycle is active."""
    objective_id, cycle_id, team_id, changed_at_position, agreed_text, proposal_text, text = version
    doc = json.loads(text)
    agreed = _terms(agreed_text)
    proposal = _terms(proposal_text)
    terms = agreed or proposal
    status = S(doc["status"])
    health = None
    if cycle is not None and cycle.state is CycleState.ACTIVE and agreed is not None:
        expected = rules.expected_progress(cycle.starts_on, cycle.ends_on, now)
        health = rules.health(doc["progress"], expected, doc["has_check_ins"])
    computed = doc["computed_score"]
    scored = computed is not None and agreed is not None
    return ObjectiveRow(
        id=UUID(objective_id), cycle_id=UUID(cycle_id), team_id=UUID(team_id),
        team_name=team_name, version=doc["version"], changed_at_position=changed_at_position,
        status=status, round=doc["round"], title=terms.title, description=doc["description"],
        kind=ObjectiveKind(terms.kind), parent_id=terms.parent_id, agreed=agreed,
        proposal=proposal,
        counter_targets=tuple(CounterTarget(UUID(k), t) for k, t in doc["counter_targets"]),
        key_results=tuple(map(_key_result, terms.key_results, doc["measures"])),
        progress=doc["progress"], children_average=children_average, health=health,
        computed_score=computed,
        band=rules.score_band(computed) if scored else None,
        flags=rules.score_flags(agreed.kind, computed) if scored else (),
        adjusted_score=doc["adjusted_score"], adjustment_reason=doc["adjustment_reason"],
        origin_id=_uuid(doc["origin_id"]), carried_into_id=_uuid(doc["carried_into_id"]),
    )


def nest(rows: Sequence[ObjectiveRow]) -> tuple[TreeNode, ...]:
    """Nests rows by parent links, in the order given; each parent gets its children's average.

    A row whose parent is not among `rows` is a root.
    """
    ids = {row.id for row in rows}
    children: dict[UUID, list[ObjectiveRow]] = {}
    for row in rows:
        if row.parent_id in ids and row.parent_id != row.id:
            children.setdefault(row.parent_id, []).append(row)

    def node(row: ObjectiveRow, seen: frozenset[UUID]) -> TreeNode:
        below = [c for c in children.get(row.id, ()) if c.id not in seen]
        average = rules.children_average(c.progress for c in below)
        return TreeNode(
            objective=replace(row, children_average=average),
            children=tuple(node(c, seen | {c.id}) for c in below),
        )

    return tuple(node(row, frozenset({row.id})) for row in rows if row.parent_id not in ids)


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

