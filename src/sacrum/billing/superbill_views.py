"""Pages of the statement for insurance: the statement of a client for a period (and its
PDF), the client's diagnosis codes, and the billing codes of the services. Thin."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sacrum.billing import superbill
from sacrum.billing.services import today_of
from sacrum.billing.superbill_forms import DiagnosisForm, PeriodForm
from sacrum.billing.superbill_pdf import identifiers_text
from sacrum.billing.superbill_pdf import statement_pdf as render_pdf
from sacrum.clients.selectors import client_for
from sacrum.kernel.actor import StaffActor
from sacrum.kernel.forms import add_service_errors
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest
from sacrum.scheduling.models import ServiceType


def _period_form(request: MemberRequest) -> PeriodForm:
    if "start" in request.GET or "end" in request.GET:
        return PeriodForm(request.GET)
    start, end = superbill.default_period(today_of(request.member.clinic))
    return PeriodForm({"start": start.isoformat(), "end": end.isoformat()})


def _statement(
    request: MemberRequest, client_id: Any
) -> tuple[Any, PeriodForm, superbill.Statement | None]:
    actor = StaffActor.from_request(request)
    client = client_for(actor, client_id)
    form = _period_form(request)
    result = None
    if form.is_valid():
        try:
            result = superbill.statement(
                actor=actor,
                client=client,
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    return client, form, result


def _page(
    request: MemberRequest,
    client: Any,
    form: PeriodForm,
    result: superbill.Statement | None,
    diagnosis_form: DiagnosisForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = StaffActor.from_request(request)
    rows = []
    if result is not None:
        rows = [
            {"row": r, "charged": result.fmt(r.charged), "paid": result.fmt(r.paid)}
            for r in result.rows
        ]
    return render(
        request,
        "billing/superbill.html",
        {
            "client": client,
            "form": form,
            "statement": result,
            "rows": rows,
            "identifiers": identifiers_text(result) if result else [],
            "totals": {
                "charged": result.fmt(result.charged),
                "paid": result.fmt(result.paid),
                "credited": result.fmt(result.credited),
                "balance": result.fmt(result.balance),
            }
            if result
            else {},
            "diagnoses": list(superbill.diagnoses_for(actor, client.pk)),
            "can_edit_diagnoses": request.member.can("clinical.edit"),
            "diagnosis_form": diagnosis_form or DiagnosisForm(),
            "query": request.GET.urlencode(),
        },
        status=status,
    )


@member_required("billing.view")
def statement_page(request: MemberRequest, client_id: Any) -> HttpResponse:
    client, form, result = _statement(request, client_id)
    return _page(request, client, form, result, status=200 if result is not None else 422)


@member_required("billing.view")
def statement_pdf(request: MemberRequest, client_id: Any) -> HttpResponse:
    client, form, result = _statement(request, client_id)
    if result is None:
        return _page(request, client, form, None, status=422)
    response = HttpResponse(render_pdf(result), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="statement-{result.start:%Y%m%d}-{result.end:%Y%m%d}.pdf"'
    )
    return response


@require_POST
@member_required("clinical.edit")
def add_diagnosis(request: MemberRequest, client_id: Any) -> HttpResponse:
    actor = StaffActor.from_request(request)
    client = client_for(actor, client_id, audited=False)
    form = DiagnosisForm(request.POST)
    if form.is_valid():
        try:
            superbill.add_diagnosis(
                actor=actor,
                client=client,
                code=form.cleaned_data["code"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Diagnosis code added.")
            return redirect("web:client_statement", client_id=client.pk)
    period = _period_form(request)
    period.is_valid()
    return _page(request, client, period, None, diagnosis_form=form, status=422)


@require_POST
@member_required("clinical.edit")
def remove_diagnosis(request: MemberRequest, diagnosis_id: Any) -> HttpResponse:
    actor = StaffActor.from_request(request)
    row = superbill.diagnosis_for(actor, diagnosis_id)
    superbill.remove_diagnosis(actor=actor, diagnosis=row)
    messages.success(request, f"Code {row.code} removed.")
    return redirect("web:client_statement", client_id=row.client_id)


@member_required("billing.manage")
def service_codes(request: MemberRequest) -> HttpResponse:
    """One form: a billing code for every service (empty: none)."""
    actor = StaffActor.from_request(request)
    services = list(ServiceType.objects.for_member(request.member, "view").order_by("name"))
    known = superbill.codes_by_service(request.member.clinic_id)
    rows: list[dict[str, Any]] = []
    errors = 0
    for service in services:
        posted = request.method == "POST"
        value = request.POST.get(f"code_{service.pk}", "") if posted else known.get(service.pk)
        entry: dict[str, Any] = {"service": service, "code": value or "", "error": ""}
        if posted:
            try:
                superbill.set_service_code(actor=actor, service=service, code=value or "")
            except ValidationError as exc:
                entry["error"] = " ".join(exc.messages)
                errors += 1
        rows.append(entry)
    if request.method == "POST" and not errors:
        messages.success(request, "Service codes saved.")
        return redirect("web:service_codes")
    return render(
        request,
        "billing/service_codes.html",
        {"rows": rows, "has_errors": bool(errors)},
        status=422 if errors else 200,
    )
