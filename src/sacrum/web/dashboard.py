"""Cards on today's dashboard, contributed by each app's ``dashboard.py``.

An app's ``dashboard.py`` defines ``ORDER`` (smaller first) and ``card(request)``,
which returns ``None`` (nothing to show this member) or a dict with ``template`` and
the context that template needs. Apps own their cards; the dashboard only lays them out.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

from django.apps import apps
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe


@cache
def _providers() -> list[Any]:
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("sacrum."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.dashboard")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.dashboard":
                raise
            continue
        if hasattr(module, "card"):  # this module itself is found too
            found.append(module)
    return sorted(found, key=lambda m: getattr(m, "ORDER", 100))


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
