"""Billing pages: the invoice list, an invoice with its actions, a new invoice, a client's
invoices and balance, the billing settings, and the PDFs. Thin: forms in, services do."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sacrum.access.scoping import get_scoped_or_404
from sacrum.billing import fees, money, packages, selectors, services
from sacrum.billing import pdf as documents
from sacrum.billing.forms import (
    LineForm,
    NewInvoiceForm,
    PaymentForm,
    ReasonForm,
    RefundForm,
    SellPackageForm,
    SettingsForm,
)
from sacrum.billing.models import Invoice, LineKind, Payment, Status
from sacrum.clients.models import Client
from sacrum.clients.selectors import client_for
from sacrum.kernel.actor import StaffActor
from sacrum.kernel.errors import DomainError
from sacrum.kernel.forms import add_service_errors
from sacrum.kernel.mail import enqueue_message
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest
from sacrum.scheduling.models import Appointment, ServiceType

FILTERS = {
    "": "All",
    "outstanding": "Outstanding",
    "draft": "Drafts",
    "unpaid": "Unpaid",
    "partly_paid": "Partly paid",
    "paid": "Paid",
    "void": "Void",
    "credit_note": "Credit notes",
}


def _rows(invoices: list[Invoice], locale: str) -> list[dict[str, Any]]:
    return [
        {
            "invoice": x,
            "state": selectors.state_of(x),
            "state_words": selectors.STATE_WORDS[selectors.state_of(x)],
            "total": money.formatted(x.total, x.currency, locale),
            "outstanding": money.formatted(selectors.outstanding(x), x.currency, locale),
        }
        for x in invoices
    ]


@member_required("billing.view")
def invoice_list(request: MemberRequest) -> HttpResponse:
    actor = StaffActor.from_request(request)
    show = request.GET.get("show", "")
    show = show if show in FILTERS else ""
    invoices = selectors.filtered(
        actor,
        state="" if show == "outstanding" else show,
        outstanding_only=show == "outstanding",
    )
    locale = services.settings_for(request.member.clinic_id).locale
    return render(
        request,
        "billing/list.html",
        {
            "rows": _rows(invoices, locale),
            "show": show,
            "filters": FILTERS,
            "can_edit": request.member.can("billing.edit"),
        },
    )


@member_required("billing.edit")
def invoice_new(request: MemberRequest) -> HttpResponse:
    form = NewInvoiceForm(request.POST or None)
    form.fields["client"].queryset = Client.objects.for_member(request.member).filter(  # type: ignore[attr-defined]
        archived=False
    )
    if request.method == "POST" and form.is_valid():
        invoice = services.create_invoice(
            actor=StaffActor.from_request(request), client=form.cleaned_data["client"]
        )
        return redirect("web:invoice_detail", invoice_id=invoice.pk)
    return render(request, "billing/new.html", {"form": form})


@member_required("billing.edit")
@require_POST
def invoice_from_appointment(request: MemberRequest, appointment_id: Any) -> HttpResponse:
    appointment = get_scoped_or_404(
        Appointment.objects.for_member(request.member, "view").select_related(
            "service", "location", "client", "clinic"
        ),
        pk=appointment_id,
    )
    try:
        invoice = services.invoice_for_appointment(
            actor=StaffActor.from_request(request), appointment=appointment
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("web:appointment_detail", appointment_id=appointment.pk)
    return redirect("web:invoice_detail", invoice_id=invoice.pk)


def _line_form(request: MemberRequest, data: Any = None) -> LineForm:
    form = LineForm(data)
    form.fields["service"].queryset = ServiceType.objects.for_member(request.member)  # type: ignore[attr-defined]
    return form


def _detail(request: MemberRequest, invoice: Invoice, **forms: Any) -> HttpResponse:
    actor = StaffActor.from_request(request)
    locale = services.settings_for(invoice.clinic_id).locale

    def fmt(amount: Decimal) -> str:
        return money.formatted(amount, invoice.currency, locale)

    payments = list(
        Payment.objects.filter(invoice=invoice).prefetch_related("refunds").order_by("recorded_at")
    )
    context = {
        "invoice": invoice,
        "state": selectors.state_of(invoice),
        "state_words": selectors.STATE_WORDS[selectors.state_of(invoice)],
        "lines": [
            {"line": x, "unit_price": fmt(x.unit_price), "amount": fmt(x.gross)}
            for x in invoice.lines.all()
        ],
        "net": fmt(invoice.net_total),
        "tax": fmt(invoice.tax_total),
        "total": fmt(invoice.total),
        "paid": fmt(selectors.paid(invoice)),
        "outstanding_amount": selectors.outstanding(invoice),
        "outstanding": fmt(selectors.outstanding(invoice)),
        "payments": [
            {
                "payment": p,
                "amount": fmt(p.amount),
                "refunded": fmt(p.amount - services.refundable(p)),
                "refundable": services.refundable(p) > 0,
            }
            for p in payments
        ],
        "credit_notes": list(invoice.credit_notes.all()),
        "can_edit": request.member.can("billing.edit"),
        "line_form": forms.get("line_form") or _line_form(request),
        "void_form": forms.get("void_form") or ReasonForm(prefix="void"),
        "credit_form": forms.get("credit_form") or ReasonForm(prefix="credit"),
        "payment_form": forms.get("payment_form")
        or PaymentForm(prefix="pay", initial={"amount": selectors.outstanding(invoice)}),
        "refund_form": forms.get("refund_form") or RefundForm(prefix="refund"),
        "kinds": LineKind,
        "actor": actor,
    }
    return render(request, "billing/detail.html", context)


def _invoice(request: MemberRequest, invoice_id: Any) -> Invoice:
    return selectors.invoice_for(StaffActor.from_request(request), invoice_id)


@member_required("billing.view")
def invoice_detail(request: MemberRequest, invoice_id: Any) -> HttpResponse:
    return _detail(request, _invoice(request, invoice_id))


@member_required("billing.edit")
@require_POST
def invoice_action(request: MemberRequest, invoice_id: Any) -> HttpResponse:
    """One door for the buttons of the invoice page (``action`` names which)."""
    actor = StaffActor.from_request(request)
    invoice = _invoice(request, invoice_id)
    action = request.POST.get("action", "")
    forms: dict[str, Any] = {}
    try:
        form: Any
        if action == "add_line":
            form = _line_form(request, request.POST)
            forms["line_form"] = form
            if form.is_valid():
                services.add_line(actor=actor, invoice=invoice, line=_line_input(invoice, form))
                return redirect("web:invoice_detail", invoice_id=invoice.pk)
        elif action == "remove_line":
            line = invoice.lines.filter(pk=request.POST.get("line") or "").first()
            if line is not None:
                services.remove_line(actor=actor, line=line)
            return redirect("web:invoice_detail", invoice_id=invoice.pk)
        elif action == "issue":
            issued = services.issue(actor=actor, invoice=invoice)
            messages.success(request, f"Issued as {issued.number_text}.")
            return redirect("web:invoice_detail", invoice_id=invoice.pk)
        elif action == "delete":
            services.delete_draft(actor=actor, invoice=invoice)
            messages.success(request, "The draft was deleted.")
            return redirect("web:invoice_list")
        elif action == "void":
            form = ReasonForm(request.POST, prefix="void")
            forms["void_form"] = form
            if form.is_valid():
                services.void_invoice(
                    actor=actor, invoice=invoice, reason=form.cleaned_data["reason"]
                )
                return redirect("web:invoice_detail", invoice_id=invoice.pk)
        elif action == "credit":
            form = ReasonForm(request.POST, prefix="credit")
            forms["credit_form"] = form
            if form.is_valid():
                note = services.credit_note(
                    actor=actor, invoice=invoice, reason=form.cleaned_data["reason"]
                )
                messages.success(request, f"Credit note {note.number_text} issued.")
                return redirect("web:invoice_detail", invoice_id=note.pk)
        elif action == "pay":
            form = PaymentForm(request.POST, prefix="pay")
            forms["payment_form"] = form
            if form.is_valid():
                data = form.cleaned_data
                payment = services.record_payment(
                    actor=actor,
                    client=invoice.client,
                    payment=services.PaymentInput(
                        amount=data["amount"],
                        method=data["method"],
                        received_on=data["received_on"],
                        invoice=invoice,
                        external_reference=data["external_reference"],
                    ),
                )
                if invoice.client.email:
                    enqueue_message("sacrum.billing.mail:receipt", payment.pk)
                messages.success(request, "Payment recorded.")
                return redirect("web:invoice_detail", invoice_id=invoice.pk)
        elif action == "refund":
            form = RefundForm(request.POST, prefix="refund")
            forms["refund_form"] = form
            chosen = Payment.objects.filter(
                invoice=invoice, pk=request.POST.get("payment") or ""
            ).first()
            if chosen is None:
                form.add_error(None, "Choose a payment of this invoice.")
            elif form.is_valid():
                services.refund(
                    actor=actor,
                    payment=chosen,
                    amount=form.cleaned_data["amount"],
                    method=form.cleaned_data["method"],
                    note=form.cleaned_data["note"],
                )
                messages.success(request, "Refund recorded.")
                return redirect("web:invoice_detail", invoice_id=invoice.pk)
        elif action == "email":
            if invoice.is_draft or not invoice.client.email:
                messages.error(request, "Only an issued invoice goes to a client with an e-mail.")
            else:
                enqueue_message("sacrum.billing.mail:invoice", invoice.pk)
                messages.success(request, f"{invoice.title} will be e-mailed to the client.")
            return redirect("web:invoice_detail", invoice_id=invoice.pk)
        else:
            messages.error(request, "Unknown action.")
            return redirect("web:invoice_detail", invoice_id=invoice.pk)
    except ValidationError as exc:
        target = next(iter(forms.values()), None)
        if target is not None:
            add_service_errors(target, exc)
        else:
            messages.error(request, " ".join(exc.messages))
    except DomainError as exc:
        messages.error(request, exc.message)
    return _detail(request, _invoice(request, invoice_id), **forms)


def _line_input(invoice: Invoice, form: LineForm) -> services.LineInput:
    data = form.cleaned_data
    service = data["service"]
    description = data["description"] or (service.name if service else "")
    price = data["unit_price"]
    if price is None:
        if service is None:
            raise ValidationError({"unit_price": "Give a price."})
        price = service.price
    return services.LineInput(
        kind=data["kind"],
        description=description,
        service=service,
        quantity=data["quantity"],
        unit_price=price,
        discount_percent=data["discount_percent"],
    )


@member_required("billing.view")
def invoice_pdf(request: MemberRequest, invoice_id: Any) -> HttpResponse:
    invoice = _invoice(request, invoice_id)
    name = invoice.number_text or "draft"
    response = HttpResponse(documents.invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


@member_required("billing.view")
def receipt_pdf(request: MemberRequest, payment_id: Any) -> HttpResponse:
    payment = selectors.payment_for(StaffActor.from_request(request), payment_id)
    response = HttpResponse(documents.receipt_pdf(payment), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="receipt.pdf"'
    return response


@member_required("billing.view")
def client_billing(request: MemberRequest, client_id: Any) -> HttpResponse:
    actor = StaffActor.from_request(request)
    client = client_for(actor, client_id)
    locale = services.settings_for(request.member.clinic_id).locale
    currency = request.member.clinic.currency
    balance = selectors.balance_of(client.pk)
    payments = list(selectors.payments_for(actor, client_id=client.pk)[:200])
    return render(
        request,
        "billing/client.html",
        {
            "client": client,
            "rows": _rows(selectors.filtered(actor, client_id=client.pk), locale),
            "owed": money.formatted(max(balance.owed, Decimal(0)), currency, locale),
            "credit": money.formatted(balance.credit, currency, locale),
            "balance": balance,
            "payments": [
                {"payment": p, "amount": money.formatted(p.amount, p.currency, locale)}
                for p in payments
            ],
            "can_edit": request.member.can("billing.edit"),
            "packages": package_rows(client.pk, request.member.clinic),
            "fees": [
                {"fee": f, "amount": money.formatted(f.amount, currency, locale)}
                for f in fees.fees_for(actor, client_id=client.pk)[:100]
            ],
            "sell_form": SellPackageForm(clinic_id=request.member.clinic_id),
        },
    )


def package_rows(client_id: Any, clinic: Any) -> list[dict[str, Any]]:
    """The client's packages with credits left and whether each can still be used today."""
    today = services.today_of(clinic)
    return [
        {
            "package": p,
            "usable": p.remaining > 0 and p.expires_on >= today,
            "expired": p.expires_on < today,
        }
        for p in packages.packages_of(client_id)
    ]


@member_required("billing.manage")
def billing_settings(request: MemberRequest) -> HttpResponse:
    current = services.settings_for(request.member.clinic_id)
    form = SettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in SettingsForm.Meta.fields}
        try:
            services.update_settings(actor=StaffActor.from_request(request), data=data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Billing settings saved.")
            return redirect("web:billing_settings")
    return render(
        request,
        "billing/settings.html",
        {"form": form, "currency": request.member.clinic.currency, "issued": _has_issued(request)},
    )


def _has_issued(request: MemberRequest) -> bool:
    return (
        Invoice.objects.filter(clinic_id=request.member.clinic_id)
        .exclude(status=Status.DRAFT)
        .exists()
    )
