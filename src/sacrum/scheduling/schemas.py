"""API shapes for scheduling. Times go out as aware UTC plus the location's local time."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from sacrum.kernel.fields import Day, LocalTime, Moment
from sacrum.scheduling.local_time import local, zone
from sacrum.scheduling.models import Appointment, AppointmentChange, ServiceType

Rule = Literal["weekly", "every_2_weeks", "monthly"]
# First choice first: schema-built example bodies take the first value.
NextStatus = Literal["confirmed", "arrived", "completed", "no_show", "booked", "cancelled"]
NewStatus = Literal["booked", "confirmed", "requested"]


def _name(member: Any) -> str:
    profile = getattr(member, "practitioner_profile", None)
    name: str = profile.display_name if profile else member.user.display_name
    return name


# --- services ----------------------------------------------------------------


class ServiceOut(Schema):
    id: uuid.UUID
    name: str
    description: str
    duration_minutes: int
    buffer_before_minutes: int
    buffer_after_minutes: int
    price: Decimal
    practitioner_ids: list[uuid.UUID]
    bookable_online: bool
    new_clients_only: bool
    needs_room: bool
    active: bool

    @staticmethod
    def resolve_practitioner_ids(obj: ServiceType) -> list[uuid.UUID]:
        return [m.pk for m in obj.practitioners.all()]


class ServiceIn(Schema):
    name: str = Field(max_length=100)
    description: str = Field("", max_length=1000)
    duration_minutes: int = 50
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 10
    price: Decimal = Decimal("0")
    practitioner_ids: list[uuid.UUID] = []
    bookable_online: bool = True
    new_clients_only: bool = False
    needs_room: bool = True
    active: bool = True


class ServicePatch(Schema):
    name: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=1000)
    duration_minutes: int | None = None
    buffer_before_minutes: int | None = None
    buffer_after_minutes: int | None = None
    price: Decimal | None = None
    practitioner_ids: list[uuid.UUID] | None = None
    bookable_online: bool | None = None
    new_clients_only: bool | None = None
    needs_room: bool | None = None
    active: bool | None = None


class SchedulingPolicyOut(Schema):
    cancellation_window_hours: int
    minimum_notice_minutes: int
    slot_step_minutes: int
    online_booking_enabled: bool
    online_requests_need_approval: bool
    online_days_ahead: int


class PolicyIn(Schema):
    cancellation_window_hours: int | None = None
    minimum_notice_minutes: int | None = None
    slot_step_minutes: int | None = None
    online_booking_enabled: bool | None = None
    online_requests_need_approval: bool | None = None
    online_days_ahead: int | None = None


# --- availability --------------------------------------------------------------


class HoursOut(Schema):
    id: uuid.UUID
    practitioner_id: uuid.UUID
    location_id: uuid.UUID
    weekday: int = Field(description="0 = Monday … 6 = Sunday")
    start_time: LocalTime
    end_time: LocalTime


class HoursIn(Schema):
    practitioner_id: uuid.UUID
    location_id: uuid.UUID
    weekday: int = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")
    start_time: LocalTime
    end_time: LocalTime


class HoursPatch(Schema):
    location_id: uuid.UUID | None = None
    weekday: int | None = Field(None, ge=0, le=6)
    start_time: LocalTime | None = None
    end_time: LocalTime | None = None


class ExceptionOut(Schema):
    id: uuid.UUID
    practitioner_id: uuid.UUID
    location_id: uuid.UUID | None
    date: dt.date
    kind: str
    start_time: LocalTime | None
    end_time: LocalTime | None
    note: str


class ExceptionIn(Schema):
    practitioner_id: uuid.UUID
    date: Day
    kind: Literal["closed", "extra"]
    location_id: uuid.UUID | None = None
    start_time: LocalTime | None = None
    end_time: LocalTime | None = None
    note: str = Field("", max_length=200)


class TimeOffOut(Schema):
    id: uuid.UUID
    practitioner_id: uuid.UUID
    start: dt.datetime
    end: dt.datetime
    reason: str


class TimeOffIn(Schema):
    practitioner_id: uuid.UUID
    start: Moment
    end: Moment
    time_zone: str | None = Field(None, description="For start/end given without an offset.")
    reason: str = Field("", max_length=200)


class ClosureOut(Schema):
    id: uuid.UUID
    location_id: uuid.UUID | None
    first_day: dt.date
    last_day: dt.date
    reason: str


class ClosureIn(Schema):
    first_day: Day
    last_day: Day
    location_id: uuid.UUID | None = None
    reason: str = Field("", max_length=200)


# --- slots -----------------------------------------------------------------------


class SlotOut(Schema):
    practitioner_id: uuid.UUID
    start: dt.datetime
    end: dt.datetime
    local_start: dt.datetime


class SlotsOut(Schema):
    time_zone: str
    count: int
    truncated: bool
    slots: list[SlotOut]


# --- appointments ----------------------------------------------------------------


class AppointmentOut(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    client_name: str
    practitioner_id: uuid.UUID
    practitioner_name: str
    service_id: uuid.UUID
    service_name: str
    location_id: uuid.UUID
    room_id: uuid.UUID | None
    room_name: str | None
    time_zone: str
    start: dt.datetime
    end: dt.datetime
    local_start: dt.datetime
    local_end: dt.datetime
    blocked_start: dt.datetime
    blocked_end: dt.datetime
    status: str
    source: str
    front_desk_note: str
    series_id: uuid.UUID | None
    cancelled_at: dt.datetime | None
    cancelled_by_party: str
    cancellation_reason: str
    cancelled_late: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_client_name(obj: Appointment) -> str:
        return obj.client.full_name

    @staticmethod
    def resolve_practitioner_name(obj: Appointment) -> str:
        return _name(obj.practitioner)

    @staticmethod
    def resolve_service_name(obj: Appointment) -> str:
        return obj.service.name

    @staticmethod
    def resolve_room_name(obj: Appointment) -> str | None:
        return obj.room.name if obj.room else None

    @staticmethod
    def resolve_time_zone(obj: Appointment) -> str:
        return obj.location.time_zone

    @staticmethod
    def resolve_local_start(obj: Appointment) -> dt.datetime:
        return local(obj.start, zone(obj.location.time_zone))

    @staticmethod
    def resolve_local_end(obj: Appointment) -> dt.datetime:
        return local(obj.end, zone(obj.location.time_zone))


class AppointmentIn(Schema):
    client_id: uuid.UUID
    practitioner_id: uuid.UUID
    service_id: uuid.UUID
    location_id: uuid.UUID
    start: Moment = Field(description="With an offset, or local time at the location.")
    end: Moment | None = Field(None, description="Default: start + the service's duration.")
    time_zone: str | None = Field(None, description="Zone of a start/end given without offset.")
    room_id: uuid.UUID | None = None
    note: str = Field("", max_length=500)
    status: NewStatus = "booked"
    source: Literal["staff", "online"] = Field(
        "staff",
        description="online: the client asked (e.g. a website form calling the API); "
        "refused while screening's booking gate is closed for the client.",
    )


class AppointmentPatch(Schema):
    note: str | None = Field(None, max_length=500)


class RescheduleIn(Schema):
    start: Moment | None = None
    time_zone: str | None = None
    practitioner_id: uuid.UUID | None = None
    location_id: uuid.UUID | None = None
    room_id: uuid.UUID | None = Field(None, description="Send null to pick any free room.")
    reason: str = Field("", max_length=300)


class CancelIn(Schema):
    reason: str = Field("", max_length=300)
    by: Literal["clinic", "client"] = "clinic"


class StatusIn(Schema):
    status: NextStatus
    reason: str = Field("", max_length=300)


class ChangeOut(Schema):
    kind: str
    changed_at: dt.datetime
    changed_by: str | None
    from_start: dt.datetime | None
    to_start: dt.datetime | None
    from_practitioner_id: uuid.UUID | None
    to_practitioner_id: uuid.UUID | None
    from_room_id: uuid.UUID | None
    to_room_id: uuid.UUID | None
    from_status: str
    to_status: str
    reason: str

    @staticmethod
    def resolve_changed_by(obj: AppointmentChange) -> str | None:
        return obj.changed_by.display_name if obj.changed_by else None


# --- series ------------------------------------------------------------------------


class PhaseIn(Schema):
    rule: Rule
    count: int | None = Field(None, ge=1, le=52)


class SeriesIn(Schema):
    client_id: uuid.UUID
    practitioner_id: uuid.UUID
    service_id: uuid.UUID
    location_id: uuid.UUID
    first_date: Day
    local_time: LocalTime
    phases: list[PhaseIn] = Field(min_length=1, max_length=5)
    until: Day | None = None
    time_zone: str | None = None
    room_id: uuid.UUID | None = None
    note: str = Field("", max_length=500)
    source: Literal["staff", "online"] = Field(
        "staff", description="online: asked for by the client; the booking gate applies."
    )


class SeriesCreateIn(SeriesIn):
    occurrences: list[Moment] | None = Field(
        None, description="The starts chosen after a preview; default: every date of the rule."
    )


class OccurrenceOut(Schema):
    start: dt.datetime
    end: dt.datetime
    local_start: dt.datetime
    label: str = Field(
        description="Local date and time as people read it; the UTC offset is added when "
        "that wall time happens twice (the clocks go back)."
    )
    clock_change: str = Field(
        description="Empty, or why this occurrence is not at the series' time (the clocks "
        "go forward) or which of a repeated hour it is (the clocks go back)."
    )
    free: bool
    problem: str
    alternatives: list[dt.datetime]
    alternative_labels: list[str]


class SeriesPlanOut(Schema):
    time_zone: str
    conflicts: int
    occurrences: list[OccurrenceOut]


class SeriesOut(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    practitioner_id: uuid.UUID
    service_id: uuid.UUID
    location_id: uuid.UUID
    room_id: uuid.UUID | None
    first_date: dt.date
    local_time: LocalTime
    time_zone: str
    phases: list[dict[str, Any]]
    until: dt.date | None
    appointments: list[AppointmentOut]


class SeriesCancelIn(Schema):
    from_start: Moment | None = Field(None, description="Default: from now on.")
    reason: str = Field("", max_length=300)
    by: Literal["clinic", "client"] = "clinic"


class CancelledOut(Schema):
    cancelled: int
