"""Tenant isolation: every store API route, walked with another store's key,
domain and ids. New routes are picked up automatically; a route with a path
parameter this file does not know fails until it is taught here."""

import re
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import client_for
from tests.factories import (
    StoreWithKey,
    make_media,
    make_order,
    make_product,
    make_store,
    make_webhook,
)
from tjar.app import API_PREFIX

PARAM = re.compile(r"{(\w+)}")
# Bodies that pass validation, so that only the store boundary can refuse.
BODIES = {
    f"{API_PREFIX}/orders/{{identifier}}/status": {"status": "processing"},
    f"{API_PREFIX}/webhooks/{{identifier}}": {"name": "Renamed"},
}


def store_api_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) the OpenAPI document lists for the store API."""
    return [
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith(API_PREFIX)
        for method in operations
    ]


def fill(path: str, ids: dict[str, int | str]) -> str:
    resource = path.removeprefix(API_PREFIX).split("/")[1]
    for name in PARAM.findall(path):
        key = f"{resource}.{name}"
        if key not in ids:
            pytest.fail(f"teach the isolation test about {key} in {path}")
        path = path.replace(f"{{{name}}}", str(ids[key]))
    return path


@pytest.fixture
async def two_stores(
    sessions: async_sessionmaker[AsyncSession], alpha: StoreWithKey, beta: StoreWithKey
) -> dict[str, dict[str, int | str]]:
    ids: dict[str, dict[str, int | str]] = {}
    for name, store in (("alpha", alpha), ("beta", beta)):
        product = await make_product(
            sessions, store.store, name_en=f"{name} secret product"
        )
        order = await make_order(
            sessions, store.store, product=product, customer_name=f"{name} buyer"
        )
        ids[name] = {
            "orders.identifier": order.id,
            "products.identifier": product.id,
            "products.type": "physical",
            "customers.identifier": order.customer_id or 0,
            "media.identifier": (await make_media(sessions, store.store)).id,
        }
        webhook, delivery = await make_webhook(sessions, store.store)
        ids[name]["webhooks.identifier"] = webhook.id
        ids[name]["webhooks.delivery"] = delivery.id
    return ids


async def test_unknown_host_is_store_not_found(
    app: FastAPI, alpha: StoreWithKey
) -> None:
    async with client_for(app, "nowhere.localhost") as http:
        response = await http.get(
            f"{API_PREFIX}/orders",
            headers={"Authorization": f"Bearer {alpha.key}", "Accept-Language": "en"},
        )

    assert response.status_code == 404
    assert response.json() == {
        "status": "error",
        "message": "No store is served at this address.",
        "code": "store_not_found",
    }


async def test_hosts_match_with_any_port_case_and_custom_domain(
    app: FastAPI, sessions: async_sessionmaker[AsyncSession]
) -> None:
    shop = await make_store(sessions, "gamma", custom_domain="Shop.Example.SA")

    for host in (
        "gamma.localhost:8000",
        "GAMMA.LOCALHOST",
        "shop.example.sa",
        "shop.example.sa:443",
    ):
        async with client_for(app, host) as http:
            response = await http.get(
                f"{API_PREFIX}/orders", headers={"Authorization": f"Bearer {shop.key}"}
            )
        assert response.status_code == 200, host


async def test_every_route_refuses_the_other_stores_key_domain_and_ids(
    app: FastAPI,
    alpha: StoreWithKey,
    beta: StoreWithKey,
    two_stores: dict[str, dict[str, int | str]],
) -> None:
    routes = store_api_routes(app)
    assert len(routes) >= 5

    for method, template in routes:
        own_path = fill(template, two_stores["alpha"])
        foreign_path = fill(template, two_stores["beta"])
        # A well-formed request, so only the store boundary can refuse it.
        extra: dict[str, Any] = {"params": {"date": "2026-06-01"}}
        if method in ("POST", "PUT", "PATCH"):
            extra["json"] = BODIES.get(template, {})

        async with client_for(app, alpha.domain) as http:
            # beta's key on alpha's domain
            response = await http.request(
                method,
                own_path,
                headers={"Authorization": f"Bearer {beta.key}"},
                **extra,
            )
            assert response.status_code == 401, (method, template)
            assert "beta" not in response.text

            # alpha's key, alpha's domain, beta's ids
            response = await http.request(
                method,
                foreign_path,
                headers={"Authorization": f"Bearer {alpha.key}"},
                **extra,
            )
            if foreign_path != own_path:
                assert response.status_code == 404, (method, template)
            assert "beta" not in response.text, (method, template)

        async with client_for(app, beta.domain) as http:
            # alpha's key on beta's domain
            response = await http.request(
                method,
                own_path,
                headers={"Authorization": f"Bearer {alpha.key}"},
                **extra,
            )
            assert response.status_code == 401, (method, template)
            assert "alpha" not in response.text


async def test_lists_show_only_the_own_store(
    app: FastAPI, alpha: StoreWithKey, two_stores: dict[str, dict[str, int | str]]
) -> None:
    async with client_for(app, alpha.domain) as http:
        http.headers["Authorization"] = f"Bearer {alpha.key}"
        orders = (await http.get(f"{API_PREFIX}/orders")).json()["data"]
        products = (await http.get(f"{API_PREFIX}/products")).json()["data"]

    assert [order["id"] for order in orders["orders"]] == [
        two_stores["alpha"]["orders.identifier"]
    ]
    assert orders["pagination"]["total"] == 1
    assert [p["id"] for p in products["products"]] == [
        two_stores["alpha"]["products.identifier"]
    ]
