"""How was this objective negotiated? Rounds, responses, agreed terms and target drift, as of any position."""

from projections.negotiation.fold import fold
from projections.negotiation.projection import NegotiationProjection
from projections.negotiation.queries import negotiation
from projections.negotiation.rows import (
    CounterTarget, NegotiationView, Response, Round, Step, TargetDrift, TargetStep,
)

__all__ = [
    "CounterTarget", "NegotiationProjection", "NegotiationView", "Response", "Round", "Step",
    "TargetDrift", "TargetStep", "fold", "negotiation",
]
