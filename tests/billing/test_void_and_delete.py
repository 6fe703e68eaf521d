"""Undoing a sale or a fee consistently: voiding (or deleting the draft of) an invoice that
sold a package revokes the package, or is refused when its credits were used; deleting a
draft with a fee line leaves the fee *not invoiced*, to be put on a draft again or waived."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client as HttpClient

from sacrum.billing import fees, packages, services
from sacrum.billing.models import ClientPackage, Fee, Invoice
from sacrum.clients.models import Client
from sacrum.clinics.models import Location
from sacrum.kernel.errors import Conflict
from sacrum.scheduling.models import ServiceType
from tests.billing.test_fees import no_show, priced  # noqa: F401 - a fixture
from tests.billing.test_packages import at, complete, five, sold  # noqa: F401 - fixtures
from tests.conftest import Persona

pytestmark = pytest.mark.django_db


def _void(owner: Persona, invoice: Invoice, reason: str) -> None:
    services.void_invoice(actor=owner.actor, invoice=invoice, reason=reason)


def _credit(owner: Persona, invoice: Invoice, reason: str) -> None:
    services.credit_note(actor=owner.actor, invoice=invoice, reason=reason)


# Two ways of taking an issued sale back: (name, service call, API path, what to do instead).
UNDO = [
    ("void", _void, "void", "issue a credit note for the part not owed"),
    ("credit note", _credit, "credit-note", "record a refund of the part not owed"),
]


@pytest.mark.parametrize(("name", "undo", "_path", "_instead"), UNDO, ids=[u[0] for u in UNDO])
def test_taking_a_package_sale_back_revokes_the_unused_package(
    owner: Persona,
    a_client: Client,
    service: ServiceType,
    location: Location,
    sold: ClientPackage,  # noqa: F811
    name: str,
    undo: Callable[[Persona, Invoice, str], None],
    _path: str,
    _instead: str,
) -> None:
    assert sold.invoice is not None
    issued = services.issue(actor=owner.actor, invoice=sold.invoice)
    undo(owner, issued, "Sold by mistake")
    sold.refresh_from_db()
    assert sold.revoked_at is not None and sold.remaining == 0, name
    today = services.today_of(owner.clinic)
    assert packages.remaining_credits(a_client.pk, today) == 0
    appointment = complete(owner, at(owner, a_client, service, location, hours=-1))
    assert not hasattr(appointment, "package_credit") or appointment.package_credit is None
    invoice = services.invoice_for_appointment(actor=owner.actor, appointment=appointment)
    assert invoice.lines.get().unit_price == service.price  # billed, not covered


@pytest.mark.parametrize(("name", "undo", "path", "instead"), UNDO, ids=[u[0] for u in UNDO])
def test_taking_a_package_sale_back_is_refused_once_a_credit_was_used(
    owner: Persona,
    api: Callable[[Persona], Any],
    a_client: Client,
    service: ServiceType,
    location: Location,
    sold: ClientPackage,  # noqa: F811
    name: str,
    undo: Callable[[Persona, Invoice, str], None],
    path: str,
    instead: str,
) -> None:
    assert sold.invoice is not None
    issued = services.issue(actor=owner.actor, invoice=sold.invoice)
    complete(owner, at(owner, a_client, service, location, hours=-1))
    with pytest.raises(Conflict, match="were used already"):
        undo(owner, issued, "Changed mind")
    status, body = api(owner).post(f"/invoices/{issued.pk}/{path}", {"reason": "Changed mind"})
    message = body["error"]["message"]
    assert status == 409 and "1 of 5 used" in message and instead in message, (name, body)
    issued.refresh_from_db()
    sold.refresh_from_db()
    assert issued.status == "issued" and sold.revoked_at is None and sold.remaining == 4
    assert not Invoice.objects.filter(credits=issued).exists()  # no credit note was written


def test_deleting_a_package_sale_draft_revokes_it_or_is_refused(
    owner: Persona,
    browser_as: Callable[[Persona], HttpClient],
    a_client: Client,
    service: ServiceType,
    location: Location,
    five: Any,  # noqa: F811
    billing: Any,
) -> None:
    first = packages.sell(actor=owner.actor, client=a_client, package_type=five)
    assert first.invoice is not None
    services.delete_draft(actor=owner.actor, invoice=first.invoice)
    first.refresh_from_db()
    assert first.revoked_at is not None and first.invoice is None
    second = packages.sell(actor=owner.actor, client=a_client, package_type=five)
    complete(owner, at(owner, a_client, service, location, hours=-1))
    assert second.invoice is not None
    page = browser_as(owner).post(f"/invoices/{second.invoice.pk}/action", {"action": "delete"})
    assert page.status_code == 200 and "were used already" in page.content.decode()
    assert Invoice.objects.filter(pk=second.invoice.pk).exists()
    client_page = browser_as(owner).get(f"/clients/{a_client.pk}/billing/").content.decode()
    assert "revoked on" in client_page


def test_deleting_a_draft_with_a_fee_leaves_the_fee_not_invoiced(
    owner: Persona,
    front_desk: Persona,
    browser_as: Callable[[Persona], HttpClient],
    api: Callable[[Persona], Any],
    a_client: Client,
    service: ServiceType,
    location: Location,
    priced: Any,  # noqa: F811
) -> None:
    appointment = no_show(owner, a_client, service, location)
    fee = Fee.objects.get(appointment=appointment)
    assert fee.invoice is not None
    services.delete_draft(actor=front_desk.actor, invoice=fee.invoice)
    fee.refresh_from_db()
    assert (fee.invoice_id, fee.line_id, fee.waived_at) == (None, None, None)
    http = browser_as(front_desk)
    page = http.get(f"/clients/{a_client.pk}/billing/").content.decode()
    assert "not invoiced" in page and "Put on a draft invoice" in page
    assert http.post(f"/fees/{fee.pk}/invoice").status_code == 302
    fee.refresh_from_db()
    assert fee.invoice is not None and fee.invoice.status == "draft"
    assert fee.line is not None and fee.line.unit_price == fee.amount
    status, body = api(front_desk).post(f"/fees/{fee.pk}/invoice", {})
    assert status == 409, body  # on an invoice already


def test_removing_a_fee_line_leaves_the_fee_not_invoiced_and_it_can_be_waived(
    owner: Persona,
    api: Callable[[Persona], Any],
    a_client: Client,
    service: ServiceType,
    location: Location,
    priced: Any,  # noqa: F811
) -> None:
    appointment = no_show(owner, a_client, service, location)
    fee = Fee.objects.get(appointment=appointment)
    line = fee.line
    assert line is not None
    services.remove_line(actor=owner.actor, line=line)
    fee.refresh_from_db()
    assert (fee.invoice_id, fee.line_id) == (None, None)
    fees.waive(actor=owner.actor, fee=fee, reason="Family emergency")
    status, body = api(owner).post(f"/fees/{fee.pk}/invoice", {})
    assert status == 409 and "waived" in body["error"]["message"], body
