"""Browser fixtures: one headless Debian Chromium for the browser tests, a fresh Japanese context per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Launch Debian's Chromium once for the browser tests (fail, never skip, when it is missing).

    Package scope, not session scope: while sync_playwright() is active the test thread has a running asyncio
    loop, so Django refuses ORM calls there (SynchronousOnlyOperation). DJANGO_ALLOW_ASYNC_UNSAFE is set only for
    that span (it also covers the live_server flush at each browser test's teardown), and Playwright is stopped
    as soon as the last browser test is done so that the rest of the suite runs without either.
    """
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: run `make test` as root, which installs Debian's chromium and fonts-noto-cjk "
            "(or run `apt-get install chromium fonts-noto-cjk` yourself). Browser tests are never skipped.",
            pytrace=False,
        )
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def browser_context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh context (no cookies) per test: Japanese locale, 1400x900 viewport."""
    context = browser.new_context(locale="ja-JP", viewport={"width": 1400, "height": 900})
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(browser_context: BrowserContext) -> Page:
    """A new tab in the test's context."""
    return browser_context.new_page()


@pytest.fixture
def artifacts_dir() -> Path:
    """The gitignored folder for screenshots: <project root>/test-artifacts."""
    path = PROJECT_ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture
def open_session(browser: Browser) -> Iterator[Callable[[], Page]]:
    """Open a tab in a further fresh context (its own cookies, so its own login); all closed at teardown.

    For tests where two people work at once (an officer and an approver): same locale and viewport as
    browser_context.
    """
    contexts: list[BrowserContext] = []

    def open_page() -> Page:
        context = browser.new_context(locale="ja-JP", viewport={"width": 1400, "height": 900})
        contexts.append(context)
        return context.new_page()

    try:
        yield open_page
    finally:
        for context in contexts:
            context.close()
