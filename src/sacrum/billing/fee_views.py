"""Fee pages: the fees per service (owner), and waiving a client's fee with a reason."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sacrum.billing import fees, money
from sacrum.kernel.actor import StaffActor
from sacrum.kernel.errors import Conflict
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest
from sacrum.scheduling.models import ServiceType


@member_required("billing.manage")
def service_fees(request: MemberRequest) -> HttpResponse:
    """One form: a late-cancellation and a no-show fee for every service (empty or 0: none)."""
    actor = StaffActor.from_request(request)
    services = list(ServiceType.objects.for_member(request.member, "view").order_by("name"))
    known = fees.fees_by_service(request.member.clinic_id)
    currency = request.member.clinic.currency
    rows: list[dict[str, Any]] = []
    errors = 0
    for service in services:
        row = known.get(service.pk)
        late = request.POST.get(f"late_{service.pk}", "") if request.method == "POST" else ""
        missed = request.POST.get(f"noshow_{service.pk}", "") if request.method == "POST" else ""
        entry: dict[str, Any] = {
            "service": service,
            "late": late
            if request.method == "POST"
            else str(money.rounded(row.late_cancel_fee if row else Decimal(0), currency)),
            "noshow": missed
            if request.method == "POST"
            else str(money.rounded(row.no_show_fee if row else Decimal(0), currency)),
            "errors": {},
        }
        if request.method == "POST":
            try:
                fees.set_service_fees(
                    actor=actor, service=service, late_cancel_fee=late, no_show_fee=missed
                )
            except ValidationError as exc:
                entry["errors"] = {k: " ".join(v) for k, v in exc.message_dict.items()}
                errors += 1
        rows.append(entry)
    if request.method == "POST" and not errors:
        messages.success(request, "Fees saved.")
        return redirect("web:service_fees")
    return render(
        request,
        "billing/fees.html",
        {"rows": rows, "currency": currency, "has_errors": bool(errors)},
        status=422 if errors else 200,
    )


@require_POST
@member_required("billing.edit")
def waive_fee(request: MemberRequest, fee_id: Any) -> HttpResponse:
    actor = StaffActor.from_request(request)
    fee = fees.fee_for(actor, fee_id)
    try:
        fees.waive(actor=actor, fee=fee, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        for problem in exc.messages:
            messages.error(request, problem)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{fee.get_kind_display()} waived.")
    return redirect("web:client_billing", client_id=fee.client_id)


@require_POST
@member_required("billing.edit")
def invoice_fee(request: MemberRequest, fee_id: Any) -> HttpResponse:
    """Put a fee that is not invoiced (its draft was deleted) on a draft invoice again."""
    actor = StaffActor.from_request(request)
    fee = fees.fee_for(actor, fee_id)
    try:
        fees.put_on_invoice(actor=actor, fee=fee)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{fee.get_kind_display()} put on a draft invoice.")
    return redirect("web:client_billing", client_id=fee.client_id)
