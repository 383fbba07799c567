"""One HTTP attempt of a delivery, through one shared, guarded client."""

import asyncio
import time
from dataclasses import dataclass

import httpcore
import httpx

from tjar import __version__
from tjar.webhooks.targets import GuardedBackend, Resolver

CONNECT_TIMEOUT = 3.0
TOTAL_TIMEOUT = 10.0
# Of a receiver's answer, this much is read and at most EXCERPT_CHARS kept.
READ_CAP = 64 * 1024
EXCERPT_CHARS = 1024
USER_AGENT = f"Tjar-Webhooks/{__version__}"


@dataclass(frozen=True)
class AttemptResult:
    status_code: int | None
    duration_ms: int
    excerpt: str | None = None
    error: str | None = None
    retry_after: str | None = None


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with its connection pool on a guarded network backend.

    httpx takes no network backend of its own, so the pool it builds is
    replaced by an equivalent one that connects through ``GuardedBackend``.
    """

    def __init__(self, *, backend: GuardedBackend, max_connections: int) -> None:
        super().__init__(retries=0)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=30.0,
            network_backend=backend,
        )


class Sender:
    """Send signed webhook requests; never follows redirects."""

    def __init__(
        self,
        *,
        allow_private: bool,
        resolver: Resolver,
        max_connections: int = 100,
        connect_timeout: float = CONNECT_TIMEOUT,
        total_timeout: float = TOTAL_TIMEOUT,
    ) -> None:
        self.total_timeout = total_timeout
        self.allow_private = allow_private
        self._urls: dict[str, httpx.URL] = {}
        backend = GuardedBackend(allow_private=allow_private, resolver=resolver)
        self.client = httpx.AsyncClient(
            transport=GuardedTransport(
                backend=backend, max_connections=max_connections
            ),
            timeout=httpx.Timeout(total_timeout, connect=connect_timeout),
            follow_redirects=False,
            trust_env=False,
            headers={"user-agent": USER_AGENT},
        )

    async def send(
        self, url: str, headers: dict[str, str], body: bytes
    ) -> AttemptResult:
        """POST ``body`` as it is; report what came back or what went wrong."""
        started = time.perf_counter()
        if not self.allow_private and self._url(url).scheme != "https":
            # Saved while plain http was allowed; never sent in clear here.
            return AttemptResult(None, 0, error="refused: https is required")
        try:
            async with asyncio.timeout(self.total_timeout):
                return await self._post(url, headers, body, started)
        except TimeoutError:
            return AttemptResult(None, _since(started), error="timeout")
        except httpx.TimeoutException:
            return AttemptResult(None, _since(started), error="timeout")
        except httpx.HTTPError as error:
            return AttemptResult(None, _since(started), error=_describe(error))

    async def _post(
        self, url: str, headers: dict[str, str], body: bytes, started: float
    ) -> AttemptResult:
        async with self.client.stream(
            "POST", self._url(url), headers=headers, content=body
        ) as reply:
            kept = bytearray()
            async for chunk in reply.aiter_bytes():
                kept += chunk
                if len(kept) >= READ_CAP:
                    break
            excerpt = storable(bytes(kept).decode("utf-8", "replace"))[:EXCERPT_CHARS]
            return AttemptResult(
                reply.status_code,
                _since(started),
                excerpt=excerpt or None,
                retry_after=reply.headers.get("retry-after"),
            )

    def _url(self, url: str) -> httpx.URL:
        """Parse each webhook URL once; a busy worker sends to few of them."""
        parsed = self._urls.get(url)
        if parsed is None:
            if len(self._urls) > 10_000:
                self._urls.clear()
            parsed = self._urls[url] = httpx.URL(url)
        return parsed

    async def aclose(self) -> None:
        await self.client.aclose()


def _since(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def _describe(error: httpx.HTTPError) -> str:
    text = str(error) or type(error).__name__
    return storable(f"{type(error).__name__}: {text}")[:300]


def storable(text: str) -> str:
    """Make a receiver's text safe to store: PostgreSQL text cannot hold NUL."""
    return text.replace("\x00", "\ufffd")
