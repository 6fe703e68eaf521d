"""Secure links e-mailed to clients: a questionnaire (one use) or the diary (daily).

The token (``sacrum.access.capabilities``) is minted by the worker when it sends the
e-mail and exists only there; only its SHA-256 is stored, so the database alone can't
open a link, and the job queue holds the link's id, not the token. A link answers nothing without its token, stops at
its expiry, and a questionnaire link can't be used twice (claimed by one conditional
UPDATE, so two submissions racing each other can't both pass).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.clients.models import Client
from sacrum.clinics.mail import sender_of
from sacrum.kernel import capabilities
from sacrum.kernel.actor import Actor
from sacrum.kernel.mail import Message, enqueue_message, message
from sacrum.kernel.permissions import require
from sacrum.outcomes.models import (
    DiaryEntry,
    InstrumentDefinition,
    LinkKind,
    Occasion,
    QuestionnaireLink,
    Response,
)
from sacrum.outcomes.services import (
    DIARY_KEY,
    _check_client,
    _store_response,
    _validate_diary,
    refresh_summary,
)

DAYS_VALID = {LinkKind.QUESTIONNAIRE: 7, LinkKind.DIARY: 42}
MAX_DAYS_VALID = 90


class LinkUnavailable(Exception):
    """The link has expired or was already used; ``reason`` says which, for the client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


digest = capabilities.digest  # what a link row keeps of its token
QUESTIONNAIRE_EMAIL = "sacrum.outcomes.links:questionnaire"
REMINDER_EMAIL = "sacrum.outcomes.links:reminder"


def link_url(raw: str) -> str:
    return f"{settings.SITE_URL}{reverse('web:questionnaire_link', kwargs={'token': raw})}"


@transaction.atomic
def send_link(
    *,
    actor: Actor,
    client: Client,
    definition: InstrumentDefinition,
    occasion: str = Occasion.SESSION,
    days_valid: int | None = None,
    reminder: bool = False,
) -> QuestionnaireLink:
    """Create a link and e-mail it to the client through the worker (which mints its token).

    ``reminder`` words the e-mail as a reminder (a plan's measurement not filled in yet).
    """
    require(actor, "outcome.edit")
    _check_client(actor, client)
    if definition.clinic_id != client.clinic_id:
        raise ValidationError({"definition": "Unknown instrument."})
    instrument = definition.instrument
    kind = LinkKind.DIARY if definition.key == DIARY_KEY else LinkKind.QUESTIONNAIRE
    if not instrument.texts_loaded:
        raise ValidationError(
            {"definition": f"Load the wording of {instrument.title} before sending it to a client."}
        )
    if not client.email:
        raise ValidationError({"client": "The client has no e-mail address on file."})
    if occasion not in Occasion.values:
        raise ValidationError({"occasion": f"Must be one of {', '.join(Occasion.values)}."})
    days = days_valid or DAYS_VALID[kind]
    if not 1 <= days <= MAX_DAYS_VALID:
        raise ValidationError({"days_valid": f"From 1 to {MAX_DAYS_VALID} days."})
    link = QuestionnaireLink.objects.create(
        clinic=client.clinic,
        client=client,
        definition=definition,
        kind=kind,
        occasion=occasion,
        token_digest=capabilities.placeholder(),
        sent_to=client.email,
        expires_at=timezone.now() + dt.timedelta(days=days),
        created_by=actor.user,
    )
    audit.record(actor, AuditAction.CREATE, link)
    # Queued inside the transaction: the e-mail goes only if the link exists.
    enqueue_message(REMINDER_EMAIL if reminder else QUESTIONNAIRE_EMAIL, link.pk)
    return link


def _open_links() -> QuerySet[QuestionnaireLink]:
    """Links that can still be sent: before expiry, and a questionnaire not yet answered."""
    return QuestionnaireLink.objects.filter(expires_at__gt=timezone.now()).exclude(
        kind=LinkKind.QUESTIONNAIRE, used_at__isnull=False
    )


def _email(ref: str, *, reminder: bool) -> Message | None:
    """Rendered by the worker: a fresh token for a still-open link, or nothing."""
    link = _open_links().select_related("client__clinic").filter(pk=ref).first()
    raw = capabilities.reissue(_open_links(), link.pk) if link else None
    if link is None or raw is None:
        return None
    client = link.client
    until = timezone.localtime(link.expires_at).date()
    kind = link.kind
    what = "a short questionnaire" if kind == LinkKind.QUESTIONNAIRE else "a daily headache diary"
    use = "once" if kind == LinkKind.QUESTIONNAIRE else "once a day"
    asks = "reminds you of" if reminder else "asks you to fill in"
    body = (
        f"Hello {client.preferred_name or client.first_name},\n\n"
        f"{client.clinic.name} {asks} {what}. It takes a minute or two:\n\n"
        f"{link_url(raw)}\n\n"
        f"The link is for you alone and works {use} until {until.day} {until:%B %Y}. "
        "If you did not expect this e-mail, you can ignore it.\n"
    )
    subject = f"{client.clinic.name}: {'a reminder, ' if reminder else ''}{what}"
    return Message(subject=subject, body=body, to=[link.sent_to], sender=sender_of(client.clinic))


@message(QUESTIONNAIRE_EMAIL)
def _questionnaire_email(ref: str) -> Message | None:
    return _email(ref, reminder=False)


@message(REMINDER_EMAIL)
def _reminder_email(ref: str) -> Message | None:
    return _email(ref, reminder=True)


def find_link(raw: str) -> QuestionnaireLink | None:
    """The link for a token, or None: an unknown token learns nothing."""
    return capabilities.find(
        QuestionnaireLink.objects.select_related("clinic", "client", "definition"), raw
    )


def state(link: QuestionnaireLink) -> str:
    """'open', 'expired' or 'used'."""
    if link.expires_at <= timezone.now():
        return "expired"
    if link.kind == LinkKind.QUESTIONNAIRE and link.used_at is not None:
        return "used"
    return "open"


def _link_actor(ip: str | None, user_agent: str) -> Actor:
    return capabilities.public_actor(ip=ip, user_agent=user_agent)


@transaction.atomic
def submit_questionnaire(
    *, link: QuestionnaireLink, answers: dict[str, Any], ip: str | None = None, user_agent: str = ""
) -> Response:
    """The client's answers through a questionnaire link; the link is spent in the same step."""
    if link.kind != LinkKind.QUESTIONNAIRE:
        raise LinkUnavailable("This link is for the diary.")
    now = timezone.now()
    if not capabilities.claim(
        QuestionnaireLink.objects.all(), link.pk, used_field="used_at", now=now
    ):
        link.refresh_from_db()
        raise LinkUnavailable(state(link))
    actor = _link_actor(ip, user_agent)
    response = _store_response(actor, link.client, link.definition, answers, occasion=link.occasion)
    QuestionnaireLink.objects.filter(pk=link.pk).update(response=response)
    return response


@transaction.atomic
def submit_diary_day(
    *, link: QuestionnaireLink, data: dict[str, Any], ip: str | None = None, user_agent: str = ""
) -> DiaryEntry:
    """A diary day through a diary link; a second entry for the same day replaces the first."""
    if link.kind != LinkKind.DIARY:
        raise LinkUnavailable("This link is for a questionnaire.")
    if state(link) != "open":
        raise LinkUnavailable(state(link))
    day = data.get("date")
    if not isinstance(day, dt.date) or day < timezone.localtime(
        link.created_at
    ).date() - dt.timedelta(days=7):
        raise ValidationError({"date": "Choose a day since the diary link was sent."})
    entry = DiaryEntry.objects.select_for_update().filter(client=link.client, date=day).first()
    action = AuditAction.UPDATE if entry else AuditAction.CREATE
    entry = entry or DiaryEntry(clinic=link.clinic, client=link.client, date=day)
    entry.headache = bool(data.get("headache"))
    entry.peak = data.get("peak") if entry.headache else None
    entry.medication = bool(data.get("medication"))
    entry.note = str(data.get("note") or "")
    _validate_diary(entry)
    entry.save()
    audit.record(_link_actor(ip, user_agent), action, entry, clinic=link.clinic)
    refresh_summary(link.client, DIARY_KEY)
    return entry
