"""From the portal: book the same visit again, and move or cancel a visit within the
clinic's window through the same pages (and rules) as the e-mailed manage link."""

from __future__ import annotations

import datetime as dt
import re

from django.test import Client as HttpClient
from django.utils import timezone

from sacrum.access.models import AuditEntry
from sacrum.scheduling.models import ManageLink, SchedulingPolicy
from tests.conftest import Persona
from tests.portal.conftest import Person


def _open_online_booking(owner: Persona, window_hours: int = 24) -> None:
    policy = SchedulingPolicy.for_clinic(owner.clinic.pk)
    policy.online_booking_enabled = True
    policy.cancellation_window_hours = window_hours
    policy.save()


def test_without_online_booking_the_visits_offer_no_online_change(
    as_ada: HttpClient, ada: Person, owner: Persona
) -> None:
    policy = SchedulingPolicy.for_clinic(owner.clinic.pk)
    policy.online_booking_enabled = False
    policy.save()
    html = as_ada.get("/portal/appointments").content.decode()
    assert "Move or cancel" not in html and "Book again" not in html
    answer = as_ada.post("/portal/appointments/change", {"visit": ada.appointment_ahead.pk})
    assert answer.status_code == 302
    assert not ManageLink.objects.exists()


def test_book_again_and_move_or_cancel_within_the_window(
    as_ada: HttpClient, ada: Person, owner: Persona
) -> None:
    _open_online_booking(owner)
    html = as_ada.get("/portal/appointments").content.decode()
    ahead = ada.appointment_ahead
    assert f'name="visit" value="{ahead.pk}"' in html
    again = re.findall(r'href="(/book/[^"]+)"[^>]*>Book again', html)
    assert again and all(f"service={ahead.service_id}" in a for a in again)
    assert all(f"practitioner={ahead.practitioner_id}" in a for a in again)
    assert "You can move or cancel a visit here until" in html

    response = as_ada.post("/portal/appointments/change", {"visit": ahead.pk})
    assert response.status_code == 302
    assert response["Location"].startswith("/book/manage/")
    link = ManageLink.objects.get(appointment=ahead)
    assert link.expires_at <= timezone.now() + dt.timedelta(minutes=30)
    assert AuditEntry.objects.filter(object_id=str(link.pk), action="create").exists()
    manage = HttpClient().get(response["Location"])
    assert manage.status_code == 200
    assert "Craniosacral session" in manage.content.decode()


def test_inside_the_window_or_not_theirs_no_change_is_offered(
    as_ada: HttpClient, ada: Person, bea: Person, owner: Persona
) -> None:
    _open_online_booking(owner, window_hours=24 * 8)  # the visit in 7 days is inside it
    html = as_ada.get("/portal/appointments").content.decode()
    assert "Move or cancel" not in html and "Book again" in html
    refused = as_ada.post(
        "/portal/appointments/change", {"visit": ada.appointment_ahead.pk}, follow=True
    )
    assert "can no longer be changed online" in refused.content.decode()
    elsewhere = as_ada.post(
        "/portal/appointments/change", {"visit": bea.appointment_ahead.pk}, follow=True
    )
    assert "not in your record" in elsewhere.content.decode()
    assert as_ada.get("/portal/appointments/change").status_code == 405
    nonsense = as_ada.post("/portal/appointments/change", {"visit": "x"}, follow=True)
    assert "Choose a visit from the list." in nonsense.content.decode()
    assert not ManageLink.objects.exists()
