"""/api/v1 scheduling: services, availability, slots, appointments, series.

Same rules as the pages: a conflict is 409 naming what overlaps, bad input is 422 by
field and writes nothing, another clinic's object is 404.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from sacrum.kernel.api import PageOut, actor_of, paginate
from sacrum.kernel.errors import Forbidden
from sacrum.kernel.fields import Day, Moment, PageNumber, PageSize
from sacrum.kernel.requests import MemberRequest
from sacrum.scheduling import selectors
from sacrum.scheduling.local_time import aware, local, zone
from sacrum.scheduling.models import Appointment, SchedulingPolicy, ServiceType
from sacrum.scheduling.schemas import (
    AppointmentIn,
    AppointmentOut,
    AppointmentPatch,
    CancelIn,
    CancelledOut,
    ChangeOut,
    ClosureIn,
    ClosureOut,
    ExceptionIn,
    ExceptionOut,
    HoursIn,
    HoursOut,
    HoursPatch,
    PolicyIn,
    RescheduleIn,
    SchedulingPolicyOut,
    SeriesCancelIn,
    SeriesCreateIn,
    SeriesIn,
    SeriesOut,
    SeriesPlanOut,
    ServiceIn,
    ServiceOut,
    ServicePatch,
    SlotsOut,
    StatusIn,
    TimeOffIn,
    TimeOffOut,
)
from sacrum.scheduling.services import availability, booking, catalogue, online
from sacrum.scheduling.services import series as series_services
from sacrum.scheduling.slots import check_range, find_slots

router = Router(tags=["scheduling"])
MAX_SLOTS = 2000


def _tz(name: str | None, default: str) -> dt.tzinfo:
    return zone(name or default)


# --- services ----------------------------------------------------------------------


@router.get("/services", response=PageOut[ServiceOut], tags=["services"])
def list_services(
    request: HttpRequest, active: bool | None = None, page: PageNumber = 1, page_size: PageSize = 50
) -> dict[str, Any]:
    qs = selectors.services_for(actor_of(request))
    if active is not None:
        qs = qs.filter(active=active)
    return paginate(qs, page, page_size)


@router.post("/services", response={201: ServiceOut}, tags=["services"])
def create_service(request: HttpRequest, payload: ServiceIn) -> Status[ServiceType]:
    data = payload.dict(exclude={"practitioner_ids"})
    service = catalogue.create_service(
        actor=actor_of(request), data=data, practitioner_ids=payload.practitioner_ids
    )
    return Status(201, service)


@router.get("/services/{service_id}", response=ServiceOut, tags=["services"])
def get_service(request: HttpRequest, service_id: uuid.UUID) -> ServiceType:
    return selectors.service_for(actor_of(request), service_id)


@router.patch("/services/{service_id}", response=ServiceOut, tags=["services"])
def patch_service(
    request: HttpRequest, service_id: uuid.UUID, payload: ServicePatch
) -> ServiceType:
    actor = actor_of(request)
    service = selectors.service_for(actor, service_id)
    data = payload.dict(exclude_unset=True)
    ids = data.pop("practitioner_ids", None)
    return catalogue.update_service(actor=actor, service=service, data=data, practitioner_ids=ids)


@router.delete("/services/{service_id}", response={204: None}, tags=["services"])
def delete_service(request: HttpRequest, service_id: uuid.UUID) -> Status[None]:
    actor = actor_of(request)
    catalogue.delete_service(actor=actor, service=selectors.service_for(actor, service_id))
    return Status(204, None)


@router.get("/scheduling-policy", response=SchedulingPolicyOut, tags=["services"])
def get_policy(request: MemberRequest) -> SchedulingPolicy:
    return SchedulingPolicy.for_clinic(request.member.clinic_id)


@router.patch("/scheduling-policy", response=SchedulingPolicyOut, tags=["services"])
def patch_policy(request: HttpRequest, payload: PolicyIn) -> SchedulingPolicy:
    return catalogue.save_policy(actor=actor_of(request), data=payload.dict(exclude_none=True))


# --- availability --------------------------------------------------------------------


@router.get("/weekly-hours", response=PageOut[HoursOut], tags=["availability"])
def list_hours(
    request: HttpRequest,
    practitioner_id: uuid.UUID | None = None,
    location_id: uuid.UUID | None = None,
    page: PageNumber = 1,
    page_size: PageSize = 50,
) -> dict[str, Any]:
    qs = selectors.hours_for(actor_of(request))
    if practitioner_id:
        qs = qs.filter(practitioner_id=practitioner_id)
    if location_id:
        qs = qs.filter(location_id=location_id)
    return paginate(
        qs.order_by("practitioner__user__full_name", "weekday", "start_time"), page, page_size
    )


@router.post("/weekly-hours", response={201: HoursOut}, tags=["availability"])
def create_hours(request: HttpRequest, payload: HoursIn) -> Status[Any]:
    actor = actor_of(request)
    data = payload.dict(exclude={"practitioner_id", "location_id"})
    data["location"] = selectors.pick_location(actor, payload.location_id)
    hours = availability.add_weekly_hours(
        actor=actor,
        practitioner=selectors.pick_practitioner(actor, payload.practitioner_id),
        data=data,
    )
    return Status(201, hours)


@router.patch("/weekly-hours/{hours_id}", response=HoursOut, tags=["availability"])
def patch_hours(request: HttpRequest, hours_id: uuid.UUID, payload: HoursPatch) -> Any:
    actor = actor_of(request)
    hours = selectors.hours_one(actor, hours_id)
    data = payload.dict(exclude_unset=True, exclude={"location_id"})
    if payload.location_id is not None:
        data["location"] = selectors.pick_location(actor, payload.location_id)
    return availability.update_weekly_hours(actor=actor, hours=hours, data=data)


@router.delete("/weekly-hours/{hours_id}", response={204: None}, tags=["availability"])
def delete_hours(request: HttpRequest, hours_id: uuid.UUID) -> Status[None]:
    actor = actor_of(request)
    availability.delete_weekly_hours(actor=actor, hours=selectors.hours_one(actor, hours_id))
    return Status(204, None)


@router.get("/availability-exceptions", response=PageOut[ExceptionOut], tags=["availability"])
def list_exceptions(
    request: HttpRequest,
    practitioner_id: uuid.UUID | None = None,
    date_from: Day | None = None,
    page: PageNumber = 1,
    page_size: PageSize = 50,
) -> dict[str, Any]:
    qs = selectors.exceptions_for(actor_of(request))
    if practitioner_id:
        qs = qs.filter(practitioner_id=practitioner_id)
    if date_from:
        qs = qs.filter(date__gte=date_from)
    return paginate(qs, page, page_size)


@router.post("/availability-exceptions", response={201: ExceptionOut}, tags=["availability"])
def create_exception(request: HttpRequest, payload: ExceptionIn) -> Status[Any]:
    actor = actor_of(request)
    data = payload.dict(exclude={"practitioner_id", "location_id"})
    data["location"] = selectors.pick_location(actor, payload.location_id)
    exception = availability.add_exception(
        actor=actor,
        practitioner=selectors.pick_practitioner(actor, payload.practitioner_id),
        data=data,
    )
    return Status(201, exception)


@router.delete(
    "/availability-exceptions/{exception_id}", response={204: None}, tags=["availability"]
)
def delete_exception(request: HttpRequest, exception_id: uuid.UUID) -> Status[None]:
    actor = actor_of(request)
    availability.delete_exception(
        actor=actor, exception=selectors.exception_for(actor, exception_id)
    )
    return Status(204, None)


@router.get("/time-off", response=PageOut[TimeOffOut], tags=["availability"])
def list_time_off(
    request: HttpRequest,
    practitioner_id: uuid.UUID | None = None,
    page: PageNumber = 1,
    page_size: PageSize = 50,
) -> dict[str, Any]:
    qs = selectors.time_off_for(actor_of(request))
    if practitioner_id:
        qs = qs.filter(practitioner_id=practitioner_id)
    return paginate(qs, page, page_size)


@router.post("/time-off", response={201: TimeOffOut}, tags=["availability"])
def create_time_off(request: HttpRequest, payload: TimeOffIn) -> Status[Any]:
    actor = actor_of(request)
    practitioner = selectors.pick_practitioner(actor, payload.practitioner_id)
    clinic_zone = actor.clinic.time_zone if actor.clinic else "UTC"
    tz = _tz(payload.time_zone, clinic_zone)
    data = {
        "start": aware(payload.start, tz),
        "end": aware(payload.end, tz),
        "reason": payload.reason,
    }
    return Status(201, availability.add_time_off(actor=actor, practitioner=practitioner, data=data))


@router.delete("/time-off/{time_off_id}", response={204: None}, tags=["availability"])
def delete_time_off(request: HttpRequest, time_off_id: uuid.UUID) -> Status[None]:
    actor = actor_of(request)
    availability.delete_time_off(actor=actor, time_off=selectors.time_off_one(actor, time_off_id))
    return Status(204, None)


@router.get("/closures", response=PageOut[ClosureOut], tags=["availability"])
def list_closures(
    request: HttpRequest, page: PageNumber = 1, page_size: PageSize = 50
) -> dict[str, Any]:
    return paginate(selectors.closures_for(actor_of(request)), page, page_size)


@router.post("/closures", response={201: ClosureOut}, tags=["availability"])
def create_closure(request: HttpRequest, payload: ClosureIn) -> Status[Any]:
    actor = actor_of(request)
    data = payload.dict(exclude={"location_id"})
    data["location"] = selectors.pick_location(actor, payload.location_id)
    return Status(201, availability.add_closure(actor=actor, data=data))


@router.delete("/closures/{closure_id}", response={204: None}, tags=["availability"])
def delete_closure(request: HttpRequest, closure_id: uuid.UUID) -> Status[None]:
    actor = actor_of(request)
    availability.delete_closure(actor=actor, closure=selectors.closure_for(actor, closure_id))
    return Status(204, None)


# --- slots -------------------------------------------------------------------------------


class SlotQuery(Schema):
    service_id: uuid.UUID
    location_id: uuid.UUID
    date_from: Day = Field(description="First local day at the location.")
    date_to: Day = Field(description="Last local day (inclusive), at most 92 days later.")
    practitioner_id: uuid.UUID | None = None
    client_id: uuid.UUID | None = None
    time_zone: str | None = Field(None, description="Zone for local_start; default the location's.")
    limit: int = Field(200, ge=1, le=MAX_SLOTS)


@router.get("/slots", response=SlotsOut, tags=["availability"], summary="Free slots")
def slots(request: HttpRequest, query: Query[SlotQuery]) -> dict[str, Any]:
    actor = actor_of(request)
    if not actor.can("schedule.view"):
        raise Forbidden("Your role in this clinic does not allow this.")
    service = selectors.pick_service(actor, query.service_id)
    location = selectors.pick_location(actor, query.location_id)
    show = _tz(query.time_zone, location.time_zone)
    check_range((query.date_to - query.date_from).days + 1)
    if query.practitioner_id is not None:
        selectors.pick_practitioner(actor, query.practitioner_id)
    if query.client_id is not None:
        selectors.pick_client(actor, query.client_id)
    result = find_slots(
        service=service,
        location=location,
        first_day=query.date_from,
        last_day=query.date_to,
        practitioner_ids=[query.practitioner_id] if query.practitioner_id else None,
        client_id=query.client_id,
        not_before=timezone.now(),
        step_minutes=SchedulingPolicy.for_clinic(location.clinic_id).slot_step_minutes,
    )
    found = result.slots(limit=query.limit)
    count = result.count()
    return {
        "time_zone": query.time_zone or location.time_zone,
        "count": count,
        "truncated": count > len(found),
        "slots": [
            {
                "practitioner_id": s.practitioner_id,
                "start": s.start,
                "end": s.end,
                "local_start": local(s.start, show),
            }
            for s in found
        ],
    }


LIST_COLUMNS = (
    *(f.name for f in Appointment._meta.concrete_fields),
    "client__first_name",
    "client__preferred_name",
    "client__last_name",
    "practitioner__user__full_name",
    "practitioner__user__email",
    "practitioner__practitioner_profile__display_name",
    "service__name",
    "location__time_zone",
    "room__name",
)

# --- appointments ------------------------------------------------------------------------


@router.get("/appointments", response=PageOut[AppointmentOut], tags=["appointments"])
def list_appointments(
    request: HttpRequest,
    date_from: Moment | None = None,
    date_to: Moment | None = None,
    practitioner_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
    location_id: uuid.UUID | None = None,
    status: str | None = None,
    page: PageNumber = 1,
    page_size: PageSize = 50,
) -> dict[str, Any]:
    actor = actor_of(request)
    utc = dt.UTC
    qs = selectors.appointments_for(
        actor,
        start=aware(date_from, utc) if date_from else None,
        end=aware(date_to, utc) if date_to else None,
        practitioner_id=practitioner_id,
        client_id=client_id,
        location_id=location_id,
        status=status,
    ).only(*LIST_COLUMNS)
    return paginate(qs, page, page_size)


@router.post("/appointments", response={201: AppointmentOut}, tags=["appointments"])
def create_appointment(request: HttpRequest, payload: AppointmentIn) -> Status[Appointment]:
    actor = actor_of(request)
    location = selectors.pick_location(actor, payload.location_id)
    tz = _tz(payload.time_zone, location.time_zone)
    start = aware(payload.start, tz)
    end = aware(payload.end, tz) if payload.end is not None else None
    if end is not None and end <= start:
        raise ValidationError({"end": "The end must be after the start."})
    appointment = booking.book(
        actor=actor,
        booking=booking.Booking(
            client=selectors.pick_client(actor, payload.client_id),
            practitioner=selectors.pick_practitioner(actor, payload.practitioner_id),
            service=selectors.pick_service(actor, payload.service_id),
            location=location,
            start=start,
            end=end,
            room=selectors.pick_room(actor, payload.room_id),
            note=payload.note,
            status=payload.status,
            source=payload.source,
        ),
    )
    return Status(201, appointment)


@router.get("/appointments/{appointment_id}", response=AppointmentOut, tags=["appointments"])
def get_appointment(request: HttpRequest, appointment_id: uuid.UUID) -> Appointment:
    return selectors.appointment_for(actor_of(request), appointment_id)


@router.patch("/appointments/{appointment_id}", response=AppointmentOut, tags=["appointments"])
def patch_appointment(
    request: HttpRequest, appointment_id: uuid.UUID, payload: AppointmentPatch
) -> Appointment:
    actor = actor_of(request)
    appointment = selectors.appointment_for(actor, appointment_id, audited=False)
    if payload.note is not None:
        booking.update_note(actor=actor, appointment=appointment, note=payload.note)
    return appointment


@router.post(
    "/appointments/{appointment_id}/reschedule", response=AppointmentOut, tags=["appointments"]
)
def reschedule(
    request: HttpRequest, appointment_id: uuid.UUID, payload: RescheduleIn
) -> Appointment:
    actor = actor_of(request)
    appointment = selectors.appointment_for(actor, appointment_id, audited=False)
    location = selectors.pick_location(actor, payload.location_id) if payload.location_id else None
    tz = _tz(payload.time_zone, (location or appointment.location).time_zone)
    extra: dict[str, Any] = {}
    if "room_id" in payload.model_fields_set:
        extra["room"] = selectors.pick_room(actor, payload.room_id)
    return booking.reschedule(
        actor=actor,
        appointment=appointment,
        start=aware(payload.start, tz) if payload.start else None,
        practitioner=(
            selectors.pick_practitioner(actor, payload.practitioner_id)
            if payload.practitioner_id
            else None
        ),
        location=location,
        reason=payload.reason,
        **extra,
    )


@router.post(
    "/appointments/{appointment_id}/cancel", response=AppointmentOut, tags=["appointments"]
)
def cancel(request: HttpRequest, appointment_id: uuid.UUID, payload: CancelIn) -> Appointment:
    actor = actor_of(request)
    appointment = selectors.appointment_for(actor, appointment_id, audited=False)
    return booking.cancel(
        actor=actor, appointment=appointment, reason=payload.reason, party=payload.by
    )


@router.post(
    "/appointments/{appointment_id}/status", response=AppointmentOut, tags=["appointments"]
)
def change_status(
    request: HttpRequest, appointment_id: uuid.UUID, payload: StatusIn
) -> Appointment:
    actor = actor_of(request)
    appointment = selectors.appointment_for(actor, appointment_id, audited=False)
    return booking.change_status(
        actor=actor, appointment=appointment, status=payload.status, reason=payload.reason
    )


@router.post(
    "/appointments/{appointment_id}/accept", response=AppointmentOut, tags=["appointments"]
)
def accept_request(request: HttpRequest, appointment_id: uuid.UUID) -> Appointment:
    """Accept a requested appointment (it becomes booked). One requested online also gets
    the client's confirmation e-mail with the calendar file and the manage link."""
    actor = actor_of(request)
    appointment = selectors.appointment_for(actor, appointment_id, audited=False)
    return online.accept_request(actor=actor, appointment=appointment)


@router.get(
    "/appointments/{appointment_id}/history", response=list[ChangeOut], tags=["appointments"]
)
def history(request: HttpRequest, appointment_id: uuid.UUID) -> Any:
    actor = actor_of(request)
    appointment = selectors.appointment_for(actor, appointment_id, audited=False)
    return list(selectors.history_for(actor, appointment))


# --- series ------------------------------------------------------------------------------


def _series_request(request: HttpRequest, payload: SeriesIn) -> series_services.SeriesRequest:
    actor = actor_of(request)
    return series_services.SeriesRequest(
        client=selectors.pick_client(actor, payload.client_id),
        practitioner=selectors.pick_practitioner(actor, payload.practitioner_id),
        service=selectors.pick_service(actor, payload.service_id),
        location=selectors.pick_location(actor, payload.location_id),
        room=selectors.pick_room(actor, payload.room_id),
        first_date=payload.first_date,
        local_time=payload.local_time,
        phases=[p.dict(exclude_none=True) for p in payload.phases],
        until=payload.until,
        time_zone=payload.time_zone,
        note=payload.note,
        source=payload.source,
    )


@router.post("/series/preview", response=SeriesPlanOut, tags=["series"])
def preview_series(request: HttpRequest, payload: SeriesIn) -> dict[str, Any]:
    """Every occurrence, free or not (why), with the nearest free alternatives. Books nothing."""
    series, occurrences = series_services.plan_series(
        actor=actor_of(request), request=_series_request(request, payload)
    )
    tz = zone(series.location.time_zone)
    return {
        "time_zone": series.location.time_zone,
        "conflicts": sum(not o.free for o in occurrences),
        "occurrences": [{**o.__dict__, "local_start": local(o.start, tz)} for o in occurrences],
    }


@router.post("/series", response={201: SeriesOut}, tags=["series"])
def create_series(request: HttpRequest, payload: SeriesCreateIn) -> Status[dict[str, Any]]:
    """Book the chosen occurrences (from a preview) — all or none (409 naming the conflict)."""
    series_request = _series_request(request, payload)
    starts = None
    if payload.occurrences is not None:
        tz = _tz(payload.time_zone, series_request.location.time_zone)
        starts = [aware(s, tz) for s in payload.occurrences]
    series, booked = series_services.create_series(
        actor=actor_of(request), request=series_request, starts=starts
    )
    return Status(201, _series_out(series, booked))


def _series_out(series: Any, appointments: list[Appointment]) -> dict[str, Any]:
    return {
        **{
            f: getattr(series, f)
            for f in ("id", "first_date", "local_time", "time_zone", "phases", "until")
        },
        "client_id": series.client_id,
        "practitioner_id": series.practitioner_id,
        "service_id": series.service_id,
        "location_id": series.location_id,
        "room_id": series.room_id,
        "appointments": appointments,
    }


@router.get("/series/{series_id}", response=SeriesOut, tags=["series"])
def get_series(request: HttpRequest, series_id: uuid.UUID) -> dict[str, Any]:
    actor = actor_of(request)
    series = selectors.series_for(actor, series_id)
    appointments = list(selectors.appointments_for(actor).filter(series=series))
    return _series_out(series, appointments)


@router.post("/series/{series_id}/cancel", response=CancelledOut, tags=["series"])
def cancel_series(
    request: HttpRequest, series_id: uuid.UUID, payload: SeriesCancelIn
) -> dict[str, Any]:
    """Cancel this and the following occurrences (those starting at or after ``from_start``)."""
    actor = actor_of(request)
    series = selectors.series_for(actor, series_id)
    since = aware(payload.from_start, zone(series.time_zone)) if payload.from_start else None
    cancelled = series_services.cancel_series(
        actor=actor, series=series, from_start=since, reason=payload.reason, party=payload.by
    )
    return {"cancelled": len(cancelled)}
