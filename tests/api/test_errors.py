"""Every error kind comes out in the same envelope, in both languages."""

from collections.abc import AsyncIterator

import httpx
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.api.probe_routes import PROBE, install_probe_routes
from tests.conftest import client_for
from tests.factories import StoreWithKey
from tjar.app import create_app
from tjar.config import Environment, Settings
from tjar.db.models import Customer
from tjar.db.session import store_session

CUSTOMERS = f"{PROBE}/customers"


async def customer_count(
    sessions: async_sessionmaker[AsyncSession], store_id: int
) -> int:
    async with store_session(sessions, store_id) as session:
        return await session.scalar(select(func.count(Customer.id))) or 0


def envelope(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    body: dict[str, object] = response.json()
    assert body["status"] == "error"
    assert body["code"] == code
    assert isinstance(body["message"], str)
    assert body["message"]
    assert response.headers["x-request-id"]
    return body


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "The request body is not valid JSON."),
        ("ar", "محتوى الطلب ليس JSON صالحاً."),
    ],
)
async def test_malformed_json_is_400(
    probe: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
    language: str,
    message: str,
) -> None:
    response = await probe.post(
        CUSTOMERS,
        content=b'{"name": "x", ',
        headers={"Content-Type": "application/json", "Accept-Language": language},
    )

    assert envelope(response, 400, "malformed_request")["message"] == message
    assert response.headers["content-language"] == language
    assert await customer_count(sessions, alpha.store.id) == 0


@pytest.mark.parametrize("payload", [b"[1, 2]", b'"text"', b"42", b"null"])
async def test_json_that_is_not_an_object_is_400(
    probe: httpx.AsyncClient, payload: bytes
) -> None:
    response = await probe.post(
        CUSTOMERS, content=payload, headers={"Content-Type": "application/json"}
    )

    envelope(response, 400, "malformed_request")


async def test_deep_nesting_is_a_clean_400_not_a_500(probe: httpx.AsyncClient) -> None:
    payload = b'{"name": ' + b"[" * 5000 + b"]" * 5000 + b"}"

    response = await probe.post(
        CUSTOMERS, content=payload, headers={"Content-Type": "application/json"}
    )

    envelope(response, 400, "malformed_request")


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/xml", "image/png"],
)
async def test_another_content_type_is_415(
    probe: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
    content_type: str,
) -> None:
    response = await probe.post(
        CUSTOMERS,
        content=b'{"name": "x", "quantity": 1}',
        headers={"Content-Type": content_type, "Accept-Language": "en"},
    )

    body = envelope(response, 415, "unsupported_media_type")
    assert body["message"] == "Send the body as application/json."
    assert await customer_count(sessions, alpha.store.id) == 0


async def test_json_with_a_charset_is_accepted(probe: httpx.AsyncClient) -> None:
    response = await probe.post(
        CUSTOMERS,
        content='{"name": "نورة", "quantity": 2}'.encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )

    assert response.status_code == 201
    # Arabic round-trips code point for code point and is not escaped.
    assert response.json()["data"]["name"] == "نورة x2"
    assert "نورة".encode() in response.content
    assert b"\\u" not in response.content


async def test_validation_errors_name_each_field_in_the_language(
    probe: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    payload = {"quantity": 0, "colour": "red"}

    english = await probe.post(
        CUSTOMERS, json=payload, headers={"Accept-Language": "en"}
    )
    arabic = await probe.post(
        CUSTOMERS, json=payload, headers={"Accept-Language": "ar-SA"}
    )

    assert envelope(english, 422, "validation_failed")["errors"] == {
        "name": ["This field is required."],
        "quantity": ["Enter a value of at least 1."],
        "colour": ["This field is not accepted."],
    }
    assert envelope(arabic, 422, "validation_failed")["errors"] == {
        "name": ["هذا الحقل مطلوب."],
        "quantity": ["أدخل قيمة لا تقل عن 1."],
        "colour": ["هذا الحقل غير مقبول."],
    }
    assert arabic.json()["message"] == "البيانات المرسلة غير صالحة."
    assert await customer_count(sessions, alpha.store.id) == 0


async def test_oversized_bodies_are_413_before_parsing(
    probe: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    big = orjson.dumps({"name": "x", "quantity": 1, "pad": "a" * 1_100_000})

    declared = await probe.post(
        CUSTOMERS, content=big, headers={"Content-Type": "application/json"}
    )

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]

    streamed = await probe.post(
        CUSTOMERS, content=chunks(), headers={"Content-Type": "application/json"}
    )

    envelope(declared, 413, "payload_too_large")
    envelope(streamed, 413, "payload_too_large")
    assert await customer_count(sessions, alpha.store.id) == 0


async def test_unknown_routes_and_methods_use_the_envelope(
    client: httpx.AsyncClient,
) -> None:
    missing = await client.get(
        "/api/core/v1/nothing-here", headers={"Accept-Language": "en"}
    )
    wrong_method = await client.delete("/api/core/v1/orders/statuses")

    assert (
        envelope(missing, 404, "route_not_found")["message"]
        == "There is no such endpoint."
    )
    envelope(wrong_method, 405, "method_not_allowed")


async def test_unexpected_errors_are_500_with_request_id_and_no_internals(
    app: FastAPI, probe: httpx.AsyncClient, capfd: pytest.CaptureFixture[str]
) -> None:
    response = await probe.post(
        f"{PROBE}/fail",
        json={"name": "x", "quantity": 1},
        headers={"X-Request-Id": "trace-123"},
    )

    body = envelope(response, 500, "internal_error")
    assert body["request_id"] == "trace-123"
    assert response.headers["x-request-id"] == "trace-123"
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text
    logged = capfd.readouterr().err
    assert "http.unhandled_error" in logged
    assert "trace-123" in logged


async def test_validation_on_query_parameters_is_422(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/core/v1/orders", params={"page": "two"}, headers={"Accept-Language": "en"}
    )

    assert envelope(response, 422, "validation_failed")["errors"] == {
        "page": ["Enter a whole number."]
    }


async def test_the_key_is_checked_before_the_body(
    app: FastAPI, alpha: StoreWithKey
) -> None:
    install_probe_routes(app)
    async with client_for(app, alpha.domain) as http:
        malformed = await http.post(
            CUSTOMERS, content=b"{", headers={"Content-Type": "application/json"}
        )
        wrong_type = await http.post(
            CUSTOMERS, content=b"x", headers={"Content-Type": "text/plain"}
        )

    envelope(malformed, 401, "unauthenticated")
    envelope(wrong_type, 401, "unauthenticated")


async def test_nul_characters_in_bodies_are_422(probe: httpx.AsyncClient) -> None:
    response = await probe.post(CUSTOMERS, json={"name": "a\x00b", "quantity": 1})

    assert envelope(response, 422, "validation_failed")["errors"] == {
        "name": ["هذه القيمة غير صالحة."]
    }


async def test_trailing_slashes_and_wrong_methods(client: httpx.AsyncClient) -> None:
    slash = await client.get("/api/core/v1/orders/")
    wrong = await client.delete("/api/core/v1/orders/statuses")

    envelope(slash, 404, "route_not_found")
    envelope(wrong, 405, "method_not_allowed")
    assert "GET" in wrong.headers["allow"]


async def test_development_logs_never_show_the_key(
    settings: Settings, alpha: StoreWithKey, capfd: pytest.CaptureFixture[str]
) -> None:
    readable = settings.model_copy(
        update={"env": Environment.DEVELOPMENT, "log_json": False, "log_level": "INFO"}
    )
    app = create_app(readable)
    install_probe_routes(app)
    async with client_for(app, alpha.domain) as http:
        http.headers["Authorization"] = f"Bearer {alpha.key}"
        response = await http.post(f"{PROBE}/fail", json={"name": "x", "quantity": 1})
    await app.state.engine.dispose()

    logged = capfd.readouterr().err
    assert response.status_code == 500
    assert "http.unhandled_error" in logged
    assert alpha.key not in logged


async def test_a_caller_gone_mid_body_is_no_error_and_writes_nothing(
    app: FastAPI,
    alpha: StoreWithKey,
    sessions: async_sessionmaker[AsyncSession],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A load generator stopping mid-request is logged as a disconnect, not a 500."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/core/v1/orders",
        "raw_path": b"/api/core/v1/orders",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", alpha.domain.encode()),
            (b"authorization", f"Bearer {alpha.key}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", b"400"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    parts = [
        {"type": "http.request", "body": b'{"products": [', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return parts.pop(0) if parts else {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    async with app.router.lifespan_context(app):
        await app(scope, receive, send)

    assert not [m for m in sent if m["type"] == "http.response.start"]
    assert "http.unhandled_error" not in caplog.text
    assert await customer_count(sessions, alpha.store.id) == 0
