"""The dashboard in a real browser (the system Chromium), against a real server.

A store owner signs in, generates a key, copies it and calls the API with
it, registers webhooks up to the limit, sends a test event to a receiver on
loopback and sees it in the log, in Arabic and in English. Screenshots of
the Developers page are written to var/screenshots/.
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.conftest import repo_root
from tests.webhooks.receiver import Receiver

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "correct horse battery"
SCREENSHOTS = repo_root() / "var" / "screenshots"


def _chromium() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if os.environ.get("TJAR_REQUIRE_BROWSER"):
        pytest.fail(f"{CHROMIUM} is missing; .ci/run installs it")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Server:
    origin: str
    port: int


def _tjar(*args: str, env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tjar", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """``tjar serve`` on SQLite with its in-process worker, and one store."""
    port = _free_port()
    env = {
        **os.environ,
        "TJAR_ENV": "test",
        "TJAR_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'dash.db'}",
        "TJAR_SECRET_KEY": "browser-test-secret",
        "TJAR_LOG_LEVEL": "WARNING",
        "TJAR_MEDIA_ROOT": str(tmp_path / "media"),
    }
    _tjar("db", "upgrade", env=env, cwd=tmp_path)
    _tjar(
        "stores", "create", "--slug", "shop", "--name", "Shop",
        "--owner-email", "owner@shop.test", "--owner-password", PASSWORD,
        env=env, cwd=tmp_path,
    )  # fmt: skip
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "tjar", "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    origin = f"http://shop.localhost:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/dashboard/login", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        yield Server(origin=origin, port=port)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture
def page() -> Iterator[Page]:
    executable = _chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox"]
        )
        context = browser.new_context(
            permissions=["clipboard-read", "clipboard-write"],
            viewport={"width": 1200, "height": 900},
        )
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


@pytest.mark.parametrize("language", ["ar", "en"])
def test_an_owner_sets_up_an_integration_from_the_developers_page(
    server: Server, page: Page, language: str
) -> None:
    developers = f"{server.origin}/dashboard/settings/developers"
    with Receiver() as receiver:
        # Sign in.
        page.goto(f"{server.origin}/dashboard/login?lang={language}")
        expect(page.locator("html")).to_have_attribute(
            "dir", "rtl" if language == "ar" else "ltr"
        )
        page.fill("#email", "owner@shop.test")
        page.fill("#password", PASSWORD)
        page.press("#password", "Enter")
        page.wait_for_url(f"{server.origin}/dashboard")

        # Generate a key, copy it, and use it on the API at once.
        page.goto(developers)
        page.click("button[name=action][value=generate]")
        key = page.locator("#new-key").inner_text()
        page.click("button[data-copy=new-key]")
        assert page.evaluate("navigator.clipboard.readText()") == key
        # The browser resolves *.localhost itself; this client is told the host.
        api = httpx.get(
            f"http://127.0.0.1:{server.port}/api/core/v1/orders",
            headers={"Authorization": f"Bearer {key}", "Host": "shop.localhost"},
        )
        assert api.status_code == 200

        # Two webhooks fill the store's limit; the form then says why it is off.
        for name in ("ERP", "OMS"):
            page.fill("#hook-name", name)
            page.fill("#hook-url", receiver.url(f"/{name.lower()}"))
            page.check("input[name=events][value='order.created']")
            page.click("form[action$='/webhooks'] button[type=submit]")
            expect(page.locator("#new-secret")).to_contain_text("whsec_")
        expect(page.locator(".capacity")).to_have_text("2 / 2")
        expect(page.locator("fieldset[disabled]")).to_have_count(1)
        expect(page.locator("#limit-reason")).to_be_visible()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shot = SCREENSHOTS / f"developers-{language}.png"
        page.screenshot(path=str(shot), full_page=True)

        # A test event reaches the receiver and shows in the log.
        page.click("text=ERP")
        page.click("form[action$='/test'] button")
        receiver.wait_for(1, timeout=15)
        deadline = time.monotonic() + 15
        while "webhook.test" not in page.content() or "200" not in page.content():
            assert time.monotonic() < deadline, "the attempt never reached the log"
            page.reload()
        assert receiver.received[0].path == "/erp"
