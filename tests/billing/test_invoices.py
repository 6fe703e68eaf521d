"""Invoices: drafts, issuing with gapless numbers, voiding, credit notes, and that an
issued invoice never changes by any route (service, model, queryset, raw SQL)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from sacrum.access.models import AuditEntry
from sacrum.billing import services
from sacrum.billing.models import Invoice, InvoiceLine, Kind, Status
from sacrum.clients.models import Client
from sacrum.kernel.errors import Conflict, Locked
from sacrum.scheduling.models import Appointment
from tests.billing.conftest import line
from tests.conftest import Persona


def test_a_draft_totals_its_lines_with_tax_included(draft: Invoice) -> None:
    assert draft.status == Status.DRAFT and draft.number is None
    assert (draft.total, draft.net_total, draft.tax_total) == (
        Decimal("75.000"),
        Decimal("62.500"),
        Decimal("12.500"),
    )


def test_issuing_numbers_freezes_and_dates(issued: Invoice, owner: Persona) -> None:
    assert issued.status == Status.ISSUED
    assert (issued.number, issued.number_text) == (1, "INV-00001")
    assert str(issued.issued_on) == "2026-06-10" and str(issued.due_on) == "2026-06-24"
    assert issued.tax_number == "GB123456789" and issued.bill_to == "Ada Lovelace"
    assert AuditEntry.objects.filter(object_id=str(issued.pk), action="sign").exists()


def test_numbers_follow_on_without_gaps(owner: Persona, a_client: Client, billing: Any) -> None:
    drafts = [
        services.create_invoice(actor=owner.actor, client=a_client, lines=[line()])
        for _ in range(3)
    ]
    empty = services.create_invoice(actor=owner.actor, client=a_client)
    with pytest.raises(ValidationError):
        services.issue(actor=owner.actor, invoice=empty)  # no lines: refused, no number used
    numbers = [services.issue(actor=owner.actor, invoice=d).number_text for d in reversed(drafts)]
    assert numbers == ["INV-00001", "INV-00002", "INV-00003"]


def test_issuing_twice_is_a_conflict(owner: Persona, issued: Invoice) -> None:
    with pytest.raises(Conflict):
        services.issue(actor=owner.actor, invoice=issued)


def test_an_issued_invoice_refuses_every_service_change(owner: Persona, issued: Invoice) -> None:
    with pytest.raises(Locked):
        services.add_line(actor=owner.actor, invoice=issued, line=line())
    with pytest.raises(Locked):
        services.remove_line(actor=owner.actor, line=issued.lines.get())
    with pytest.raises(Locked):
        services.delete_draft(actor=owner.actor, invoice=issued)


def test_an_issued_invoice_refuses_model_and_queryset_changes(issued: Invoice) -> None:
    issued.total = Decimal("1")
    with pytest.raises(Locked):
        issued.save()
    with pytest.raises(Locked):
        issued.delete()
    with pytest.raises(Locked):
        Invoice.objects.filter(pk=issued.pk).update(total=Decimal("1"))
    with pytest.raises(Locked):
        Invoice.objects.filter(pk=issued.pk).delete()
    row = InvoiceLine.objects.get(invoice=issued)
    with pytest.raises(Locked):
        row.save()
    with pytest.raises(Locked):
        InvoiceLine.objects.filter(pk=row.pk).update(unit_price=Decimal("1"))
    with pytest.raises(Locked):
        InvoiceLine.objects.filter(pk=row.pk).delete()


def _raw_refused(sql: str, params: list[Any]) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("total", "1"),
        ("number", "7"),
        ("bill_to", "Someone else"),
        ("client_id", None),
        ("status", "draft"),
    ],
)
def test_the_database_refuses_changing_an_issued_invoice(
    issued: Invoice, column: str, value: Any
) -> None:
    if column == "client_id":
        other = Client.objects.create(
            clinic=issued.clinic, first_name="B", last_name="C", date_of_birth="1990-01-01"
        )
        value = _id(other.pk)
    _raw_refused(f"UPDATE billing_invoice SET {column} = %s WHERE id = %s", [value, _id(issued.pk)])
    issued.refresh_from_db()
    assert issued.status == Status.ISSUED and issued.total == Decimal("75.000")


def _id(pk: Any) -> str:
    return pk.hex if connection.vendor == "sqlite" else str(pk)


def test_the_database_refuses_deleting_an_issued_invoice_or_touching_its_lines(
    issued: Invoice,
) -> None:
    row = InvoiceLine.objects.get(invoice=issued)
    _raw_refused("DELETE FROM billing_invoice WHERE id = %s", [_id(issued.pk)])
    _raw_refused("UPDATE billing_invoiceline SET unit_price = 1 WHERE id = %s", [_id(row.pk)])
    _raw_refused("DELETE FROM billing_invoiceline WHERE id = %s", [_id(row.pk)])
    _raw_refused(
        "INSERT INTO billing_invoiceline (id, invoice_id, position, kind, description, quantity,"
        " unit_price, tax_rate, discount_percent, net, tax, gross)"
        " VALUES (%s, %s, 9, 'other', 'x', 1, 1, 0, 0, 1, 0, 1)",
        [_id(__import__("uuid").uuid4()), _id(issued.pk)],
    )
    assert InvoiceLine.objects.filter(invoice=issued).count() == 1


def test_the_database_voids_only_with_every_other_column_unchanged(issued: Invoice) -> None:
    _raw_refused(
        "UPDATE billing_invoice SET status = 'void', void_reason = 'x', voided_at = %s,"
        " total = 0 WHERE id = %s",
        [issued.issued_at, _id(issued.pk)],
    )
    _raw_refused(  # no reason
        "UPDATE billing_invoice SET status = 'void', voided_at = %s WHERE id = %s",
        [issued.issued_at, _id(issued.pk)],
    )


def test_void_keeps_the_number_and_then_nothing_changes(owner: Persona, issued: Invoice) -> None:
    with pytest.raises(ValidationError):
        services.void_invoice(actor=owner.actor, invoice=issued, reason=" ")
    voided = services.void_invoice(actor=owner.actor, invoice=issued, reason="Wrong client")
    assert voided.status == Status.VOID and voided.number == 1
    with pytest.raises(Conflict):
        services.void_invoice(actor=owner.actor, invoice=voided, reason="again")
    _raw_refused("UPDATE billing_invoice SET status = 'issued' WHERE id = %s", [_id(issued.pk)])


def test_a_credit_note_refers_takes_the_next_number_and_cannot_exceed(
    owner: Persona, issued: Invoice
) -> None:
    note = services.credit_note(actor=owner.actor, invoice=issued, reason="Session not held")
    assert note.kind == Kind.CREDIT_NOTE and note.credits_id == issued.pk
    assert note.number_text == "INV-00002" and note.total == issued.total
    assert services.outstanding_on(issued) == 0
    with pytest.raises(ValidationError):
        services.credit_note(actor=owner.actor, invoice=issued, reason="again")
    with pytest.raises(Conflict):  # credited: no longer voidable
        services.void_invoice(actor=owner.actor, invoice=issued, reason="x")


def test_an_appointment_invoice_is_made_once(
    owner: Persona, appointment: Appointment, billing: Any
) -> None:
    first = services.invoice_for_appointment(actor=owner.actor, appointment=appointment)
    again = services.invoice_for_appointment(actor=owner.actor, appointment=appointment)
    assert first.pk == again.pk
    (only,) = first.lines.all()
    assert only.description == "Follow-up, 50 min, 09 Jun 2026" and only.unit_price == Decimal("75")


def test_a_clinic_may_invoice_completed_appointments_automatically(
    owner: Persona, a_client: Client, service: Any, location: Any, billing: Any
) -> None:
    from tests.billing.conftest import make_appointment

    services.update_settings(actor=owner.actor, data={"invoice_on_completion": True})
    appointment = make_appointment(owner, a_client, service, location)
    invoice = Invoice.objects.get(appointment=appointment)
    assert invoice.status == Status.DRAFT and invoice.total == Decimal("75")


def test_the_currency_is_locked_once_invoices_are_issued(owner: Persona, issued: Invoice) -> None:
    from sacrum.clinics.models import Clinic
    from sacrum.clinics.services import update_clinic

    clinic = Clinic.objects.get(pk=owner.clinic.pk)
    with pytest.raises(ValidationError) as caught:
        update_clinic(actor=owner.actor, clinic=clinic, data={"currency": "EUR"})
    assert "currency" in caught.value.message_dict
    _raw_refused("UPDATE clinics_clinic SET currency = 'EUR' WHERE id = %s", [_id(clinic.pk)])
    assert Clinic.objects.get(pk=clinic.pk).currency == "GBP"


def test_the_front_desk_issues_practitioners_only_look(
    practitioner: Persona, front_desk: Persona, draft: Invoice
) -> None:
    from sacrum.kernel.errors import Forbidden

    with pytest.raises(Forbidden):
        services.issue(actor=practitioner.actor, invoice=draft)
    assert services.issue(actor=front_desk.actor, invoice=draft).number == 1


def test_the_demo_has_months_of_billing(db: Any) -> None:
    from sacrum.billing.models import Payment
    from sacrum.web.demo import seed_demo

    seed_demo(log=lambda *a: None)
    invoices = Invoice.objects.filter(kind=Kind.INVOICE, status=Status.ISSUED)
    assert invoices.count() >= 10
    assert Invoice.objects.filter(kind=Kind.CREDIT_NOTE).count() == 1
    assert Payment.objects.count() >= 5
    issued = Invoice.objects.exclude(status=Status.DRAFT)
    numbers = sorted(n or 0 for n in issued.values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
    # Dated on their sessions' days, over months; numbers and dates run in the same order.
    days = [d for _n, d in sorted(invoices.values_list("number", "issued_on")) if d is not None]
    assert days == sorted(days) and len({(d.year, d.month) for d in days}) >= 2
    assert (max(days) - min(days)).days >= 45
    assert Payment.objects.filter(received_on__lt=max(days)).exists()
    from sacrum.billing.models import ClientPackage, Fee, PackageType

    assert PackageType.objects.count() == 2 and ClientPackage.objects.count() == 1
    assert [f.waive_reason for f in Fee.objects.all()] == [
        "First missed visit: waived as a courtesy"
    ]
    seed_demo(log=lambda *a: None)  # idempotent
    assert sorted(n or 0 for n in issued.values_list("number", flat=True)) == numbers
    assert PackageType.objects.count() == 2 and Fee.objects.count() == 1


def test_the_end_of_an_erasure_hold_replaces_only_the_name_and_the_lock_comes_back(
    issued: Invoice,
) -> None:
    """retention's one path past the lock: the invoice stays (number, amounts), made out to
    the erasure's reference; afterwards the database refuses changes as before."""
    from sacrum.retention import expiry

    changed = expiry.scrub_invoices(_id(issued.client_id), "Erased client E-1234")
    assert changed == 1
    issued.refresh_from_db()
    assert issued.bill_to == "Erased client E-1234"
    assert issued.status == Status.ISSUED and issued.total == Decimal("75.000")
    _raw_refused(
        "UPDATE billing_invoice SET bill_to = %s WHERE id = %s", ["Someone", _id(issued.pk)]
    )
