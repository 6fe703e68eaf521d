"""The accessibility check sees what it is meant to see (tests/accessibility.py).

A page with faults planted on purpose must be reported; Sacrum's own sign-in page must
not be. Without this, a check that silently stopped running would pass every test.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.accessibility import AXE, BINDING, Findings

pytestmark = pytest.mark.browser

PLANTED = """<!doctype html><html><head><title>Planted</title></head><body><main>
<img src="/static/web/favicon.svg">
<label>Name</label><input id="name">
<p style="color:#aaa;background:#fff">Faint text</p>
</main></body></html>"""


@pytest.fixture(autouse=True)
def _axe_installed() -> None:
    if not AXE.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{AXE} is missing (python3 dev.py setup)", pytrace=False)
        pytest.skip("axe-core is not installed: python3 dev.py setup (needs npm)")


def _checked(page: Any) -> None:
    page.evaluate(f"window.{BINDING}Done")


@pytest.mark.planted_violations
def test_planted_faults_are_reported(page: Any, accessible_pages: Findings) -> None:
    page.route(
        "**/planted-page/",
        lambda route: route.fulfill(status=200, content_type="text/html", body=PLANTED),
    )
    page.goto("/planted-page/")
    _checked(page)
    found = {v.rule for v in accessible_pages.violations}
    assert {"image-alt", "label", "color-contrast", "html-has-lang"} <= found
    assert all(v.path == "/planted-page/" for v in accessible_pages.violations), [
        str(v) for v in accessible_pages.violations
    ]


def test_a_sacrum_page_passes(page: Any, accessible_pages: Findings) -> None:
    page.goto("/accounts/login/")
    _checked(page)
    assert accessible_pages.pages == 1
    assert accessible_pages.violations == []
