"""Charting page URLs, included into the ``web`` namespace by ``sacrum.web.urls``."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
