"""Cards on today's dashboard, contributed by each app's ``dashboard.py``.

An app's ``dashboard.py`` defines ``ORDER`` (smaller first) and ``card(request)``,
which returns ``None`` (nothing to show this member) or a dict with ``template`` and
the context that template needs. Apps own their cards; the dashboard only lays them out.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from sacrum.web.app_modules import app_modules


@cache
def _providers() -> list[Any]:
    # This module itself is found too; it has no ``card``, so it is left out.
    return sorted(app_modules("dashboard", "card"), key=lambda m: getattr(m, "ORDER", 100))


def cards(request: HttpRequest) -> list[SafeString]:
    """Each app's card for this request, rendered, in ``ORDER``."""
    rendered = []
    for module in _providers():
        card = module.card(request)
        if card:
            template = card.pop("template")
            html = render_to_string(template, card, request=request)
            rendered.append(mark_safe(html))
    return rendered
