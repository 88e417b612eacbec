"""Bearer tokens: random, shown once, kept only as hashes beside the read models, revocable.

Tokens never enter the event log: the log is forever and readable by every member, a
token is a secret that must be revocable. A token is `okr_<token id>_<secret>`; the id
finds the row, the secret's SHA-256 is compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4, uuid5

from projections.store import ReadStore
from projections.timefmt import stored

TABLE = (
    "CREATE TABLE IF NOT EXISTS okr_tokens ("
    " token_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, secret_hash TEXT NOT NULL,"
    " issued_at TEXT NOT NULL, revoked_at TEXT)"
)
PREFIX = "okr_"
# A token checked in the database is believed for this long without asking again. A
# revocation through this process takes effect at once; through another process (several
# API processes on PostgreSQL), within this many seconds.
BELIEVED_SECONDS = 1.0
BELIEVED_AT_MOST = 10_000  # tokens remembered at once (beyond that, forgotten all together)
FIRST_TOKEN_NAMESPACE = UUID("5d2f8e61-0b7a-4c3e-9f14-7a6b2c8d1e90")


@dataclass(frozen=True)
class Issued:
    token_id: UUID
    user_id: UUID
    token: str  # the only time the secret exists outside the caller's hands


@dataclass(frozen=True)
class TokenOwner:
    token_id: UUID
    user_id: UUID


def first_token_id(user_id: UUID) -> UUID:
    return uuid5(FIRST_TOKEN_NAMESPACE, str(user_id))


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Tokens:
    def __init__(self, store: ReadStore, clock: Callable[[], float] = time.monotonic):
        self.store = store
        # Tokens lately found live: SHA-256 of the whole token → (owner, checked at). Every
        # request shows its token, and one database read each was a tenth of a check-in's
        # time on the server's event loop.
        self._believed: dict[str, tuple[TokenOwner, float]] = {}
        self._believed_lock = threading.Lock()
        self._revocations = 0  # so a look-up that raced a revocation is not remembered
        self._clock = clock
        with store.transaction() as tx:
            tx.execute(TABLE)

    @staticmethod
    def same(given: str, expected: str) -> bool:
        """Constant-time comparison of two tokens."""
        return hmac.compare_digest(_hash(given).encode(), _hash(expected).encode())

    def issue(self, user_id: UUID, now: datetime) -> Issued:
        token_id, secret = uuid4(), secrets.token_urlsafe(32)
        self._insert(token_id, user_id, secret, now)
        return Issued(token_id, user_id, f"{PREFIX}{token_id.hex}_{secret}")

    def issue_first(self, user_id: UUID, now: datetime) -> Issued | None:
        """The token handed out with a registration, or None if it was issued before.

        Its id derives from the user's, so a retried registration (even a concurrent one)
        cannot mint a second secret, and a revoked first token stays revoked.
        """
        token_id, secret = first_token_id(user_id), secrets.token_urlsafe(32)
        if not self._insert(token_id, user_id, secret, now):
            return None
        return Issued(token_id, user_id, f"{PREFIX}{token_id.hex}_{secret}")

    def _insert(self, token_id: UUID, user_id: UUID, secret: str, now: datetime) -> bool:
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT INTO okr_tokens (token_id, user_id, secret_hash, issued_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (token_id) DO NOTHING",
                (str(token_id), str(user_id), _hash(secret), stored(now)),
            )
            return tx.rowcount == 1

    def owner(self, token_id: UUID) -> UUID | None:
        with self.store.reading() as tx:
            row = tx.execute("SELECT user_id FROM okr_tokens WHERE token_id = ?", (str(token_id),)).fetchone()
        return UUID(row[0]) if row else None

    def revoke(self, token_id: UUID, now: datetime) -> bool:
        """Revokes a live token; False if there is none with that id (or it was revoked)."""
        with self.store.transaction() as tx:
            tx.execute(
                "UPDATE okr_tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL",
                (stored(now), str(token_id)),
            )
            revoked = tx.rowcount == 1
        with self._believed_lock:
            self._revocations += 1
            self._believed = {k: v for k, v in self._believed.items() if v[0].token_id != token_id}
        return revoked

    def believed(self, token: str) -> TokenOwner | None:
        """The owner of a token found live within the last BELIEVED_SECONDS, without
        reading the database; None if it has to be read (`resolve`)."""
        believed = self._believed.get(_hash(token))
        if believed is not None and self._clock() - believed[1] < BELIEVED_SECONDS:
            return believed[0]
        return None

    def resolve(self, token: str) -> TokenOwner | None:
        """The owner of a live token, or None for anything else."""
        if (owner := self.believed(token)) is not None:
            return owner
        checked_at, revocations = self._clock(), self._revocations
        owner = self._look_up(token)
        if owner is not None:
            with self._believed_lock:
                if self._revocations != revocations:
                    return owner  # it was live when read; whether it still is, ask next time
                if len(self._believed) >= BELIEVED_AT_MOST:
                    self._believed = {}
                self._believed[_hash(token)] = (owner, checked_at)
        return owner

    def _look_up(self, token: str) -> TokenOwner | None:
        if not token.startswith(PREFIX):
            return None
        id_hex, _, secret = token[len(PREFIX):].partition("_")
        try:
            token_id = UUID(hex=id_hex)
        except ValueError:
            return None
        with self.store.reading() as tx:
            row = tx.execute(
                "SELECT user_id, secret_hash FROM okr_tokens WHERE token_id = ? AND revoked_at IS NULL",
                (str(token_id),),
            ).fetchone()
        # Compare even when there is no row, so timing does not tell ids that exist.
        expected = row[1] if row else _hash("")
        if not hmac.compare_digest(expected.encode(), _hash(secret).encode()) or row is None:
            return None
        return TokenOwner(token_id, UUID(row[0]))
