"""``{% fragment "app/part.html" name=value %}``: a part of a page drawn by Jinja2.

For the few loops where the Django template engine's per-node cost dominates a page (the
note editor's rows of rhythm findings, body-map regions and techniques: about 16 ms of its
server time). The fragment lives in the app's ``jinja2/`` folder and is loaded by the same
Jinja2 environment as the form widgets, with autoescaping on; it sees only what is passed.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.forms.renderers import get_default_renderer
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def fragment(name: str, **values: Any) -> SafeString:
    jinja = get_default_renderer().engine  # type: ignore[attr-defined]
    drawn: str = jinja.get_template(name).render(values)
    return mark_safe(drawn)  # autoescaped by Jinja2
