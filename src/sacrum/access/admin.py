"""Admin: the audit log can be read, never added to, changed or deleted by hand."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from sacrum.access.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic in django-stubs only
    list_display = ("at", "clinic", "actor", "action", "object_type", "object_id", "ip", "via")
    list_filter = ("action", "via", "object_type")
    search_fields = ("object_id", "actor__email")
    date_hierarchy = "at"
    list_select_related = ("clinic", "actor")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
