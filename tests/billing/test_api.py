"""The billing API: the whole path of an invoice and its money, and bad input that gets a
readable 4xx and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sacrum.access.models import AuditEntry
from sacrum.billing.models import Invoice, InvoiceLine, Payment
from sacrum.clients.models import Client
from tests.conftest import ApiClient, Persona

LINE = {"description": "Follow-up session", "unit_price": "75.00"}


def _counts() -> tuple[int, int, int]:
    return Invoice.objects.count(), InvoiceLine.objects.count(), Payment.objects.count()


@pytest.fixture
def desk(front_desk: Persona, api: Callable[[Persona], ApiClient], billing: Any) -> ApiClient:
    return api(front_desk)


def _issued(desk: ApiClient, client: Client, price: str = "75.00") -> dict[str, Any]:
    status, body = desk.post(
        "/invoices", {"client_id": str(client.pk), "lines": [{**LINE, "unit_price": price}]}
    )
    assert status == 201, body
    status, body = desk.post(f"/invoices/{body['id']}/issue", {})
    assert status == 200, body
    return body  # type: ignore[no-any-return]


def test_invoice_payment_refund_and_balance(desk: ApiClient, a_client: Client) -> None:
    invoice = _issued(desk, a_client)
    assert (invoice["number"], invoice["state"], invoice["total"]) == (
        "INV-00001",
        "unpaid",
        "75.00",
    )
    status, paid = desk.post(
        "/payments",
        {
            "client_id": str(a_client.pk),
            "invoice_id": invoice["id"],
            "amount": "50",
            "method": "card",
        },
    )
    assert status == 201, paid
    assert desk.get(f"/invoices/{invoice['id']}")[1]["state"] == "partly_paid"
    status, _ = desk.post(
        "/payments",
        {
            "client_id": str(a_client.pk),
            "invoice_id": invoice["id"],
            "amount": "25",
            "method": "cash",
        },
    )
    status, body = desk.get(f"/invoices/{invoice['id']}")
    assert (body["state"], body["outstanding"]) == ("paid", "0.00")
    status, refund = desk.post(f"/payments/{paid['id']}/refund", {"amount": "10", "method": "card"})
    assert status == 201, refund
    status, balance = desk.get(f"/clients/{a_client.pk}/balance")
    assert (balance["owed"], balance["currency"]) == ("10.00", "GBP")
    assert AuditEntry.objects.filter(object_type="payment", action="create").count() == 3


def test_a_payment_made_elsewhere_is_recorded_once(desk: ApiClient, a_client: Client) -> None:
    body = {
        "client_id": str(a_client.pk),
        "amount": "40.00",
        "method": "card",
        "external_reference": "term-881",
    }
    first = desk.post("/payments", body)
    again = desk.post("/payments", body)
    assert first[0] == again[0] == 201 and first[1]["id"] == again[1]["id"]
    status, error = desk.post("/payments", {**body, "amount": "41.00"})
    assert status == 409, error
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({**LINE, "quantity": "-1"}, "quantity"),
        ({**LINE, "quantity": "0"}, "quantity"),
        ({**LINE, "unit_price": "-5"}, "unit_price"),
        ({**LINE, "unit_price": "1.005"}, "unit_price"),
        ({**LINE, "discount_percent": "120"}, "discount_percent"),
        ({**LINE, "description": " "}, "description"),
    ],
)
def test_bad_lines_are_422_and_write_nothing(
    desk: ApiClient, a_client: Client, line: dict[str, Any], field: str
) -> None:
    before = _counts()
    status, body = desk.post("/invoices", {"client_id": str(a_client.pk), "lines": [line]})
    assert status == 422, body
    assert field in " ".join(body["error"]["fields"]), body
    assert _counts() == before


def test_a_refund_above_the_payment_is_422_and_writes_nothing(
    desk: ApiClient, a_client: Client
) -> None:
    status, paid = desk.post(
        "/payments", {"client_id": str(a_client.pk), "amount": "30", "method": "cash"}
    )
    assert status == 201
    desk.post(f"/payments/{paid['id']}/refund", {"amount": "20", "method": "cash"})
    before = _counts()
    status, body = desk.post(
        f"/payments/{paid['id']}/refund", {"amount": "10.01", "method": "cash"}
    )
    assert status == 422 and "amount" in body["error"]["fields"], body
    assert "£10.00" in body["error"]["fields"]["amount"]
    assert _counts() == before


def test_a_payment_above_what_is_outstanding_is_refused(desk: ApiClient, a_client: Client) -> None:
    invoice = _issued(desk, a_client)
    before = _counts()
    status, body = desk.post(
        "/payments",
        {
            "client_id": str(a_client.pk),
            "invoice_id": invoice["id"],
            "amount": "75.01",
            "method": "cash",
        },
    )
    assert status == 422 and "amount" in body["error"]["fields"], body
    assert _counts() == before


def test_a_currency_change_after_issuing_is_422_and_writes_nothing(
    owner: Persona, api: Callable[[Persona], ApiClient], desk: ApiClient, a_client: Client
) -> None:
    _issued(desk, a_client)
    status, body = api(owner).patch("/clinic", {"currency": "EUR"})
    assert status == 422 and "currency" in body["error"]["fields"], body
    owner.clinic.refresh_from_db()
    assert owner.clinic.currency == "GBP"
    assert AuditEntry.objects.filter(action="update", object_type="clinic").count() == 0


def test_issued_invoices_refuse_lines_and_deletion(desk: ApiClient, a_client: Client) -> None:
    invoice = _issued(desk, a_client)
    before = _counts()
    assert desk.post(f"/invoices/{invoice['id']}/lines", LINE)[0] == 403
    assert desk.call("DELETE", f"/invoices/{invoice['id']}")[0] == 403
    assert desk.post(f"/invoices/{invoice['id']}/issue", {})[0] == 409
    assert _counts() == before


def test_void_and_credit_note(desk: ApiClient, a_client: Client) -> None:
    first = _issued(desk, a_client)
    status, body = desk.post(f"/invoices/{first['id']}/void", {"reason": "Wrong client"})
    assert (status, body["state"], body["number"]) == (200, "void", "INV-00001")
    second = _issued(desk, a_client)
    status, note = desk.post(f"/invoices/{second['id']}/credit-note", {"reason": "Goodwill"})
    assert status == 201, note
    assert (note["kind"], note["number"], note["credits_id"]) == (
        "credit_note",
        "INV-00003",
        second["id"],
    )
    assert desk.get(f"/invoices/{second['id']}")[1]["outstanding"] == "0.00"


def test_practitioners_see_invoices_but_take_no_money(
    practitioner: Persona, api: Callable[[Persona], ApiClient], desk: ApiClient, a_client: Client
) -> None:
    invoice = _issued(desk, a_client)
    pat = api(practitioner)
    assert pat.get(f"/invoices/{invoice['id']}")[0] == 200
    before = _counts()
    status, _ = pat.post(
        "/payments", {"client_id": str(a_client.pk), "amount": "5", "method": "cash"}
    )
    assert status == 403 and _counts() == before


def test_another_clinics_invoice_is_404(
    outsider: Persona, api: Callable[[Persona], ApiClient], desk: ApiClient, a_client: Client
) -> None:
    invoice = _issued(desk, a_client)
    assert api(outsider).get(f"/invoices/{invoice['id']}")[0] == 404
