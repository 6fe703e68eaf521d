"""In a real browser: the front desk invoices a completed session, takes a card payment,
and the invoice page reads right (and passes the accessibility check)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from sacrum.billing import services
from sacrum.billing.models import Invoice, Payment
from sacrum.clients.models import Client
from sacrum.scheduling.models import Appointment
from tests.billing.conftest import appointment, location, service  # noqa: F401  (fixtures)
from tests.browser.conftest import Shots
from tests.conftest import PASSWORD, Persona

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_front_desk_invoices_a_session_and_takes_payment(
    page: Any,
    owner: Persona,
    front_desk: Persona,
    appointment: Appointment,  # noqa: F811
    shot: Shots,
) -> None:
    services.update_settings(
        actor=owner.actor, data={"tax_number": "GB123456789", "default_tax_rate": Decimal("20")}
    )
    page.goto(f"/accounts/login/?next=/appointments/{appointment.pk}/")
    page.fill("#id_login", front_desk.user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("form[action^='/accounts/login/'] button[type=submit]").click()
    page.get_by_role("button", name="Create invoice").click()
    expect(page.locator("h1")).to_contain_text("Draft invoice")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Issue invoice").click()
    expect(page.locator("h1")).to_contain_text("Invoice INV-00001")
    page.get_by_label("Amount").fill("75")
    page.get_by_label("Method").select_option("card")
    page.get_by_role("button", name="Record payment").click()
    expect(page.locator("h1")).to_contain_text("Paid")
    expect(page.locator("main")).to_contain_text("£75.00")
    shot(page, "invoice")
    invoice = Invoice.objects.get()
    assert Payment.objects.get().invoice_id == invoice.pk
    page.goto(f"/clients/{appointment.client_id}/billing/")
    expect(page.locator("main")).to_contain_text("INV-00001")
    shot(page, "client")
    page.goto("/invoices/?show=paid")
    expect(page.locator("main")).to_contain_text("Ada Lovelace")


def test_a_bad_line_shows_its_message_by_the_field(
    page: Any, owner: Persona, a_client: Client, shot: Shots
) -> None:
    invoice = services.create_invoice(actor=owner.actor, client=a_client)
    page.goto(f"/accounts/login/?next=/invoices/{invoice.pk}/")
    page.fill("#id_login", owner.user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("form[action^='/accounts/login/'] button[type=submit]").click()
    page.get_by_label("Description").fill("Hot stones")
    page.get_by_label("Quantity").fill("-1")
    page.get_by_label("Unit price").fill("10")
    page.get_by_role("button", name="Add line").click()
    expect(page.locator(".field.has-error")).to_contain_text("above zero")
    shot(page, "bad-line")
    assert not invoice.lines.exists()
    page.goto("/billing/settings")
    expect(page.locator("h1")).to_have_text("Billing settings")
    shot(page, "settings")


def test_packages_and_fees_pages_read_right(
    page: Any,
    owner: Persona,
    appointment: Appointment,  # noqa: F811
    shot: Shots,
) -> None:
    from sacrum.billing import fees, packages
    from sacrum.scheduling.services import booking

    services.update_settings(actor=owner.actor, data={"tax_number": ""})
    five = packages.create_package_type(
        actor=owner.actor,
        data={"name": "5 sessions", "sessions": 5, "price": Decimal("300"), "valid_days": 90},
        service_ids=[appointment.service_id],
    )
    fees.set_service_fees(
        actor=owner.actor, service=appointment.service, late_cancel_fee="30", no_show_fee="40"
    )
    client = appointment.client
    packages.sell(actor=owner.actor, client=client, package_type=five)
    services.update_settings(actor=owner.actor, data={"package_on_no_show": False})
    missed = Appointment.objects.create(
        clinic=owner.clinic,
        client=client,
        practitioner=owner.member,
        service=appointment.service,
        location=appointment.location,
        start=appointment.start - dt.timedelta(days=7),
        end=appointment.end - dt.timedelta(days=7),
        blocked_start=appointment.start - dt.timedelta(days=7),
        blocked_end=appointment.end - dt.timedelta(days=7),
    )
    booking.change_status(actor=owner.actor, appointment=missed, status="no_show")
    page.goto("/accounts/login/?next=/billing/packages")
    page.fill("#id_login", owner.user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("form[action^='/accounts/login/'] button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Session packages")
    page.get_by_label("Name").fill("Ten")
    page.get_by_label("Number of sessions").fill("0")
    page.get_by_role("button", name="Add package").click()
    expect(page.locator(".field.has-error").first).to_be_visible()
    shot(page, "packages-error")
    page.goto("/billing/fees")
    expect(page.locator("h1")).to_contain_text("no-show fees")
    shot(page, "fees")
    page.goto(f"/clients/{client.pk}/billing/")
    expect(page.locator("#client-packages")).to_contain_text("5 of 5 sessions left")
    page.get_by_label("Reason to waive").fill("First time, waived")
    page.get_by_role("button", name="Waive").click()
    expect(page.locator("#client-fees")).to_contain_text("First time, waived")
    shot(page, "client-packages-fees")
    page.goto(f"/calendar/book?client={client.pk}")
    expect(page.locator("#booking-hints")).to_contain_text("5 of 5 sessions left")
    shot(page, "booking-hint")
