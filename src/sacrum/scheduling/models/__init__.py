"""Scheduling data: what a clinic offers, when people work, and who is booked when."""

from sacrum.scheduling.models.appointments import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentChange,
    AppointmentStatus,
    CancelledBy,
    ChangeKind,
    Source,
)
from sacrum.scheduling.models.availability import (
    AvailabilityException,
    ClinicClosure,
    ExceptionKind,
    TimeOff,
    Weekday,
    WeeklyHours,
)
from sacrum.scheduling.models.catalogue import SchedulingPolicy, ServiceType
from sacrum.scheduling.models.online import ManageLink, OnlineRequest
from sacrum.scheduling.models.series import Series

__all__ = [
    "ACTIVE_STATUSES",
    "Appointment",
    "AppointmentChange",
    "AppointmentStatus",
    "AvailabilityException",
    "CancelledBy",
    "ChangeKind",
    "ClinicClosure",
    "ExceptionKind",
    "ManageLink",
    "OnlineRequest",
    "SchedulingPolicy",
    "Series",
    "ServiceType",
    "Source",
    "TimeOff",
    "Weekday",
    "WeeklyHours",
]
