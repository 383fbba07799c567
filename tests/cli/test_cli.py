"""The CLI, run as a user runs it: the installed ``tjar`` in a subprocess."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import client_for
from tests.dashboard.helpers import token
from tjar.app import create_app
from tjar.config import Settings

TJAR = [sys.executable, "-m", "tjar"]


def tjar(*args: str, url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TJAR_DATABASE_URL": url, "TJAR_LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [*TJAR, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def fresh_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'var' / 'cli.db'}"


async def test_create_a_store_and_key_then_call_the_api(
    fresh_url: str, tmp_path: Path
) -> None:
    assert tjar("db", "upgrade", url=fresh_url, cwd=tmp_path).returncode == 0

    created = tjar(
        "stores",
        "create",
        "--slug",
        "acme",
        "--name",
        "متجر أكمي",
        "--owner-email",
        "Owner@Acme.example",
        "--domain",
        "shop.acme.sa",
        url=fresh_url,
        cwd=tmp_path,
    )
    key = tjar("keys", "create", "--store", "acme", url=fresh_url, cwd=tmp_path)
    listed = tjar("stores", "list", url=fresh_url, cwd=tmp_path)

    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == "acme.localhost"
    assert key.returncode == 0, key.stderr
    secret = key.stdout.strip().splitlines()[-1]
    assert secret.startswith("tjar_sk_")
    assert "acme\tمتجر أكمي\tacme.localhost shop.acme.sa" in listed.stdout

    app = create_app(
        Settings(_env_file=None, database_url=fresh_url, log_level="WARNING")
    )
    async with client_for(app, "shop.acme.sa") as http:
        response = await http.get(
            "/api/core/v1/orders", headers={"Authorization": f"Bearer {secret}"}
        )
    await app.state.engine.dispose()
    assert response.status_code == 200
    assert response.json()["data"]["pagination"]["total"] == 0

    revoked = tjar("keys", "revoke", "--store", "acme", url=fresh_url, cwd=tmp_path)
    assert revoked.stdout.strip() == "revoked"


def test_bad_input_exits_1_with_a_message(fresh_url: str, tmp_path: Path) -> None:
    tjar("db", "upgrade", url=fresh_url, cwd=tmp_path)

    bad_slug = tjar(
        "stores",
        "create",
        "--slug",
        "Not OK",
        "--name",
        "x",
        "--owner-email",
        "a@b.co",
        url=fresh_url,
        cwd=tmp_path,
    )
    tjar(
        "stores",
        "create",
        "--slug",
        "dup",
        "--name",
        "x",
        "--owner-email",
        "a@b.co",
        url=fresh_url,
        cwd=tmp_path,
    )
    duplicate = tjar(
        "stores",
        "create",
        "--slug",
        "dup",
        "--name",
        "x",
        "--owner-email",
        "a@b.co",
        url=fresh_url,
        cwd=tmp_path,
    )
    unknown = tjar("keys", "create", "--store", "nope", url=fresh_url, cwd=tmp_path)
    squatter = tjar(
        "stores",
        "create",
        "--slug",
        "evil",
        "--name",
        "x",
        "--owner-email",
        "a@b.co",
        "--domain",
        "victim.localhost",
        url=fresh_url,
        cwd=tmp_path,
    )
    reserved = tjar(
        "stores",
        "create",
        "--slug",
        "api",
        "--name",
        "x",
        "--owner-email",
        "a@b.co",
        url=fresh_url,
        cwd=tmp_path,
    )
    nameless = tjar(
        "stores",
        "create",
        "--slug",
        "nameless",
        "--name",
        "  ",
        "--owner-email",
        "a@b.co",
        url=fresh_url,
        cwd=tmp_path,
    )
    arabic_domain = tjar(
        "stores",
        "create",
        "--slug",
        "souq",
        "--name",
        "سوق",
        "--owner-email",
        "a@b.co",
        "--domain",
        "متجر.السعودية",
        url=fresh_url,
        cwd=tmp_path,
    )

    assert bad_slug.returncode == 1
    assert "slug: Use lower-case letters, digits and hyphens." in bad_slug.stderr
    assert duplicate.returncode == 1
    assert "already exists" in duplicate.stderr
    assert unknown.returncode == 1
    assert "No store has this slug." in unknown.stderr
    assert squatter.returncode == 1
    assert "not one under the platform's" in squatter.stderr
    assert reserved.returncode == 1
    assert "reserved" in reserved.stderr
    assert nameless.returncode == 1
    assert arabic_domain.returncode == 0, arabic_domain.stderr
    assert "Traceback" not in bad_slug.stderr + duplicate.stderr + unknown.stderr


async def test_demo_is_idempotent_and_has_real_data(
    fresh_url: str, tmp_path: Path
) -> None:
    tjar("db", "upgrade", url=fresh_url, cwd=tmp_path)

    first = tjar("demo", url=fresh_url, cwd=tmp_path)
    second = tjar("demo", url=fresh_url, cwd=tmp_path)

    assert first.returncode == 0, first.stderr
    assert "Demo store created." in first.stdout
    assert "already exists" in second.stdout
    secret = next(
        line.strip()
        for line in second.stdout.splitlines()
        if line.strip().startswith("tjar_sk_")
    )
    assert second.stdout.count("curl ") == 3

    def password(run: subprocess.CompletedProcess[str]) -> str:
        return run.stdout.split("with the password ", 1)[1].split()[0]

    app = create_app(
        Settings(_env_file=None, database_url=fresh_url, log_level="WARNING")
    )
    async with client_for(app, "demo-store.localhost:8000") as browser:
        # The latest run's password signs in to the dashboard; the first no more.
        for run, status in ((first, 401), (second, 303)):
            page = await browser.get("/dashboard/login")
            signed_in = await browser.post(
                "/dashboard/login",
                data={
                    "email": "owner@demo-store.example",
                    "password": password(run),
                    "csrf_token": token(page),
                },
            )
            assert signed_in.status_code == status
    async with client_for(app, "demo-store.localhost:8000") as http:
        http.headers["Authorization"] = f"Bearer {secret}"
        orders = (
            await http.get("/api/core/v1/orders", params={"per_page": 100})
        ).json()["data"]
        products = (
            await http.get("/api/core/v1/products", params={"per_page": 100})
        ).json()["data"]
    await app.state.engine.dispose()

    assert orders["pagination"]["total"] >= 60
    assert products["pagination"]["total"] >= 30
    assert len({order["status"]["value"] for order in orders["orders"]}) >= 5
    assert len({order["customer"]["id"] for order in orders["orders"]}) >= 5
    months = {order["created_at"][:7] for order in orders["orders"]}
    assert len(months) >= 4
    assert len({order["updated_at"] for order in orders["orders"]}) > 50
    for product in products["products"]:
        assert product["name"]["ar"] != product["name"]["en"]


def test_stores_update_changes_the_money_settings(
    fresh_url: str, tmp_path: Path
) -> None:
    tjar("db", "upgrade", url=fresh_url, cwd=tmp_path)
    tjar(
        "stores",
        "create",
        "--slug",
        "shop",
        "--name",
        "Shop",
        "--owner-email",
        "o@s.sa",
        url=fresh_url,
        cwd=tmp_path,
    )

    changed = tjar(
        "stores",
        "update",
        "shop",
        "--no-prices-include-vat",
        "--vat-rate",
        "0.05",
        "--shipping-fee",
        "25",
        "--webhook-limit",
        "3",
        url=fresh_url,
        cwd=tmp_path,
    )
    cleared = tjar(
        "stores",
        "update",
        "shop",
        "--shipping-fee",
        "none",
        url=fresh_url,
        cwd=tmp_path,
    )
    bad = tjar(
        "stores", "update", "shop", "--vat-rate", "1.5", url=fresh_url, cwd=tmp_path
    )

    assert changed.returncode == 0, changed.stderr
    assert changed.stdout.strip() == (
        "shop: prices_include_vat=False vat_rate=0.05 "
        "shipping_fee=25.00 webhook_limit=3"
    )
    assert "shipping_fee=None" in cleared.stdout
    assert bad.returncode == 1
    assert "vat_rate" in bad.stderr


def test_users_create_adds_users_with_roles(fresh_url: str, tmp_path: Path) -> None:
    tjar("db", "upgrade", url=fresh_url, cwd=tmp_path)
    tjar(
        "stores",
        "create",
        "--slug",
        "shop",
        "--name",
        "Shop",
        "--owner-email",
        "o@s.sa",
        url=fresh_url,
        cwd=tmp_path,
    )

    def add(*args: str) -> subprocess.CompletedProcess[str]:
        return tjar(
            "users", "create", "--store", "shop", *args, url=fresh_url, cwd=tmp_path
        )

    staff = add("--email", "Staff@S.sa", "--role", "staff", "--password", "long-enough")
    again = add("--email", "staff@s.sa", "--role", "admin")
    bad_role = add("--email", "x@s.sa", "--role", "boss")
    short = add("--email", "y@s.sa", "--role", "admin", "--password", "short")
    nowhere = tjar(
        "users",
        "create",
        "--store",
        "none",
        "--email",
        "z@s.sa",
        "--role",
        "staff",
        url=fresh_url,
        cwd=tmp_path,
    )

    assert staff.returncode == 0, staff.stderr
    assert staff.stdout.strip() == "staff@s.sa\tstaff"
    assert again.returncode == 1
    assert "already exists" in again.stderr
    assert bad_role.returncode == 2
    assert short.returncode == 1
    assert "between 8 and 1024" in short.stderr
    assert nowhere.returncode == 1


def test_worker_once_sends_what_is_due(fresh_url: str, tmp_path: Path) -> None:
    tjar("db", "upgrade", url=fresh_url, cwd=tmp_path)

    idle = tjar("worker", "--once", url=fresh_url, cwd=tmp_path)

    assert idle.returncode == 0, idle.stderr
    assert idle.stdout.strip() == "sent 0"
