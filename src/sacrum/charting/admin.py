"""Admin: session notes and addenda can be looked at, never added, changed or deleted by hand.

Changes go through the services (drafts, by their author) or addenda; the models and
the database refuse changes to signed notes anyway.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from sacrum.charting.models import Addendum, SessionNote


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic in django-stubs only
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SessionNote)
class SessionNoteAdmin(ReadOnlyAdmin):
    list_display = ("seen_at", "clinic", "author", "status", "signed_at")
    list_filter = ("status",)
    list_select_related = ("clinic", "author__user")
    # Content is health data: the list shows who and when, not what.
    fields = ("clinic", "client", "author", "seen_at", "status", "signed_by", "signed_at")
    readonly_fields = fields


@admin.register(Addendum)
class AddendumAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "note", "author")
    list_select_related = ("note", "author__user")
    fields = ("note", "author", "created_at", "content_hash")
    readonly_fields = fields
