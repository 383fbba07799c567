"""Writing products of every type, in the clean and the reference shapes."""

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.factories import StoreWithKey, make_media
from tjar.api.schemas import Envelope, ProductRead
from tjar.db.models import SkuClaim
from tjar.db.session import store_session

BASE = "/api/core/v1/products"


async def count(
    sessions: async_sessionmaker[AsyncSession], store_id: int, model: type
) -> int:
    async with store_session(sessions, store_id) as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_physical_lifecycle_in_the_reference_shape(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    image = await make_media(sessions, alpha.store)
    gallery = await make_media(sessions, alpha.store)
    brand = (
        await client.post(
            "/api/core/v1/brands", json={"name_en": "Taif", "name_ar": "الطائف"}
        )
    ).json()["data"]
    parent = (
        await client.post(
            "/api/core/v1/categories", json={"name": {"en": "Food", "ar": "أطعمة"}}
        )
    ).json()["data"]
    child = (
        await client.post(
            "/api/core/v1/categories",
            json={"name_en": "Dates", "name_ar": "تمور", "parent_id": parent["id"]},
        )
    ).json()["data"]

    created = await client.post(
        BASE,
        headers={"Accept-Language": "en"},
        json={
            "name_ar": "تمر سكري",
            "name_en": "Sukkari Dates",
            "summery_ar": "تمر فاخر",
            "summery_en": "Premium dates",
            "description_ar": "<p>لذيذ<script>alert(1)</script></p>",
            "description_en": '<p onclick="x()">Tasty <b>dates</b></p>',
            "sale_price": 49.99,
            "price": "79.99",
            "cost": 20,
            "sku": " SKU-120 ",
            "quantity": 150,
            "image_id": image.id,
            "brand": brand["id"],
            "badge_id": 3,
            "category_id": [parent["id"], parent["id"]],
            "sub_category": [child["id"]],
            "child_category": [],
            "min_purchase": 1,
            "max_purchase": 5,
            "is_refundable": True,
            "is_inventory_warning": True,
            "inventory_warning_threshold": 10,
            "policy_description": "Returns within 7 days",
            "video_source": "youtube",
            "video_url": "https://youtube.com/watch?v=x",
            "tags": ["Sale", "جديد"],
            "product_gallery": [gallery.id],
            "item_color": ["Red", "Blue"],
            "item_size": ["L", "M"],
            "item_stock_count": [3, 4],
            "item_additional_price": [0, "2.50"],
            "weight": "1.5",
            "dimensions": {"l": 10, "w": 20, "h": "5.5"},
        },
    )

    assert created.status_code == 201, created.text
    body = created.json()
    assert body["message"] == "Product created successfully."
    data = body["data"]
    Envelope[ProductRead].model_validate(body)
    assert data["type"] == "physical"
    assert data["type_id"] == 1
    assert data["name"] == {"ar": "تمر سكري", "en": "Sukkari Dates"}
    assert data["summary"] == {"ar": "تمر فاخر", "en": "Premium dates"}
    assert data["description"] == {
        "ar": "<p>لذيذ</p>",
        "en": "<p>Tasty <b>dates</b></p>",
    }
    assert data["price"] == 79.99
    assert data["sale_price"] == 49.99
    assert data["cost"] == 20
    assert data["sku"] == "SKU-120"
    assert data["slug"] == "sukkari-dates"
    assert data["stock"] == 7  # the variants' stock
    assert data["image"].endswith(
        f"/assets/tenant/uploads/media-uploader/{alpha.store.id}/{image.path}"
    )
    assert [media["id"] for media in data["gallery"]] == [gallery.id]
    assert data["brand"]["name"] == {"ar": "الطائف", "en": "Taif"}
    assert [c["id"] for c in data["categories"]] == [parent["id"], child["id"]]
    assert sorted(tag["name"]["en"] for tag in data["tags"]) == ["Sale", "جديد"]
    assert [
        (v["color"], v["size"], v["stock"], v["additional_price"])
        for v in data["variants"]
    ] == [
        ("Red", "L", 3, 0),
        ("Blue", "M", 4, 2.5),
    ]
    assert data["weight"] == 1.5
    assert data["dimensions"] == {"length": 10, "width": 20, "height": 5.5}
    assert data["badge_id"] == 3
    assert data["is_inventory_warning"] is True

    product_id = data["id"]
    patched = await client.patch(
        f"{BASE}/{product_id}",
        json={
            "name": {"en": "Sukkari Dates 1kg"},
            "sale_price": None,
            "tags": ["Sale"],
        },
    )
    assert patched.status_code == 200, patched.text
    changed = patched.json()["data"]
    assert changed["name"] == {"ar": "تمر سكري", "en": "Sukkari Dates 1kg"}
    assert changed["sale_price"] is None
    assert [tag["name"]["en"] for tag in changed["tags"]] == ["Sale"]
    assert changed["variants"] == data["variants"]
    assert changed["updated_at"] >= data["updated_at"]

    listed = await client.get(
        BASE, params={"sku": "sku-120", "brand_ids[]": brand["id"]}
    )
    assert [p["id"] for p in listed.json()["data"]["products"]] == [product_id]
    by_category = await client.get(BASE, params={"category_ids[]": child["id"]})
    assert [p["id"] for p in by_category.json()["data"]["products"]] == [product_id]

    deleted = await client.delete(f"{BASE}/{product_id}")
    again = await client.delete(f"{BASE}/{product_id}")
    assert deleted.status_code == 200
    assert again.status_code == 404
    assert (await client.get(f"{BASE}/{product_id}")).status_code == 404
    assert await count(sessions, alpha.store.id, SkuClaim) == 0


async def test_clean_shape_with_options_and_variants(client: httpx.AsyncClient) -> None:
    created = await client.post(
        BASE,
        json={
            "name": {"ar": "قميص", "en": "Shirt"},
            "price": 2000,
            "quantity": 5,
            "product_options": [
                {
                    "type": "radio",
                    "title": {"ar": "اللون", "en": "Colour"},
                    "is_required": True,
                    "options": {
                        "ar": {"أزرق": 5, "أحمر": "4.00"},
                        "en": {"Blue": 5, "Red": 4},
                    },
                },
                {"type": "text", "title": {"en": "Engraving"}},
            ],
            "variants": [
                {
                    "color": "Blue",
                    "size": "L",
                    "stock": 2,
                    "sku": "SH-B-L",
                    "additional_price": "10",
                }
            ],
        },
    )

    assert created.status_code == 201, created.text
    data = created.json()["data"]
    assert data["price"] == 2000
    assert data["formatted_price"] == "2,000.00 ر.س"
    radio, text = data["product_options"]
    assert radio["options"] == {
        "ar": {"أزرق": 5, "أحمر": 4},
        "en": {"Blue": 5, "Red": 4},
    }
    assert radio["is_required"] is True
    assert text["options"] is None
    assert text["title"] == {"ar": "Engraving", "en": "Engraving"}
    assert data["variants"][0]["sku"] == "SH-B-L"
    variant_id = data["variants"][0]["id"]

    patched = await client.patch(
        f"{BASE}/{data['id']}",
        json={
            "variants": [
                {
                    "id": variant_id,
                    "color": "Blue",
                    "size": "XL",
                    "stock": 9,
                    "sku": "SH-B-L",
                },
                {"color": "Red", "stock": 1},
            ]
        },
    )
    assert patched.status_code == 200, patched.text
    variants = patched.json()["data"]["variants"]
    assert variants[0]["id"] == variant_id
    assert variants[0]["size"] == "XL"
    assert patched.json()["data"]["stock"] == 10


async def test_digital_service_and_booking_lifecycles(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    private = await make_media(
        sessions, alpha.store, visibility="private", mime_type="application/pdf"
    )

    digital = await client.post(
        f"{BASE}/digital", json={"name_en": "E-book", "price": "15"}
    )
    assert digital.status_code == 201, digital.text
    digital_id = digital.json()["data"]["id"]
    assert digital.json()["data"]["type"] == "digital"
    filled = await client.patch(
        f"{BASE}/digital/{digital_id}",
        json={
            "files": [private.id],
            "codes": ["A-1", "A-2"],
            "download_limit": 3,
            "download_expiry_hours": 48,
        },
    )
    assert filled.status_code == 200, filled.text
    part = filled.json()["data"]["digital"]
    assert [f["id"] for f in part["files"]] == [private.id]
    assert part["files"][0]["url"] is None
    assert part["codes"] == {"total": 2, "available": 2}
    assert filled.json()["data"]["stock"] == 2

    service = await client.post(
        f"{BASE}/service",
        json={
            "name_ar": "تصميم شعار",
            "price": 300,
            "product_options": [
                {"type": "textarea", "title_en": "Brief", "is_required": True}
            ],
        },
    )
    assert service.status_code == 201, service.text
    assert service.json()["data"]["is_unlimited"] is True
    assert service.json()["data"]["stock"] is None
    refused = await client.patch(
        f"{BASE}/service/{service.json()['data']['id']}", json={"weight": 2}
    )
    assert refused.status_code == 422
    assert list(refused.json()["errors"]) == ["weight"]

    booking = await client.post(
        f"{BASE}/booking",
        json={
            "name_en": "Consultation",
            "price": 200,
            "booking": {
                "duration": 60,
                "capacity": 2,
                "availability": [
                    {"day": "sunday", "from": "09:00", "to": "12:00"},
                    {"day": "sunday", "from": "13:00", "to": "14:30"},
                ],
                "date_from": "2026-06-01",
                "date_to": "2026-06-30",
            },
        },
    )
    assert booking.status_code == 201, booking.text
    booking_id = booking.json()["data"]["id"]
    assert booking.json()["data"]["booking"]["capacity"] == 2
    slots = await client.get(
        f"{BASE}/booking/{booking_id}/slots", params={"date": "2026-06-07"}
    )
    assert [(s["start"], s["available"]) for s in slots.json()["data"]["slots"]] == [
        ("2026-06-07T09:00:00+03:00", 2),
        ("2026-06-07T10:00:00+03:00", 2),
        ("2026-06-07T11:00:00+03:00", 2),
        ("2026-06-07T13:00:00+03:00", 2),
    ]
    monday = await client.get(
        f"{BASE}/booking/{booking_id}/slots", params={"date": "2026-06-08"}
    )
    outside = await client.get(
        f"{BASE}/booking/{booking_id}/slots", params={"date": "2026-07-05"}
    )
    assert monday.json()["data"]["slots"] == []
    assert outside.json()["data"]["slots"] == []

    by_type = await client.get(BASE, params={"type": "booking"})
    assert [p["id"] for p in by_type.json()["data"]["products"]] == [booking_id]
    wrong_type = await client.get(f"{BASE}/digital/{booking_id}")
    assert wrong_type.status_code == 404
    change_type = await client.patch(f"{BASE}/{booking_id}", json={"type": "physical"})
    assert change_type.status_code == 422
    assert list(change_type.json()["errors"]) == ["type"]


BOOKING_PART = {
    "duration": 30,
    "capacity": 3,
    "availability": [{"day": "monday", "from": "10:00", "to": "11:00"}],
}
TYPE_PARTS = {
    "physical": {"quantity": 4, "weight": 2},
    "digital": {"codes": ["C-1"], "download_limit": 2},
    "service": {},
    "booking": {"booking": BOOKING_PART},
}
SHAPES = {
    "reference": lambda t: {
        "name_ar": f"منتج {t}",
        "name_en": f"{t} product",
        "summery_ar": "ملخص",
        "summery_en": "Summary",
        "description_en": "<p>About</p>",
        "price": "120.50",
        "sale_price": "99.99",
    },
    "clean": lambda t: {
        "name": {"ar": f"منتج {t}", "en": f"{t} product"},
        "summary": {"ar": "ملخص", "en": "Summary"},
        "description": {"en": "<p>About</p>"},
        "price": 120.5,
        "sale_price": 99.99,
    },
}


@pytest.mark.parametrize("shape", ["reference", "clean"])
@pytest.mark.parametrize("kind", ["physical", "digital", "service", "booking"])
async def test_each_type_in_each_shape_lives_and_dies(
    client: httpx.AsyncClient, kind: str, shape: str
) -> None:
    path = BASE if kind == "physical" else f"{BASE}/{kind}"
    body = {**SHAPES[shape](kind), **TYPE_PARTS[kind], "sku": f"{kind}-{shape}"}

    created = await client.post(path, json=body)
    assert created.status_code == 201, created.text
    data = created.json()["data"]
    product_id = data["id"]
    assert data["type"] == kind
    assert data["name"] == {"ar": f"منتج {kind}", "en": f"{kind} product"}
    assert data["summary"] == {"ar": "ملخص", "en": "Summary"}
    assert data["description"] == {"ar": "<p>About</p>", "en": "<p>About</p>"}
    assert (data["price"], data["sale_price"]) == (120.5, 99.99)
    assert data["sku"] == f"{kind}-{shape}"

    typed = await client.get(f"{BASE}/{kind}/{product_id}")
    assert typed.json()["data"] == data

    patched = await client.patch(
        f"{BASE}/{kind}/{product_id}", json={"price": "150", "is_published": False}
    )
    assert patched.status_code == 200, patched.text
    assert (
        patched.json()["data"]["price"],
        patched.json()["data"]["is_published"],
    ) == (150, False)

    listed = await client.get(BASE, params={"type": kind, "is_published": 0})
    assert [p["id"] for p in listed.json()["data"]["products"]] == [product_id]

    assert (await client.delete(f"{BASE}/{product_id}")).status_code == 200
    assert (await client.get(f"{BASE}/{kind}/{product_id}")).status_code == 404
    assert (
        await client.patch(f"{BASE}/{product_id}", json={"price": 1})
    ).status_code == 404
