"""A key result's check-in series: every measurement as recorded (valid and recorded time),
with its corrections beside it, as known at any log position."""

from projections.check_ins.projection import CheckInsProjection
from projections.check_ins.queries import check_ins_at, key_result_known
from projections.check_ins.rows import CheckInRow, CorrectionRow

__all__ = ["CheckInRow", "CheckInsProjection", "CorrectionRow", "check_ins_at", "key_result_known"]
