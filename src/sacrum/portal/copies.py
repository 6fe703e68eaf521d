"""A copy of a client's record made by staff, for a client who asks by post or in person.

The same record as the client's own download (``selectors.record``: PDF or JSON), made
by the owner or a practitioner who sees the client, with a reason that is kept
(``RecordCopy``) and an ``export`` entry in the audit log naming that row. The owner's
copy holds every signed note; a practitioner's holds those they may read (a
colleague's author-only note is opened only by the owner, with the same reason).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.charting.models import SessionNote
from sacrum.charting.selectors import signed_notes_for_copy
from sacrum.clients.models import Client
from sacrum.clients.selectors import require_clinical
from sacrum.kernel.actor import StaffActor
from sacrum.kernel.errors import Forbidden
from sacrum.portal import pdf, selectors
from sacrum.portal.models import RecordCopy
from sacrum.portal.record import Subject
from sacrum.scheduling.models import Appointment

NOT_THEIRS = (
    "A copy of the record is made by the clinic's owner or by a practitioner who sees this client."
)


@dataclass
class Copy:
    row: RecordCopy
    summary: dict[str, object]
    notes: list[SessionNote]

    def pdf(self) -> bytes:
        return pdf.record_pdf(self.summary, self.notes)


def sees_client(actor: StaffActor, client: Client) -> bool:
    """The owner, or a practitioner with an appointment or a note of this client."""
    member = actor.member
    if member.is_owner:
        return True
    return (
        Appointment.objects.filter(client=client, practitioner=member).exists()
        or SessionNote.objects.filter(client=client, author=member).exists()
    )


@transaction.atomic
def make_copy(*, actor: StaffActor, client: Client, reason: str, format: str) -> Copy:
    """The client's record for handing over; the reason is stored and the copy audited."""
    require_clinical(actor, message=NOT_THEIRS)
    if client.clinic_id != actor.clinic.pk:
        raise Forbidden("This client belongs to another clinic.")
    if not sees_client(actor, client):
        raise Forbidden(NOT_THEIRS)
    reason = (reason or "").strip()
    problems = {}
    if not reason:
        problems["reason"] = "Say why the copy is made (e.g. the client's letter of 3 May)."
    elif len(reason) > 500:
        problems["reason"] = "Keep the reason under 500 characters."
    if format not in RecordCopy.Format.values:
        problems["format"] = "Choose PDF or JSON."
    if problems:
        raise ValidationError(problems)
    notes = signed_notes_for_copy(actor, client, reason=f"Copy of the record: {reason}")
    found = selectors.record(Subject(client), actor, notes=notes, audited=False)
    row = RecordCopy.objects.create(
        clinic=actor.clinic, client=client, made_by=actor.member, reason=reason, format=format
    )
    audit.record(actor, AuditAction.EXPORT, row)
    return Copy(row, found.summary, found.notes)
