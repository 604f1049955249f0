"""Browser tests: Debian's Chromium (never a downloaded browser) driven by Playwright against `live_server`.

Playwright's sync API runs an asyncio event loop in the test thread, and Django refuses ORM calls from a
thread with a running loop unless told it is safe; the factories run in that thread, so we tell it."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.conftest import skip_or_fail
from tests.factories import TEST_PASSWORD

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1366, "height": 900}
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"

expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def browser():
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        skip_or_fail(f"{CHROMIUM} is not installed (Debian package `chromium`; `make browser` installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) per test, so one test's sign-in never leaks into another."""
    context = browser.new_context(viewport=VIEWPORT, base_url=live_server.url, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def login(page: Page, live_server, user, password: str = TEST_PASSWORD, *, screenshot: str | None = None) -> None:
    """Sign in through the real login form, as a person would, and wait until the portal has loaded.
    With `screenshot`, the filled-in sign-in page is saved under that name first."""
    page.goto(f"{live_server.url}/login/")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(password)
    if screenshot:
        shot(page, screenshot)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def shot(page: Page, name: str) -> Path:
    """A full-page PNG in tests/e2e/screenshots/ (gitignored), for a human to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
