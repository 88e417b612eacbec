"""How one link of the chain is computed from a stored event and the link before it."""

from __future__ import annotations

import hashlib
from typing import Any

GENESIS = bytes(32)


def link(previous: bytes, stored: Any) -> bytes:
    """SHA-256 over the previous link and everything stored for the event: its position,
    aggregate id, version, topic and state bytes (each field on its own line, the state
    last, so no two different events give the same input)."""
    digest = hashlib.sha256(previous)
    digest.update(
        f"{stored.id}\n{stored.originator_id}\n{stored.originator_version}\n{stored.topic}\n".encode()
    )
    digest.update(bytes(stored.state))
    return digest.digest()
