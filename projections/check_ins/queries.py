"""The question this read model answers: a key result's check-ins, as known at a position?"""

from __future__ import annotations

from uuid import UUID

from projections.check_ins.projection import CHECK_INS, CORRECTIONS, KEY_RESULTS
from projections.check_ins.rows import CheckInRow, CorrectionRow
from projections.store import Tx
from projections.timefmt import parsed

CHECK_INS_AS_OF = (
    "SELECT objective_id, check_in_id, key_result_id, position, value, confidence, note,"
    f" measured_at, recorded_at, actor_id FROM {CHECK_INS}"
    " WHERE key_result_id = ? AND position <= ? ORDER BY measured_at, position"
)

KNOWN_AS_OF = f"SELECT 1 FROM {KEY_RESULTS} WHERE key_result_id = ? AND position <= ?"

CORRECTIONS_AS_OF = (
    "SELECT r.objective_id, r.check_in_id, r.value, r.reason, r.actor_id, r.recorded_at,"
    f" r.position FROM {CHECK_INS} c JOIN {CORRECTIONS} r"
    " ON r.objective_id = c.objective_id AND r.check_in_id = c.check_in_id"
    " WHERE c.key_result_id = ? AND c.position <= ? AND r.position <= ? ORDER BY r.position"
)


def check_ins_at(tx: Tx, key_result_id: UUID, position: int) -> list[CheckInRow]:
    """A key result's check-ins recorded by `position`, in valid-time order, each with the
    corrections recorded by then beside it and its value after them."""
    kr = str(key_result_id)
    corrections: dict[tuple[str, str], list[CorrectionRow]] = {}
    for oid, cid, value, reason, actor, recorded, pos in tx.execute(
        CORRECTIONS_AS_OF, (kr, position, position)
    ).fetchall():
        corrections.setdefault((oid, cid), []).append(
            CorrectionRow(value, reason, UUID(actor), parsed(recorded), pos)
        )
    series = []
    for oid, cid, krid, pos, value, confidence, note, measured, recorded, actor in tx.execute(
        CHECK_INS_AS_OF, (kr, position)
    ).fetchall():
        fixes = tuple(corrections.get((oid, cid), ()))
        series.append(CheckInRow(
            id=UUID(cid), objective_id=UUID(oid), key_result_id=UUID(krid), value=value,
            current_value=fixes[-1].value if fixes else value, confidence=confidence,
            note=note, measured_at=parsed(measured), recorded_at=parsed(recorded),
            actor_id=UUID(actor), position=pos, corrections=fixes,
        ))
    return series


def key_result_known(tx: Tx, key_result_id: UUID, position: int) -> bool:
    """Whether a key result with this id had been added (or drafted) by `position`."""
    return tx.execute(KNOWN_AS_OF, (str(key_result_id), position)).fetchone() is not None
