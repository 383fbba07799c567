"""Paid digital lines get signed, expiring, counted download links."""

from datetime import UTC, datetime

import httpx
from fastapi import FastAPI

from tests.conftest import client_for
from tests.factories import StoreWithKey
from tests.media_files import PDF
from tjar.clock import ManualClock, use_clock

BUYER = {"name": "Huda", "email": "huda@example.com"}


async def test_links_serve_the_file_within_their_limits(
    app: FastAPI, client: httpx.AsyncClient, beta: StoreWithKey
) -> None:
    clock = ManualClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    with use_clock(clock):
        uploaded = await client.post(
            "/api/core/v1/media",
            files={"file": ("guide.pdf", PDF)},
            data={"visibility": "private"},
        )
        book = await client.post(
            "/api/core/v1/products/digital",
            json={
                "name_en": "Guide",
                "price": 20,
                "files": [uploaded.json()["data"]["id"]],
                "download_limit": 2,
                "download_expiry_hours": 24,
            },
        )
        order = await client.post(
            "/api/core/v1/orders",
            json={
                "customer": BUYER,
                "payment_status": "paid",
                "products": [{"id": book.json()["data"]["id"], "quantity": 1}],
            },
        )
        assert order.status_code == 201, order.text
        link = order.json()["data"]["order_details"][0]["options"]["downloads"][0]
        path = httpx.URL(link["url"]).path

        first = await client.get(path)
        async with client_for(app, beta.domain) as other:
            elsewhere = await other.get(path)
        forged = await client.get(path[:-2] + "xx")
        second = await client.get(path)
        third = await client.get(path)

    assert link["file"] == "guide.pdf"
    assert first.status_code == 200
    assert first.content == PDF
    assert first.headers["content-type"] == "application/pdf"
    assert "attachment" in first.headers["content-disposition"]
    assert elsewhere.status_code == 404
    assert forged.status_code == 404
    assert second.status_code == 200
    assert third.status_code == 404


async def test_links_expire(client: httpx.AsyncClient) -> None:
    clock = ManualClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    with use_clock(clock):
        uploaded = await client.post(
            "/api/core/v1/media",
            files={"file": ("a.pdf", PDF)},
            data={"visibility": "private"},
        )
        book = await client.post(
            "/api/core/v1/products/digital",
            json={
                "name_en": "A",
                "price": 5,
                "files": [uploaded.json()["data"]["id"]],
                "download_expiry_hours": 1,
            },
        )
        order = await client.post(
            "/api/core/v1/orders",
            json={
                "customer": BUYER,
                "products": [{"id": book.json()["data"]["id"], "quantity": 1}],
            },
        )
        assert "downloads" not in order.json()["data"]["order_details"][0]["options"]
        paid = await client.post(
            f"/api/core/v1/orders/{order.json()['data']['id']}/status",
            json={"payment_status": "paid"},
        )
        path = httpx.URL(
            paid.json()["data"]["order_details"][0]["options"]["downloads"][0]["url"]
        ).path
        clock.advance(minutes=59)
        fresh = await client.get(path)
        clock.advance(minutes=2)
        stale = await client.get(path)

    assert fresh.status_code == 200
    assert stale.status_code == 404
