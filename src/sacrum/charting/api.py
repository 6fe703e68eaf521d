"""Charting API routes, mounted at /api/v1 by ``sacrum.api.api``."""

from ninja import Router

router = Router(tags=["charting"])
