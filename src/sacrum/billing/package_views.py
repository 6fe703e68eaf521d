"""Package pages: the clinic's package types (owner), and selling one to a client."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sacrum.billing import money, packages, services
from sacrum.billing.forms import PackageTypeForm, SellPackageForm
from sacrum.clients.selectors import client_for
from sacrum.kernel.actor import StaffActor
from sacrum.kernel.errors import Forbidden
from sacrum.kernel.forms import add_service_errors
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest


def _data(form: PackageTypeForm) -> dict[str, Any]:
    return {k: form.cleaned_data[k] for k in packages.TYPE_FIELDS}


@member_required("billing.view")
def package_types(request: MemberRequest) -> HttpResponse:
    """The packages the clinic sells; the owner adds one here."""
    actor = StaffActor.from_request(request)
    can_manage = request.member.can("billing.manage")
    form = PackageTypeForm(request.POST or None, clinic_id=request.member.clinic_id)
    if request.method == "POST":
        if not can_manage:
            raise Forbidden("Only the owner sets up packages.")
        if form.is_valid():
            try:
                packages.create_package_type(
                    actor=actor,
                    data=_data(form),
                    service_ids=[s.pk for s in form.cleaned_data["services"]],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Package “{form.cleaned_data['name']}” added.")
                return redirect("web:package_types")
    locale = services.settings_for(request.member.clinic_id).locale
    currency = request.member.clinic.currency
    rows = [
        {"type": t, "price": money.formatted(t.price, currency, locale)}
        for t in packages.package_types_for(actor)
    ]
    return render(
        request,
        "billing/packages.html",
        {"rows": rows, "form": form, "can_manage": can_manage, "currency": currency},
        status=422 if form.errors else 200,
    )


@member_required("billing.manage")
def package_type_edit(request: MemberRequest, package_type_id: Any) -> HttpResponse:
    actor = StaffActor.from_request(request)
    found = packages.package_type_for(actor, package_type_id)
    initial = {
        "name": found.name,
        "sessions": found.sessions,
        "price": found.price,
        "valid_days": found.valid_days,
        "services": list(found.services.all()),
        "active": found.active,
    }
    form = PackageTypeForm(
        request.POST or None, initial=initial, clinic_id=request.member.clinic_id
    )
    if request.method == "POST" and form.is_valid():
        try:
            packages.update_package_type(
                actor=actor,
                package_type=found,
                data=_data(form),
                service_ids=[s.pk for s in form.cleaned_data["services"]],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Package saved. Packages sold already keep their terms.")
            return redirect("web:package_types")
    return render(
        request,
        "billing/package_edit.html",
        {"package_type": found, "form": form, "currency": request.member.clinic.currency},
        status=422 if form.errors else 200,
    )


@require_POST
@member_required("billing.edit")
def sell_package(request: MemberRequest, client_id: Any) -> HttpResponse:
    actor = StaffActor.from_request(request)
    client = client_for(actor, client_id, audited=False)
    form = SellPackageForm(request.POST, clinic_id=request.member.clinic_id)
    if not form.is_valid():
        messages.error(request, "Choose a package the clinic sells.")
        return redirect("web:client_billing", client_id=client.pk)
    try:
        sold = packages.sell(
            actor=actor, client=client, package_type=form.cleaned_data["package_type"]
        )
    except ValidationError as exc:
        for problem in exc.messages:
            messages.error(request, problem)
        return redirect("web:client_billing", client_id=client.pk)
    messages.success(
        request,
        f"Sold “{sold.name}” to {client.full_name}: {sold.sessions} sessions until "
        f"{sold.expires_on:%d %b %Y}. The sale is on a draft invoice; issue it to bill.",
    )
    assert sold.invoice_id is not None
    return redirect("web:invoice_detail", invoice_id=sold.invoice_id)
