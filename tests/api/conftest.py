from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.api.probe_routes import install_probe_routes
from tests.conftest import client_for
from tests.factories import StoreWithKey


@pytest.fixture
async def probe(app: FastAPI, alpha: StoreWithKey) -> AsyncIterator[httpx.AsyncClient]:
    """A client for alpha on an app that also has the test-only write routes."""
    install_probe_routes(app)
    async with client_for(app, alpha.domain) as http:
        http.headers["Authorization"] = f"Bearer {alpha.key}"
        yield http
