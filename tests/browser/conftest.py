"""Playwright on Debian's Chromium against pytest-django's live server.

Never ``playwright install``: the browser is the system's ``/usr/bin/chromium``. Without
it the tests skip, except in CI (``CI=true``), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.clock import set_browser_clock

CHROMIUM = Path("/usr/bin/chromium")
VIEWPORT = {"width": 1024, "height": 768}
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Browser tests must run in CI: {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the ORM calls the
    # tests make between page actions are still synchronous and safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    folder = os.environ.get("SACRUM_SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="sacrum-shots-")
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def page(chromium: Any, live_server: Any, transactional_db: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport=VIEWPORT, base_url=live_server.url)
    set_browser_clock(context)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    console: list[tuple[str, str]] = []
    documents: set[str] = set()

    def on_console(message: Any) -> None:
        if message.type == "error":
            console.append((message.text, message.location.get("url", "")))

    tab.on("console", on_console)
    tab.on("pageerror", lambda e: console.append((f"page error: {e}", "")))
    tab.on("framenavigated", lambda frame: documents.add(frame.url))
    yield tab
    context.close()
    # A CSP violation, a script error or a missing asset shows up here. A page answered
    # with a 4xx on purpose (the lockout page is a 429) and the browser's own favicon
    # probe are not faults of the page.
    faults = [
        (text, url)
        for text, url in console
        if not (
            text.startswith("Failed to load resource")
            and (url in documents or url.endswith("/favicon.ico"))
        )
    ]
    assert not faults, faults


class Shots:
    """Numbered screenshots of one test, at the 1024x768 viewport."""

    def __init__(self, folder: Path, test_name: str) -> None:
        self.folder = folder
        self.prefix = re.sub(r"\W+", "-", test_name).strip("-")
        self.count = 0
        self.taken: list[Path] = []

    def __call__(self, page: Any, step: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.prefix}-{self.count:02}-{step}.png"
        page.screenshot(path=str(path))
        self.taken.append(path)
        return path


@pytest.fixture
def shot(screenshot_dir: Path, request: pytest.FixtureRequest) -> Shots:
    return Shots(screenshot_dir, request.node.name)
