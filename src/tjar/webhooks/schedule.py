"""What an attempt's answer means, and when the next attempt is due."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum

# Waits after the 1st, 2nd, ... attempt: 8 attempts over about 27 hours.
RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# A 4xx other than 410 and 429 is retried at most twice: 3 attempts in all.
MAX_CLIENT_ERROR_ATTEMPTS = 3
JITTER = 0.10
# A receiver's Retry-After is honoured up to this long.
MAX_RETRY_AFTER = timedelta(hours=24)
DISABLE_AFTER = timedelta(days=5)
WARN_AFTER = timedelta(hours=24)
_RNG = random.Random()


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    GONE = "gone"  # 410: the receiver asks us to stop
    RETRY = "retry"  # timeouts, connection errors, 429, 5xx
    CLIENT_ERROR = "client_error"  # other answers: retried at most twice


def outcome_of(status_code: int | None) -> Outcome:
    """Classify an attempt by its status code (None: no answer at all)."""
    if status_code is None or status_code == 429 or status_code >= 500:
        return Outcome.RETRY
    if 200 <= status_code < 300:
        return Outcome.SUCCEEDED
    if status_code == 410:
        return Outcome.GONE
    return Outcome.CLIENT_ERROR


@dataclass(frozen=True)
class Decision:
    """Where a delivery goes after an attempt."""

    status: str  # "succeeded", "failed" or "pending"
    next_attempt_at: datetime | None = None


def decide(
    outcome: Outcome,
    *,
    attempts: int,
    now: datetime,
    retry_after: timedelta | None = None,
    rng: random.Random | None = None,
) -> Decision:
    """Decide a delivery's next step after its ``attempts``-th attempt."""
    if outcome is Outcome.SUCCEEDED:
        return Decision("succeeded")
    if outcome is Outcome.GONE:
        return Decision("failed")
    limit = MAX_ATTEMPTS if outcome is Outcome.RETRY else MAX_CLIENT_ERROR_ATTEMPTS
    if attempts >= limit:
        return Decision("failed")
    delay = jittered(RETRY_DELAYS[attempts - 1], rng or _RNG)
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return Decision("pending", now + delay)


def jittered(delay: timedelta, rng: random.Random) -> timedelta:
    """Spread ``delay`` by ±10 %, so receivers that fail together recover apart."""
    return delay * (1 + rng.uniform(-JITTER, JITTER))


def parse_retry_after(value: str | None, *, now: datetime) -> timedelta | None:
    """Read a ``Retry-After`` header (seconds, or an HTTP date), capped at a day.

    It comes from a receiver, so anything odd is ignored rather than trusted.
    """
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        # Past the cap the exact number does not matter (nor can it overflow).
        seconds = int(value[:12])
        return min(timedelta(seconds=seconds), MAX_RETRY_AFTER)
    if len(value) > 64:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        return None
    return min(max(when - now, timedelta(0)), MAX_RETRY_AFTER)
