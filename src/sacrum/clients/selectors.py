"""Reads of client records. Every read of a single record is audited."""

from __future__ import annotations

import uuid

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.access.scoping import get_scoped_or_404
from sacrum.clients.models import Client, ClientQuerySet
from sacrum.kernel.actor import Actor, StaffActor
from sacrum.kernel.errors import Forbidden

CLINICAL_ONLY = "Clinical information is for practitioners and owners only."


def clients_for(
    actor: StaffActor, *, search: str = "", include_archived: bool = False
) -> ClientQuerySet:
    """The clients the actor may see, optionally searched; a list read is audited once."""
    qs: ClientQuerySet = Client.objects.for_member(actor.member, "view")
    if not include_archived:
        qs = qs.filter(archived=False)
    if search:
        qs = qs.search(search)
    audit.record(actor, AuditAction.LIST, object_type="client")
    return qs


def client_for(actor: StaffActor, client_id: uuid.UUID | str, *, audited: bool = True) -> Client:
    """One client, scoped to the actor's clinic (404 otherwise); audited as a read."""
    client = get_scoped_or_404(
        Client.objects.for_member(actor.member, "view"),
        pk=client_id,
    )
    if audited:
        audit.record(actor, AuditAction.READ, client)
    return client


def require_clinical(actor: Actor, *, edit: bool = False, message: str = CLINICAL_ONLY) -> None:
    """Refuse (``Forbidden``, with the app's own words) unless the role sees clinical records
    (``clinical.view``) or, with ``edit``, changes them (``clinical.edit``)."""
    if not actor.can("clinical.edit" if edit else "clinical.view"):
        raise Forbidden(message)


def clinical_client(
    actor: StaffActor,
    client_id: uuid.UUID | str,
    *,
    edit: bool = False,
    audited: bool = True,
    message: str = CLINICAL_ONLY,
) -> Client:
    """The client, for a clinical read or write: the role first (a refusal is neither looked
    up nor audited), then the scoped client as ``client_for`` gives it (audited as a read
    unless ``audited=False``, for a caller that audits its own, narrower read or a write)."""
    require_clinical(actor, edit=edit, message=message)
    return client_for(actor, client_id, audited=audited)
