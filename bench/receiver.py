"""A minimal webhook receiver for benchmarks: counts arrivals and their times.

Run it with uvicorn; ``GET /stats`` answers what arrived so far, and
``GET /stats?count`` only how many, cheap enough to poll.
"""

import time
from typing import Any

import orjson

arrivals: dict[str, float] = {}
total = 0


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global total
    if scope["type"] != "http":
        return
    if scope["method"] == "GET":
        if scope["query_string"] == b"count":
            body = orjson.dumps({"total": total, "arrived": len(arrivals)})
        else:
            body = orjson.dumps({"total": total, "arrivals": arrivals})
        await _answer(send, 200, body)
        return
    while (await receive()).get("more_body"):
        pass
    now = time.time()
    total += 1
    for name, value in scope["headers"]:
        if name == b"webhook-id":
            arrivals.setdefault(value.decode(), now)
    await _answer(send, 204, b"")


async def _answer(send: Any, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
