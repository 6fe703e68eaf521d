"""allauth adapter: sign-up is by invitation unless the operator opens it; account
e-mails go through the worker (``sacrum.access.mail``); axes is asked before allauth's
sign-in limits."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from sacrum.access import mail
from sacrum.access.signin import is_portal_client


class SacrumAccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth: no types
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(settings.ACCOUNT_SIGNUP_OPEN or request.session.get("sacrum_invitation"))

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Count the attempt against allauth's limits, unless axes already locked the account.

        A locked account goes straight on to axes, which answers with its lockout page
        (and the attempt is not counted twice); otherwise allauth's per-address and
        per-account limits in the shared cache apply as usual.
        """
        from axes.handlers.proxy import AxesProxyHandler

        if not AxesProxyHandler.is_allowed(request, credentials):
            return
        super().pre_authenticate(request, **credentials)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Staff land on the dashboard as before; a client (no membership, portal access)
        lands on their own page instead of the staff "no clinic" page."""
        user = request.user
        if (
            user.is_authenticated
            and not user.memberships.filter(active=True).exists()
            and is_portal_client(user)
        ):
            return reverse("web:portal_home")
        url: str = super().get_login_redirect_url(request)
        return url

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Queue the mail for the worker instead of talking to SMTP inside the request.

        One-time codes (allauth's by-code flows, which Sacrum does not turn on) cannot be
        made again at send time, so those would still be sent at once.
        """
        if "code" in context:
            super().send_mail(template_prefix, email, context)
            return
        mail.queue(template_prefix=template_prefix, email=email, context=context)
