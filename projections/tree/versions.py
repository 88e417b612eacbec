"""An objective's version row: its state after one event, as the goal tree stores it.

A version row holds the objective's ids, parent and status as columns, the terms in force
and under negotiation by reference (`okr_objective_terms`, keyed by a digest of their JSON
text), and everything else in a small JSON document: the values of `FIELDS`, in order, as
an array, without the nulls at its end. Terms change at a few negotiation steps but are
part of every version, check-ins included: stored once, not on each row. Each version row
is written for every event of the objective, so every byte of it counts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from domain import rules, scorecard
from domain.objective import Objective
from domain.values import CheckIn, KeyResultTerms, ObjectiveStatus as S, Terms

NEGOTIATING = (S.DRAFT, S.IN_REVIEW, S.CHANGES_REQUESTED, S.COUNTERED, S.AMENDING)
SEPARATORS = (",", ":")
# The document's values, in order. `measures` holds, for each key result of the terms in
# force, [current value, confidence of the latest check-in, progress].
FIELDS = (
    "version", "round", "description", "counter_targets", "measures", "progress",
    "has_check_ins", "computed_score", "adjusted_score", "adjustment_reason", "origin_id",
    "carried_into_id",
)


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


def terms_text(terms: Terms) -> str:
    return dumps(terms.as_dict())


def terms_id(text: str) -> str:
    """The key of a terms text: equal texts share one row, whoever wrote it first."""
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def negotiated(objective: Objective) -> Terms | None:
    """The terms under negotiation: the proposal while negotiating or when it differs."""
    agreed, proposal = objective.agreed, objective.proposal
    if agreed is None or objective.status in NEGOTIATING or (
        proposal is not agreed and proposal != agreed
    ):
        return proposal
    return None


def fields(text: str) -> dict[str, Any]:
    """A stored document's values by name."""
    values = json.loads(text)
    return dict(zip(FIELDS, values + [None] * (len(FIELDS) - len(values)), strict=True))


def measures(objective: Objective, closed_at: datetime | None) -> list[Any]:
    """The version document, spelled out: everything but the ids, parent, status columns
    and terms, computed by the domain's scorecard and rules, as the list that `dumps`
    writes as its text (`Encoder` writes the same text).

    `closed_at` is when its cycle closed (None while open): from then on every version
    carries the computed score frozen at the close.
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
    values = [
        objective.version, objective.round, objective.description,
        [[str(k), t] for k, t in objective.counter_targets.items()], per_key_result,
        rules.objective_progress(parts), measured, *_scores(objective, closed_at),
    ]
    while values[-1] is None:
        values.pop()
    return values


def _scores(objective: Objective, closed_at: datetime | None) -> list[Any]:
    """computed_score, adjusted_score, adjustment_reason, origin_id, carried_into_id"""
    scored = closed_at is not None and objective.agreed is not None
    return [
        scorecard.frozen_score(objective, closed_at) if scored else None,
        objective.adjusted_score, objective.adjustment_reason, _text(objective.origin_id),
        _text(objective.carried_into_id),
    ]


class _Kept:
    """What the encoder remembers of one objective between its versions (by identity)."""

    __slots__ = (
        "objective", "ids", "head_key", "head", "terms", "parent", "key_results", "measured",
        "terms_of", "terms_keys",
    )

    def __init__(self, objective: Objective):
        self.objective = objective
        self.ids = (str(objective.id), str(objective.cycle_id), str(objective.team_id))
        self.head_key: tuple = ()
        self.head = ""
        self.terms: Terms | None = None
        self.parent: str | None = None  # the text of `terms.parent_id`
        # (terms, id number, weight) of each key result of `terms`
        self.key_results: list[tuple[KeyResultTerms, int, float]] = []
        # (agreed, proposal, status), and then the status's value and the keys of the terms
        # agreed and negotiated
        self.terms_of: tuple = ()
        self.terms_keys: tuple[str, str | None, str | None] = ("", None, None)
        # Per key result of `terms`: (its terms, its latest check-in, [value, confidence,
        # progress] as JSON, progress). Both are immutable, so the same pair means the
        # same text.
        self.measured: list[tuple[KeyResultTerms, CheckIn | None, str, float]] = []


def _number(value: Any) -> str:
    """A number (or null) as JSON, exactly as `dumps` writes it."""
    if type(value) is float and value - value == 0.0:  # finite
        return float.__repr__(value)
    if value is None:
        return "null"
    return dumps(value)


class Encoder:
    """Writes an objective's version rows, and the terms rows they refer to.

    An objective's terms stay the same object across most of its events (check-ins,
    negotiation steps), so the key of each Terms object is kept (by identity, up to `size`
    of them). Likewise, for each kept objective, the text of its ids, of its round,
    description and counter-proposal, and of each key result's measure are kept while they
    stay the same: a check-in re-encodes only the key result it measured. The document is
    the text `dumps(measures(...))` writes, character for character.

    `new_terms` collects the (terms_id, text) rows not handed out before; whoever writes
    them must drop the encoder (make a new one) if that write is rolled back.
    """

    def __init__(self, size: int = 10_000):
        self._size = size
        self._keys: dict[int, tuple[Terms, str]] = {}
        self._kept: dict[int, _Kept] = {}
        self._handed_out: set[str] = set()
        self.new_terms: list[tuple[str, str]] = []

    def _terms(self, terms: Terms | None) -> str | None:
        if terms is None:
            return None
        kept = self._keys.get(id(terms))
        if kept is not None and kept[0] is terms:
            return kept[1]
        if len(self._keys) >= self._size:
            self._keys.clear()
        text = terms_text(terms)
        key = terms_id(text)
        self._keys[id(terms)] = (terms, key)
        if key not in self._handed_out:
            if len(self._handed_out) >= 10 * self._size:
                self._handed_out.clear()  # written again, it changes nothing
            self._handed_out.add(key)
            self.new_terms.append((key, text))
        return key

    def _kept_for(self, objective: Objective) -> _Kept:
        kept = self._kept.get(id(objective))
        if kept is None or kept.objective is not objective:
            if len(self._kept) >= self._size:
                self._kept.clear()
            kept = self._kept[id(objective)] = _Kept(objective)
        return kept

    def document(
        self, objective: Objective, closed_at: datetime | None,
        latest: dict[int, CheckIn] | None = None,
    ) -> str:
        """The document's text; `latest` is `scorecard.latest_check_ins_by_number(objective)`
        if already at hand."""
        if latest is None:
            latest = scorecard.latest_check_ins_by_number(objective)
        return self._document(self._kept_for(objective), objective, closed_at, latest)

    def _document(
        self, kept: _Kept, objective: Objective, closed_at: datetime | None,
        latest: dict[int, CheckIn],
    ) -> str:
        # round, description and the counter-proposal (its dict is replaced, never changed
        # in place, by the events that change it)
        description, counter = objective.description, objective.counter_targets
        key = kept.head_key
        if not (key and key[0] == objective.round and key[1] is description and key[2] is counter):
            kept.head_key = (objective.round, description, counter)
            kept.head = dumps([
                objective.round, description, [[str(k), t] for k, t in counter.items()],
            ])[1:-1]
        # the measures of the key results of the terms in force
        terms = objective.agreed or objective.proposal
        if kept.terms is not terms:
            kept.terms, kept.measured = terms, []
            kept.parent = _text(terms.parent_id)
            kept.key_results = [(kr, kr.id.int, kr.weight) for kr in terms.key_results]
        before = kept.measured
        kept_before = len(before)
        measured: list[tuple[KeyResultTerms, CheckIn | None, str, float]] = []
        parts = []
        has_check_ins = False
        for i, (kr, number, weight) in enumerate(kept.key_results):
            check_in = latest.get(number)
            if check_in is not None:
                has_check_ins = True
            if i < kept_before and before[i][1] is check_in and before[i][0] is kr:
                entry = before[i]
            else:
                value = None if check_in is None else check_in.value_as_of()
                confidence = None if check_in is None else check_in.confidence
                progress = rules.key_result_progress(kr, value)
                if type(value) is float and type(confidence) is float and type(progress) is float \
                        and value - value + confidence - confidence + progress - progress == 0.0:
                    text = f"[{value!r},{confidence!r},{progress!r}]"  # all finite: as `_number`
                else:
                    text = f"[{_number(value)},{_number(confidence)},{_number(progress)}]"
                entry = (kr, check_in, text, progress)
            measured.append(entry)
            parts.append((entry[3], weight))
        kept.measured = measured
        # the scores and carry-over links, left out while all are null (as most are)
        if (closed_at is None or objective.agreed is None) and objective.adjusted_score is None \
                and objective.adjustment_reason is None and objective.origin_id is None \
                and objective.carried_into_id is None:
            tail = ""
        else:
            scores = _scores(objective, closed_at)
            while scores[-1] is None:
                scores.pop()
            tail = "," + dumps(scores)[1:-1]
        version = objective.version
        return "".join((
            "[", str(version) if type(version) is int else dumps(version), ",", kept.head, ",[",
            ",".join([entry[2] for entry in measured]), "],",
            _number(rules.objective_progress(parts)), ",true" if has_check_ins else ",false",
            tail, "]",
        ))

    def row(
        self, objective: Objective, position: int, closed_at: datetime | None,
        latest: dict[int, CheckIn] | None = None,
    ) -> tuple:
        """(objective_id, from_position, cycle_id, team_id, parent_id, status, agreed_id,
        proposal_id, doc): the columns of `okr_objective_versions`, in order."""
        if latest is None:
            latest = scorecard.latest_check_ins_by_number(objective)
        kept = self._kept_for(objective)
        doc = self._document(kept, objective, closed_at, latest)
        agreed, proposal, status = objective.agreed, objective.proposal, objective.status
        state = kept.terms_of
        if not (state and state[0] is agreed and state[1] is proposal and state[2] is status):
            kept.terms_of = (agreed, proposal, status)
            kept.terms_keys = (status.value, self._terms(agreed), self._terms(negotiated(objective)))
        oid, cid, tid = kept.ids
        return (oid, position, cid, tid, kept.parent, *kept.terms_keys, doc)
