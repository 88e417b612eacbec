"""The Receipt aggregate: proof that a command sent with an idempotency key was carried out.

Its id is derived from the actor and the key, and it is saved in the same
transaction as the command's events, so a retry either finds the receipt or
collides with it: a command with the same key can never be recorded twice.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

RECEIPT_NAMESPACE = UUID("0e7c4f0a-9d61-4c1e-8a4b-2f5d6c3b9a10")


def receipt_id(actor_id: UUID, key: str) -> UUID:
    return uuid5(RECEIPT_NAMESPACE, f"{actor_id}:{key}")


class IdempotencyKey(str):
    """An idempotency key that knows the request it came with: `request` is a digest of
    that request (say, its method, path and body), kept on the receipt so that the key sent
    again with another request is refused rather than answered with the first's result."""

    request: str | None

    def __new__(cls, key: str, request: str | None = None) -> IdempotencyKey:
        made = super().__new__(cls, key)
        made.request = request
        return made


class Receipt(Aggregate):
    TOPIC = "okr:Receipt"

    class Event(Aggregate.Event):
        TOPIC = "okr:Receipt.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "okr:Receipt.Created"

    @event("Issued", topic="okr:Receipt.Issued")
    def __init__(
        self, id: UUID, actor_id: UUID, key: str, command: str, result_id: UUID, version: int,
        timestamp: datetime, request: str | None = None,
    ) -> None:
        self.key = key
        self.command = command
        self.result_id = result_id
        self.version = version
        self.request = request  # None on receipts issued before requests were kept
