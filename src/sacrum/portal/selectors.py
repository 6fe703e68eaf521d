"""Reads of the client portal: only the signed-in client's own rows, each read audited.

Staff reads go through ``for_member`` scoping; a client has no membership, so every
query here starts from the client's ``PortalAccount`` and filters by *its* client.
Nothing here takes a client id from the request: another client's row can only be
named by its own id (a letter), and then it is looked up under the account's client,
so it is a 404. Audit rows name the client user as actor and the account's clinic.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.models import AuditAction, User
from sacrum.charting.models import SessionNote
from sacrum.charting.selectors import signed_notes_for_client
from sacrum.clients.models import Condition, ConsentSignature
from sacrum.clinics.models import PractitionerProfile
from sacrum.exports.fhir.record import client_bundle
from sacrum.kernel.actor import Actor
from sacrum.outcomes.models import DiaryEntry, OutcomeSummary
from sacrum.outcomes.plain import Reading, reading
from sacrum.outcomes.scoring import rounded
from sacrum.outcomes.selectors import analysed_measures
from sacrum.portal import services
from sacrum.portal.models import PortalAccount
from sacrum.portal.record import Holder, note_dict
from sacrum.scheduling.local_time import local
from sacrum.scheduling.models import Appointment
from sacrum.scheduling.models.appointments import ACTIVE_VALUES
from sacrum.screening.models import Intake, LetterStatus, ReferralLetter
from sacrum.screening.questions import INTAKE, question_set

SESSION_ACCOUNT_KEY = "sacrum_portal_account"
PAST_LIMIT = 50


def accounts_of(user: Any) -> list[PortalAccount]:
    """The user's portal accounts that work now (one per clinic at most), by clinic name."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(
        PortalAccount.objects.active()
        .filter(user=user, client__archived=False)
        .select_related("client__clinic", "clinic", "user")
        .order_by("clinic__name")
    )


def has_portal_access(user: User) -> bool:
    """Whether the user can use the portal (one indexed query; the middleware asks it)."""
    return PortalAccount.objects.active().filter(user=user, client__archived=False).exists()


def account_for(request: HttpRequest) -> PortalAccount | None:
    """The account the signed-in client is looking at (the one chosen, else the first)."""
    accounts = accounts_of(request.user)
    request.portal_accounts = accounts  # type: ignore[attr-defined]
    if not accounts:
        return None
    wanted = request.session.get(SESSION_ACCOUNT_KEY)
    chosen = next((a for a in accounts if str(a.pk) == wanted), accounts[0])
    request.session[SESSION_ACCOUNT_KEY] = str(chosen.pk)
    return chosen


def portal_actor(account: PortalAccount, request: HttpRequest | None = None) -> Actor:
    return services.portal_actor(
        account, Actor.from_request(request) if request is not None else None
    )


def _read(actor: Actor, account: Holder, what: str) -> None:
    audit.record(actor, AuditAction.READ, account.client, object_type=what, clinic=account.clinic)


def zone_of(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def clinic_time(account: Holder, when: dt.datetime) -> dt.datetime:
    return local(when, zone_of(account.clinic.time_zone))


# --- Appointments -------------------------------------------------------------------


@dataclass
class Visit:
    """An appointment as the client sees it: no room notes, no front-desk note."""

    id: uuid.UUID
    start: dt.datetime  # in the location's time zone
    end: dt.datetime
    time_zone: str
    service: str
    practitioner: str
    location: str
    address: str
    status: str
    status_label: str
    service_id: uuid.UUID | None = None
    location_id: uuid.UUID | None = None
    practitioner_id: uuid.UUID | None = None
    utc_start: dt.datetime | None = None
    # Filled in by the page: the client may still move or cancel it online; the link that
    # books the same service with the same practitioner again.
    changeable: bool = False
    book_again: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "time_zone": self.time_zone,
            "service": self.service,
            "practitioner": self.practitioner,
            "location": self.location,
            "address": self.address,
            "status": self.status,
        }


def _practitioner_name(member: Any) -> str:
    profile = getattr(member, "practitioner_profile", None)
    return (profile.display_name if profile else "") or member.user.display_name


def appointments(
    account: Holder, actor: Actor, *, audited: bool = True
) -> tuple[list[Visit], list[Visit]]:
    """(upcoming, past): upcoming are the active ones still ahead; past the latest 50."""
    now = timezone.now()
    rows = Appointment.objects.filter(client_id=account.client_id).select_related(
        "service", "location", "practitioner__user"
    )
    upcoming_rows = list(rows.filter(end__gte=now, status__in=ACTIVE_VALUES).order_by("start"))
    past_rows = list(rows.filter(end__lt=now).order_by("-start")[:PAST_LIMIT])
    member_ids = {a.practitioner_id for a in (*upcoming_rows, *past_rows)}
    profiles = {
        p.membership_id: p.display_name
        for p in PractitionerProfile.objects.filter(membership_id__in=member_ids)
    }

    def visit(a: Appointment) -> Visit:
        tz = zone_of(a.location.time_zone)
        loc = a.location
        address = ", ".join(x for x in (loc.address_line, loc.city, loc.postal_code) if x)
        try:
            name = profiles.get(a.practitioner_id) or a.practitioner.user.display_name
        except ObjectDoesNotExist:  # pragma: no cover - a practitioner always has a user
            name = ""
        return Visit(
            id=a.pk,
            start=local(a.start, tz),
            end=local(a.end, tz),
            time_zone=loc.time_zone,
            service=a.service.name,
            practitioner=name,
            location=loc.name,
            address=address,
            status=a.status,
            status_label=str(a.get_status_display()),
            service_id=a.service_id,
            location_id=a.location_id,
            practitioner_id=a.practitioner_id,
            utc_start=a.start,
        )

    if audited:
        _read(actor, account, "client_appointments")
    return [visit(a) for a in upcoming_rows], [visit(a) for a in past_rows]


# --- Consents -----------------------------------------------------------------------


def consents(account: Holder, actor: Actor, *, audited: bool = True) -> list[Any]:
    """The client's signatures, each with the exact text version they signed."""
    rows = list(
        ConsentSignature.objects.filter(client_id=account.client_id)
        .select_related("text", "withdrawal")
        .order_by("-signed_at")
    )
    if audited:
        _read(actor, account, "client_consents")
    return rows


# --- Intake -------------------------------------------------------------------------


@dataclass
class AnsweredSection:
    title: str
    rows: list[tuple[str, str]]


def intake(
    account: Holder, actor: Actor, *, audited: bool = True
) -> tuple[Any, list[AnsweredSection]]:
    """The client's latest health-history answers, in the wording they were asked.

    Only the answers: the screening results and the practitioner's notes on them are
    the clinic's working notes and are not shown here.
    """
    latest = Intake.objects.filter(client_id=account.client_id).order_by("-submitted_at").first()
    if audited:
        _read(actor, account, "client_intake")
    if latest is None:
        return None, []
    return latest, answered_sections(question_set(INTAKE, latest.version), latest.answers)


def answered_sections(qset: Any, answers: dict[str, Any]) -> list[AnsweredSection]:
    sections = []
    for section in qset.sections:
        if not section.shown_for(answers):
            continue
        rows = [
            (q.text, q.label_for(answers.get(q.key)))
            for q in section.questions
            if q.key in answers and answers.get(q.key) not in (None, "")
        ]
        if rows:
            sections.append(AnsweredSection(section.title, rows))
    return sections


# --- Letters ------------------------------------------------------------------------


def letters(account: Holder, actor: Actor, *, audited: bool = True) -> QuerySet[Any]:
    """Letters about the client that left the clinic (sent or printed); never drafts."""
    qs = (
        ReferralLetter.objects.filter(client_id=account.client_id)
        .exclude(status=LetterStatus.DRAFT)
        .select_related("author__user")
        .order_by("-letter_date", "-created_at")
    )
    if audited:
        _read(actor, account, "client_letters")
    return qs


def letter(account: PortalAccount, actor: Actor, letter_id: object) -> Any:
    """One of the client's own final letters, or 404 (another client's id is unknown here)."""
    try:
        wanted = uuid.UUID(str(letter_id))
    except (ValueError, TypeError) as exc:
        raise Http404("Not found") from exc
    found = letters(account, actor, audited=False).filter(pk=wanted).first()
    if found is None or not found.pdf:
        raise Http404("Not found")
    audit.record(actor, AuditAction.READ, found, clinic=account.clinic)
    return found


# --- Outcomes -----------------------------------------------------------------------


def measures(
    account: Holder, actor: Actor, *, audited: bool = True, compact: bool = False
) -> list[Any]:
    """The client's measures analysed exactly as the practitioner's page does (same
    function, same curve; ``compact``: drawn for a phone), read for this client only."""
    client = account.client
    if audited:
        _read(actor, account, "client_outcomes")
    summaries = list(OutcomeSummary.objects.filter(client=client).order_by("instrument_key"))
    return analysed_measures(
        client,
        summaries,
        DiaryEntry.objects.filter(client=client),
        zone_of(client.clinic.time_zone),
        compact=compact,
    )


def progress(account: PortalAccount, actor: Actor) -> list[tuple[Any, Any, Reading]]:
    """The progress page: each measure with its phone-sized curve and the caption telling
    the client which way is better and where they stand (``outcomes.plain``)."""
    return [
        (summary, view, reading(view)) for summary, view in measures(account, actor, compact=True)
    ]


def diary_days(account: PortalAccount, days: int = 14) -> list[Any]:
    """The client's latest diary days (shown under the form; part of the outcomes read)."""
    since = timezone.localdate() - dt.timedelta(days=days)
    return list(
        DiaryEntry.objects.filter(client_id=account.client_id, date__gte=since).order_by("-date")
    )


# --- The record summary (JSON and PDF) ----------------------------------------------


@dataclass
class Record:
    """The client's record: the summary (the JSON download) and the signed notes in it
    (the PDF prints them with charting's own note layout)."""

    summary: dict[str, Any]
    notes: list[SessionNote]


def record_summary(account: PortalAccount, actor: Actor) -> dict[str, Any]:
    """Everything the portal shows and the signed session notes, in one structure: the
    JSON download and the PDF's source. Audited once as an export."""
    return record(account, actor).summary


def record(
    account: Holder,
    actor: Actor,
    *,
    notes: list[SessionNote] | None = None,
    audited: bool = True,
) -> Record:
    """The record of the account's client; ``notes`` defaults to all their signed notes.

    Audited once as an export (the parts are not audited again one by one); staff making
    a copy pass ``audited=False`` and audit the copy themselves (``services.record_copy``).
    """
    client = account.client
    clinic = account.clinic
    if notes is None:
        notes = signed_notes_for_client(client.pk)
    zone = zone_of(clinic.time_zone)
    upcoming, past = appointments(account, actor, audited=False)
    signed = consents(account, actor, audited=False)
    latest_intake, sections = intake(account, actor, audited=False)
    sent = list(letters(account, actor, audited=False))
    views = measures(account, actor, audited=False)
    diary = list(DiaryEntry.objects.filter(client=client).order_by("date"))
    labels = dict(Condition.choices)
    if audited:
        audit.record(
            actor, AuditAction.EXPORT, client, object_type="client_record_summary", clinic=clinic
        )
    summary = {
        "generated_at": clinic_time(account, timezone.now()).isoformat(),
        "clinic": {"name": clinic.name, "email": clinic.email, "phone": clinic.phone},
        "client": {
            "first_name": client.first_name,
            "last_name": client.last_name,
            "preferred_name": client.preferred_name,
            "pronouns": client.pronouns,
            "date_of_birth": client.date_of_birth.isoformat(),
            "email": client.email,
            "phone": client.phone,
            "address": client.address,
            "emergency_contact": {
                "name": client.emergency_contact_name,
                "relationship": client.emergency_contact_relationship,
                "phone": client.emergency_contact_phone,
            },
            "physician": {
                "name": client.physician_name,
                "practice": client.physician_practice,
                "phone": client.physician_phone,
                "email": client.physician_email,
            },
            "preferred_language": client.preferred_language,
            "what_you_come_for": [str(labels.get(c, c)) for c in client.conditions or []],
            "in_your_words": client.presenting_concerns,
            "goals": client.goals,
        },
        "appointments": {
            "upcoming": [v.as_dict() for v in upcoming],
            "past": [v.as_dict() for v in past],
        },
        "consents": [
            {
                "title": s.text.title,
                "version": s.text.version,
                "text": s.text.body,
                "signed_at": clinic_time(account, s.signed_at).isoformat(),
                "typed_name": s.typed_name,
                "withdrawn_at": clinic_time(account, s.withdrawal.withdrawn_at).isoformat()
                if s.withdrawn
                else None,
            }
            for s in signed
        ],
        "health_history": None
        if latest_intake is None
        else {
            "submitted_at": clinic_time(account, latest_intake.submitted_at).isoformat(),
            "amended_at": clinic_time(account, latest_intake.amended_at).isoformat()
            if latest_intake.amended_at
            else None,
            "sections": [
                {"title": s.title, "answers": [{"question": q, "answer": a} for q, a in s.rows]}
                for s in sections
            ],
        },
        "letters": [
            {
                "date": lt.letter_date.isoformat(),
                "subject": lt.subject,
                "to": ", ".join(x for x in (lt.recipient_name, lt.recipient_practice) if x),
                "status": lt.status,
            }
            for lt in sent
        ],
        "measures": [
            {
                "measure": view.instrument.title,
                "baseline": None
                if summary.baseline_value is None
                else rounded(view.instrument, summary.baseline_value),
                "baseline_on": summary.baseline_on.isoformat() if summary.baseline_on else None,
                "latest": None
                if summary.latest_value is None
                else rounded(view.instrument, summary.latest_value),
                "latest_on": summary.latest_on.isoformat() if summary.latest_on else None,
                "status": view.status_text,
                "measurements": summary.measurements,
            }
            for summary, view in views
        ],
        "headache_diary": [
            {
                "date": d.date.isoformat(),
                "headache": d.headache,
                "peak": d.peak,
                "medication": d.medication,
                "note": d.note,
            }
            for d in diary
        ],
        "session_notes": [note_dict(n, zone) for n in notes],
    }
    return Record(summary, notes)


def record_fhir(account: PortalAccount, actor: Actor, *, base_url: str) -> dict[str, Any]:
    """The client's record as a FHIR R4 Bundle; audited once as an export."""
    bundle = client_bundle(account.client, base_url=base_url)
    audit.record(
        actor,
        AuditAction.EXPORT,
        account.client,
        object_type="client_record_fhir",
        clinic=account.clinic,
    )
    return bundle
