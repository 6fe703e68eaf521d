"""Page URLs. Object ids in paths are UUIDs, never sequential numbers."""

from django.urls import path

from sacrum.access import views as access
from sacrum.backups.urls import urlpatterns as backup_pages
from sacrum.billing.urls import urlpatterns as billing_pages
from sacrum.charting.urls import urlpatterns as charting_pages
from sacrum.clients import views as clients
from sacrum.clients.urls import urlpatterns as consent_pages
from sacrum.clinics.views import joining, places, practitioners, staff
from sacrum.directory.urls import urlpatterns as directory_pages
from sacrum.exports.urls import urlpatterns as export_pages
from sacrum.imports.urls import urlpatterns as import_pages
from sacrum.notifications.urls import urlpatterns as notification_pages
from sacrum.outcomes.urls import urlpatterns as outcome_pages
from sacrum.plans.urls import urlpatterns as plan_pages
from sacrum.portal.urls import urlpatterns as portal_pages
from sacrum.retention.urls import urlpatterns as retention_pages
from sacrum.scheduling.urls import urlpatterns as scheduling_pages
from sacrum.screening.urls import urlpatterns as screening_pages
from sacrum.waitlist.urls import urlpatterns as waitlist_pages
from sacrum.web import views

app_name = "web"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("clinic/switch", views.switch_clinic, name="switch_clinic"),
    path("account/", views.account, name="account"),
    # Clinic management: settings, places, staff, practitioners, audit, own API tokens.
    path("clinic/settings", places.clinic_settings, name="clinic_settings"),
    path("locations/", places.location_list, name="location_list"),
    path("locations/new", places.location_create, name="location_create"),
    path("locations/<uuid:location_id>/", places.location_detail, name="location_detail"),
    path("locations/<uuid:location_id>/edit", places.location_edit, name="location_edit"),
    path("locations/<uuid:location_id>/rooms/new", places.room_create, name="room_create"),
    path("rooms/<uuid:room_id>/edit", places.room_edit, name="room_edit"),
    path("rooms/<uuid:room_id>/active", places.room_active, name="room_active"),
    path("rooms/<uuid:room_id>/delete", places.room_delete, name="room_delete"),
    path("staff/", staff.staff_list, name="staff_list"),
    path("staff/invite", staff.staff_invite, name="staff_invite"),
    path("staff/<uuid:membership_id>/", staff.member_manage, name="member_manage"),
    path("staff/<uuid:membership_id>/active", staff.member_active, name="member_active"),
    path(
        "staff/invitations/<uuid:invitation_id>/revoke",
        staff.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invitations/resume/", joining.invitation_resume, name="invitation_resume"),
    path("invitations/<str:token>/", joining.invitation_accept, name="invitation_accept"),
    path("practitioners/", practitioners.practitioner_list, name="practitioner_list"),
    path(
        "practitioners/new/<uuid:membership_id>",
        practitioners.profile_create,
        name="profile_create",
    ),
    path("practitioners/<uuid:profile_id>/", practitioners.profile_detail, name="profile_detail"),
    path("practitioners/<uuid:profile_id>/edit", practitioners.profile_edit, name="profile_edit"),
    path(
        "practitioners/<uuid:profile_id>/credentials/new",
        practitioners.credential_create,
        name="credential_create",
    ),
    path(
        "credentials/<uuid:credential_id>/edit",
        practitioners.credential_edit,
        name="credential_edit",
    ),
    path(
        "credentials/<uuid:credential_id>/delete",
        practitioners.credential_delete,
        name="credential_delete",
    ),
    path(
        "credentials/<uuid:credential_id>/verification",
        practitioners.credential_verify,
        name="credential_verify",
    ),
    path(
        "credentials/<uuid:credential_id>/evidence",
        practitioners.credential_evidence,
        name="credential_evidence",
    ),
    path("audit/", access.audit_log, name="audit_log"),
    path("account/tokens/", access.token_list, name="token_list"),
    path("account/tokens/new", access.token_create, name="token_create"),
    path("account/tokens/<uuid:token_id>/revoke", access.token_revoke, name="token_revoke"),
    path("clients/", clients.client_list, name="client_list"),
    path("clients/new", clients.client_create, name="client_create"),
    path("clients/suggest", clients.client_suggest, name="client_suggest"),
    path("clients/<uuid:client_id>/", clients.client_detail, name="client_detail"),
    path("clients/<uuid:client_id>/edit", clients.client_edit, name="client_edit"),
    *scheduling_pages,
    *directory_pages,
    *screening_pages,
    *consent_pages,
    *outcome_pages,
    *plan_pages,
    *charting_pages,
    *notification_pages,
    *portal_pages,
    *waitlist_pages,
    *export_pages,
    *backup_pages,
    *import_pages,
    *retention_pages,
    *billing_pages,
]
