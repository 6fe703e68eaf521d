"""Scheduling page URLs, included into the ``web`` namespace by ``sacrum.web.urls``."""

from django.urls import path

from sacrum.scheduling.views import appointments, calendar, hours, public, services

urlpatterns = [
    path("calendar/", calendar.calendar, name="calendar"),
    path("calendar/book", appointments.book, name="appointment_book"),
    path("appointments/<uuid:appointment_id>/", appointments.detail, name="appointment_detail"),
    path(
        "appointments/<uuid:appointment_id>/reschedule",
        appointments.reschedule,
        name="appointment_reschedule",
    ),
    path(
        "appointments/<uuid:appointment_id>/move",
        appointments.move_to,
        name="appointment_move_to",
    ),
    path(
        "appointments/<uuid:appointment_id>/cancel", appointments.cancel, name="appointment_cancel"
    ),
    path(
        "appointments/<uuid:appointment_id>/status",
        appointments.change_status,
        name="appointment_status",
    ),
    path("appointments/<uuid:appointment_id>/note", appointments.note, name="appointment_note"),
    path("services/", services.service_list, name="service_list"),
    path("services/new", services.service_create, name="service_create"),
    path("services/booking-rules", services.booking_rules, name="booking_rules"),
    path("services/<uuid:service_id>/edit", services.service_edit, name="service_edit"),
    path("schedule/hours/", hours.working_hours, name="working_hours"),
    path("schedule/hours/<uuid:hours_id>/delete", hours.hours_delete, name="hours_delete"),
    path(
        "schedule/dates/<uuid:exception_id>/delete",
        hours.exception_delete,
        name="exception_delete",
    ),
    path(
        "schedule/time-off/<uuid:time_off_id>/delete",
        hours.time_off_delete,
        name="time_off_delete",
    ),
    path("schedule/closures/<uuid:closure_id>/delete", hours.closure_delete, name="closure_delete"),
    # Public online booking: no sign-in; the clinic by its slug, links by their token.
    path("book/confirm/<str:token>/", public.confirm_page, name="online_booking_confirm"),
    path("book/manage/<str:token>/", public.manage_page, name="online_booking_manage"),
    path("book/manage/<str:token>/cancel", public.manage_cancel, name="online_booking_cancel"),
    path(
        "book/manage/<str:token>/move", public.manage_reschedule, name="online_booking_reschedule"
    ),
    path("book/booked", public.done_page, name="online_booking_done"),
    path("book/<slug:clinic_slug>/", public.booking_page, name="online_booking"),
    path("book/<slug:clinic_slug>/details", public.details_page, name="online_booking_details"),
    path("book/<slug:clinic_slug>/check-email", public.sent_page, name="online_booking_sent"),
]
