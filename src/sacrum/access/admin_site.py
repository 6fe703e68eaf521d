"""The operator's Django admin: only behind a full sign-in with the second factor.

It can read every clinic's audit metadata, so it is off in production unless
``SACRUM_ADMIN=true``; when on, its own password-only login is replaced by allauth's
sign-in (password, then the second factor) and only active staff users whose current
session passed a second factor get in.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from sacrum.access.middleware import user_has_mfa


def session_passed_second_factor(request: HttpRequest) -> bool:
    """Whether this session's sign-in included a second factor (allauth records each step)."""
    from allauth.account.internal.flows.login import get_authentication_records

    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


class SacrumAdminSite(admin.AdminSite):
    site_header = "Sacrum administration"

    def has_permission(self, request: HttpRequest) -> bool:
        return (
            super().has_permission(request)
            and user_has_mfa(request.user)
            and session_passed_second_factor(request)
        )

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        """Send sign-in to allauth; a signed-in person without the right is told why."""
        wanted = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
            wanted = ""
        target = wanted or reverse("admin:index", current_app=self.name)
        if not request.user.is_authenticated:
            return redirect_to_login(target, login_url=reverse("account_login"))
        if self.has_permission(request):
            return redirect(target)
        return TemplateResponse(
            request, "access/admin_refused.html", {"title": "Administration"}, status=403
        )
