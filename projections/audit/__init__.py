"""Every approval decision in the organisation: who decided what on which round, as of any position."""

from projections.audit.projection import ApprovalAuditProjection
from projections.audit.queries import MAX_LIMIT, approvals
from projections.audit.rows import ApprovalDecision

__all__ = ["MAX_LIMIT", "ApprovalAuditProjection", "ApprovalDecision", "approvals"]

