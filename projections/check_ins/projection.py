"""Folds check-ins and their corrections into two append-only tables, keyed by position,
and registers each key result where it first appears.

Check-ins never change; a correction is a row of its own beside the check-in it corrects.
Both carry the position that recorded them, so "known at P" is `position <= P`: an index
range read of one key result, however long the log has grown. The register tells a key
result without check-ins yet from an id that names none. Every value comes from the event
itself: no aggregate is folded.
"""

from __future__ import annotations

from collections.abc import Sequence

from projections.projection import Logged, Projection
from projections.store import Tx

CHECK_INS = "okr_check_ins"
CORRECTIONS = "okr_check_in_corrections"
KEY_RESULTS = "okr_key_results"
CHECK_IN_COLUMNS = (
    "position", "objective_id", "check_in_id", "key_result_id", "value", "confidence", "note",
    "measured_at", "recorded_at", "actor_id",
)
CORRECTION_COLUMNS = (
    "objective_id", "check_in_id", "position", "value", "reason", "actor_id", "recorded_at",
)
RECORDED = "okr:Objective.CheckInRecorded"
CORRECTED = "okr:Objective.CheckInCorrected"
ADDED = "okr:Objective.KeyResultAdded"
DRAFTED = "okr:Objective.Drafted"  # a carried-over objective is drafted with its key results
# Ids are made by the application, never twice; should one come again, its first place stands.
REGISTER = (
    f"INSERT INTO {KEY_RESULTS} (key_result_id, objective_id, position) VALUES (?, ?, ?)"
    " ON CONFLICT (key_result_id) DO NOTHING"
)


class CheckInsProjection(Projection):
    name = "check_ins"
    decodes = False  # check-ins and corrections, by their plain values
    tables = (CHECK_INS, CORRECTIONS, KEY_RESULTS)
    layout = 2  # 2: the key result register
    schema = (
        f"CREATE TABLE IF NOT EXISTS {CHECK_INS} ("
        " position BIGINT PRIMARY KEY, objective_id TEXT NOT NULL, check_in_id TEXT NOT NULL,"
        " key_result_id TEXT NOT NULL, value DOUBLE PRECISION NOT NULL,"
        " confidence DOUBLE PRECISION NOT NULL, note TEXT NOT NULL, measured_at TEXT NOT NULL,"
        " recorded_at TEXT NOT NULL, actor_id TEXT NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {CORRECTIONS} ("
        " objective_id TEXT NOT NULL, check_in_id TEXT NOT NULL, position BIGINT NOT NULL,"
        " value DOUBLE PRECISION NOT NULL, reason TEXT NOT NULL, actor_id TEXT NOT NULL,"
        " recorded_at TEXT NOT NULL, PRIMARY KEY (objective_id, check_in_id, position))",
        f"CREATE TABLE IF NOT EXISTS {KEY_RESULTS} ("
        " key_result_id TEXT PRIMARY KEY, objective_id TEXT NOT NULL, position BIGINT NOT NULL)",
    )
    indexes = (
        f"CREATE INDEX IF NOT EXISTS {CHECK_INS}_key_result ON {CHECK_INS} (key_result_id, position)",
    )

    def process(self, tx: Tx, batch: Sequence[Logged]) -> None:
        check_ins, corrections, key_results = [], [], []
        for logged in batch:
            topic = logged.topic
            if topic == RECORDED:
                v = logged.values
                check_ins.append((
                    logged.position, str(logged.originator.originator_id), v["check_in_id"],
                    v["key_result_id"], v["value"], v["confidence"], v["note"], v["measured_at"],
                    logged.recorded_text, v["actor_id"],
                ))
            elif topic == CORRECTED:
                v = logged.values
                corrections.append((
                    str(logged.originator.originator_id), v["check_in_id"], logged.position,
                    v["value"], v["reason"], v["actor_id"], logged.recorded_text,
                ))
            elif topic == ADDED:
                objective_id = str(logged.originator.originator_id)
                key_results.append((logged.values["key_result_id"], objective_id, logged.position))
            elif topic == DRAFTED:
                objective_id = str(logged.originator.originator_id)
                for kr in logged.values.get("key_results") or ():
                    key_results.append((kr["id"], objective_id, logged.position))
        tx.append(CHECK_INS, CHECK_IN_COLUMNS, check_ins)
        tx.append(CORRECTIONS, CORRECTION_COLUMNS, corrections)
        tx.executemany(REGISTER, key_results)
