"""Assembles every app's router into the one API at /api/v1."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from sacrum.access.api import router as access_router
from sacrum.access.api_auth import MemberSessionAuth, TokenAuth
from sacrum.api.core import install_error_handlers
from sacrum.api.openapi import declare_error_responses
from sacrum.billing.api import router as billing_router
from sacrum.billing.fee_api import router as fee_router
from sacrum.billing.package_api import router as package_router
from sacrum.billing.superbill_api import router as superbill_router
from sacrum.charting.api import router as charting_router
from sacrum.clients.api import router as clients_router
from sacrum.clinics.api import router as clinics_router
from sacrum.exports.api import router as exports_router
from sacrum.imports.api import router as imports_router
from sacrum.notifications.api import router as notifications_router
from sacrum.outcomes.api import router as outcomes_router
from sacrum.plans.api import router as plans_router
from sacrum.portal.api import router as portal_router
from sacrum.retention.api import router as retention_router
from sacrum.scheduling.api import router as scheduling_router
from sacrum.screening.api import router as screening_router
from sacrum.waitlist.api import router as waitlist_router


class SacrumAPI(NinjaAPI):
    """The API, whose published document also lists the error answers of every operation."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        declare_error_responses(schema)
        return schema


api = SacrumAPI(
    title="Sacrum API",
    version="1",
    description=(
        "The Sacrum practice API. Authenticate with your browser session (send the CSRF "
        "token on writes) or a personal token: `Authorization: Bearer sac_…`. Every error "
        'is `{"error": {"code", "message", "fields"}}`.'
    ),
    auth=[TokenAuth(), MemberSessionAuth()],
    urls_namespace="api",
)
install_error_handlers(api)
api.add_router("/", access_router)
api.add_router("/", clinics_router)
api.add_router("/", clients_router)
api.add_router("/", scheduling_router)
api.add_router("/", screening_router)
api.add_router("/", outcomes_router)
api.add_router("/", plans_router)
api.add_router("/", charting_router)
api.add_router("/", notifications_router)
api.add_router("/", portal_router)
api.add_router("/", waitlist_router)
api.add_router("/", exports_router)
api.add_router("/", imports_router)
api.add_router("/", retention_router)
api.add_router("/", billing_router)
api.add_router("/", package_router)
api.add_router("/", fee_router)
api.add_router("/", superbill_router)
