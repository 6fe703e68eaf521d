"""In a real browser: after a failed submit, the first error is in view, focused, in words.

The working-hours page has four forms one under another; a mistake in the lowest used to
come back with the page at the top, so it looked as if nothing had happened, and the
message named a database constraint.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from sacrum.clinics import services as clinic_services
from sacrum.scheduling.models import ClinicClosure, WeeklyHours
from tests.browser.conftest import Shots
from tests.conftest import PASSWORD, Persona

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Any, persona: Persona, target: str) -> None:
    page.goto(f"/accounts/login/?next={target}")
    page.fill("#id_login", persona.user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("form[action^='/accounts/login/'] button[type=submit]").click()


def _in_view(page: Any, selector: str) -> bool:
    return bool(
        page.evaluate(
            """(selector) => {
                const box = document.querySelector(selector).getBoundingClientRect();
                return box.top >= 0 && box.bottom <= window.innerHeight;
            }""",
            selector,
        )
    )


def test_a_failed_submit_brings_its_error_into_view_in_words(
    page: Any, owner: Persona, practitioner: Persona, shot: Shots
) -> None:
    clinic_services.create_location(
        actor=owner.actor, data={"name": "Harbour Road", "time_zone": "Europe/London"}
    )
    _sign_in(page, owner, f"/schedule/hours/?who={practitioner.member.pk}")
    expect(page.locator("h1")).to_contain_text("hours")

    # Weekly hours with "To" before "From".
    page.fill("#id_h-start_time", "17:00")
    page.fill("#id_h-end_time", "09:00")
    page.locator("form:has(#id_h-start_time) button[type=submit]").click()
    error = page.locator("form:has(#id_h-start_time) .form-errors")
    expect(error).to_have_text("The finishing time must be after the starting time.")
    expect(page.locator("main")).not_to_contain_text("onstraint")
    expect(error).to_be_focused()
    assert _in_view(page, "form:has(#id_h-start_time) .form-errors")
    shot(page, "weekly-hours-error")
    assert not WeeklyHours.objects.exists()

    # A closure, the lowest form on the page, with its last day before its first.
    page.fill("#id_c-first_day", "2026-08-14")
    page.fill("#id_c-last_day", "2026-08-10")
    page.locator("form:has(#id_c-first_day) button[type=submit]").click()
    expect(page.locator("#id_c-last_day_error")).to_have_text(
        "The last day is before the first day."
    )
    expect(page.locator("#id_c-last_day")).to_be_focused()
    assert _in_view(page, "#id_c-last_day_error")
    assert page.evaluate("window.scrollY") > 0
    shot(page, "closure-error")
    assert not ClinicClosure.objects.exists()

    # A missing field: the field itself takes the focus, with its error beside it.
    page.fill("#id_c-first_day", "")
    page.locator("form:has(#id_c-first_day) button[type=submit]").click()
    expect(page.locator("#id_c-first_day")).to_be_focused()
    assert _in_view(page, "#id_c-first_day")
