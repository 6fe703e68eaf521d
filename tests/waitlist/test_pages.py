"""Waitlist pages: the staff queue, adding from the client's page, withdrawing, and the
client's public offer page (no sign-in; only the time on offer is shown)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.test import Client as HttpClient
from django.utils import timezone

from sacrum.scheduling.models import Appointment
from sacrum.scheduling.services import booking
from sacrum.waitlist import offers
from sacrum.waitlist.matching import scan
from sacrum.waitlist.models import WaitlistEntry, WaitlistOffer
from tests.waitlist.test_offers import offer_mails, token_in

pytestmark = pytest.mark.django_db


def test_front_desk_sees_the_queue_in_order(browser_as: Any, front_desk: Any, line: Any) -> None:
    page = browser_as(front_desk).get("/waitlist/")
    assert page.status_code == 200
    html = page.content.decode()
    names = [e.client.full_name for e in line]
    assert [html.index(n) for n in names] == sorted(html.index(n) for n in names)
    assert "Mon" in html and "from 10:00, done by 11:00" in html
    assert "Withdraw" in html and "Add to the waitlist" in html


def test_add_from_the_clients_page_and_withdraw(
    browser_as: Any,
    practitioner: Any,
    a_client: Any,
    service: Any,
    location: Any,
    monday: dt.date,
    hours: None,
) -> None:
    http = browser_as(practitioner)
    url = f"/clients/{a_client.pk}/waitlist/"
    assert "Add Ada to the waitlist" in http.get(url).content.decode()
    form = {
        "service": service.pk,
        "location": location.pk,
        "practitioner": "",
        "earliest_date": monday.isoformat(),
        "latest_date": (monday + dt.timedelta(days=7)).isoformat(),
        "weekdays": ["0", "3"],
        "earliest_time": "",
        "latest_time": "",
        "note": "",
    }
    bad = http.post(url, form | {"latest_date": "2020-01-01"})
    assert bad.status_code == 200 and "before the first day" in bad.content.decode()
    assert not WaitlistEntry.objects.exists()

    done = http.post(url, form, follow=True)
    entry = WaitlistEntry.objects.get()
    assert entry.weekday_numbers == [0, 3] and entry.client == a_client
    assert "Ada Lovelace is on the waitlist" in done.content.decode()

    back = http.post(f"/waitlist/{entry.pk}/withdraw", {"next": url}, follow=True)
    assert back.redirect_chain[-1][0] == url
    entry.refresh_from_db()
    assert entry.status == "withdrawn"


def test_general_add_form_refuses_an_unknown_service(
    browser_as: Any, front_desk: Any, a_client: Any, location: Any, monday: dt.date
) -> None:
    response = browser_as(front_desk).post(
        "/waitlist/new",
        {
            "client": a_client.pk,
            "service": "00000000-0000-0000-0000-000000000000",
            "location": location.pk,
            "earliest_date": monday.isoformat(),
            "latest_date": monday.isoformat(),
            "weekdays": ["0"],
        },
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not WaitlistEntry.objects.exists()


@pytest.fixture
def offered(line: Any, owner: Any, blocker: Appointment) -> list[str]:
    booking.cancel(actor=owner.actor, appointment=blocker)
    scan(timezone.now())
    return [token_in(m) for m in offer_mails()]


def test_the_offer_page_shows_the_time_and_books_it(offered: list[str], line: Any) -> None:
    http = HttpClient()
    page = http.get(f"/waitlist/offer/{offered[0]}/")
    html = page.content.decode()
    assert page.status_code == 200
    for shown in ("Craniosacral session", "10:00", "Harbour Road", "Pat Practitioner"):
        assert shown in html
    for hidden in (line[0].client.last_name, line[0].client.email, "Amira"):
        assert hidden not in html
    assert page["Cache-Control"].startswith("max-age=0")

    done = http.post(f"/waitlist/offer/{offered[0]}/")
    assert done.status_code == 200 and "You are booked" in done.content.decode()
    assert Appointment.objects.filter(client=line[0].client, status="booked").count() == 1

    reused = http.post(f"/waitlist/offer/{offered[0]}/")
    assert reused.status_code == 410 and "already booked" in reused.content.decode()
    late = http.get(f"/waitlist/offer/{offered[1]}/")
    assert late.status_code == 410 and "has been taken" in late.content.decode()
    assert "Craniosacral" not in late.content.decode()


def test_a_tampered_or_expired_link_shows_nothing(offered: list[str]) -> None:
    http = HttpClient()
    tampered = http.get(f"/waitlist/offer/{offered[0][:-2]}xy/")
    assert tampered.status_code == 404
    assert "cannot be used" in tampered.content.decode()
    assert "Craniosacral" not in tampered.content.decode()
    assert http.post(f"/waitlist/offer/{offered[0][:-2]}xy/").status_code == 404

    now = timezone.now()
    WaitlistOffer.objects.update(
        sent_at=now - dt.timedelta(hours=2), expires_at=now - dt.timedelta(minutes=1)
    )
    expired = http.post(f"/waitlist/offer/{offered[0]}/")
    assert expired.status_code == 410 and "expired" in expired.content.decode()
    assert not Appointment.objects.filter(source="online").exists()
    assert len(mail.outbox) == 3  # no booking confirmation went out
    assert dt.timedelta(hours=1) <= offers.OFFER_VALID


def test_the_queue_page_has_a_fixed_number_of_queries(
    browser_as: Any,
    front_desk: Any,
    line: Any,
    make_client: Any,
    wait: Any,
    owner: Any,
    blocker: Appointment,
    django_assert_max_num_queries: Any,
) -> None:
    booking.cancel(actor=owner.actor, appointment=blocker)
    scan(timezone.now())  # the three in line have offers to show
    http = browser_as(front_desk)
    http.get("/waitlist/")
    with django_assert_max_num_queries(12) as few:
        http.get("/waitlist/")
    for n in range(8):
        wait(make_client(f"More{n}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert http.get("/waitlist/").content.decode().count("Withdraw<span") == 11


def test_the_dashboard_card_counts_the_queue(rf: Any, front_desk: Any, line: Any) -> None:
    from sacrum.waitlist.dashboard import card

    request = rf.get("/")
    request.member = front_desk.member
    shown = card(request)
    assert shown is not None and (shown["waiting"], shown["offered"]) == (3, 0)
    request.member = None
    assert card(request) is None


def test_the_dashboard_shows_the_card(browser_as: Any, front_desk: Any, line: Any) -> None:
    page = browser_as(front_desk).get("/")
    assert page.status_code == 200
    assert "Open the waitlist" in page.content.decode()
