"""The appointment page leads a clinician to the session's note; the front desk sees no link."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client as HttpClient
from django.urls import reverse

from tests.access.objects import Stillwater
from tests.conftest import Persona


def test_chart_this_session_only_for_clinicians(
    browser_as: Callable[[Persona], HttpClient],
    owner: Persona,
    practitioner: Persona,
    front_desk: Persona,
) -> None:
    appointment = Stillwater(owner, practitioner, front_desk).object("appointment_id")
    page = reverse("web:appointment_detail", args=[appointment.pk])
    chart = reverse("web:chart_appointment", args=[appointment.pk]).encode()
    assert chart in browser_as(practitioner).get(page).content
    desk = browser_as(front_desk).get(page)
    assert desk.status_code == 200
    assert chart not in desk.content
