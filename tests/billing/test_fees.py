"""Late-cancellation and no-show fees: charged once as a line on a draft invoice of the client,
only when the client cancelled late or did not come, not when a package credit was used;
waived by staff with a reason (audited); the API and pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sacrum.access.models import AuditEntry
from sacrum.billing import fees, packages, services
from sacrum.billing.models import Fee, InvoiceLine, LineKind, ServiceFee
from sacrum.clients.models import Client
from sacrum.clinics.models import Location
from sacrum.kernel.errors import Conflict
from sacrum.scheduling.models import ServiceType
from sacrum.scheduling.services import booking
from tests.billing.test_packages import at
from tests.conftest import Persona

pytestmark = pytest.mark.django_db


@pytest.fixture
def priced(owner: Persona, service: ServiceType, billing: Any) -> ServiceFee:
    return fees.set_service_fees(
        actor=owner.actor, service=service, late_cancel_fee="30.00", no_show_fee="40"
    )


def no_show(owner: Persona, client: Client, service: ServiceType, location: Location) -> Any:
    missed = at(owner, client, service, location, hours=-3, status="booked")
    return booking.change_status(actor=owner.actor, appointment=missed, status="no_show")


def test_a_no_show_adds_the_fee_once_to_a_draft_invoice(
    owner: Persona, a_client: Client, service: ServiceType, location: Location, priced: Any
) -> None:
    appointment = no_show(owner, a_client, service, location)
    fee = Fee.objects.get(appointment=appointment)
    assert fee.kind == "no_show" and fee.amount == Decimal("40.00") and not fee.waived
    assert fee.invoice is not None and fee.invoice.status == "draft"
    line = InvoiceLine.objects.get(id=str(fee.line_id))
    assert line.kind == LineKind.FEE and line.unit_price == Decimal("40.00")
    assert line.description.startswith("No-show fee: Follow-up, 50 min")
    appointment.save()
    assert fees.charge(appointment=appointment) is None
    assert Fee.objects.count() == 1 and InvoiceLine.objects.filter(kind="fee").count() == 1


def test_late_cancellation_by_the_client_only_and_onto_the_clients_open_draft(
    owner: Persona,
    a_client: Client,
    service: ServiceType,
    location: Location,
    priced: Any,
    draft: Any,
) -> None:
    late = at(owner, a_client, service, location, hours=4, status="booked")
    booking.cancel(actor=owner.actor, appointment=late, reason="Ill", party="client")
    by_clinic = at(owner, a_client, service, location, hours=6, status="booked")
    booking.cancel(actor=owner.actor, appointment=by_clinic, reason="Room flooded")
    early = at(owner, a_client, service, location, hours=24 * 5, status="booked")
    booking.cancel(actor=owner.actor, appointment=early, reason="Away", party="client")
    charged = list(Fee.objects.all())
    assert [(f.appointment_id, f.kind, f.amount) for f in charged] == [
        (late.pk, "late_cancel", Decimal("30.00"))
    ]
    assert charged[0].invoice_id == draft.pk  # the client's open draft
    draft.refresh_from_db()
    assert draft.total == Decimal("105.00")


def test_a_package_credit_takes_the_place_of_the_fee_when_the_policy_says_so(
    owner: Persona, a_client: Client, service: ServiceType, location: Location, priced: Any
) -> None:
    five = packages.create_package_type(
        actor=owner.actor,
        data={"name": "5 sessions", "sessions": 5, "price": Decimal("300"), "valid_days": 90},
        service_ids=[service.pk],
    )
    packages.sell(actor=owner.actor, client=a_client, package_type=five)
    covered = no_show(owner, a_client, service, location)
    assert not Fee.objects.filter(appointment=covered).exists()
    services.update_settings(actor=owner.actor, data={"package_on_no_show": False})
    charged = at(owner, a_client, service, location, hours=-30, status="booked")
    booking.change_status(actor=owner.actor, appointment=charged, status="no_show")
    assert Fee.objects.filter(appointment=charged).exists()


def test_no_fee_when_the_service_has_none(
    owner: Persona, a_client: Client, service: ServiceType, location: Location, billing: Any
) -> None:
    no_show(owner, a_client, service, location)
    assert not Fee.objects.exists()


def test_staff_waive_a_fee_with_a_reason_and_it_leaves_the_draft(
    owner: Persona,
    front_desk: Persona,
    a_client: Client,
    service: ServiceType,
    location: Location,
    priced: Any,
) -> None:
    fee = Fee.objects.get(appointment=no_show(owner, a_client, service, location))
    with pytest.raises(Exception, match="Say why"):
        fees.waive(actor=front_desk.actor, fee=fee, reason="  ")
    fee.refresh_from_db()
    assert not fee.waived and InvoiceLine.objects.filter(id=str(fee.line_id)).exists()
    waived = fees.waive(actor=front_desk.actor, fee=fee, reason="Hospital stay, letter seen")
    assert waived.waived and waived.waived_by == front_desk.user and waived.line_id is None
    assert not InvoiceLine.objects.filter(kind="fee").exists()
    assert fee.invoice is not None
    fee.invoice.refresh_from_db()
    assert fee.invoice.total == 0
    assert AuditEntry.objects.filter(object_id=str(fee.pk), action="update").exists()
    with pytest.raises(Conflict):
        fees.waive(actor=front_desk.actor, fee=fee, reason="again")


def test_a_fee_on_an_issued_invoice_is_not_waived_here(
    owner: Persona, a_client: Client, service: ServiceType, location: Location, priced: Any
) -> None:
    fee = Fee.objects.get(appointment=no_show(owner, a_client, service, location))
    assert fee.invoice is not None
    services.issue(actor=owner.actor, invoice=fee.invoice)
    with pytest.raises(Conflict, match="credit note"):
        fees.waive(actor=owner.actor, fee=fee, reason="Goodwill")
    fee.refresh_from_db()
    assert not fee.waived


def test_the_api_sets_lists_and_waives(
    owner: Persona,
    outsider: Persona,
    api: Any,
    a_client: Client,
    service: ServiceType,
    location: Location,
    billing: Any,
) -> None:
    client = api(owner)
    for wrong in ({"no_show_fee": "-5"}, {"late_cancel_fee": "1.234"}):
        status, _ = client.call("PUT", f"/services/{service.pk}/fees", wrong)
        assert status == 422, wrong
    assert not ServiceFee.objects.exists()
    status, body = client.call(
        "PUT", f"/services/{service.pk}/fees", {"late_cancel_fee": "25", "no_show_fee": "45.50"}
    )
    assert status == 200 and body["no_show_fee"] == "45.50"
    status, listed = client.get("/billing/service-fees")
    assert status == 200 and listed[0]["late_cancel_fee"] == "25.00"
    appointment = no_show(owner, a_client, service, location)
    status, page = client.get(f"/fees?client_id={a_client.pk}")
    assert status == 200 and page["count"] == 1
    fee_id = page["items"][0]["id"]
    assert page["items"][0]["amount"] == "45.50"
    assert page["items"][0]["appointment_id"] == str(appointment.pk)
    status, _ = client.post(f"/fees/{fee_id}/waive", {"reason": ""})
    assert status == 422
    status, body = client.post(f"/fees/{fee_id}/waive", {"reason": "First time"})
    assert status == 200 and body["waived"] and body["waive_reason"] == "First time"
    status, _ = client.post(f"/fees/{fee_id}/waive", {"reason": "Again"})
    assert status == 409
    stranger = api(outsider)
    assert stranger.get(f"/fees/{fee_id}")[0] == 404
    assert stranger.call("PUT", f"/services/{service.pk}/fees", {"no_show_fee": "1"})[0] == 404


def test_the_fee_pages(
    owner: Persona,
    front_desk: Persona,
    browser_as: Any,
    a_client: Client,
    service: ServiceType,
    location: Location,
    billing: Any,
) -> None:
    as_owner = browser_as(owner)
    bad = as_owner.post("/billing/fees", {f"late_{service.pk}": "-1", f"noshow_{service.pk}": "40"})
    assert bad.status_code == 422 and "A fee is zero (none) or more." in bad.content.decode()
    assert not ServiceFee.objects.exists()
    saved = as_owner.post(
        "/billing/fees", {f"late_{service.pk}": "30", f"noshow_{service.pk}": "40"}
    )
    assert saved.status_code == 302
    assert ServiceFee.objects.get(service=service).no_show_fee == Decimal("40")
    assert browser_as(front_desk).get("/billing/fees").status_code == 403
    fee = Fee.objects.get(appointment=no_show(owner, a_client, service, location))
    desk = browser_as(front_desk)
    page = desk.get(f"/clients/{a_client.pk}/billing/")
    assert "No-show fee" in page.content.decode() and "Reason to waive" in page.content.decode()
    response = desk.post(f"/fees/{fee.pk}/waive", {"reason": "Snow closed the roads"})
    assert response.status_code == 302
    fee.refresh_from_db()
    assert fee.waived and fee.waive_reason == "Snow closed the roads"
    assert "Snow closed the roads" in desk.get(f"/clients/{a_client.pk}/billing/").content.decode()
