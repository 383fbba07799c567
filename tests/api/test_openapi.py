import httpx
from fastapi import FastAPI

from tests.conftest import client_for


async def test_openapi_describes_the_envelope_and_errors(app: FastAPI) -> None:
    async with client_for(app, "anything.localhost") as http:
        response = await http.get("/api/core/v1/openapi.json")

    assert response.status_code == 200
    document = response.json()
    schemas = document["components"]["schemas"]
    assert {"ErrorEnvelope", "OrderRead", "ProductRead", "Pagination"} <= set(schemas)
    orders = document["paths"]["/api/core/v1/orders"]["get"]
    for status in ("200", "401", "404", "422", "429", "500"):
        assert status in orders["responses"], status
    error_ref = orders["responses"]["401"]["content"]["application/json"]["schema"][
        "$ref"
    ]
    assert error_ref.endswith("/ErrorEnvelope")
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert orders["security"] == [{"bearer": []}]
    parameters = {parameter["name"] for parameter in orders["parameters"]}
    assert {
        "page",
        "per_page",
        "cursor",
        "date_from",
        "date_to",
        "status",
    } <= parameters


async def test_interactive_docs_are_served(app: FastAPI) -> None:
    async with client_for(app, "demo-store.localhost") as http:
        response = await http.get("/api/core/v1/docs")

    assert response.status_code == 200
    assert "/api/core/v1/openapi.json" in response.text


async def test_every_response_carries_a_request_id(client: httpx.AsyncClient) -> None:
    first = await client.get("/api/core/v1/orders")
    second = await client.get("/api/core/v1/orders")

    assert first.headers["x-request-id"] != second.headers["x-request-id"]
