"""Uploads typed by their bytes, stored safely, served on the store's domain."""

import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import client_for
from tests.factories import StoreWithKey
from tests.media_files import (
    HTML,
    PDF,
    SVG,
    image,
    jpeg_with_location,
    png_bomb,
    with_location,
)
from tjar.config import Settings
from tjar.db.models import Media
from tjar.db.session import store_session

MEDIA = "/api/core/v1/media"


async def rows(sessions: async_sessionmaker[AsyncSession], store_id: int) -> int:
    async with store_session(sessions, store_id) as session:
        return await session.scalar(select(func.count(Media.id))) or 0


def stored_files(settings: Settings) -> list[Path]:
    root = settings.media_root
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def upload(
    client: httpx.AsyncClient, name: str, data: bytes, **form: Any
) -> httpx.Response:
    return await client.post(
        MEDIA, files={"file": (name, data, "image/jpeg")}, data=form
    )


@pytest.mark.parametrize(
    ("fmt", "mime"),
    [
        ("PNG", "image/png"),
        ("JPEG", "image/jpeg"),
        ("GIF", "image/gif"),
        ("WEBP", "image/webp"),
    ],
)
async def test_each_image_type_is_read_from_its_bytes(
    client: httpx.AsyncClient, fmt: str, mime: str
) -> None:
    response = await upload(
        client, "photo.jpg", image(fmt), alt_ar="صورة", alt_en="Photo"
    )

    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert data["mime_type"] == mime
    assert (data["width"], data["height"]) == (8, 6)
    assert data["alt"] == {"ar": "صورة", "en": "Photo"}
    assert data["original_filename"] == "photo.jpg"
    assert data["url"].endswith(data["url"].rsplit("/", 1)[-1])
    assert "photo" not in data["url"]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.jpg", HTML),
        ("logo.svg", SVG),
        ("run.png", b"MZ\x90\x00binary"),
        ("doc.pdf", PDF),
    ],
)
async def test_active_or_unknown_content_is_415_and_leaves_nothing(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
    settings: Settings,
    name: str,
    content: bytes,
) -> None:
    response = await upload(client, name, content)

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_file_type"
    assert await rows(sessions, alpha.store.id) == 0
    assert stored_files(settings) == []


async def test_private_files_take_pdf_and_have_no_public_url(
    client: httpx.AsyncClient,
) -> None:
    response = await upload(client, "guide.pdf", PDF, visibility="private")

    assert response.status_code == 201, response.text
    assert response.json()["data"]["url"] is None
    assert response.json()["data"]["mime_type"] == "application/pdf"


async def test_bombs_and_oversized_files_are_refused(
    app: FastAPI,
    alpha: StoreWithKey,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    settings.media_max_file_bytes = 4096
    async with client_for(app, alpha.domain) as http:
        http.headers["Authorization"] = f"Bearer {alpha.key}"
        bomb = await upload(http, "bomb.png", png_bomb())
        big = await upload(http, "big.png", image("PNG", (200, 200)) + b"\x00" * 5000)

    assert bomb.status_code == 422
    assert list(bomb.json()["errors"]) == ["file"]
    assert big.status_code == 413
    assert await rows(sessions, alpha.store.id) == 0
    assert stored_files(settings) == []


async def test_names_are_cleaned_and_kept_as_metadata_only(
    client: httpx.AsyncClient,
) -> None:
    names = {
        "../../etc/passwd.png": "passwd.png",
        "C:\\Windows\\evil.png": "evil.png",
        "صورة المنتج.png": "صورة المنتج.png",
        "gpj\u202e.exe.png": "gpj.exe.png",
    }
    for sent, kept in names.items():
        response = await upload(client, sent, image("PNG"))
        assert response.status_code == 201, sent
        assert response.json()["data"]["original_filename"] == kept


async def test_one_bad_file_in_many_stores_none(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
    settings: Settings,
) -> None:
    files = [
        ("files[]", ("a.png", image("PNG"), "image/png")),
        ("files[]", ("b.jpg", image("JPEG"), "image/jpeg")),
        ("files[]", ("c.jpg", HTML, "image/jpeg")),
    ]

    refused = await client.post(f"{MEDIA}/multiple", files=files)
    accepted = await client.post(f"{MEDIA}/multiple", files=files[:2])

    assert refused.status_code == 415
    assert accepted.status_code == 201
    assert [m["mime_type"] for m in accepted.json()["data"]["media"]] == [
        "image/png",
        "image/jpeg",
    ]
    assert await rows(sessions, alpha.store.id) == 2
    assert len(stored_files(settings)) == 2


async def test_location_data_is_stripped(client: httpx.AsyncClient) -> None:
    response = await upload(client, "gps.jpg", jpeg_with_location())
    served = await client.get(response.json()["data"]["url"])

    with Image.open(io.BytesIO(served.content)) as stored:
        assert 0x8825 not in stored.getexif()


async def test_public_files_are_served_with_safe_cache_headers(
    app: FastAPI, client: httpx.AsyncClient, beta: StoreWithKey
) -> None:
    content = image("PNG")
    data = (await upload(client, "a.png", content)).json()["data"]
    path = httpx.URL(data["url"]).path

    served = await client.get(path)
    again = await client.get(path, headers={"If-None-Match": served.headers["etag"]})
    async with client_for(app, beta.domain) as other:
        elsewhere = await other.get(path)

    assert served.status_code == 200
    assert served.content == content
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "max-age=31536000" in served.headers["cache-control"]
    assert again.status_code == 304
    assert elsewhere.status_code == 404


async def test_replace_delete_and_in_use(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    first = (await upload(client, "a.png", image("PNG"))).json()["data"]
    replaced = await client.post(
        f"{MEDIA}/{first['id']}",
        files={"file": ("b.gif", image("GIF"), "image/gif")},
        data={"alt_en": "New"},
    )
    assert replaced.status_code == 200, replaced.text
    data = replaced.json()["data"]
    assert data["mime_type"] == "image/gif"
    assert data["alt"]["en"] == "New"
    assert (await client.get(httpx.URL(first["url"]).path)).status_code == 404
    assert len(stored_files(settings)) == 1

    product = await client.post(
        "/api/core/v1/products",
        json={"name_en": "P", "price": 1, "image_id": first["id"]},
    )
    assert product.json()["data"]["image"] == data["url"]
    in_use = await client.delete(f"{MEDIA}/{first['id']}")
    assert in_use.status_code == 409
    await client.delete(f"/api/core/v1/products/{product.json()['data']['id']}")
    gone = await client.delete(f"{MEDIA}/{first['id']}")
    assert gone.status_code == 200
    assert stored_files(settings) == []


async def test_a_retried_upload_with_a_key_stores_once(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    alpha: StoreWithKey,
) -> None:
    content = image("PNG")
    first = await client.post(
        MEDIA, files={"file": ("a.png", content)}, headers={"Idempotency-Key": "u-1"}
    )
    again = await client.post(
        MEDIA, files={"file": ("a.png", content)}, headers={"Idempotency-Key": "u-1"}
    )

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert await rows(sessions, alpha.store.id) == 1


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
async def test_location_is_stripped_from_every_format_and_the_size_is_upright(
    client: httpx.AsyncClient, fmt: str
) -> None:
    # Orientation 6: stored sideways, shown turned a quarter clockwise.
    response = await upload(
        client, "gps.img", with_location(fmt, orientation=6, size=(60, 20))
    )
    data = response.json()["data"]
    served = await client.get(httpx.URL(data["url"]).path)

    with Image.open(io.BytesIO(served.content)) as stored:
        assert 0x8825 not in stored.getexif()
        assert stored.size == (20, 60)
    assert (data["width"], data["height"]) == (20, 60)


@pytest.mark.parametrize(
    "content",
    [
        image("JPEG", (200, 200))[:-400],
        image("GIF", (200, 200))[:-100],
        with_location("JPEG", size=(300, 300))[:-500],
    ],
)
async def test_truncated_images_are_422_not_500(
    client: httpx.AsyncClient, content: bytes
) -> None:
    response = await upload(client, "cut.jpg", content)

    assert response.status_code == 422, response.text


async def test_odd_asset_paths_and_missing_files_are_404(
    client: httpx.AsyncClient, settings: Settings, alpha: StoreWithKey
) -> None:
    data = (await upload(client, "a.png", image("PNG"))).json()["data"]
    path = httpx.URL(data["url"]).path
    name = path.rsplit("/", 1)[-1]
    base = path.rsplit("/", 2)[0]

    for odd in (
        f"{base}/0{alpha.store.id}/{name}",
        f"{base}/{alpha.store.id}/{name.upper()}",
        f"{base}/{alpha.store.id}/.upload-x",
    ):
        assert (await client.get(odd)).status_code == 404, odd
    for stored in stored_files(settings):
        stored.unlink()
    assert (await client.get(path)).status_code == 404
