"""Portal pages: the client's own (signed in as a client), the invitation link, and the
staff page that invites a client or revokes their access."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from sacrum.access.models import User
from sacrum.billing import pdf as billing_pdf
from sacrum.clients.selectors import client_for, clinical_client
from sacrum.kernel.actor import Actor, StaffActor
from sacrum.kernel.errors import Conflict, Forbidden
from sacrum.kernel.forms import add_service_errors
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest
from sacrum.outcomes.models import InstrumentDefinition
from sacrum.outcomes.services import DIARY_KEY
from sacrum.portal import billing, copies, pdf, selectors, services
from sacrum.portal.forms import PortalDiaryForm, RecordCopyForm, SetPasswordForm
from sacrum.portal.models import PortalAccount, PortalAccountQuerySet
from sacrum.scheduling.services import online
from sacrum.scheduling.services.booking import MOVABLE

PortalView = Callable[..., HttpResponseBase]


def portal_required(view: PortalView) -> PortalView:
    """Signed in, with a working portal account; staff without one get a plain 403 page.

    The view receives the account and the client's actor (no membership).
    """

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        account = selectors.account_for(request)
        if account is None:
            return render(request, "portal/no_access.html", status=403)
        request.portal_account = account  # type: ignore[attr-defined]
        actor = selectors.portal_actor(account, request)
        response = view(request, account, actor, *args, **kwargs)
        response["Cache-Control"] = "no-store, private"
        return response

    return guarded


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    account: PortalAccount = request.portal_account  # type: ignore[attr-defined]
    return render(
        request,
        template,
        {
            "account": account,
            "client": account.client,
            "portal_clinic": account.clinic,
            "portal_accounts": getattr(request, "portal_accounts", []),
            **context,
        },
    )


@portal_required
def home(request: HttpRequest, account: PortalAccount, actor: Actor) -> HttpResponse:
    upcoming, past = selectors.appointments(account, actor)
    return _page(
        request, "portal/home.html", {"upcoming": upcoming, "past": past[:10], "tab": "home"}
    )


@require_POST
@portal_required
def switch(request: HttpRequest, account: PortalAccount, actor: Actor) -> HttpResponse:
    wanted = request.POST.get("account", "")
    accounts = getattr(request, "portal_accounts", [])
    if any(str(a.pk) == wanted for a in accounts):
        request.session[selectors.SESSION_ACCOUNT_KEY] = wanted
    return redirect("web:portal_home")


@portal_required
def appointments(request: HttpRequest, account: PortalAccount, actor: Actor) -> HttpResponse:
    upcoming, past = selectors.appointments(account, actor)
    clinic = account.clinic
    opened = online.open_clinic(clinic.slug)
    booking = reverse("web:online_booking", kwargs={"clinic_slug": clinic.slug}) if opened else ""
    if opened is not None:
        _clinic, policy = opened
        window = dt.timedelta(hours=policy.cancellation_window_hours)
        now = timezone.now()
        for visit in upcoming:
            visit.changeable = (
                visit.status in MOVABLE
                and visit.utc_start is not None
                and visit.utc_start - now >= window
            )
        for visit in (*upcoming, *past):
            visit.book_again = (
                booking
                + "?"
                + urlencode(
                    {
                        "service": str(visit.service_id),
                        "location": str(visit.location_id),
                        "practitioner": str(visit.practitioner_id),
                    }
                )
            )
    return _page(
        request,
        "portal/appointments.html",
        {
            "upcoming": upcoming,
            "past": past,
            "tab": "appointments",
            "booking": booking,
            "window": online.window_text(opened[1]) if opened else "",
        },
    )


@require_POST
@portal_required
def manage_visit(request: HttpRequest, account: PortalAccount, actor: Actor) -> HttpResponse:
    """Move or cancel: the same pages and rules as the e-mailed link, reached from here.
    The visit's id comes in the form, not the address."""
    try:
        appointment_id = uuid.UUID(request.POST.get("visit", ""))
    except ValueError:
        messages.error(request, "Choose a visit from the list.")
        return redirect("web:portal_appointments")
    try:
        token = services.manage_visit(account=account, actor=actor, appointment_id=appointment_id)
    except Forbidden as exc:
        messages.error(request, str(exc))
        return redirect("web:portal_appointments")
    return redirect("web:online_booking_manage", token=token)


@portal_required
def consents(request: HttpRequest, account: PortalAccount, actor: Actor) -> HttpResponse:
    signed = selectors.consents(account, actor)
    for s in signed:
        s.local_signed_at = selectors.clinic_time(account, s.signed_at)
    return _page(request, "portal/consents.html", {"signatures": signed, "tab": "documents"})


@portal_required
def intake(request: HttpRequest, account: PortalAccount, actor: Actor) -> HttpResponse:
    latest, sections = selectors.intake(account, actor)
    return _page(
        request,
        "portal/intake.html",
        {
            "intake": latest,
            "submitted_at": selectors.clinic_time(account, latest.submitted_at) if latest else None,
            "amended_at": selectors.clinic_time(account, latest.amended_at)
            if latest and latest.amended_at
            else None,
            "sections": sections,
            "tab": "documents",
        },
    )


@portal_required
def letters(request: HttpRequest, account: PortalAccount, actor: Actor) -> HttpResponse:
    return _page(
        request,
        "portal/letters.html",
        {"letters": list(selectors.letters(account, actor)), "tab": "documents"},
    )


@portal_required
def letter_pdf(request: HttpRequest, account: PortalAccount, actor: Actor) -> HttpResponseBase:
    """The stored PDF that left the clinic, by ``?letter=<id>``; another client's id is a 404."""
    found = selectors.letter(account, actor, request.GET.get("letter", ""))
    handle = default_storage.open(found.pdf.name, "rb")
    return FileResponse(
        handle,
        content_type="application/pdf",
        as_attachment=True,
        filename=f"letter-{found.letter_date:%Y-%m-%d}.pdf",
    )


@portal_required
def outcomes(request: HttpRequest, account: PortalAccount, actor: Actor) -> HttpResponse:
    return _page(
        request,
        "portal/outcomes.html",
        {
            "measures": selectors.progress(account, actor),
            "diary_days": selectors.diary_days(account),
            "tab": "progress",
        },
    )


@portal_required
def diary(request: HttpRequest, account: PortalAccount, actor: Actor) -> HttpResponse:
    definition = (
        InstrumentDefinition.objects.filter(clinic_id=account.clinic_id, key=DIARY_KEY)
        .order_by("-created_at")
        .first()
    )
    form = PortalDiaryForm(
        request.POST or None, instrument=definition.instrument if definition else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.record_diary_day(
                account=account, data=dict(form.cleaned_data), actor=actor
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Saved: {entry.date.day} {entry.date:%B}.")
            return redirect("web:portal_outcomes")
    return _page(
        request,
        "portal/diary.html",
        {"form": form, "recent": selectors.diary_days(account, 7), "tab": "progress"},
    )


@portal_required
def record(request: HttpRequest, account: PortalAccount, actor: Actor) -> HttpResponse:
    return _page(request, "portal/record.html", {"tab": "documents"})


def _filename(account: PortalAccount, suffix: str) -> str:
    return f"my-record-{timezone.localdate():%Y-%m-%d}.{suffix}"


@portal_required
def record_json(request: HttpRequest, account: PortalAccount, actor: Actor) -> HttpResponse:
    summary = selectors.record_summary(account, actor)
    response = HttpResponse(
        json.dumps(summary, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(account, "json")}"'
    return response


@portal_required
def record_fhir(request: HttpRequest, account: PortalAccount, actor: Actor) -> HttpResponse:
    """The record as a FHIR R4 Bundle (signed notes with their hashes), for another system."""
    bundle = selectors.record_fhir(
        account, actor, base_url=request.build_absolute_uri("/api/v1/fhir")
    )
    response = HttpResponse(
        json.dumps(bundle, indent=1, ensure_ascii=False), content_type="application/fhir+json"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(account, "fhir.json")}"'
    return response


@portal_required
def record_pdf(request: HttpRequest, account: PortalAccount, actor: Actor) -> HttpResponse:
    found = selectors.record(account, actor)
    response = HttpResponse(
        pdf.record_pdf(found.summary, found.notes), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(account, "pdf")}"'
    return response


@portal_required
def invoices(request: HttpRequest, account: PortalAccount, actor: Actor) -> HttpResponse:
    return _page(
        request,
        "portal/invoices.html",
        {"billing": billing.billing_of(account, actor), "tab": "invoices"},
    )


@portal_required
def invoice_pdf(request: HttpRequest, account: PortalAccount, actor: Actor) -> HttpResponse:
    """One of the client's own issued invoices by ``?invoice=<id>``; anything else is a 404."""
    found = billing.invoice(account, actor, request.GET.get("invoice", ""))
    response = HttpResponse(billing_pdf.invoice_pdf(found), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{found.number_text}.pdf"'
    return response


@portal_required
def receipt_pdf(request: HttpRequest, account: PortalAccount, actor: Actor) -> HttpResponse:
    """A receipt for one of the client's own payments or refunds by ``?payment=<id>``."""
    found = billing.receipt(account, actor, request.GET.get("payment", ""))
    response = HttpResponse(billing_pdf.receipt_pdf(found), content_type="application/pdf")
    name = f"receipt-{found.received_on:%Y-%m-%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- The invitation link (no sign-in needed to open it) ------------------------------


# The invitation whose link this browser opened, while its holder signs in: the sign-in
# page's "next" is then a fixed address, so the token never reaches the session store.
PENDING_JOIN_KEY = "sacrum_pending_portal_join"


@never_cache
def join(request: HttpRequest, token: str) -> HttpResponse:
    """Open to whoever holds the link; an unknown, used, revoked or expired one is a 404."""
    account = services.find_invitation(token)
    if account is None:
        return render(request, "portal/join_invalid.html", status=404)
    return _join_page(request, account)


@never_cache
def join_resume(request: HttpRequest) -> HttpResponse:
    """After signing in: the invitation this browser opened by its link, if still open."""
    account = services.open_invitation(request.session.get(PENDING_JOIN_KEY))
    if account is None or not request.user.is_authenticated:
        return render(request, "portal/join_invalid.html", status=404)
    return _join_page(request, account)


def _join_page(request: HttpRequest, account: PortalAccount) -> HttpResponse:
    context: dict[str, Any] = {"invitation": account, "clinic": account.clinic}
    actor = Actor.from_request(request)
    if request.user.is_authenticated:
        if request.user.email.lower() != account.email.lower():
            return render(request, "portal/join.html", {**context, "wrong_account": True})
        if request.method == "POST":
            try:
                services.accept(account=account, user=request.user, actor=actor)
            except Forbidden as exc:
                messages.error(request, str(exc))
                return render(request, "portal/join_invalid.html", status=409)
            request.session[selectors.SESSION_ACCOUNT_KEY] = str(account.pk)
            request.session.pop(PENDING_JOIN_KEY, None)
            messages.success(request, f"Your page at {account.clinic.name} is ready.")
            return redirect("web:portal_home")
        return render(request, "portal/join.html", {**context, "link_existing": True})

    if User.objects.filter(email__iexact=account.email).exists():
        request.session[PENDING_JOIN_KEY] = str(account.pk)
        next_url = reverse("web:portal_join_resume")
        login_url = reverse("account_login") + "?" + urlencode({"next": next_url})
        return render(request, "portal/join.html", {**context, "login_url": login_url})

    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.join_with_new_account(
                account=account, password=form.cleaned_data["password1"], actor=actor
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except Forbidden as exc:
            form.add_error(None, str(exc))
        else:
            assert account.user is not None
            login(request, account.user, backend="django.contrib.auth.backends.ModelBackend")
            request.session[selectors.SESSION_ACCOUNT_KEY] = str(account.pk)
            messages.success(request, f"Welcome. This is your page at {account.clinic.name}.")
            return redirect("web:portal_home")
    return render(request, "portal/join.html", {**context, "form": form})


# --- Staff: invite a client, see the state, revoke -----------------------------------


@member_required("client.edit")
def access(request: MemberRequest, client_id: uuid.UUID) -> HttpResponse:
    """The client's portal access as staff see it; POST sends (or re-sends) the invitation."""
    actor = StaffActor.from_request(request)
    client = client_for(actor, client_id, audited=False)
    if request.method == "POST":
        try:
            services.invite(actor=actor, client=client)
        except ValidationError as exc:
            for problem in exc.messages:
                messages.error(request, problem)
        except Conflict as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Invitation e-mailed to {client.email}.")
        return redirect("web:portal_access", client_id=client.pk)
    history = list(
        PortalAccount.objects.for_member(actor.member, "view")
        .filter(client=client)
        .select_related("user", "invited_by", "revoked_by")
    )
    live = next((a for a in history if a.revoked_at is None), None)
    return render(
        request,
        "portal/access.html",
        {"client": client, "live": live, "history": history},
    )


@require_POST
@member_required("client.edit")
def revoke(request: MemberRequest, client_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    client = client_for(actor, client_id, audited=False)
    scoped: PortalAccountQuerySet = PortalAccount.objects.for_member(request.member, "edit")
    live = scoped.live().filter(client=client).first()
    if live is None:
        messages.info(request, "The client has no portal access to revoke.")
        return redirect("web:portal_access", client_id=client.pk)
    try:
        services.revoke(actor=actor, account=live)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Portal access revoked. The client can no longer use the page.")
    return redirect("web:portal_access", client_id=client.pk)


@member_required("clinical.view")
def record_copy(request: MemberRequest, client_id: uuid.UUID) -> HttpResponse:
    """The client's record (as their own download) for a request by post; POST downloads it."""
    actor = StaffActor.from_request(request)
    client = clinical_client(actor, client_id, audited=False)
    if not copies.sees_client(actor, client):
        raise Forbidden(copies.NOT_THEIRS)
    form = RecordCopyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = copies.make_copy(
                actor=actor,
                client=client,
                reason=form.cleaned_data["reason"],
                format=form.cleaned_data["format"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            day = timezone.localdate()
            if made.row.format == "json":
                body = json.dumps(made.summary, indent=2, ensure_ascii=False).encode()
                response = HttpResponse(body, content_type="application/json")
            else:
                response = HttpResponse(made.pdf(), content_type="application/pdf")
            name = f"record-copy-{day:%Y-%m-%d}.{made.row.format}"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
    return render(
        request,
        "portal/record_copy.html",
        {"client": client, "form": form, "is_owner": request.member.is_owner},
        status=422 if form.errors else 200,
    )
