"""The S3 backend against a real S3-compatible server on loopback (moto)."""

import socket
from collections.abc import AsyncIterator, Iterator

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from tests.conftest import client_for
from tests.factories import StoreWithKey
from tests.media_files import image
from tjar.app import create_app
from tjar.config import Settings

BUCKET = "tjar-media"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    ).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture
async def s3_client(
    settings: Settings, s3_endpoint: str, alpha: StoreWithKey
) -> AsyncIterator[httpx.AsyncClient]:
    s3_settings = settings.model_copy(
        update={
            "media_backend": "s3",
            "s3_bucket": BUCKET,
            "s3_endpoint_url": s3_endpoint,
            "s3_access_key": "test",
            "s3_secret_key": "test",
            "s3_region": "us-east-1",
        }
    )
    app = create_app(s3_settings)
    async with client_for(app, alpha.domain) as http:
        http.headers["Authorization"] = f"Bearer {alpha.key}"
        yield http
    await app.state.engine.dispose()


def _objects(endpoint: str) -> list[str]:
    listing = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    ).list_objects_v2(Bucket=BUCKET)
    return [item["Key"] for item in listing.get("Contents", [])]


async def test_upload_serve_and_delete_through_s3(
    s3_client: httpx.AsyncClient, s3_endpoint: str, alpha: StoreWithKey
) -> None:
    content = image("PNG")
    before = set(_objects(s3_endpoint))

    uploaded = await s3_client.post(
        "/api/core/v1/media", files={"file": ("a.png", content)}
    )
    assert uploaded.status_code == 201, uploaded.text
    data = uploaded.json()["data"]
    key = f"{alpha.store.id}/{data['url'].rsplit('/', 1)[-1]}"
    assert set(_objects(s3_endpoint)) - before == {key}

    served = await s3_client.get(httpx.URL(data["url"]).path)
    assert served.status_code == 200
    assert served.content == content

    deleted = await s3_client.delete(f"/api/core/v1/media/{data['id']}")
    assert deleted.status_code == 200
    assert key not in _objects(s3_endpoint)
