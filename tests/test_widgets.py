"""The input widgets drawn in Python are the same HTML as Django's own Jinja2 templates.

If they drifted, a form would post different names or values than before, or lose its
escaping; each case renders through both and compares.
"""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.forms.renderers import Jinja2
from django.utils.safestring import mark_safe
from hypothesis import given, settings
from hypothesis import strategies as st

from sacrum.kernel.widgets import DRAWN, Widgets

TEMPLATES = Jinja2()
FAST = Widgets()

NASTY = ['a "quoted" <b>&amp;</b>', "it's", "", "0", "  spaced  ", "Ünïcödé ✓"]


class Everything(forms.Form):
    text = forms.CharField(max_length=20, help_text="x")
    number = forms.IntegerField(min_value=0, max_value=10)
    decimal = forms.DecimalField(max_digits=5, decimal_places=2)
    email = forms.EmailField(required=False)
    url = forms.URLField(required=False, assume_scheme="https")
    password = forms.CharField(widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(widget=forms.HiddenInput)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    when = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    time = forms.TimeField()
    agree = forms.BooleanField(required=False)
    upload = forms.FileField(required=False)
    colour = forms.CharField(widget=forms.TextInput(attrs={"type": "color"}))
    choice = forms.ChoiceField(
        widget=forms.RadioSelect, choices=[("", "—"), ("a", 'A "one"'), ("b", "B <two>")]
    )
    many = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple, choices=[("x", "X & Y"), ("y", "Y")]
    )
    grouped = forms.ChoiceField(
        widget=forms.RadioSelect, choices=[("Group", [("g1", "G1"), ("g2", "G2")]), ("o", "O")]
    )


def _render_both(form: forms.Form) -> list[tuple[str, str]]:
    """Each field whole, each option bare (``radio.tag``) and wrapped (``{{ radio }}``)."""
    pairs = []
    for name in form.fields:
        slow, fast = _subs(form, name, TEMPLATES), _subs(form, name, FAST)
        pairs += [(str(a.tag()), str(b.tag())) for a, b in zip(slow, fast, strict=True)]
        pairs += [(str(a), str(b)) for a, b in zip(slow, fast, strict=True)]
        pairs.append((_whole(form, name, TEMPLATES), _whole(form, name, FAST)))
    return pairs


def _subs(form: forms.Form, name: str, renderer: Any) -> list[Any]:
    copy = form.__class__(data=form.data or None, initial=form.initial, renderer=renderer)
    if copy.is_bound:
        copy.is_valid()  # errors change the attributes (aria-invalid)
    return list(copy[name].subwidgets)


def _whole(form: forms.Form, name: str, renderer: Any) -> str:
    copy = form.__class__(data=form.data or None, initial=form.initial, renderer=renderer)
    return str(copy[name].as_widget())


@pytest.mark.parametrize("value", NASTY)
def test_every_input_widget_draws_as_the_template_does(value: str) -> None:
    data: dict[str, Any] = {
        name: value for name in ("text", "email", "url", "password", "hidden", "colour", "time")
    }
    data |= {"number": value, "decimal": value, "day": value, "when": value}
    data |= {"agree": "on", "choice": "a", "many": ["x", "y"], "grouped": "g2"}
    for form in (Everything(data=data), Everything(initial=data), Everything()):
        pairs = _render_both(form)
        assert pairs
        for slow, fast in pairs:
            assert fast == slow


def test_the_fast_path_covers_the_note_editor_s_widgets() -> None:
    """The templates drawn here are the ones the input widgets name."""
    for widget in (
        forms.TextInput(),
        forms.NumberInput(),
        forms.HiddenInput(),
        forms.CheckboxInput(),
        forms.EmailInput(),
        forms.DateInput(),
    ):
        assert widget.template_name in DRAWN
    assert forms.RadioSelect.option_template_name in DRAWN
    assert forms.CheckboxSelectMultiple.option_template_name in DRAWN


attr_values = st.one_of(
    st.booleans(), st.none(), st.integers(), st.text(max_size=12), st.just(mark_safe("<b>"))
)


@settings(max_examples=300, deadline=None)
@given(
    attrs=st.dictionaries(
        st.text(alphabet="abcdefghij-_:", min_size=1, max_size=8), attr_values, max_size=5
    ),
    value=st.one_of(st.none(), st.text(max_size=12), st.integers(), st.just(mark_safe("&x"))),
    label=st.text(max_size=12),
    wrap=st.booleans(),
)
def test_any_attributes_draw_the_same(
    attrs: dict[str, Any], value: Any, label: str, wrap: bool
) -> None:
    widget = {
        "name": "field<1>",
        "type": "radio",
        "value": value,
        "attrs": attrs,
        "label": label,
        "wrap_label": wrap,
        "template_name": "django/forms/widgets/radio_option.html",
    }
    for template in ("django/forms/widgets/text.html", "django/forms/widgets/radio_option.html"):
        slow = TEMPLATES.render(template, {"widget": widget})
        assert FAST.render(template, {"widget": widget}) == slow
