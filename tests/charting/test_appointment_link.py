"""The appointment page leads a clinician to the session's note; the front desk sees no link."""

from __future__ import annotations

from django.urls import reverse

from tests.access.objects import Stillwater


def test_chart_this_session_only_for_clinicians(browser_as, owner, practitioner, front_desk):
    appointment = Stillwater(owner, practitioner, front_desk).object("appointment_id")
    page = reverse("web:appointment_detail", args=[appointment.pk])
    chart = reverse("web:chart_appointment", args=[appointment.pk]).encode()
    assert chart in browser_as(practitioner).get(page).content
    desk = browser_as(front_desk).get(page)
    assert desk.status_code == 200
    assert chart not in desk.content
