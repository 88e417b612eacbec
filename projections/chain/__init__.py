"""The hash chain over the event log: each event's link covers its stored bytes and the
link before it, so altering any stored event breaks every link from it on."""

from projections.chain.links import GENESIS, link
from projections.chain.projection import ChainProjection
from projections.chain.verification import Finding, Verification, verify

__all__ = ["GENESIS", "ChainProjection", "Finding", "Verification", "link", "verify"]
