"""Notifications page URLs, included into the ``web`` namespace by ``sacrum.web.urls``."""

from django.urls import path

from sacrum.notifications import views

urlpatterns = [
    path("clinic/reminders", views.reminder_settings, name="reminder_settings"),
    path("account/calendar-feed/", views.calendar_feed, name="calendar_feed"),
    path(
        "calendar-feeds/<uuid:calendar_feed_id>/revoke",
        views.calendar_feed_revoke,
        name="calendar_feed_revoke",
    ),
    path("calendar-feeds/<str:token>.ics", views.calendar_feed_ics, name="calendar_feed_ics"),
]
