"""An objective's version document (its state after one event, as JSON-ready data) and the
pure steps that turn documents back into rows and nest them into a tree."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

from domain import rules, scorecard
from domain.objective import Objective
from domain.values import CycleState, KeyResultTerms, ObjectiveKind, ObjectiveStatus as S, Terms
from projections.tree.rows import (
    CounterTarget, CycleRow, KeyResultRow, ObjectiveRow, TeamRow, TreeNode,
)

NEGOTIATING = (S.DRAFT, S.IN_REVIEW, S.CHANGES_REQUESTED, S.COUNTERED, S.AMENDING)
SEPARATORS = (",", ":")


def _compact_json() -> Callable[[Any], str]:
    """`json.dumps(value, separators=SEPARATORS)`, without building an encoder on every call
    (the same C encoder json.dumps uses; only its check for circular references is left out,
    as documents have none)."""
    try:
        from json.encoder import c_make_encoder, encode_basestring_ascii
    except ImportError:  # pragma: no cover - a Python without the C accelerator
        c_make_encoder = None
    if c_make_encoder is None:  # pragma: no cover
        return lambda value: json.dumps(value, separators=SEPARATORS)
    encode = c_make_encoder(
        None, json.JSONEncoder().default, encode_basestring_ascii, None, ":", ",",
        False, False, True,
    )
    return lambda value: "".join(encode(value, 0))


dumps = _compact_json()


def _text(value: UUID | None) -> str | None:
    return None if value is None else str(value)


def _uuid(value: str | None) -> UUID | None:
    return None if value is None else UUID(value)


def negotiated(objective: Objective) -> Terms | None:
    """The terms under negotiation: the proposal while negotiating or when it differs."""
    agreed, proposal = objective.agreed, objective.proposal
    if agreed is None or objective.status in NEGOTIATING or (
        proposal is not agreed and proposal != agreed
    ):
        return proposal
    return None


def measures(objective: Objective, closed_at: datetime | None) -> dict[str, Any]:
    """Everything in the version document but the terms, computed by the domain's
    scorecard and rules. (The objective's id, cycle and team are columns of the row.)

    `closed_at` is when its cycle closed (None while open): from then on every version
    carries the computed score frozen at the close. `measures` holds, for each key result
    of the terms in force, [current value, confidence of the latest check-in, progress].
    """
    terms = objective.agreed or objective.proposal
    per_key_result = []
    parts = []
    measured = False
    latest_of = scorecard.latest_check_ins(objective)  # one pass for every key result
    for kr in terms.key_results:
        latest = latest_of.get(kr.id)
        if latest is None:
            value = confidence = None
        else:
            value, confidence, measured = latest.value_as_of(), latest.confidence, True
        progress = rules.key_result_progress(kr, value)
        parts.append((progress, kr.weight))
        per_key_result.append([value, confidence, progress])
    scored = closed_at is not None and objective.agreed is not None
    return {
        "version": objective.version,
        "status": objective.status.value,
        "round": objective.round,
        "description": objective.description,
        "counter_targets": [[str(k), t] for k, t in objective.counter_targets.items()],
        "measures": per_key_result,
        "progress": rules.objective_progress(parts),
        "has_check_ins": measured,
        "computed_score": scorecard.frozen_score(objective, closed_at) if scored else None,
        "adjusted_score": objective.adjusted_score,
        "adjustment_reason": objective.adjustment_reason,
        "origin_id": _text(objective.origin_id),
        "carried_into_id": _text(objective.carried_into_id),
    }


class _Kept:
    """What the encoder remembers of one objective between its versions (by identity)."""

    __slots__ = ("objective", "ids", "head_key", "head", "terms", "measured")

    def __init__(self, objective: Objective):
        self.objective = objective
        self.ids = (str(objective.id), str(objective.cycle_id), str(objective.team_id))
        self.head_key: tuple = ()
        self.head = ""
        self.terms: Terms | None = None
        # Per key result of `terms`: (its terms, its latest check-in, [value, confidence,
        # progress] as JSON, progress). Both are immutable, so the same pair means the
        # same text.
        self.measured: list[tuple[KeyResultTerms, Any, str, float]] = []


_NO_SCORES = (
    '"computed_score":null,"adjusted_score":null,"adjustment_reason":null,'
    '"origin_id":null,"carried_into_id":null'
)


def _number(value: Any) -> str:
    """A number as JSON, exactly as `dumps` writes it."""
    if type(value) is float and value - value == 0.0:  # finite
        return float.__repr__(value)
    return dumps(value)


class Encoder:
    """Writes an objective's version row, its document as JSON text.

    An objective's terms stay the same object across most of its events (check-ins,
    negotiation steps), so the JSON text of each Terms object is kept (by identity, up to
    `size` of them) and spliced in rather than encoded again for every version. Likewise,
    for each kept objective, the text of its ids, of its status, round, description and
    counter-proposal, and of each key result's measure are kept while they stay the same:
    a check-in re-encodes only the key result it measured. The text is the one
    `reference_document` writes, character for character.
    """

    def __init__(self, size: int = 10_000):
        self._size = size
        self._texts: dict[int, tuple[Terms, str]] = {}
        self._kept: dict[int, _Kept] = {}

    def _terms(self, terms: Terms | None) -> str:
        if terms is None:
            return "null"
        kept = self._texts.get(id(terms))
        if kept is not None and kept[0] is terms:
            return kept[1]
        if len(self._texts) >= self._size:
            self._texts.clear()
        text = dumps(terms.as_dict())
        self._texts[id(terms)] = (terms, text)
        return text

    def _kept_for(self, objective: Objective) -> _Kept:
        kept = self._kept.get(id(objective))
        if kept is None or kept.objective is not objective:
            if len(self._kept) >= self._size:
                self._kept.clear()
            kept = self._kept[id(objective)] = _Kept(objective)
        return kept

    def document(self, objective: Objective, closed_at: datetime | None) -> str:
        kept = self._kept_for(objective)
        # status, round, description and the counter-proposal (its dict is replaced, never
        # changed in place, by the events that change it)
        status, description, counter = objective.status, objective.description, objective.counter_targets
        key = kept.head_key
        if not (key and key[0] is status and key[1] == objective.round and key[2] is description
                and key[3] is counter):
            kept.head_key = (status, objective.round, description, counter)
            kept.head = dumps({
                "status": status.value,
                "round": objective.round,
                "description": description,
                "counter_targets": [[str(k), t] for k, t in counter.items()],
            })[1:-1]
        # the measures of the key results of the terms in force
        terms = objective.agreed or objective.proposal
        if kept.terms is not terms:
            kept.terms, kept.measured = terms, []
        before = kept.measured
        latest_of = scorecard.latest_check_ins(objective)
        measured: list[tuple[KeyResultTerms, Any, str, float]] = []
        parts = []
        has_check_ins = False
        for i, kr in enumerate(terms.key_results):
            latest = latest_of.get(kr.id)
            if latest is not None:
                has_check_ins = True
            if i < len(before) and before[i][0] is kr and before[i][1] is latest:
                entry = before[i]
            else:
                value = None if latest is None else latest.value_as_of()
                confidence = None if latest is None else latest.confidence
                progress = rules.key_result_progress(kr, value)
                entry = (kr, latest, dumps([value, confidence, progress]), progress)
            measured.append(entry)
            parts.append((entry[3], kr.weight))
        kept.measured = measured
        # the scores, the carry-over links
        if (closed_at is None or objective.agreed is None) and objective.adjusted_score is None \
                and objective.adjustment_reason is None and objective.origin_id is None \
                and objective.carried_into_id is None:
            tail = _NO_SCORES
        else:
            scored = closed_at is not None and objective.agreed is not None
            tail = dumps({
                "computed_score": scorecard.frozen_score(objective, closed_at) if scored else None,
                "adjusted_score": objective.adjusted_score,
                "adjustment_reason": objective.adjustment_reason,
                "origin_id": _text(objective.origin_id),
                "carried_into_id": _text(objective.carried_into_id),
            })[1:-1]
        agreed, proposal = self._terms(objective.agreed), self._terms(negotiated(objective))
        return "".join((
            '{"agreed":', agreed, ',"proposal":', proposal, ',"version":',
            _number(objective.version), ",", kept.head, ',"measures":[',
            ",".join([entry[2] for entry in measured]), '],"progress":',
            _number(rules.objective_progress(parts)), ',"has_check_ins":',
            "true" if has_check_ins else "false", ",", tail, "}",
        ))

    def reference_document(self, objective: Objective, closed_at: datetime | None) -> str:
        """The document as `measures` spells it out, encoded whole: what `document` writes."""
        rest = dumps(measures(objective, closed_at))
        agreed, proposal = self._terms(objective.agreed), self._terms(negotiated(objective))
        return f'{{"agreed":{agreed},"proposal":{proposal},{rest[1:]}'

    def row(self, objective: Objective, position: int, closed_at: datetime | None) -> tuple:
        """(objective_id, from_position, cycle_id, team_id, parent_id, status, doc)."""
        parent = (objective.agreed or objective.proposal).parent_id
        oid, cid, tid = self._kept_for(objective).ids
        return (
            oid, position, cid, tid, _text(parent), objective.status.value,
            self.document(objective, closed_at),
        )


def document(objective: Objective, closed_at: datetime | None) -> dict[str, Any]:
    """The version document, as the read side sees it once decoded."""
    return json.loads(Encoder().document(objective, closed_at))


def _key_result(kr: KeyResultTerms, measure: Sequence[Any]) -> KeyResultRow:
    value, confidence, progress = measure
    return KeyResultRow(
        id=kr.id, kind=kr.kind, title=kr.title, unit=kr.unit, baseline=kr.baseline,
        target=kr.target, direction=kr.direction, weight=kr.weight, current_value=value,
        confidence=confidence, progress=progress,
    )


def objective_row(
    version: Sequence[Any], *, team_name: str | None, cycle: CycleRow | None, now: datetime,
    children_average: float | None = None,
) -> ObjectiveRow:
    """The row for a stored version (objective_id, cycle_id, team_id, from_position, doc),
    with health at `now` when its cycle is active."""
    objective_id, cycle_id, team_id, changed_at_position, text = version
    doc = json.loads(text)
    agreed = Terms.from_dict(doc["agreed"]) if doc["agreed"] else None
    proposal = Terms.from_dict(doc["proposal"]) if doc["proposal"] else None
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

