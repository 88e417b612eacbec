"""Tokens: revoked by their owner or an administrator. Tokens are no domain events, so the
rule for who may manage them lives here, beside the token routes."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, delete
from litestar.params import FromPath

from api.deps import Caller, CallerDep, LedgerDep
from api.ledger import Ledger
from api.routes.responses import problems
from domain.errors import NotAllowed, NotFound


def require_token_manager(ledger: Ledger, caller: Caller, owner_id: UUID) -> None:
    """A user's tokens are managed by that user or by an administrator."""
    if caller.user_id != owner_id and not ledger.app.is_admin(caller.user_id):
        raise NotAllowed("only an administrator or the user themself may manage a user's tokens")


class TokenController(Controller):
    path = "/tokens"
    tags = ["users"]

    @delete("/{token_id:uuid}", sync_to_thread=True, status_code=204,
            responses=problems(400, 401, 403, 404, 429, 503),
            summary="Revoke a token (its owner or an administrator); it gets 401 from then on")
    def revoke(self, token_id: FromPath[UUID], caller: CallerDep, ledger: LedgerDep) -> None:
        owner = ledger.tokens.owner(token_id)
        if owner is None:
            raise NotFound(f"no token with id {token_id}")
        require_token_manager(ledger, caller, owner)
        if not ledger.tokens.revoke(token_id, ledger.now()):
            raise NotFound(f"token {token_id} is already revoked")
