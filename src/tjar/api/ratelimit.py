"""Per-key rate limits with the ``limits`` package (memory or Redis storage)."""

import math
import time

from limits import RateLimitItemPerMinute
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.requests import Request

from tjar.errors import RateLimited


def storage_for(redis_url: str | None) -> Storage:
    """Share counters through Redis when configured, else keep them in memory."""
    uri = f"async+{redis_url}" if redis_url else "async+memory://"
    storage = storage_from_string(uri)
    assert isinstance(storage, Storage)
    return storage


class RateLimiter:
    def __init__(self, *, per_minute: int, storage: Storage) -> None:
        self.item = RateLimitItemPerMinute(per_minute)
        self.strategy = MovingWindowRateLimiter(storage)

    async def hit(self, request: Request, identity: str) -> None:
        """Count one request for ``identity``; raise ``RateLimited`` past the limit.

        The ``X-RateLimit-*`` headers are left on the request state either way;
        the outer middleware adds them to whatever answer goes out.
        """
        allowed = await self.strategy.hit(self.item, identity)
        stats = await self.strategy.get_window_stats(self.item, identity)
        reset_at = math.ceil(stats.reset_time)
        request.state.rate_limit_headers = (
            ("X-RateLimit-Limit", str(self.item.amount)),
            ("X-RateLimit-Remaining", str(max(0, stats.remaining))),
            ("X-RateLimit-Reset", str(reset_at)),
        )
        if not allowed:
            retry_after = max(1, math.ceil(stats.reset_time - time.time()))
            raise RateLimited(
                retry_after=retry_after, limit=self.item.amount, reset_at=reset_at
            )
