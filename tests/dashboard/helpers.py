"""Signing in to the dashboard in tests."""

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import client_for
from tests.factories import StoreWithKey
from tjar.db.session import store_session
from tjar.domain.users import Role, create_user

PASSWORD = "correct horse battery"


async def add_user(
    sessions: async_sessionmaker[AsyncSession],
    store: StoreWithKey,
    email: str,
    role: Role = Role.OWNER,
) -> None:
    async with store_session(sessions, store.store.id) as session:
        await create_user(session, email=email, role=role, password=PASSWORD)
        await session.commit()


@pytest.fixture
async def browser(
    app: FastAPI, alpha: StoreWithKey
) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app, alpha.domain) as http:
        yield http


def token(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None, page.text
    return found.group(1)


async def sign_in(
    browser: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> httpx.Response:
    page = await browser.get("/dashboard/login")
    return await browser.post(
        "/dashboard/login",
        data={"email": email, "password": password, "csrf_token": token(page)},
    )
