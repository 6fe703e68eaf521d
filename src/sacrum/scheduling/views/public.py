"""The public booking pages: no sign-in, nothing about any client on them.

``/book/<clinic slug>/`` lists what can be booked and the free times; ``…/details``
takes who is booking and e-mails a link; ``/book/confirm/<token>/`` books;
``/book/manage/<token>/`` moves or cancels. An unknown, tampered, expired or used
token gets the same page and status (404). Every page is rate limited by address
(and the details form also by e-mail address), answers 429 with ``Retry-After`` when
over, is never cached, and its forms carry Django's CSRF token.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from sacrum.clinics.models import Clinic
from sacrum.clinics.prices import price_writer
from sacrum.kernel.actor import client_ip
from sacrum.kernel.errors import Conflict
from sacrum.scheduling import practitioners as people
from sacrum.scheduling import ratelimit
from sacrum.scheduling.forms import OnlineCancelForm, OnlineDetailsForm
from sacrum.scheduling.local_time import local, zone
from sacrum.scheduling.models import Appointment, AppointmentStatus, SchedulingPolicy
from sacrum.scheduling.services import online
from sacrum.scheduling.services.booking import OnlineBookingRefused

WEEK = 7
DONE_KEY = "sacrum_online_booked"
HELD_KEY = "sacrum_online_held"
TEMPLATES = "scheduling/public"


def _ip(request: HttpRequest) -> str:
    return client_ip(request) or "unknown"


def _actor(request: HttpRequest) -> Any:
    return online.public_actor(client_ip(request), request.META.get("HTTP_USER_AGENT", ""))


def _too_many(request: HttpRequest, exc: ratelimit.RateLimited) -> HttpResponse:
    minutes = max(1, -(-exc.retry_after // 60))
    response = render(request, f"{TEMPLATES}/rate_limited.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


def limited(limit_name: str) -> Callable[..., Any]:
    """Count each request against ``ratelimit.<limit_name>`` per address; over it, 429.

    The limit is looked up on each request, so a deployment (or a test) can change it.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                ratelimit.hit(getattr(ratelimit, limit_name), _ip(request))
            except ratelimit.RateLimited as exc:
                return _too_many(request, exc)
            return view(request, *args, **kwargs)

        return guarded

    return decorate


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, f"{TEMPLATES}/not_found.html", status=404)


def _invalid_link(request: HttpRequest) -> HttpResponse:
    return render(request, f"{TEMPLATES}/link_invalid.html", status=404)


def _errors(exc: ValidationError) -> dict[str, str]:
    if hasattr(exc, "error_dict"):
        return {k: " ".join(v) for k, v in exc.message_dict.items()}
    return {"__all__": " ".join(exc.messages)}


def _week_start(request: HttpRequest, tz: dt.tzinfo) -> dt.date:
    today = local(timezone.now(), tz).date()
    try:
        asked = dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        return today
    return min(max(asked, today), today + dt.timedelta(days=400))


def _days(
    by_day: dict[dt.date, list[tuple[dt.datetime, int]]], first: dt.date, skip: int | None = None
) -> dict[str, Any]:
    """The week's days with their free times; the first day with any is shown open.

    ``skip`` leaves out one start (the appointment's own time, when moving it).
    """
    days = [
        (day, [slot for slot in by_day.get(day, []) if slot[1] != skip])
        for day in (first + dt.timedelta(days=i) for i in range(WEEK))
    ]
    open_day = next((day for day, slots in days if slots), None)
    return {"days": days, "open_day": open_day, "any_free": open_day is not None}


def _contact(clinic: Clinic) -> dict[str, Any]:
    return {"clinic": clinic, "booking_url": reverse("web:online_booking", args=[clinic.slug])}


# --- step 1: what, where, with whom, when ---------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD"])
@limited("BROWSE_PER_IP")
def booking_page(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    opened = online.open_clinic(clinic_slug)
    if opened is None:
        return _not_found(request)
    clinic, policy = opened
    services = list(online.online_services(clinic))
    write_price = price_writer(clinic)
    for service in services:  # in the clinic's currency, written its way
        service.price_text = write_price(service.price)  # type: ignore[attr-defined]
    locations = list(online.online_locations(clinic))
    query = request.GET.copy()
    if len(locations) == 1:
        query["location"] = str(locations[0].pk)
    if len(services) == 1:
        query["service"] = str(services[0].pk)
    errors: dict[str, str] = {}
    choice = None
    if query.get("service") and query.get("location"):
        try:
            choice = online.choose(clinic, query, need_start=False)
        except ValidationError as exc:
            errors = _errors(exc)
    practitioners: list[Any] = []
    chosen_service = next((s for s in services if str(s.pk) == query.get("service")), None)
    members = (
        online.online_practitioners(chosen_service)
        if chosen_service is not None
        else people.bookable_online(clinic)
        if services
        else []
    )
    if chosen_service is not None:
        practitioners = [(m, online.practitioner_name(m)) for m in members]
        chosen = [m for m in members if str(m.pk) == query.get("practitioner")]
        members = chosen or members  # who the client will see: the one chosen, or anyone
    context: dict[str, Any] = {
        **_contact(clinic),
        "services": services,
        "locations": locations,
        "practitioners": practitioners,
        "people": people.cards(members),
        "query": query,
        "errors": errors,
        "choice": choice,
        "policy": policy,
        "notice": online._duration_text(policy.minimum_notice_minutes),
    }
    if choice is not None:
        tz = zone(choice.location.time_zone)
        first = _week_start(request, tz)
        slots = online.free_slots(choice, policy, first, WEEK)
        base = {
            "service": str(choice.service.pk),
            "location": str(choice.location.pk),
            "practitioner": str(choice.practitioner.pk) if choice.practitioner else "any",
        }
        today = local(timezone.now(), tz).date()
        context.update(
            {
                **_days(slots, first),
                "slot_query": base,
                "week_first": first,
                "week_last": first + dt.timedelta(days=WEEK - 1),
                "previous_week": first - dt.timedelta(days=WEEK) if first > today else None,
                "next_week": first + dt.timedelta(days=WEEK)
                if first + dt.timedelta(days=WEEK) <= online.latest(policy).date()
                else None,
                "tz_name": choice.location.time_zone,
            }
        )
    return render(request, f"{TEMPLATES}/book.html", context)


# --- step 2: who is booking -------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@limited("BROWSE_PER_IP")
def details_page(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    opened = online.open_clinic(clinic_slug)
    if opened is None:
        return _not_found(request)
    clinic, policy = opened
    source = request.POST if request.method == "POST" else request.GET
    form = OnlineDetailsForm(request.POST if request.method == "POST" else None)
    choice_errors: dict[str, str] = {}
    choice = None
    try:
        choice = online.choose(clinic, source)
        if request.method != "POST":  # a POST is checked by request_booking, which may
            online.check_choice(choice, policy)  # first let the visitor's own hold go
    except ValidationError as exc:
        choice_errors = _errors(exc)
    status = 200 if not choice_errors else 422
    if request.method == "POST" and choice is not None and not choice_errors:
        try:
            ratelimit.hit(ratelimit.REQUEST_PER_IP, _ip(request))
            email = request.POST.get("email", "")
            if email.strip():
                ratelimit.hit(ratelimit.REQUEST_PER_EMAIL, email)
        except ratelimit.RateLimited as exc:
            return _too_many(request, exc)
        if form.is_valid():
            data = form.cleaned_data
            details = online.Details(
                new_client=data["visitor"] == "new",
                email=data["email"],
                date_of_birth=data["date_of_birth"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                phone=data["phone"],
            )
            try:
                held = online.request_booking(
                    clinic=clinic,
                    policy=policy,
                    choice=choice,
                    details=details,
                    actor=_actor(request),
                )
            except ValidationError as exc:
                for name, message in _errors(exc).items():
                    if name in form.fields:
                        form.add_error(name, message)
                    else:
                        choice_errors[name] = message
            else:
                tz = zone(choice.location.time_zone)
                request.session[HELD_KEY] = {
                    "clinic": clinic.slug,
                    "slot": online.slot_label(
                        held.start, choice.location, choice.service.duration_minutes
                    ),
                    "until": online.until_text(held.until, tz),
                }
                return redirect("web:online_booking_sent", clinic_slug=clinic.slug)
        status = 422
    context: dict[str, Any] = {
        **_contact(clinic),
        "form": form,
        "choice": choice,
        "choice_errors": choice_errors,
        "back_query": {k: source.get(k, "") for k in ("service", "location", "practitioner")},
    }
    if choice is not None and choice.start is not None:
        context["slot"] = online.slot_label(
            choice.start, choice.location, choice.service.duration_minutes
        )
        context["practitioner_label"] = (
            online.practitioner_name(choice.practitioner)
            if choice.practitioner
            else "Anyone who offers it"
        )
        context["start_epoch"] = int(choice.start.timestamp())
    return render(request, f"{TEMPLATES}/details.html", context, status=status)


@never_cache
@require_http_methods(["GET", "HEAD"])
@limited("BROWSE_PER_IP")
def sent_page(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    opened = online.open_clinic(clinic_slug)
    if opened is None:
        return _not_found(request)
    held = request.session.get(HELD_KEY)
    if not held or held.get("clinic") != opened[0].slug:
        held = None
    return render(
        request,
        f"{TEMPLATES}/sent.html",
        {**_contact(opened[0]), "minutes": online.REQUEST_MINUTES, "held": held},
    )


# --- step 3: the e-mailed link books ---------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@limited("LINK_PER_IP")
def confirm_page(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what will be booked (mail scanners open links); only the button books."""
    pending = online.open_request(token)
    if pending is None:
        return _invalid_link(request)
    clinic = pending.clinic
    context: dict[str, Any] = {
        **_contact(clinic),
        "pending": pending,
        "slot": online.slot_label(
            pending.start, pending.location, pending.service.duration_minutes
        ),
        "practitioner_label": online.practitioner_name(pending.practitioner)
        if pending.practitioner
        else "Anyone who offers it",
    }
    if pending.expires_at <= timezone.now():  # the hold lapsed: say so, book nothing
        context["problem"] = online.lapsed_text(pending)
        return render(request, f"{TEMPLATES}/confirm.html", context, status=410)
    if request.method != "POST":
        return render(request, f"{TEMPLATES}/confirm.html", context)
    try:
        appointment = online.confirm_request(pending=pending, actor=_actor(request))
    except online.HoldLapsed as exc:
        context["problem"] = exc.message
        return render(request, f"{TEMPLATES}/confirm.html", context, status=410)
    except OnlineBookingRefused:
        return render(request, f"{TEMPLATES}/contact_clinic.html", context, status=403)
    except ValidationError as exc:
        context["problem"] = " ".join(exc.messages)
        return render(request, f"{TEMPLATES}/confirm.html", context, status=422)
    except Conflict as exc:
        context["problem"] = online.TAKEN if exc.fields else exc.message
        return render(request, f"{TEMPLATES}/confirm.html", context, status=409)
    request.session[DONE_KEY] = {
        "clinic": clinic.slug,
        "slot": context["slot"],
        "service": pending.service.name,
        "place": pending.location.name,
        "requested": appointment.status == AppointmentStatus.REQUESTED,
    }
    return redirect("web:online_booking_done")


@never_cache
def done_page(request: HttpRequest) -> HttpResponse:
    done = request.session.get(DONE_KEY)
    if not done:
        return _invalid_link(request)
    clinic = Clinic.objects.filter(slug=done["clinic"]).first()
    if clinic is None:
        return _invalid_link(request)
    return render(request, f"{TEMPLATES}/done.html", {**_contact(clinic), "done": done})


# --- the manage link -----------------------------------------------------------------------


def _manage_context(request: HttpRequest, link: Any, token: str, **extra: Any) -> dict[str, Any]:
    appointment: Appointment = link.appointment
    clinic = appointment.clinic
    policy = SchedulingPolicy.for_clinic(clinic.pk)
    tz = zone(appointment.location.time_zone)
    changeable = online.can_change(appointment, policy)
    context: dict[str, Any] = {
        **_contact(clinic),
        "appointment": appointment,
        "token": token,
        "slot": online.slot_label(
            appointment.start, appointment.location, appointment.duration_minutes
        ),
        "practitioner_label": online.practitioner_name(appointment.practitioner),
        "changeable": changeable,
        "window": online.window_text(policy),
        "cancel_form": OnlineCancelForm(),
        "tz_name": appointment.location.time_zone,
        **extra,
    }
    if changeable and "days" not in extra:
        first = _week_start(request, tz)
        choice = online.Choice(appointment.service, appointment.location, appointment.practitioner)
        slots = online.free_slots(
            choice,
            policy,
            first,
            WEEK,
            client_id=appointment.client_id,
            exclude_appointment_id=appointment.pk,
        )
        today = local(timezone.now(), tz).date()
        context.update(
            {
                **_days(slots, first, skip=int(appointment.start.timestamp())),
                "previous_week": first - dt.timedelta(days=WEEK) if first > today else None,
                "next_week": first + dt.timedelta(days=WEEK),
            }
        )
    return context


@never_cache
@require_http_methods(["GET", "HEAD"])
@limited("LINK_PER_IP")
def manage_page(request: HttpRequest, token: str) -> HttpResponse:
    link = online.open_manage(token)
    if link is None:
        return _invalid_link(request)
    return render(request, f"{TEMPLATES}/manage.html", _manage_context(request, link, token))


@never_cache
@require_POST
@limited("LINK_PER_IP")
def manage_cancel(request: HttpRequest, token: str) -> HttpResponse:
    link = online.open_manage(token)
    if link is None:
        return _invalid_link(request)
    form = OnlineCancelForm(request.POST)
    if not form.is_valid():
        context = _manage_context(request, link, token, cancel_form=form)
        return render(request, f"{TEMPLATES}/manage.html", context, status=422)
    try:
        online.cancel_by_link(link=link, reason=form.cleaned_data["reason"], actor=_actor(request))
    except ValidationError as exc:
        context = _manage_context(request, link, token, problem=" ".join(exc.messages))
        return render(request, f"{TEMPLATES}/manage.html", context, status=422)
    context = _manage_context(request, link, token, done="cancelled")
    return render(request, f"{TEMPLATES}/manage.html", context)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@limited("LINK_PER_IP")
def manage_reschedule(request: HttpRequest, token: str) -> HttpResponse:
    """GET (a time chosen on the manage page): old → new, "Move to this time" or "Keep
    my time". Only the POST of that page moves the appointment."""
    link = online.open_manage(token)
    if link is None:
        return _invalid_link(request)
    if request.method != "POST":
        return _confirm_move(request, link, token)
    try:
        start = online.parse_start(request.POST.get("start"))
        online.reschedule_by_link(link=link, start=start, actor=_actor(request))
    except OnlineBookingRefused:
        context = _manage_context(request, link, token)
        return render(request, f"{TEMPLATES}/contact_clinic.html", context, status=403)
    except ValidationError as exc:
        context = _manage_context(request, link, token, problem=" ".join(exc.messages))
        return render(request, f"{TEMPLATES}/manage.html", context, status=422)
    except Conflict:
        context = _manage_context(request, link, token, problem=online.TAKEN)
        return render(request, f"{TEMPLATES}/manage.html", context, status=409)
    # Moved: the new e-mail carries a new link and calendar file; this link is revoked.
    return _moved(request, link)


def _confirm_move(request: HttpRequest, link: Any, token: str) -> HttpResponse:
    appointment: Appointment = link.appointment
    policy = SchedulingPolicy.for_clinic(appointment.clinic_id)
    try:
        start = online.parse_start(request.GET.get("start"))
        if not online.can_change(appointment, policy):
            raise online.too_late(appointment, policy)
        choice = online.Choice(
            appointment.service, appointment.location, appointment.practitioner, start
        )
        online.check_choice(
            choice,
            policy,
            client_id=appointment.client_id,
            exclude_appointment_id=appointment.pk,
        )
    except ValidationError as exc:
        context = _manage_context(request, link, token, problem=" ".join(exc.messages))
        return render(request, f"{TEMPLATES}/manage.html", context, status=422)
    minutes = appointment.duration_minutes
    context = {
        **_contact(appointment.clinic),
        "appointment": appointment,
        "token": token,
        "old_slot": online.slot_label(appointment.start, appointment.location, minutes),
        "new_slot": online.slot_label(start, appointment.location, minutes),
        "start_epoch": int(start.timestamp()),
        "practitioner_label": online.practitioner_name(appointment.practitioner),
    }
    return render(request, f"{TEMPLATES}/move_confirm.html", context)


def _moved(request: HttpRequest, link: Any) -> HttpResponse:
    appointment = link.appointment
    return render(
        request,
        f"{TEMPLATES}/moved.html",
        {
            **_contact(appointment.clinic),
            "slot": online.slot_label(
                appointment.start, appointment.location, appointment.duration_minutes
            ),
        },
    )
