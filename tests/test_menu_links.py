"""Pages added by the apps are reachable: the owner's menu and the account page link them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from tests.conftest import Persona


@pytest.mark.django_db
def test_owner_menu_has_waitlist_and_reminders(
    browser_as: Callable[[Persona], HttpClient], owner: Persona
) -> None:
    page = browser_as(owner).get("/").content.decode()
    assert reverse("web:waitlist") in page
    assert reverse("web:reminder_settings") in page


@pytest.mark.django_db
def test_front_desk_menu_has_no_reminder_settings(
    browser_as: Callable[[Persona], HttpClient], front_desk: Persona
) -> None:
    page = browser_as(front_desk).get("/").content.decode()
    assert reverse("web:waitlist") in page
    assert reverse("web:reminder_settings") not in page


@pytest.mark.django_db
def test_account_page_links_the_calendar_feed(
    browser_as: Callable[[Persona], HttpClient], practitioner: Persona
) -> None:
    page = browser_as(practitioner).get(reverse("web:account")).content.decode()
    assert reverse("web:calendar_feed") in page


@pytest.mark.django_db
def test_clinic_settings_lead_to_booking_rules_and_the_public_page(
    browser_as: Callable[[Persona], HttpClient], owner: Persona
) -> None:
    page = browser_as(owner).get(reverse("web:clinic_settings")).content.decode()
    assert reverse("web:booking_rules") in page
    assert reverse("web:online_booking", args=[owner.clinic.slug]) in page
