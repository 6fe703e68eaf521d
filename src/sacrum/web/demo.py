"""Demo clinic seeding. Each app may ship a ``demo.py`` with ``ORDER`` and ``seed(ctx)``.

Seeders run in ``ORDER``; each must be idempotent (running the demo twice never
duplicates). ``ctx`` is a dict that earlier seeders fill for later ones.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from sacrum.web.app_modules import app_modules

DEMO_PASSWORD = "sacrum-demo-2026"


def _seeders() -> list[Any]:
    return sorted(app_modules("demo", "seed"), key=lambda m: getattr(m, "ORDER", 100))


def seed_demo(log: Any = print) -> dict[str, Any]:
    """Create (or complete) the demo clinic; returns the context with the demo logins."""
    ctx: dict[str, Any] = {"password": DEMO_PASSWORD, "logins": []}
    for module in _seeders():
        with transaction.atomic():
            summary = module.seed(ctx)
        if summary:
            log(f"  {summary}")
    return ctx
