"""Working hours: a practitioner's weekly hours, date exceptions and time off; clinic closures.

A practitioner edits their own; an owner anyone's; the front desk can look.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from sacrum.clinics.models import Location
from sacrum.kernel.actor import StaffActor
from sacrum.kernel.errors import Forbidden
from sacrum.kernel.forms import DateInput, add_service_errors
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest
from sacrum.scheduling import selectors
from sacrum.scheduling.forms import ExceptionForm, HoursForm, TimeOffForm
from sacrum.scheduling.local_time import aware, local, zone
from sacrum.scheduling.models import Weekday
from sacrum.scheduling.services import availability


class ClosureForm(django_forms.Form):
    first_day = django_forms.DateField(widget=DateInput(), label="First day")
    last_day = django_forms.DateField(widget=DateInput(), label="Last day")
    location = django_forms.ModelChoiceField(
        queryset=Location.objects.none(),
        required=False,
        empty_label="Every location",
    )
    reason = django_forms.CharField(required=False, max_length=200)

    def __init__(self, *args: Any, locations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations  # type: ignore[attr-defined]


def _subject(request: HttpRequest, actor: StaffActor, wanted: str | None) -> Any:
    people = list(selectors.practitioners_for(actor))
    own = next((p for p in people if actor.member and p.pk == actor.member.pk), None)
    chosen = next((p for p in people if str(p.pk) == wanted), None)
    return chosen or own or (people[0] if people else None), people


def _url(subject: Any) -> str:
    base = reverse("web:working_hours")
    return f"{base}?who={subject.pk}" if subject is not None else base


@member_required("schedule.view")
def working_hours(request: MemberRequest) -> HttpResponse:
    actor = StaffActor.from_request(request)
    member = request.member
    subject, people = _subject(request, actor, request.GET.get("who") or request.POST.get("who"))
    locations = Location.objects.for_member(member).filter(active=True)
    own = subject is not None and actor.member is not None and subject.pk == actor.member.pk
    can_edit = subject is not None and actor.can(
        "availability.edit_own" if own else "availability.manage"
    )
    post = request.POST if request.method == "POST" else None
    action = request.POST.get("action", "")
    hours_form = HoursForm(post if action == "hours" else None, locations=locations, prefix="h")
    exception_form = ExceptionForm(
        post if action == "exception" else None, locations=locations, prefix="x"
    )
    time_off_form = TimeOffForm(post if action == "time_off" else None, prefix="t")
    closure_form = ClosureForm(
        post if action == "closure" else None, locations=locations, prefix="c"
    )

    if post is not None and subject is not None:
        clinic_zone = zone(actor.clinic.time_zone if actor.clinic else "UTC")
        handlers: dict[str, tuple[Any, Callable[[dict[str, Any]], object]]] = {
            "hours": (
                hours_form,
                lambda d: availability.add_weekly_hours(actor=actor, practitioner=subject, data=d),
            ),
            "exception": (
                exception_form,
                lambda d: availability.add_exception(actor=actor, practitioner=subject, data=d),
            ),
            "time_off": (
                time_off_form,
                lambda d: availability.add_time_off(
                    actor=actor,
                    practitioner=subject,
                    data={
                        **d,
                        "start": aware(d["start"].replace(tzinfo=None), clinic_zone),
                        "end": aware(d["end"].replace(tzinfo=None), clinic_zone),
                    },
                ),
            ),
            "closure": (closure_form, lambda d: availability.add_closure(actor=actor, data=d)),
        }
        if action in handlers:
            form, save = handlers[action]
            if form.is_valid():
                try:
                    save(dict(form.cleaned_data))
                except ValidationError as exc:
                    add_service_errors(form, exc)
                except Forbidden as exc:
                    messages.error(request, str(exc))
                    return redirect(_url(subject))
                else:
                    messages.success(request, "Saved.")
                    return redirect(_url(subject))

    today = timezone.localdate()
    context: dict[str, Any] = {
        "subject": subject,
        "people": people,
        "can_edit": can_edit,
        "can_close": actor.can("availability.manage"),
        "weekdays": Weekday.choices,
        "hours_form": hours_form,
        "exception_form": exception_form,
        "time_off_form": time_off_form,
        "closure_form": closure_form,
        "closures": list(selectors.closures_for(actor).filter(last_day__gte=today)),
    }
    if subject is not None:
        hours = list(selectors.hours_for(actor).filter(practitioner=subject))
        context["week"] = [
            (label, [h for h in hours if h.weekday == value]) for value, label in Weekday.choices
        ]
        context["exceptions"] = list(
            selectors.exceptions_for(actor).filter(practitioner=subject, date__gte=today)
        )
        shown_in = zone(actor.clinic.time_zone if actor.clinic else "UTC")
        context["time_off"] = [
            (local(t.start, shown_in), local(t.end, shown_in), t)
            for t in selectors.time_off_for(actor).filter(
                practitioner=subject, end__gte=timezone.now()
            )
        ]
        context["clinic_zone"] = str(shown_in)
    return render(request, "scheduling/hours.html", context)


def _delete(
    request: MemberRequest,
    fetch: Callable[[StaffActor], Any],
    remove: Callable[..., None],
    key: str,
) -> HttpResponse:
    actor = StaffActor.from_request(request)
    obj = fetch(actor)
    who = getattr(obj, "practitioner", None)
    try:
        remove(actor=actor, **{key: obj})
    except Forbidden as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Removed.")
    return redirect(_url(who))


@require_POST
@member_required("schedule.view")
def hours_delete(request: MemberRequest, hours_id: uuid.UUID) -> HttpResponse:
    return _delete(
        request,
        lambda a: selectors.hours_one(a, hours_id),
        availability.delete_weekly_hours,
        "hours",
    )


@require_POST
@member_required("schedule.view")
def exception_delete(request: MemberRequest, exception_id: uuid.UUID) -> HttpResponse:
    return _delete(
        request,
        lambda a: selectors.exception_for(a, exception_id),
        availability.delete_exception,
        "exception",
    )


@require_POST
@member_required("schedule.view")
def time_off_delete(request: MemberRequest, time_off_id: uuid.UUID) -> HttpResponse:
    return _delete(
        request,
        lambda a: selectors.time_off_one(a, time_off_id),
        availability.delete_time_off,
        "time_off",
    )


@require_POST
@member_required("schedule.view")
def closure_delete(request: MemberRequest, closure_id: uuid.UUID) -> HttpResponse:
    return _delete(
        request,
        lambda a: selectors.closure_for(a, closure_id),
        availability.delete_closure,
        "closure",
    )
