"""Session packages: selling one, a credit used once per covered appointment (completed, and
per the clinic's policy on late cancellations and no-shows), expiry on the test clock, the
credits left on the client's page, the booking page and through the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from sacrum.billing import packages, services
from sacrum.billing.models import (
    BillingSettings,
    ClientPackage,
    InvoiceLine,
    LineKind,
    PackageCreditUse,
    PackageType,
)
from sacrum.clients.models import Client
from sacrum.clinics.models import Location
from sacrum.kernel.errors import Locked
from sacrum.scheduling.models import Appointment, AppointmentStatus, ServiceType
from sacrum.scheduling.services import booking
from tests.conftest import Persona

pytestmark = pytest.mark.django_db


def at(
    owner: Persona,
    client: Client,
    service: ServiceType,
    location: Location,
    *,
    hours: float,
    status: str = AppointmentStatus.ARRIVED,
) -> Appointment:
    """An appointment starting ``hours`` from now (negative: it has started)."""
    start = timezone.now().replace(microsecond=0) + dt.timedelta(hours=hours)
    end = start + dt.timedelta(minutes=50)
    return Appointment.objects.create(
        clinic=owner.clinic,
        client=client,
        practitioner=owner.member,
        service=service,
        location=location,
        start=start,
        end=end,
        blocked_start=start,
        blocked_end=end,
        status=status,
    )


@pytest.fixture
def five(owner: Persona, service: ServiceType) -> PackageType:
    return packages.create_package_type(
        actor=owner.actor,
        data={"name": "5 sessions", "sessions": 5, "price": Decimal("300.00"), "valid_days": 90},
        service_ids=[service.pk],
    )


@pytest.fixture
def sold(owner: Persona, a_client: Client, five: PackageType, billing: BillingSettings) -> Any:
    return packages.sell(actor=owner.actor, client=a_client, package_type=five)


def complete(owner: Persona, appointment: Appointment) -> Appointment:
    return booking.change_status(actor=owner.actor, appointment=appointment, status="completed")


def test_selling_puts_a_package_line_on_a_draft_and_starts_the_credits(
    sold: ClientPackage, a_client: Client
) -> None:
    today = timezone.localdate()
    assert (sold.sessions, sold.used, sold.remaining) == (5, 0, 5)
    assert sold.expires_on == sold.sold_on + dt.timedelta(days=90)
    assert abs((sold.sold_on - today).days) <= 1  # the clinic's own day
    line = InvoiceLine.objects.get(invoice=sold.invoice)
    assert line.kind == LineKind.PACKAGE and line.unit_price == Decimal("300.00")
    assert sold.invoice is not None and sold.invoice.client == a_client
    assert sold.invoice.status == "draft" and sold.invoice.total == Decimal("300.00")


def test_a_completed_covered_appointment_uses_one_credit_and_is_invoiced_at_zero(
    owner: Persona, a_client: Client, service: ServiceType, location: Location, sold: ClientPackage
) -> None:
    appointment = complete(owner, at(owner, a_client, service, location, hours=-1))
    sold.refresh_from_db()
    assert sold.used == 1 and sold.remaining == 4
    use = PackageCreditUse.objects.get(appointment=appointment)
    assert use.reason == "completed" and use.package == sold
    # Saving the appointment again (a note, a second completion) uses nothing more.
    appointment.save()
    assert packages.use_credit(appointment=appointment) == use
    sold.refresh_from_db()
    assert sold.used == 1
    invoice = services.invoice_for_appointment(actor=owner.actor, appointment=appointment)
    line = invoice.lines.get()
    assert line.unit_price == 0 and "covered by package “5 sessions”" in line.description


def test_the_database_holds_one_use_per_appointment_and_no_more_uses_than_credits(
    owner: Persona, a_client: Client, service: ServiceType, location: Location, sold: ClientPackage
) -> None:
    appointment = complete(owner, at(owner, a_client, service, location, hours=-1))
    with pytest.raises(IntegrityError), transaction.atomic():
        PackageCreditUse.objects.bulk_create(
            [
                PackageCreditUse(
                    clinic=owner.clinic, package=sold, appointment=appointment, reason="completed"
                )
            ]
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ClientPackage.objects.filter(pk=sold.pk).update(used=6)
    with pytest.raises(Locked):
        PackageCreditUse.objects.filter(appointment=appointment).delete()


def test_a_service_the_package_does_not_cover_uses_nothing(
    owner: Persona, a_client: Client, location: Location, sold: ClientPackage
) -> None:
    other = ServiceType.objects.create(
        clinic=owner.clinic, name="Intake, 80 min", duration_minutes=80, price=Decimal("95")
    )
    appointment = complete(owner, at(owner, a_client, other, location, hours=-2))
    assert not PackageCreditUse.objects.filter(appointment=appointment).exists()
    sold.refresh_from_db()
    assert sold.used == 0


def test_the_last_credit_is_used_once_then_sessions_are_billed(
    owner: Persona, a_client: Client, service: ServiceType, location: Location, billing: Any
) -> None:
    one = packages.create_package_type(
        actor=owner.actor,
        data={"name": "Single", "sessions": 1, "price": Decimal("70"), "valid_days": 30},
        service_ids=[service.pk],
    )
    package = packages.sell(actor=owner.actor, client=a_client, package_type=one)
    first = complete(owner, at(owner, a_client, service, location, hours=-26))
    second = complete(owner, at(owner, a_client, service, location, hours=-2))
    package.refresh_from_db()
    assert package.used == 1
    assert PackageCreditUse.objects.filter(appointment=first).exists()
    assert not PackageCreditUse.objects.filter(appointment=second).exists()
    line = services.invoice_for_appointment(actor=owner.actor, appointment=second).lines.get()
    assert line.unit_price == Decimal("75.00")


@pytest.mark.parametrize("on", [True, False])
def test_no_show_and_late_cancellation_follow_the_clinics_policy(
    owner: Persona,
    a_client: Client,
    service: ServiceType,
    location: Location,
    sold: ClientPackage,
    on: bool,
) -> None:
    services.update_settings(
        actor=owner.actor, data={"package_on_no_show": on, "package_on_late_cancel": on}
    )
    missed = at(owner, a_client, service, location, hours=-3, status="booked")
    booking.change_status(actor=owner.actor, appointment=missed, status="no_show")
    late = at(owner, a_client, service, location, hours=5, status="booked")
    booking.cancel(actor=owner.actor, appointment=late, reason="Car broke down", party="client")
    by_clinic = at(owner, a_client, service, location, hours=7, status="booked")
    booking.cancel(actor=owner.actor, appointment=by_clinic, reason="Therapist ill")
    early = at(owner, a_client, service, location, hours=24 * 6, status="booked")
    booking.cancel(actor=owner.actor, appointment=early, reason="Holiday", party="client")
    late.refresh_from_db()
    early.refresh_from_db()
    assert late.cancelled_late and not early.cancelled_late
    uses = {u.appointment_id: u.reason for u in PackageCreditUse.objects.all()}
    expected = {missed.pk: "no_show", late.pk: "late_cancel"} if on else {}
    assert uses == expected
    sold.refresh_from_db()
    assert sold.used == len(expected)


def test_an_expired_package_gives_no_credit(
    owner: Persona,
    a_client: Client,
    service: ServiceType,
    location: Location,
    sold: ClientPackage,
    clock: time_machine.Traveller,
) -> None:
    clock.shift(dt.timedelta(days=91, hours=1))
    appointment = complete(owner, at(owner, a_client, service, location, hours=-1))
    assert not PackageCreditUse.objects.filter(appointment=appointment).exists()
    assert packages.remaining_credits(a_client.pk, services.today_of(owner.clinic)) == 0


def test_credits_show_on_the_client_page_and_the_booking_page(
    owner: Persona,
    front_desk: Persona,
    browser_as: Any,
    a_client: Client,
    service: ServiceType,
    location: Location,
    sold: ClientPackage,
) -> None:
    complete(owner, at(owner, a_client, service, location, hours=-1))
    page = browser_as(front_desk).get(f"/clients/{a_client.pk}/billing/")
    assert page.status_code == 200
    assert "5 sessions</strong>: 4 of 5 sessions left" in page.content.decode()
    book = browser_as(front_desk).get(f"/calendar/book?client={a_client.pk}")
    assert book.status_code == 200
    assert "Package “5 sessions”: 4 of 5 sessions left" in book.content.decode()


def test_the_owner_sets_up_packages_and_the_front_desk_sells_them(
    owner: Persona,
    front_desk: Persona,
    browser_as: Any,
    a_client: Client,
    service: ServiceType,
    billing: Any,
) -> None:
    as_owner = browser_as(owner)
    bad = as_owner.post(
        "/billing/packages",
        {"name": "Ten", "sessions": "0", "price": "500", "valid_days": "180"},
    )
    assert bad.status_code == 422 and not PackageType.objects.exists()
    made = as_owner.post(
        "/billing/packages",
        {
            "name": "Ten",
            "sessions": "10",
            "price": "500",
            "valid_days": "180",
            "services": [str(service.pk)],
            "active": "on",
        },
    )
    assert made.status_code == 302
    ten = PackageType.objects.get(name="Ten")
    assert list(ten.services.all()) == [service]
    desk = browser_as(front_desk)
    refused = desk.post(
        "/billing/packages",
        {
            "name": "Cheap",
            "sessions": "10",
            "price": "1",
            "valid_days": "180",
            "services": [str(service.pk)],
        },
    )
    assert refused.status_code == 403 and not PackageType.objects.filter(name="Cheap").exists()
    sold = desk.post(f"/clients/{a_client.pk}/billing/packages", {"package_type": str(ten.pk)})
    assert sold.status_code == 302
    package = ClientPackage.objects.get(client=a_client)
    assert sold["Location"] == f"/invoices/{package.invoice_id}/"


def test_the_api_creates_sells_and_lists_and_refuses_bad_input(
    owner: Persona,
    outsider: Persona,
    api: Any,
    a_client: Client,
    service: ServiceType,
    billing: Any,
) -> None:
    client = api(owner)
    status, body = client.post(
        "/package-types",
        {
            "name": "3 sessions",
            "sessions": 3,
            "price": "150.00",
            "valid_days": 60,
            "service_ids": [str(service.pk)],
        },
    )
    assert status == 201 and body["price"] == "150.00" and body["service_ids"] == [str(service.pk)]
    type_id = body["id"]
    wrong: dict[str, Any]
    for wrong in (
        {"sessions": 0},
        {"price": "-1"},
        {"price": "1.001"},
        {"valid_days": 0},
        {"service_ids": []},
        {"service_ids": ["00000000-0000-0000-0000-000000000000"]},
        {"name": "3 sessions"},
    ):
        body = {
            "name": "Other",
            "sessions": 3,
            "price": "150.00",
            "valid_days": 60,
            "service_ids": [str(service.pk)],
            **wrong,
        }
        status, answer = client.post("/package-types", body)
        assert status == 422, (wrong, answer)
    assert PackageType.objects.count() == 1
    status, sold = client.post(f"/clients/{a_client.pk}/packages", {"package_type_id": type_id})
    assert status == 201 and sold["remaining"] == 3 and sold["usable"]
    status, listed = client.get(f"/clients/{a_client.pk}/packages")
    assert status == 200 and listed["remaining_credits"] == 3
    assert [p["id"] for p in listed["packages"]] == [sold["id"]]
    status, _ = client.patch(f"/package-types/{type_id}", {"active": False})
    assert status == 200
    status, _ = client.post(f"/clients/{a_client.pk}/packages", {"package_type_id": type_id})
    assert status == 422 and ClientPackage.objects.count() == 1
    stranger = api(outsider)
    assert stranger.get(f"/package-types/{type_id}")[0] == 404
    assert stranger.get(f"/clients/{a_client.pk}/packages")[0] == 404
    assert stranger.post(f"/clients/{a_client.pk}/packages", {"package_type_id": type_id})[0] in (
        404,
        422,
    )
