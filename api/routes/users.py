"""Users: registered by an administrator with a first token; read by everyone; each may ask
for further tokens of their own."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from litestar import Controller, Response, get, post
from litestar.params import FromPath, JSONBody, Parameter

from api.deps import CallerDep, Key, LedgerDep, Position
from api.ledger import Ledger
from api.routes.responses import READ_PROBLEMS, WRITE_PROBLEMS, problems
from api.routes.tokens import require_token_manager
from api.schemas.users import TokenIssued, UserCreate, UserCreated, UserPage, UserView
from api.tokens import first_token_id
from domain.errors import NotFound
from domain.user import User
from projections.directory import MAX_LIMIT, UserRow, user_at, users_at
from projections.projection import MAX_POSITION


def registered(ledger: Ledger, user_id: UUID) -> User:
    """The user as the write side knows them now (a user just registered may not be in the
    read models yet)."""
    try:
        user = ledger.app.repository.get(user_id)
    except AggregateNotFoundError:
        user = None
    if not isinstance(user, User):
        raise NotFound(f"no user with id {user_id}")
    return user


def view(row: UserRow, position: int) -> UserView:
    return UserView(row.id, row.name, row.email, row.admin, row.registered_at, row.position, position)


def _found(row: UserRow | None, user_id: UUID, position: int) -> UserView:
    if row is None:
        raise NotFound(f"no user with id {user_id} (as of log position {position})")
    return view(row, position)


class UserController(Controller):
    path = "/users"
    tags = ["users"]

    @post("/", sync_to_thread=True, status_code=201, responses=WRITE_PROBLEMS,
          summary="Register a user and hand out their first token (administrator)")
    def register(self, data: JSONBody[UserCreate], caller: CallerDep, ledger: LedgerDep,
                 key: Key) -> Response[UserCreated]:
        recorded = ledger.app.register_user(
            caller.user_id, data.name, data.email, data.admin, idempotency_key=key,
        )
        # A retry with the same Idempotency-Key finds the first token issued: the secret it
        # carried was shown once and is not kept, so the retry answers with `token: null`.
        issued = ledger.tokens.issue_first(recorded.id, ledger.now())
        user = registered(ledger, recorded.id)
        body = UserCreated(
            recorded.id, user.name, user.email, user.admin,
            issued.token_id if issued else first_token_id(recorded.id),
            issued.token if issued else None, recorded.version, recorded.position,
        )
        return Response(body, status_code=201, headers={"ETag": f'"{recorded.version}"'})

    @get("/", sync_to_thread=True, responses=READ_PROBLEMS,
         summary="Every user, in the order registered, a page at a time, as of `as_of`")
    def list_users(
        self, caller: CallerDep, ledger: LedgerDep, position: Position,
        after: Annotated[
            int, Parameter(ge=0, le=MAX_POSITION, description="the `next_after` of the previous page")
        ] = 0,
        limit: Annotated[int, Parameter(ge=1, le=MAX_LIMIT, description=f"1 to {MAX_LIMIT} users")] = 100,
    ) -> UserPage:
        with ledger.store.reading() as tx:
            rows = users_at(tx, position, after, limit)
        next_after = rows[-1].position if len(rows) == limit else None
        return UserPage([view(row, position) for row in rows], next_after, position)

    @get("/me", sync_to_thread=True, responses=READ_PROBLEMS, summary="The caller, as of `as_of`")
    def me(self, caller: CallerDep, ledger: LedgerDep, position: Position) -> UserView:
        with ledger.store.reading() as tx:
            return _found(user_at(tx, caller.user_id, position), caller.user_id, position)

    @get("/{user_id:uuid}", sync_to_thread=True, responses=READ_PROBLEMS, summary="One user, as of `as_of`")
    def one(self, user_id: FromPath[UUID], caller: CallerDep, ledger: LedgerDep, position: Position) -> UserView:
        with ledger.store.reading() as tx:
            return _found(user_at(tx, user_id, position), user_id, position)

    @post("/{user_id:uuid}/tokens", sync_to_thread=True, status_code=201,
          responses=problems(400, 401, 403, 404, 429, 503),
          summary="A new token for a user (the user themself or an administrator), shown once")
    def issue_token(self, user_id: FromPath[UUID], caller: CallerDep, ledger: LedgerDep) -> TokenIssued:
        require_token_manager(ledger, caller, user_id)
        registered(ledger, user_id)
        issued = ledger.tokens.issue(user_id, ledger.now())
        return TokenIssued(issued.token_id, issued.token)
