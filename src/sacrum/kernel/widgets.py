"""The form renderer: Django's Jinja2 widget templates, with the input family drawn in Python.

A form-heavy page (the note editor: about 320 inputs, 190 of them radio buttons) spent a
quarter of its server time rendering one tiny template per input, each through three
nested Jinja2 includes. ``input.html`` and ``input_option.html`` (and the templates that do
nothing but include them) are a single line each, so they are drawn here to the same HTML;
everything else — selects, text areas, whole radio groups, our own widget templates — still
goes through the templates. ``tests/test_widgets.py`` compares both for every such widget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.forms.renderers import Jinja2
from markupsafe import escape

_WIDGETS = "django/forms/widgets/"


def _attrs(attrs: dict[str, Any]) -> str:
    """``attrs.html``: ``True`` gives the bare name, ``False`` leaves the attribute out."""
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict[str, Any]) -> str:
    """``input.html``."""
    value = widget["value"]
    shown = "" if value == None else f' value="{escape(value)}"'  # noqa: E711 (as the template)
    return (
        f'<input type="{escape(widget["type"])}" name="{escape(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>"
    )


def _input_option(widget: dict[str, Any]) -> str:
    """``input_option.html``: one radio button or checkbox of a group, its label around it
    when asked (``{{ radio }}``), bare for ``{{ radio.tag }}``."""
    if not widget.get("wrap_label"):
        return _input(widget)
    target = widget["attrs"].get("id")
    label_for = f' for="{escape(target)}"' if target else ""
    return f"<label{label_for}>{_input(widget)} {escape(widget['label'])}</label>"


DRAWN: dict[str, Callable[[dict[str, Any]], str]] = {
    **{
        f"{_WIDGETS}{name}.html": _input
        for name in [
            "input",
            "checkbox",
            "color",
            "date",
            "datetime",
            "email",
            "file",
            "hidden",
            "number",
            "password",
            "search",
            "tel",
            "text",
            "time",
            "url",
        ]
    },
    f"{_WIDGETS}input_option.html": _input_option,
    f"{_WIDGETS}radio_option.html": _input_option,
    f"{_WIDGETS}checkbox_option.html": _input_option,
}


class Widgets(Jinja2):
    """``FORM_RENDERER``: the Jinja2 renderer, with the one-line input templates in Python."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        draw = DRAWN.get(template_name)
        if draw is None or request is not None:
            return str(super().render(template_name, context, request))
        return draw(context["widget"])
