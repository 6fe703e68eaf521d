"""Every urgent screening rule closes charting and every booking route until assessed.

Table-driven from the shipped rule data: for each rule marked urgent, the client answers
it, then charting, staff booking (service, API, page), online booking (API and the
public page), and a series are all refused; once a practitioner records the medical
assessment (who, when, what; audited), every route is open again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient
from django.utils import timezone

from sacrum.access.models import AuditEntry
from sacrum.charting import services as charting
from sacrum.clients.models import Client
from sacrum.clinics.models import Clinic, Location, Room
from sacrum.kernel.errors import Forbidden
from sacrum.scheduling.models import Appointment, ServiceType
from sacrum.scheduling.services import booking, online
from sacrum.scheduling.services.booking import Booking
from sacrum.screening import services as screening
from sacrum.screening.gates import URGENT_HOLD, booking_gate, charting_gate
from sacrum.screening.models import ClientAlert, MedicalAssessment
from sacrum.screening.questions import INTAKE
from tests.conftest import ApiClient, Persona
from tests.scheduling.conftest import at
from tests.scheduling.test_online import bookable, link_in, post_details, visitor  # noqa: F401
from tests.screening.conftest import sign_consent
from tests.screening.helpers import SHIPPED, answers_firing, quiet_answers, set_for

pytestmark = pytest.mark.django_db

URGENT = [e for e in SHIPPED if e["urgent"]]


@pytest.fixture(autouse=True)
def site_url(settings: Any) -> None:
    settings.SITE_URL = "https://sacrum.test"


def report_urgent(client: Any, practitioner: Any, entry: dict[str, Any]) -> ClientAlert:
    """The client signs, fills a quiet intake, then answers the urgent question with "yes"."""
    sign_consent(practitioner, client)
    answers = answers_firing(entry, "yes")
    if set_for(entry["question"]) == INTAKE:
        screening.submit_intake(actor=practitioner.actor, client=client, answers=answers)
    else:
        screening.submit_intake(
            actor=practitioner.actor, client=client, answers=quiet_answers(INTAKE)
        )
        screening.record_check_in(actor=practitioner.actor, client=client, answers=answers)
    return ClientAlert.objects.get(client=client, rule__code=entry["code"], status="open")


def api_body(
    a_client: Any, practitioner: Any, service: Any, location: Any, start: Any
) -> dict[str, str]:
    return {
        "client_id": str(a_client.pk),
        "practitioner_id": str(practitioner.member.pk),
        "service_id": str(service.pk),
        "location_id": str(location.pk),
        "start": start.isoformat(),
    }


@pytest.mark.parametrize("entry", URGENT, ids=lambda e: e["code"])
def test_an_urgent_finding_closes_every_gate_until_the_assessment_is_recorded(
    entry: dict[str, Any],
    bookable: Clinic,  # noqa: F811
    visitor: HttpClient,  # noqa: F811
    api: Callable[[Persona], ApiClient],
    browser_as: Callable[[Persona], HttpClient],
    front_desk: Persona,
    owner: Persona,
    practitioner: Persona,
    a_client: Client,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
) -> None:
    alert = report_urgent(a_client, practitioner, entry)
    assert alert.urgent and alert.action == "refer"

    # Charting: a session that took place is still written up; the hold is the first
    # thing to follow up beside the note.
    followups = charting.followups(a_client)
    assert followups[0].startswith("Urgent:") and "medically assessed" in followups[0]

    # Booking by the service, staff included (no condition named).
    staff = Booking(
        client=a_client,
        practitioner=practitioner.member,
        service=service,
        location=location,
        start=at(monday, "10:00"),
    )
    with pytest.raises(ValidationError) as held:
        booking.book(actor=front_desk.actor, booking=staff)
    assert held.value.message_dict["client"] == [URGENT_HOLD]
    assert booking_gate(a_client) == [URGENT_HOLD]

    # The API, staff and online.
    body = api_body(a_client, practitioner, service, location, at(monday, "10:00"))
    status, data = api(front_desk).post("/appointments", body)
    assert status == 422 and "medically assessed" in data["error"]["fields"]["client"]
    status, data = api(front_desk).post("/appointments", {**body, "source": "online"})
    assert status == 422 and "client" in data["error"]["fields"]

    # A series (staff), refused before anything is written.
    series = {
        **{k: v for k, v in body.items() if k != "start"},
        "first_date": str(monday),
        "local_time": "10:00",
        "phases": [{"rule": "weekly", "count": 3}],
    }
    status, data = api(front_desk).post("/series", series)
    assert status == 422 and "client" in data["error"]["fields"]

    # The staff booking page.
    page = browser_as(front_desk).post(
        "/calendar/book",
        {
            "client": str(a_client.pk),
            "service": str(service.pk),
            "practitioner": str(practitioner.member.pk),
            "location": str(location.pk),
            "start": f"{monday}T10:00",
        },
    )
    assert "medically assessed" in page.content.decode()

    # The public booking page, as the returning client.
    post_details(
        visitor,
        clinic,
        service,
        location,
        at(monday, "11:00"),
        visitor="returning",
        email=a_client.email,
        date_of_birth=str(a_client.date_of_birth),
    )
    confirm = visitor.post(link_in(mail.outbox[-1], "confirm"))
    assert confirm.status_code == 403 and "Please contact the clinic" in confirm.content.decode()
    assert not Appointment.objects.exists()

    # Neither an acknowledgement nor a referral letter lifts it.
    with pytest.raises(Exception, match="medically assessed"):
        screening.acknowledge(actor=practitioner.actor, alert=alert, note="Seems fine today.")
    assert charting_gate(a_client) and booking_gate(a_client)

    # The practitioner records the assessment: who, when, what — audited.
    screening.record_assessment(
        actor=practitioner.actor,
        alert=alert,
        assessed_by="Dr Rivera, City Hospital emergency department",
        assessed_on=timezone.localdate(),
        outcome="Examined and scanned; nothing urgent found. Fine to continue.",
    )
    alert.refresh_from_db()
    assert alert.status == "assessed" and alert.resolved_by == practitioner.user
    assessment = MedicalAssessment.objects.get(alert=alert)
    assert assessment.recorded_by == practitioner.user
    assert AuditEntry.objects.filter(object_id=str(assessment.pk)).exists()
    for other in ClientAlert.objects.filter(client=a_client, status="open", action="warn"):
        # e.g. the fever that came with the stiff neck: a warning, acknowledged as usual
        screening.acknowledge(actor=practitioner.actor, alert=other)

    assert charting_gate(a_client) == [] and booking_gate(a_client) == []
    assert charting.start_note(actor=practitioner.actor, client=a_client)
    assert booking.book(actor=front_desk.actor, booking=staff).pk
    status, data = api(front_desk).post(
        "/appointments", {**body, "start": at(monday, "14:00").isoformat(), "source": "online"}
    )
    assert status == 201, data


def test_the_assessment_needs_who_when_and_what(practitioner: Persona, a_client: Client) -> None:
    entry = next(e for e in URGENT if e["code"] == "urgent-new-neuro-deficit")
    alert = report_urgent(a_client, practitioner, entry)
    with pytest.raises(ValidationError) as refused:
        screening.record_assessment(
            actor=practitioner.actor,
            alert=alert,
            assessed_by=" ",
            assessed_on=timezone.localdate() + dt.timedelta(days=1),
            outcome="",
        )
    assert set(refused.value.message_dict) == {"assessed_by", "assessed_on", "outcome"}
    assert ClientAlert.objects.get(pk=alert.pk).status == "open"
    assert charting_gate(a_client)


def test_the_front_desk_cannot_record_an_assessment(
    front_desk: Persona, practitioner: Persona, a_client: Client
) -> None:
    entry = next(e for e in URGENT if e["code"] == "urgent-new-neuro-deficit")
    alert = report_urgent(a_client, practitioner, entry)
    with pytest.raises(Forbidden):
        screening.record_assessment(
            actor=front_desk.actor,
            alert=alert,
            assessed_by="Dr Rivera",
            assessed_on=timezone.localdate(),
            outcome="Seen.",
        )


def test_the_assessment_through_the_api_and_the_page(
    api: Callable[[Persona], ApiClient],
    browser_as: Callable[[Persona], HttpClient],
    practitioner: Persona,
    a_client: Client,
) -> None:
    entries = [e for e in URGENT if set_for(e["question"]) == INTAKE][:2]
    first = report_urgent(a_client, practitioner, entries[0])
    status, body = api(practitioner).post(
        f"/alerts/{first.pk}/assessment",
        {"assessed_by": "Dr Rivera", "assessed_on": str(timezone.localdate()), "outcome": "Seen."},
    )
    assert status == 200 and body["status"] == "assessed"
    assert body["assessment"]["assessed_by"] == "Dr Rivera"
    second = report_urgent(a_client, practitioner, entries[1])
    http = browser_as(practitioner)
    assert "Record medical assessment" in http.get(f"/clients/{a_client.pk}/").content.decode()
    page = http.post(
        f"/alerts/{second.pk}/assessment",
        {"assessed_by": "GP", "assessed_on": str(timezone.localdate()), "outcome": "Seen by GP."},
    )
    assert page.status_code == 302
    assert ClientAlert.objects.get(pk=second.pk).status == "assessed"
    assert charting_gate(a_client) == []


def test_staff_cannot_accept_a_pending_request_while_an_urgent_finding_is_open(
    front_desk: Persona,
    practitioner: Persona,
    a_client: Client,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    rooms: list[Room],
    hours: None,
) -> None:
    """A request made before the finding is not booked by accepting it afterwards."""
    requested = booking.book(
        actor=front_desk.actor,
        booking=Booking(
            client=a_client,
            practitioner=practitioner.member,
            service=service,
            location=location,
            start=at(monday, "10:00"),
            status="requested",
            source="online",
        ),
    )
    alert = report_urgent(a_client, practitioner, URGENT[0])
    with pytest.raises(ValidationError) as held:
        online.accept_request(actor=front_desk.actor, appointment=requested)
    assert held.value.message_dict["client"] == [URGENT_HOLD]
    requested.refresh_from_db()
    assert requested.status == "requested"
    screening.record_assessment(
        actor=practitioner.actor,
        alert=alert,
        assessed_by="GP",
        assessed_on=timezone.localdate(),
        outcome="Seen; nothing urgent.",
    )
    assert online.accept_request(actor=front_desk.actor, appointment=requested).status == "booked"
