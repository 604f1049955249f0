"""Domain errors raised by services; the API's exception handler and the pages map them to HTTP."""


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code

    default_code = "invalid"


class InvalidTransition(DomainError):
    """A state change that the object's state machine does not allow (409)."""

    status_code = 409
    default_code = "invalid_transition"


class Conflict(DomainError):
    """The change collides with existing data (409)."""

    status_code = 409
    default_code = "conflict"


class NotPermitted(DomainError):
    """The caller may see the object but not do this to it (403)."""

    status_code = 403
    default_code = "permission_denied"
