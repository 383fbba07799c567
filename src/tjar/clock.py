"""The platform's clock: aware UTC time that tests can set instead of sleeping."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta


def _system_now() -> datetime:
    return datetime.now(UTC)


_now: ContextVar[Callable[[], datetime]] = ContextVar("tjar_now", default=_system_now)


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return _now.get()()


class ManualClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self.current = start.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@contextmanager
def use_clock(clock: Callable[[], datetime]) -> Iterator[None]:
    """Make ``utcnow`` read ``clock`` within the block (and tasks it starts)."""
    token = _now.set(clock)
    try:
        yield
    finally:
        _now.reset(token)
