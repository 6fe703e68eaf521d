"""Reminder settings (page and API), the feed page, and one appointment's reminders."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sacrum.notifications import services
from sacrum.notifications.models import CalendarFeed, ReminderDelivery, ReminderPolicy
from sacrum.notifications.periodic import tick
from tests.notifications.conftest import local

START = local("2026-06-16", "10:00", "Europe/Berlin")


def test_owner_sets_reminder_times_on_the_page(browser_as: Any, owner: Any) -> None:
    http = browser_as(owner)
    page = http.get("/clinic/reminders")
    assert page.status_code == 200
    assert "48h, 2h" in page.content.decode()  # the defaults
    response = http.post("/clinic/reminders", {"enabled": "on", "offsets": "2d, 3h, 30m"})
    assert response.status_code == 302
    policy = ReminderPolicy.objects.get(clinic=owner.clinic)
    assert (policy.enabled, policy.offsets_minutes) == (True, [2880, 180, 30])


def test_bad_reminder_times_are_refused_and_nothing_saved(browser_as: Any, owner: Any) -> None:
    http = browser_as(owner)
    for bad in ("soon", "5m", "30d", "1h, 1h", "1h, 2h, 3h, 4h, 5h"):
        response = http.post("/clinic/reminders", {"enabled": "on", "offsets": bad})
        assert response.status_code == 200, bad
        assert 'class="error"' in response.content.decode(), bad
    assert not ReminderPolicy.objects.exists()


def test_only_the_owner_changes_reminder_settings(
    browser_as: Any, practitioner: Any, front_desk: Any
) -> None:
    for persona in (practitioner, front_desk):
        assert browser_as(persona).get("/clinic/reminders").status_code == 403


def test_reminder_policy_api(api: Any, owner: Any, practitioner: Any) -> None:
    status, body = api(practitioner).get("/reminder-policy")
    assert (status, body) == (
        200,
        {"enabled": True, "offsets_minutes": [2880, 120], "saved": False},
    )
    status, body = api(owner).call(
        "PUT", "/reminder-policy", {"enabled": True, "offsets_minutes": [60, 1440]}
    )
    assert (status, body["offsets_minutes"], body["saved"]) == (200, [1440, 60], True)
    status, body = api(owner).call(
        "PUT", "/reminder-policy", {"enabled": True, "offsets_minutes": [5]}
    )
    assert status == 422 and "offsets" in body["error"]["fields"]
    status, body = api(practitioner).call(
        "PUT", "/reminder-policy", {"enabled": False, "offsets_minutes": []}
    )
    assert status == 403
    assert ReminderPolicy.objects.get().offsets_minutes == [1440, 60]


def test_turning_reminders_off_withdraws_waiting_ones(
    smtp: Any, appointment_at: Any, owner: Any
) -> None:
    appointment = appointment_at(START)
    smtp.stop()
    tick(START - 2 * dt.timedelta(hours=1))
    services.save_policy(actor=owner.actor, enabled=False, offsets_minutes=[120])
    assert ReminderDelivery.objects.get(appointment=appointment, offset_minutes=120).state == (
        "cancelled"
    )


def test_an_appointments_reminders_in_the_api_and_on_the_owner_page(
    smtp: Any,
    appointment_at: Any,
    api: Any,
    front_desk: Any,
    outsider: Any,
    browser_as: Any,
    owner: Any,
) -> None:
    appointment = appointment_at(START)
    tick(START - dt.timedelta(hours=48))
    status, body = api(front_desk).get(f"/appointments/{appointment.pk}/reminders")
    assert status == 200
    assert [(r["offset_minutes"], r["state"]) for r in body] == [(2880, "sent")]
    assert api(outsider).get(f"/appointments/{appointment.pk}/reminders")[0] == 404
    page = browser_as(owner).get("/clinic/reminders").content.decode()
    assert f"/appointments/{appointment.pk}/" in page
    assert "48 hours before" in page


def test_the_feed_page_shows_the_address_once(browser_as: Any, practitioner: Any) -> None:
    http = browser_as(practitioner)
    page = http.get("/account/calendar-feed/").content.decode()
    assert "Create my calendar feed" in page
    assert "Google Calendar" in page and "Apple Calendar" in page
    created = http.post("/account/calendar-feed/")
    assert created.status_code == 200
    assert created["Cache-Control"].startswith("max-age=0")
    text = created.content.decode()
    url = text.split('id="feed-url">', 1)[1].split("<", 1)[0]
    assert url.endswith(".ics") and "/calendar-feeds/" in url
    again = http.get("/account/calendar-feed/").content.decode()
    assert url not in again
    assert "Revoke feed" in again
    feed = CalendarFeed.objects.get()
    assert http.post(f"/calendar-feeds/{feed.pk}/revoke").status_code == 302
    feed.refresh_from_db()
    assert feed.revoked_at is not None


def test_front_desk_has_no_feed_and_owner_can_revoke_others(
    browser_as: Any, front_desk: Any, owner: Any, practitioner: Any
) -> None:
    page = browser_as(front_desk).get("/account/calendar-feed/").content.decode()
    assert "Create my calendar feed" not in page
    assert browser_as(front_desk).post("/account/calendar-feed/").status_code == 403
    feed, _raw = services.create_feed(actor=practitioner.actor)
    assert str(feed.pk) in browser_as(owner).get("/account/calendar-feed/").content.decode()
    assert browser_as(front_desk).post(f"/calendar-feeds/{feed.pk}/revoke").status_code == 404
    assert browser_as(owner).post(f"/calendar-feeds/{feed.pk}/revoke").status_code == 302
