"""Domain errors with stable machine codes.

Nothing here knows about HTTP: ``tjar.api.errors`` is the one place that turns
these into status codes and the response envelope.
"""

from collections.abc import Mapping, Sequence


class TjarError(Exception):
    """Base of every error the platform reports to a caller."""

    code = "error"

    def __init__(self, code: str | None = None, **params: object) -> None:
        if code is not None:
            self.code = code
        self.params = params
        super().__init__(self.code)


class NotFound(TjarError):
    code = "not_found"


class StoreNotFound(NotFound):
    code = "store_not_found"


class Unauthenticated(TjarError):
    code = "unauthenticated"


class Conflict(TjarError):
    code = "conflict"


class InvalidState(Conflict):
    code = "invalid_state"


class RateLimited(TjarError):
    code = "rate_limited"

    def __init__(self, *, retry_after: int, limit: int, reset_at: int) -> None:
        super().__init__()
        self.retry_after = retry_after
        self.limit = limit
        self.reset_at = reset_at


class ValidationFailed(TjarError):
    """Input that parsed but breaks a rule; ``errors`` maps field paths to codes.

    Each value is a list of ``(message_id, params)`` pairs, translated when the
    error is rendered.
    """

    code = "validation_failed"

    def __init__(
        self,
        errors: Mapping[str, Sequence[tuple[str, Mapping[str, object]]]],
        *,
        code: str | None = None,
        **params: object,
    ) -> None:
        super().__init__(code, **params)
        self.errors = {field: list(items) for field, items in errors.items()}

    @classmethod
    def single(
        cls, field: str, message_id: str, **params: object
    ) -> "ValidationFailed":
        return cls({field: [(message_id, params)]})


class UnsupportedType(TjarError):
    """Content of a type the endpoint does not take (judged from its bytes)."""

    code = "unsupported_file_type"


class TooLarge(TjarError):
    """Content over a size limit."""

    code = "file_too_large"
