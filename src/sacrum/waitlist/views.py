"""Waitlist pages: the clinic's queue, adding a client (also from the client's page),
withdrawing, and the client's public page behind the e-mailed offer link."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from sacrum.access.scoping import get_scoped_or_404
from sacrum.clients.models import Client
from sacrum.clients.selectors import client_for
from sacrum.clinics.models import Location
from sacrum.kernel.actor import StaffActor, client_ip
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest
from sacrum.scheduling import selectors as scheduling
from sacrum.scheduling.local_time import local, zone
from sacrum.scheduling.models import ServiceType
from sacrum.waitlist import offers, selectors, services
from sacrum.waitlist.forms import EntryForm
from sacrum.waitlist.models import EntryStatus, WaitlistEntry

# Service field names (the API's) → the form's.
FIELD_OF = {
    "client_id": "client",
    "service_id": "service",
    "location_id": "location",
    "practitioner_id": "practitioner",
}
FILTERS = {"open": "Waiting or offered", "booked": "Booked", "closed": "Withdrawn or expired"}


def _choices(request: MemberRequest) -> dict[str, Any]:
    member = request.member
    return {
        "client": Client.objects.for_member(member).filter(archived=False),
        "service": ServiceType.objects.for_member(member).filter(active=True),
        "location": Location.objects.for_member(member).filter(active=True),
        "practitioner": scheduling.practitioners_for(StaffActor.from_request(request)),
    }


def _show(form: EntryForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, problems in exc.message_dict.items():
            name = FIELD_OF.get(name, name)
            form.add_error(name if name in form.fields else None, problems)
    else:
        form.add_error(None, exc.messages)


def _add(
    request: MemberRequest, form: EntryForm, client: Client | None = None
) -> WaitlistEntry | None:
    """Add from a valid form; None (with the errors on the form) when the service refuses."""
    data = form.cleaned_data
    wish = services.Wish(
        client=client or data["client"],
        service=data["service"],
        location=data["location"],
        practitioner=data["practitioner"],
        earliest_date=data["earliest_date"],
        latest_date=data["latest_date"],
        weekdays=tuple(data["weekdays"]),
        earliest_time=data["earliest_time"],
        latest_time=data["latest_time"],
        note=data["note"],
    )
    try:
        entry = services.add_entry(actor=StaffActor.from_request(request), wish=wish)
    except ValidationError as exc:
        _show(form, exc)
        return None
    entry.refresh_from_db()
    name = wish.client.full_name
    if entry.status == EntryStatus.OFFERED:
        messages.success(
            request, f"{name} is on the waitlist, and a matching free time was e-mailed already."
        )
    else:
        messages.success(
            request, f"{name} is on the waitlist. When a matching time frees, they get an e-mail."
        )
    return entry


def _rows(entries: list[WaitlistEntry]) -> list[dict[str, Any]]:
    """Each entry with its latest offer, in the location's local time."""
    rows = []
    for position, entry in enumerate(entries, start=1):
        latest = next(iter(entry.offers.all()), None)
        offer = None
        if latest is not None:
            tz = zone(entry.location.time_zone)
            offer = {
                "status": latest.get_status_display(),
                "start": local(latest.slot.start, tz),
                "expires": local(latest.expires_at, tz),
                "open": latest.status == "offered",
            }
        rows.append({"entry": entry, "position": position, "offer": offer})
    return rows


def _filtered(request: MemberRequest, client_id: Any = None) -> tuple[str, list[WaitlistEntry]]:
    chosen = request.GET.get("show", "open")
    chosen = chosen if chosen in FILTERS else "open"
    qs = selectors.entries_for(StaffActor.from_request(request), client_id=client_id)
    if chosen == "open":
        qs = qs.filter(status__in=(EntryStatus.WAITING, EntryStatus.OFFERED))
    elif chosen == "booked":
        qs = qs.filter(status=EntryStatus.BOOKED).order_by("-closed_at")
    else:
        qs = qs.filter(status__in=(EntryStatus.WITHDRAWN, EntryStatus.EXPIRED)).order_by(
            "-closed_at"
        )
    return chosen, list(qs[:500])


@member_required("schedule.view")
def waitlist(request: MemberRequest) -> HttpResponse:
    chosen, entries = _filtered(request)
    return render(
        request,
        "waitlist/list.html",
        {
            "rows": _rows(entries),
            "show": chosen,
            "filters": FILTERS,
            "can_edit": request.member.can("schedule.edit"),
        },
    )


@member_required("schedule.edit")
def waitlist_add(request: MemberRequest) -> HttpResponse:
    initial = {k: request.GET[k] for k in ("client", "service", "location") if request.GET.get(k)}
    form = EntryForm(request.POST or None, initial=initial, choices=_choices(request))
    if request.method == "POST" and form.is_valid() and _add(request, form) is not None:
        return redirect("web:waitlist")
    return render(request, "waitlist/add.html", {"form": form, "client": None})


@member_required("schedule.view")
def client_waitlist(request: MemberRequest, client_id: uuid.UUID) -> HttpResponse:
    """One client's waitlist entries, and adding one for them (from the client's page)."""
    member = request.member
    client = client_for(
        StaffActor.from_request(request), client_id, audited=request.method != "POST"
    )
    can_edit = member.can("schedule.edit")
    choices = {k: v for k, v in _choices(request).items() if k != "client"}
    form = EntryForm(request.POST or None, choices=choices, fixed_client=True)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Your role in this clinic does not allow this.")
        if form.is_valid() and _add(request, form, client) is not None:
            return redirect("web:client_waitlist", client_id=client.pk)
    chosen, entries = _filtered(request, client_id=client.pk)
    return render(
        request,
        "waitlist/client.html",
        {
            "client": client,
            "rows": _rows(entries),
            "show": chosen,
            "filters": FILTERS,
            "form": form if can_edit else None,
            "can_edit": can_edit,
        },
    )


@require_POST
@member_required("schedule.edit")
def waitlist_withdraw(request: MemberRequest, waitlist_entry_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    entry = get_scoped_or_404(selectors.entries_for(actor), pk=waitlist_entry_id)
    try:
        services.withdraw_entry(actor=actor, entry=entry)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{entry.client.full_name} was taken off the waitlist.")
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("web:waitlist")


REASONS = {
    "unknown": 404,
    "expired": 410,
    "accepted": 410,
    "gone": 410,
    "busy": 409,
    "blocked": 409,
}


def _closed(request: HttpRequest, reason: str, offer: Any = None) -> HttpResponse:
    clinic = offer.clinic if offer is not None else None
    return render(
        request,
        "waitlist/offer_closed.html",
        {"reason": reason, "clinic": clinic},
        status=REASONS.get(reason, 410),
    )


@never_cache
def waitlist_offer(request: HttpRequest, token: str) -> HttpResponse:
    """The client's side of an offer: no sign-in; nothing shows without a valid token."""
    offer = offers.find_offer(token)
    if offer is None:
        return _closed(request, "unknown")
    current = offers.state(offer)
    if current != "open":
        return _closed(request, current, offer)
    text = offers.describe(offer.slot)
    if request.method == "POST":
        try:
            offers.accept(
                offer=offer,
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        except offers.OfferUnavailable as exc:
            return _closed(request, exc.reason, offer)
        return render(request, "waitlist/offer_done.html", {"clinic": offer.clinic, "slot": text})
    tz = zone(offer.slot.location.time_zone)
    return render(
        request,
        "waitlist/offer.html",
        {"clinic": offer.clinic, "slot": text, "until": local(offer.expires_at, tz)},
    )
