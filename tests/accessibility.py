"""Every page a browser test opens is checked with axe-core against WCAG 2.1 A and AA.

A pytest plugin (loaded by tests/conftest.py). It wraps Playwright's ``Browser.new_context``
so that every context any test opens, now or later, runs axe-core in each page once it
has loaded and reports the violations back to Python; the test fails at teardown if any
page it opened had one. axe-core comes from the npm registry, pinned in
tests/a11y/package-lock.json and installed by ``dev.py`` (``npm ci``); see docs/testing.md.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

AXE = Path(__file__).parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
RULES = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
BINDING = "__sacrumAccessibility"

# Runs in every document of the context, after axe itself (both are init scripts, so the
# page's Content-Security-Policy does not apply to them). Only top documents served over
# HTTP are checked (not the blank page a tab starts on; Sacrum's pages have no frames).
RUNNER = """
(() => {
  if (window.top !== window || !location.protocol.startsWith("http")) return;
  const report = (violations) => window.__BINDING__(location.pathname, violations);
  const run = () => window.axe.run(document, {
    runOnly: {type: "tag", values: __RULES__},
    resultTypes: ["violations"],
  }).then(
    (result) => report(result.violations.map((v) => ({
      id: v.id, impact: v.impact || "", help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
    }))),
    (error) => report([{id: "axe-error", impact: "", help: String(error), targets: []}]),
  );
  // A test that needs the result before it goes on awaits this promise.
  window.__BINDING__Done = new Promise((resolve) => {
    const go = () => run().then(resolve, resolve);
    if (document.readyState === "complete") go();
    else window.addEventListener("load", go, {once: true});
  });
})();
""".replace("__BINDING__", BINDING).replace("__RULES__", json.dumps(list(RULES)))


@dataclass(frozen=True)
class Violation:
    path: str
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        where = "; ".join(self.targets)
        return f"{self.path}: {self.rule} ({self.impact}) {self.help} at {where}"


class Findings:
    """What axe reported during the current test, and how many pages it checked."""

    def __init__(self) -> None:
        self.violations: list[Violation] = []
        self.pages = 0

    def record(self, path: str, found: list[dict[str, Any]]) -> None:
        self.pages += 1
        self.violations += [
            Violation(path, v["id"], v["impact"], v["help"], tuple(v["targets"])) for v in found
        ]


FINDINGS = Findings()


def watch(context: Any) -> None:
    """Install axe and its runner in a Playwright browser context."""
    context.expose_binding(BINDING, lambda _source, path, found: FINDINGS.record(path, found))
    context.add_init_script(path=str(AXE))
    context.add_init_script(script=RUNNER)


def _required() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session", autouse=True)
def _every_context_checked() -> Iterator[None]:
    """Wrap ``Browser.new_context`` for the whole session (browser tests only import it)."""
    try:
        from playwright.sync_api import Browser
    except ImportError:  # pragma: no cover - playwright is a locked dev dependency
        yield
        return
    if not AXE.exists():
        if _required():
            pytest.fail(f"{AXE} is missing: run `python3 dev.py setup` (npm ci)", pytrace=False)
        yield
        return
    original = Browser.new_context

    def new_context(self: Any, *args: Any, **kwargs: Any) -> Any:
        context = original(self, *args, **kwargs)
        watch(context)
        return context

    Browser.new_context = new_context  # type: ignore[method-assign]
    try:
        yield
    finally:
        Browser.new_context = original  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def accessible_pages(request: pytest.FixtureRequest) -> Iterator[Findings]:
    """Fail the test if any page it opened broke a WCAG 2.1 A/AA rule axe can check.

    A test that checks a deliberately broken page (to prove the check works) marks itself
    with ``@pytest.mark.planted_violations`` and reads the findings from this fixture.
    """
    FINDINGS.violations.clear()
    FINDINGS.pages = 0
    yield FINDINGS
    if request.node.get_closest_marker("planted_violations"):
        return
    if FINDINGS.violations:
        listed = "\n".join(f"  {v}" for v in FINDINGS.violations)
        pytest.fail(f"WCAG 2.1 A/AA violations (axe-core):\n{listed}", pytrace=False)
