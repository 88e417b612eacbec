"""Domain errors: every refused command raises one of these, naming the rule it broke."""


class DomainError(Exception):
    """Raised when a command breaks a rule of the domain; nothing has been changed."""

    rule = "domain_rule"

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class InvalidValue(DomainError):
    """Raised when a value is outside what the domain accepts (NaN, out of range, empty)."""

    rule = "invalid_value"


class NotFound(DomainError):
    """Raised when an id names no user, team, cycle, objective, key result or check-in."""

    rule = "not_found"


class NotAllowed(DomainError):
    """Raised when the acting user does not hold the role a command needs."""

    rule = "not_allowed"


class OwnRound(NotAllowed):
    """Raised when someone responds to a negotiation round they submitted themselves."""

    rule = "own_round"


class InvalidTransition(DomainError):
    """Raised when a command is not allowed in the current status of its aggregate."""

    rule = "invalid_transition"


class Conflict(DomainError):
    """Raised when the aggregate moved on: an expected version did not match, or a
    concurrent writer appended first."""

    rule = "version_conflict"

    def __init__(self, detail: str, current_version: int | None = None):
        super().__init__(detail)
        self.current_version = current_version


class AlreadyExists(DomainError):
    """Raised when something that must be unique is created twice (an email, a carry-over)."""

    rule = "already_exists"
