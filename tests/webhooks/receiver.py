"""A webhook receiver on 127.0.0.1 that records raw requests and answers as scripted."""

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook as Reference


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass(frozen=True)
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"


Script = Callable[[Received], Answer]


class Receiver:
    """Start with ``with Receiver() as receiver:``; ``receiver.url`` takes POSTs."""

    def __init__(self, script: Script | None = None) -> None:
        self.script: Script = script or (lambda _: Answer())
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> "Receiver":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Block until ``count`` requests arrived (or fail after ``timeout``)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self.received)} of {count} arrived")
                self._arrived.wait(left)
            return list(self.received)

    def ids(self) -> Counter[str]:
        with self._lock:
            return Counter(item.headers["webhook-id"] for item in self.received)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                item = Received(
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length),
                    at=time.time(),
                )
                with receiver._arrived:
                    receiver.received.append(item)
                    receiver._arrived.notify_all()
                answer = receiver.script(item)
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, *args: object) -> None:
                return

        return Handler


def verified_by_reference(secret: str, item: Received) -> bool:
    """Check a received attempt with the ``standardwebhooks`` reference package.

    Attempts signed at the real time go through its full ``verify`` (timestamp
    tolerance included); attempts made under a test clock are checked by
    comparing each offered signature with the reference's own ``sign``.
    """
    reference = Reference(secret)
    timestamp = int(item.headers["webhook-timestamp"])
    if abs(time.time() - timestamp) < 60:
        reference.verify(item.body, item.headers, json_parse=False)
        return True
    expected = reference.sign(
        item.headers["webhook-id"], datetime.fromtimestamp(timestamp, UTC), item.body
    )
    return expected in item.headers["webhook-signature"].split(" ")
