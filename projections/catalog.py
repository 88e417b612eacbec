"""Every read model okr-ledger keeps, by name, and the projector that feeds them."""

from __future__ import annotations

from domain.application import OkrApp
from projections.audit import ApprovalAuditProjection
from projections.chain import ChainProjection
from projections.check_ins import CheckInsProjection
from projections.directory import DirectoryProjection
from projections.feed.projection import FeedProjection
from projections.negotiation import NegotiationProjection
from projections.projection import Projection
from projections.runner import Projector
from projections.store import ReadStore
from projections.tree import TreeProjection


def read_models(app: OkrApp) -> list[Projection]:
    # The tree folds events into Objective aggregates; on a cache miss it loads the
    # aggregate at the version it has reached from the event store itself.
    return [
        FeedProjection(),
        TreeProjection(load=lambda aggregate_id, version: app.repository.get(aggregate_id, version=version)),
        CheckInsProjection(),
        NegotiationProjection(),
        ApprovalAuditProjection(),
        ChainProjection(),
        DirectoryProjection(),
    ]


NAMES = ("feed", "tree", "check_ins", "negotiation", "approval_audit", "chain", "directory")


def projector_for(app: OkrApp, url: str, batch_size: int = 1000, indexes: bool = True) -> Projector:
    return Projector(
        app, ReadStore(url), read_models(app), batch_size=batch_size, url=url, indexes=indexes
    )
