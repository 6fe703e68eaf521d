"""Waitlist page URLs, to be included into the ``web`` namespace by ``sacrum.web.urls``."""

from django.urls import path

from sacrum.waitlist import views

urlpatterns = [
    path("waitlist/", views.waitlist, name="waitlist"),
    path("waitlist/new", views.waitlist_add, name="waitlist_add"),
    path(
        "waitlist/<uuid:waitlist_entry_id>/withdraw",
        views.waitlist_withdraw,
        name="waitlist_withdraw",
    ),
    path("clients/<uuid:client_id>/waitlist/", views.client_waitlist, name="client_waitlist"),
    path("waitlist/offer/<str:token>/", views.waitlist_offer, name="waitlist_offer"),
]
