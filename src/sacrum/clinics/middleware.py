"""The active clinic of each request: which membership a signed-in person acts in."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from sacrum.access.signin import is_portal_client
from sacrum.clinics.models import Membership

SESSION_CLINIC_KEY = "sacrum_clinic"
# The clinic a person last worked in on this device, so the next sign-in opens there (and
# not in whichever of their clinics sorts first). A clinic's id only, never health data.
LAST_CLINIC_COOKIE = "sacrum_last_clinic"
LAST_CLINIC_MAX_AGE = 365 * 24 * 3600


PORTAL_API_PREFIX = "/api/v1/portal/"


class ActiveClinicMiddleware:
    """Sets ``request.member`` (the membership in the chosen clinic) and ``request.memberships``.

    One query: all of the user's active memberships with their clinics. A signed-in user
    with no membership who is a client with portal access (a second query, only for
    users without a membership) is a *portal client*: ``request.portal_client`` is set,
    the staff API answers 403, and the staff home page sends them to their own page.
    Staff are never affected: anyone with a membership is treated exactly as before.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.member = None  # type: ignore[attr-defined]
        request.memberships = []  # type: ignore[attr-defined]
        if request.user.is_authenticated:
            memberships = list(
                Membership.objects.filter(user=request.user, active=True)
                .select_related("clinic")
                .order_by("clinic__name")
            )
            request.memberships = memberships  # type: ignore[attr-defined]
            wanted = request.session.get(SESSION_CLINIC_KEY) or request.COOKIES.get(
                LAST_CLINIC_COOKIE
            )
            chosen = next((m for m in memberships if str(m.clinic_id) == wanted), None)
            if chosen is None and memberships:
                chosen = memberships[0]
            if chosen is not None and request.session.get(SESSION_CLINIC_KEY) != str(
                chosen.clinic_id
            ):
                request.session[SESSION_CLINIC_KEY] = str(chosen.clinic_id)
            if chosen is not None:
                chosen.user = request.user
            request.member = chosen  # type: ignore[attr-defined]
            if not memberships:
                refused = self._portal_client(request)
                if refused is not None:
                    return refused
        if request.member is None:  # type: ignore[attr-defined]
            response = self.get_response(request)
        else:
            # Times on staff pages read on the clinic's clock (a form's typed time too);
            # values already on a location's clock (``WallClock``) are shown as they are.
            timezone.activate(zoneinfo.ZoneInfo(request.member.clinic.time_zone))  # type: ignore[attr-defined]
            try:
                response = self.get_response(request)
            finally:
                timezone.deactivate()
        if request.memberships:  # type: ignore[attr-defined]
            self._remember(request, response)
        return response

    @staticmethod
    def _remember(request: HttpRequest, response: HttpResponse) -> None:
        """Keep the clinic chosen now (a switch may just have changed it) for next time."""
        current = request.session.get(SESSION_CLINIC_KEY)
        if current and current != request.COOKIES.get(LAST_CLINIC_COOKIE):
            response.set_cookie(
                LAST_CLINIC_COOKIE,
                current,
                max_age=LAST_CLINIC_MAX_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )

    @staticmethod
    def _portal_client(request: HttpRequest) -> HttpResponse | None:
        request.portal_client = is_portal_client(request.user)  # type: ignore[attr-defined,arg-type]
        if not request.portal_client:  # type: ignore[attr-defined]
            return None
        if request.path.startswith("/api/") and not request.path.startswith(PORTAL_API_PREFIX):
            return JsonResponse(
                {
                    "error": {
                        "code": "forbidden",
                        "message": "This API is for clinic staff.",
                        "fields": {},
                    }
                },
                status=403,
            )
        if request.path == reverse("web:dashboard"):
            return redirect("web:portal_home")
        return None
