"""Plan pages: the client's plans, a new plan (proposing its measurement schedule), the
plan with its goals beside the latest scores, the proposed series and its confirmation,
the schedule, review, discharge, and the client's daily diary reminder."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from sacrum.clients.models import Client
from sacrum.clients.selectors import client_for
from sacrum.clinics.models import Location, Room
from sacrum.kernel.actor import StaffActor
from sacrum.kernel.errors import Conflict
from sacrum.kernel.forms import add_service_errors
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest
from sacrum.outcomes import reminders
from sacrum.outcomes.models import DiaryReminder, InstrumentDefinition
from sacrum.outcomes.services import DIARY_KEY
from sacrum.plans import measurements, selectors, services
from sacrum.plans.forms import (
    DiaryReminderForm,
    DischargeForm,
    MeasureFormSet,
    PlanForm,
    ReviewForm,
    SeriesForm,
    schedule_data,
)
from sacrum.plans.models import Plan, taper_text
from sacrum.scheduling.local_time import local, zone
from sacrum.scheduling.models import Appointment, ServiceType


def _actor(request: MemberRequest, action: str = "view") -> StaffActor:
    actor = StaffActor.from_request(request)
    if not actor.can(f"clinical.{action}"):
        raise PermissionDenied(selectors.CLINICAL_ONLY)
    return actor


def _plan(
    actor: StaffActor, client_id: uuid.UUID, plan_id: uuid.UUID, audited: bool = False
) -> Plan:
    plan = selectors.plan_for(actor, plan_id, audited=audited)
    if plan.client_id != client_id:
        raise Http404("Not found")
    return plan


def _back(plan: Plan) -> HttpResponse:
    return redirect("web:plan_detail", client_id=plan.client_id, plan_id=plan.pk)


@member_required("clinical.view")
def client_plans(request: MemberRequest, client_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    client = client_for(actor, client_id)
    plans = list(selectors.plans_for_client(actor, client))
    return render(
        request,
        "plans/client_plans.html",
        {
            "client": client,
            "plans": plans,
            "has_active": any(p.is_active for p in plans),
            "reminder": DiaryReminder.objects.filter(client=client).first(),
        },
    )


def _initial(client: Client) -> dict[str, Any]:
    proposal = services.proposed_measures(client.conditions or [])
    initial: dict[str, Any] = {
        "conditions": list(client.conditions or []),
        "start_date": services.local_today(client.clinic),
        "review_every_weeks": 6,
        "phase1_rule": "weekly",
        "phase1_count": 6,
        "phase2_rule": "every_2_weeks",
        "phase2_count": 3,
        "phase3_rule": "monthly",
        "phase3_count": 3,
        "measures": [m.instrument_key for m in proposal],
        "every_n_sessions": services.DEFAULT_EVERY_N,
        "at_discharge": True,
        "follow_up_days": services.DEFAULT_FOLLOW_UP_DAYS,
        "goal1_measure": proposal[-1].instrument_key if proposal else "",
    }
    return initial


@member_required("clinical.view")
def plan_new(request: MemberRequest, client_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request, "edit")
    client = client_for(actor, client_id, audited=False)
    assert actor.clinic is not None
    titles = services.instrument_titles(actor.clinic)
    form = PlanForm(
        request.POST or None, measures=titles, initial=None if request.POST else _initial(client)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.create_plan(
                actor=actor,
                client=client,
                phases=data["phases"],
                conditions=data["conditions"],
                planned_sessions=data.get("planned_sessions"),
                start_date=data.get("start_date"),
                review_every_weeks=data.get("review_every_weeks"),
                goals=data["goals"],
                measures=form.measure_data(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                "Plan saved. Now choose when the sessions start to see the proposed series.",
            )
            return redirect("web:plan_series", client_id=client.pk, plan_id=plan.pk)
    return render(request, "plans/plan_form.html", {"client": client, "form": form, "new": True})


@member_required("clinical.view")
def plan_edit(request: MemberRequest, client_id: uuid.UUID, plan_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request, "edit")
    plan = _plan(actor, client_id, plan_id)
    if not plan.is_active:
        messages.error(request, "This plan was discharged; start a new plan instead.")
        return _back(plan)
    initial: dict[str, Any] = {
        "conditions": plan.conditions,
        "planned_sessions": plan.planned_sessions,
        "review_every_weeks": plan.review_every_weeks,
    }
    for n, phase in enumerate(plan.phases, start=1):
        initial[f"phase{n}_rule"] = phase["rule"]
        initial[f"phase{n}_count"] = phase.get("count")
    for n, goal in enumerate(plan.goals.all(), start=1):
        initial.update(
            {
                f"goal{n}_text": goal.text,
                f"goal{n}_measure": goal.instrument_key,
                f"goal{n}_kind": goal.target_kind,
                f"goal{n}_value": goal.target_value,
            }
        )
    assert actor.clinic is not None
    form = PlanForm(
        request.POST or None,
        measures=services.instrument_titles(actor.clinic),
        new=False,
        initial=None if request.POST else initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_plan(
                actor=actor,
                plan=plan,
                data={
                    "conditions": data["conditions"],
                    "phases": data["phases"],
                    "planned_sessions": data.get("planned_sessions")
                    or services.counted_sessions(data["phases"])
                    or plan.planned_sessions,
                    "review_every_weeks": data.get("review_every_weeks"),
                },
                goals=data["goals"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Plan updated.")
            return _back(plan)
    return render(
        request,
        "plans/plan_form.html",
        {"client": plan.client, "plan": plan, "form": form, "new": False},
    )


@member_required("clinical.view")
def plan_detail(request: MemberRequest, client_id: uuid.UUID, plan_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    plan = _plan(actor, client_id, plan_id, audited=True)
    progress = selectors.progress(plan)
    titles = services.instrument_titles(plan.clinic)
    definitions = dict(
        InstrumentDefinition.objects.filter(clinic=plan.clinic).values_list("key", "pk")
    )
    overdue_before = timezone.now() - measurements.OVERDUE_AFTER
    upcoming = []
    if plan.series_id:
        upcoming = list(
            Appointment.objects.filter(
                series_id=plan.series_id,
                start__gte=timezone.now(),
                status__in=("requested", "booked", "confirmed"),
            ).order_by("start")[:6]
        )
    return render(
        request,
        "plans/plan_detail.html",
        {
            "client": plan.client,
            "plan": plan,
            "progress": progress,
            "measurement_rows": [
                {
                    "m": m,
                    "title": titles.get(m.instrument_key, m.instrument_key),
                    "fill_url": reverse(
                        "web:response_new",
                        kwargs={
                            "client_id": plan.client_id,
                            "instrument_id": definitions[m.instrument_key],
                        },
                    )
                    if m.instrument_key in definitions
                    else "",
                    "overdue": m.state in ("due", "sent", "reminded")
                    and m.due_at <= overdue_before,
                    "future": m.due_at > timezone.now(),
                }
                for m in progress.measurements
            ],
            "measures": [
                (titles.get(m.instrument_key, m.instrument_key), m) for m in plan.measures.all()
            ],
            "upcoming": upcoming,
            "review_form": ReviewForm(),
            "can_edit": actor.can("clinical.edit"),
            "reviews": list(plan.reviews.all()[:10]),
            "now": timezone.now(),
        },
    )


def _series_form(actor: StaffActor, data: Any = None, initial: Any = None) -> SeriesForm:
    services_qs = ServiceType.objects.for_member(actor.member, "view")
    locations = Location.objects.for_member(actor.member, "view")
    rooms = Room.objects.for_member(actor.member, "view").select_related("location")
    return SeriesForm(
        data,
        initial=initial,
        services=[(str(s.pk), s.name) for s in services_qs.filter(active=True).order_by("name")],
        locations=[(str(loc.pk), loc.name) for loc in locations.order_by("name")],
        rooms=[(str(r.pk), f"{r.location.name}: {r.name}") for r in rooms.order_by("name")],
    )


def _choice(actor: StaffActor, form: SeriesForm) -> services.SeriesChoice:
    data = form.cleaned_data
    services_qs = ServiceType.objects.for_member(actor.member, "view")
    room = (
        Room.objects.for_member(actor.member, "view").filter(pk=data["room"]).first()
        if data.get("room")
        else None
    )
    return services.SeriesChoice(
        service=services_qs.get(pk=data["service"]),
        location=Location.objects.for_member(actor.member, "view").get(pk=data["location"]),
        room=room,
        first_date=data["first_date"],
        local_time=data["local_time"],
    )


def _chosen_starts(request: HttpRequest, count: int) -> list[dt.datetime]:
    starts = []
    for i in range(count):
        value = request.POST.get(f"occ-{i}", "")
        if not value:
            continue
        try:
            start = dt.datetime.fromisoformat(value)
        except ValueError:
            continue
        if timezone.is_aware(start):
            starts.append(start)
    return starts


@member_required("clinical.view")
def plan_series(request: MemberRequest, client_id: uuid.UUID, plan_id: uuid.UUID) -> HttpResponse:
    """Step 1: when the first session is. Step 2: the proposal (free or not, alternatives).
    Step 3: confirm the chosen times — booked all together, or none."""
    actor = _actor(request, "edit")
    plan = _plan(actor, client_id, plan_id)
    if not plan.is_active:
        messages.error(request, "This plan was discharged.")
        return _back(plan)
    default_day = services.local_today(plan.clinic) + dt.timedelta(days=1)
    form = _series_form(
        actor,
        request.POST or None,
        initial={"first_date": max(plan.start_date, default_day), "local_time": dt.time(10)},
    )
    occurrences: list[Any] = []
    tz = None
    if request.method == "POST" and form.is_valid():
        choice = _choice(actor, form)
        tz = zone(choice.location.time_zone)
        try:
            if request.POST.get("action") == "confirm":
                count = int(request.POST.get("count") or 0)
                starts = _chosen_starts(request, min(count, 200))
                if not starts:
                    raise ValidationError({"occurrences": "Choose at least one time to book."})
                _series, booked = services.confirm_series(
                    actor=actor, plan=plan, choice=choice, starts=starts
                )
                messages.success(
                    request,
                    f"{len(booked)} appointment{'s' if len(booked) != 1 else ''} booked for this plan.",
                )
                return _back(plan)
            occurrences = services.propose_series(actor=actor, plan=plan, choice=choice)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, exc.message)
    rows = [
        {
            "index": i,
            "occurrence": o,
            "local": local(o.start, tz or dt.UTC),
            "alternatives": [(a, local(a, tz or dt.UTC)) for a in o.alternatives],
        }
        for i, o in enumerate(occurrences)
    ]
    return render(
        request,
        "plans/series.html",
        {
            "client": plan.client,
            "plan": plan,
            "form": form,
            "rows": rows,
            "conflicts": sum(not o.free for o in occurrences),
            "taper": taper_text(services.series_phases(plan)),
            "has_series": plan.series_id is not None,
        },
    )


@member_required("clinical.view")
def plan_schedule(request: MemberRequest, client_id: uuid.UUID, plan_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request, "edit")
    plan = _plan(actor, client_id, plan_id)
    titles = services.instrument_titles(plan.clinic)
    choices = sorted(
        ((k, v) for k, v in titles.items() if k != DIARY_KEY), key=lambda kv: kv[1].lower()
    )
    initial = [
        {
            "instrument_key": m.instrument_key,
            "baseline": m.baseline,
            "every_n_sessions": m.every_n_sessions,
            "at_discharge": m.at_discharge,
            "follow_up_days": m.follow_up_days,
        }
        for m in plan.measures.all()
    ]
    formset = MeasureFormSet(
        request.POST or None,
        initial=None if request.POST else initial,
        form_kwargs={"choices": choices},
        prefix="m",
    )
    if request.method == "POST" and formset.is_valid():
        try:
            services.set_schedule(actor=actor, plan=plan, measures=schedule_data(formset))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, "Measurement schedule saved.")
            return _back(plan)
    return render(
        request,
        "plans/schedule.html",
        {"client": plan.client, "plan": plan, "formset": formset},
    )


@require_POST
@member_required("clinical.view")
def plan_review(request: MemberRequest, client_id: uuid.UUID, plan_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request, "edit")
    plan = _plan(actor, client_id, plan_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "Check the review: "
            + " ".join(str(e) for errors in form.errors.values() for e in errors),
        )
        return _back(plan)
    try:
        review = services.record_review(
            actor=actor,
            plan=plan,
            note=form.cleaned_data["note"],
            next_review_on=form.cleaned_data.get("next_review_on"),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        nxt = f" Next review {review.next_review_on:%d %b %Y}." if review.next_review_on else ""
        messages.success(request, f"Review recorded.{nxt}")
    return _back(plan)


@member_required("clinical.view")
def plan_discharge(
    request: MemberRequest, client_id: uuid.UUID, plan_id: uuid.UUID
) -> HttpResponse:
    actor = _actor(request, "edit")
    plan = _plan(actor, client_id, plan_id)
    if not plan.is_active:
        messages.error(request, "This plan was already discharged.")
        return _back(plan)
    form = DischargeForm(
        request.POST or None, initial={"discharged_on": services.local_today(plan.clinic)}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.discharge(
                actor=actor,
                plan=plan,
                reason=data["reason"],
                summary=data["summary"],
                discharged_on=data["discharged_on"],
                cancel_remaining=bool(data.get("cancel_remaining")),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, "Plan discharged. Discharge and follow-up questionnaires are scheduled."
            )
            return _back(plan)
    progress = selectors.progress(plan)
    return render(
        request,
        "plans/discharge.html",
        {"client": plan.client, "plan": plan, "form": form, "progress": progress},
    )


@require_POST
@member_required("clinical.view")
def measurement_send(request: MemberRequest, plan_measurement_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request, "edit")
    measurement = selectors.measurement_for(actor, plan_measurement_id)
    try:
        services.send_measurement_now(actor=actor, measurement=measurement)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The link was e-mailed to {measurement.plan.client.email}.")
    return _back(measurement.plan)


@require_POST
@member_required("clinical.view")
def measurement_skip(request: MemberRequest, plan_measurement_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request, "edit")
    measurement = selectors.measurement_for(actor, plan_measurement_id)
    try:
        services.skip_measurement(actor=actor, measurement=measurement)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Measurement left out.")
    return _back(measurement.plan)


@member_required("clinical.view")
def diary_reminder(request: MemberRequest, client_id: uuid.UUID) -> HttpResponse:
    """The client's daily diary e-mail at the time they chose (their local time)."""
    actor = StaffActor.from_request(request)
    if not actor.can("outcome.edit"):
        raise PermissionDenied("The diary is for practitioners and owners only.")
    client = client_for(actor, client_id, audited=False)
    reminder = DiaryReminder.objects.filter(client=client).first()
    initial = (
        {
            "local_time": reminder.local_time,
            "time_zone": reminder.time_zone,
            "until": reminder.until,
        }
        if reminder
        else {"local_time": dt.time(20), "time_zone": client.clinic.time_zone}
    )
    form = DiaryReminderForm(request.POST or None, initial=initial)
    if request.method == "POST" and request.POST.get("action") == "stop":
        reminders.stop_diary_reminder(actor=actor, client=client)
        messages.success(request, "Daily diary e-mails stopped.")
        return redirect("web:client_plans", client_id=client.pk)
    if request.method == "POST" and form.is_valid():
        try:
            saved = reminders.set_diary_reminder(
                actor=actor,
                client=client,
                local_time=form.cleaned_data["local_time"],
                time_zone=form.cleaned_data.get("time_zone") or "",
                until=form.cleaned_data.get("until"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"The diary link will be e-mailed daily at {saved.local_time:%H:%M} ({saved.time_zone}).",
            )
            return redirect("web:client_plans", client_id=client.pk)
    return render(
        request,
        "plans/diary_reminder.html",
        {"client": client, "form": form, "reminder": reminder},
    )
