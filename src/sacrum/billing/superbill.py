"""The statement for insurance ("superbill") a client sends to their insurer themselves.

The clinic enters its own codes (Sacrum ships no code lists): a billing code per service
(``ServiceCode``, the owner, ``billing.manage``) and diagnosis codes per client
(``ClientDiagnosis``, staff with clinical access, ``clinical.edit``). Whoever sees the
client's billing (``billing.view``: owner, practitioners, front desk) produces the
statement, which prints the current diagnosis codes; each production is audited
(``export``, object type ``billing.superbill``, the client's id).

The sessions listed are the lines for services and package sales on the client's issued
invoices (not void) whose session day (the appointment's day in its location's zone, or
the issue day for an invoice made without an appointment) falls in the period. What was
paid on an invoice is shared out over its lines in order; credit notes are a total of
their own. Fees for missed visits are not listed (no insurer pays for them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.access.scoping import get_scoped_or_404
from sacrum.billing import money, selectors
from sacrum.billing.models import (
    ClientDiagnosis,
    Invoice,
    Kind,
    LineKind,
    ServiceCode,
    Status,
)
from sacrum.billing.services import practitioner_name, settings_for, today_of
from sacrum.clients.models import Client
from sacrum.clinics.models import Clinic, Credential, Location, Membership, VerificationState
from sacrum.kernel.actor import StaffActor
from sacrum.kernel.permissions import require
from sacrum.scheduling.local_time import local, zone
from sacrum.scheduling.models import ServiceType

ZERO = Decimal("0")
MAX_DIAGNOSES = 12
MAX_DAYS = 3 * 366
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)
AUDIT_TYPE = "billing.superbill"


# --- Service codes ----------------------------------------------------------


def _code(value: str, field_name: str) -> str:
    code = (value or "").strip()
    if len(code) > 30:
        raise ValidationError({field_name: "At most 30 characters."})
    if any(ch in code for ch in "\r\n\t\x00"):
        raise ValidationError({field_name: "One line of text, e.g. 97140."})
    return code


@transaction.atomic
def set_service_code(*, actor: StaffActor, service: ServiceType, code: str) -> ServiceCode | None:
    """A service's billing code (free text); empty removes it."""
    require(actor, "billing.manage")
    if service.clinic_id != actor.member.clinic_id:
        raise ValidationError({"service": "Choose a service of this clinic."})
    code = _code(code, "code")
    row = ServiceCode.objects.filter(service=service).first()
    if not code:
        if row is not None:
            row.delete()
            audit.record(actor, AuditAction.DELETE, row)
        return None
    row = row or ServiceCode(clinic_id=service.clinic_id, service=service)
    if row.pk is None or row.code != code:
        row.code = code
        row.save()
        audit.record(actor, AuditAction.UPDATE, row)
    return row


def codes_by_service(clinic_id: Any) -> dict[Any, str]:
    return dict(ServiceCode.objects.filter(clinic_id=clinic_id).values_list("service_id", "code"))


# --- Diagnosis codes --------------------------------------------------------


@transaction.atomic
def add_diagnosis(
    *, actor: StaffActor, client: Client, code: str, description: str = ""
) -> ClientDiagnosis:
    """Add a diagnosis code to a client (staff with clinical access only)."""
    require(actor, "clinical.edit")
    if client.clinic_id != actor.member.clinic_id or client.erased_at is not None:
        raise ValidationError({"client": "Choose a client of this clinic."})
    code = _code(code, "code")
    description = (description or "").strip()
    errors: dict[str, str] = {}
    if not code:
        errors["code"] = "Give the code, e.g. M54.2."
    if len(description) > 200:
        errors["description"] = "At most 200 characters."
    current = ClientDiagnosis.objects.filter(client=client, removed_at__isnull=True)
    if code and current.filter(code__iexact=code).exists():
        errors["code"] = "The client has this code already."
    elif current.count() >= MAX_DIAGNOSES:
        errors["code"] = f"At most {MAX_DIAGNOSES} codes; remove one first."
    if errors:
        raise ValidationError(errors)
    row = ClientDiagnosis.objects.create(
        clinic_id=client.clinic_id,
        client=client,
        code=code,
        description=description,
        added_by=actor.user,
    )
    audit.record(actor, AuditAction.CREATE, row)
    return row


@transaction.atomic
def remove_diagnosis(*, actor: StaffActor, diagnosis: ClientDiagnosis) -> ClientDiagnosis:
    """Take a code off later statements; the row keeps who removed it and when."""
    require(actor, "clinical.edit")
    row = ClientDiagnosis.objects.select_for_update().get(pk=diagnosis.pk)
    if row.removed_at is None:
        row.removed_at = timezone.now()
        row.removed_by = actor.user
        row.save(update_fields=["removed_at", "removed_by"])
        audit.record(actor, AuditAction.UPDATE, row)
    return row


def diagnoses_for(actor: StaffActor, client_id: Any) -> QuerySet[ClientDiagnosis]:
    """The client's current codes, for whoever sees the client's billing."""
    return ClientDiagnosis.objects.for_member(actor.member, "view").filter(
        client_id=client_id, removed_at__isnull=True
    )


def diagnosis_for(actor: StaffActor, diagnosis_id: Any) -> ClientDiagnosis:
    return get_scoped_or_404(ClientDiagnosis.objects.for_member(actor.member), pk=diagnosis_id)


# --- The statement ----------------------------------------------------------


@dataclass(frozen=True)
class Identifier:
    title: str
    issuing_body: str
    level: str
    number: str
    verified: bool


@dataclass(frozen=True)
class Practitioner:
    name: str
    profession: str
    identifiers: list[Identifier]


@dataclass(frozen=True)
class SessionRow:
    day: dt.date
    service: str
    code: str
    charged: Decimal
    paid: Decimal
    invoice_number: str


@dataclass
class Statement:
    clinic: Clinic
    clinic_address: str
    tax_number: str
    client: Client
    start: dt.date
    end: dt.date
    produced_on: dt.date
    currency: str
    locale: str
    practitioners: list[Practitioner]
    diagnoses: list[ClientDiagnosis]
    rows: list[SessionRow] = field(default_factory=list)
    credited: Decimal = ZERO

    @property
    def charged(self) -> Decimal:
        return sum((r.charged for r in self.rows), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((r.paid for r in self.rows), ZERO)

    @property
    def balance(self) -> Decimal:
        return self.charged - self.credited - self.paid

    def fmt(self, amount: Decimal) -> str:
        return money.formatted(amount, self.currency, self.locale)


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """1 January of this year to today."""
    return dt.date(today.year, 1, 1), today


def check_period(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    """Both days given (1900 to 2999), the end not before the start, at most three years."""
    errors: dict[str, str] = {}
    if start is None:
        errors["start"] = "Give the first day of the period."
    if end is None:
        errors["end"] = "Give the last day of the period."
    for name, day in (("start", start), ("end", end)):
        if day is not None and not EARLIEST <= day <= LATEST:
            errors[name] = f"Give a date from {EARLIEST.year} to {LATEST.year}."
    if start is not None and end is not None and not errors:
        if end < start:
            errors["end"] = "The end cannot be before the start."
        elif (end - start).days > MAX_DAYS:
            errors["end"] = "A statement covers at most three years."
    if errors:
        raise ValidationError(errors)
    assert start is not None and end is not None
    return start, end


def _address(location: Location | None) -> str:
    if location is None:
        return ""
    town = " ".join(x for x in (location.postal_code, location.city) if x)
    return ", ".join(x for x in (location.address_line, town, location.country) if x)


def _practitioners(members: list[Membership]) -> list[Practitioner]:
    result = []
    for member in members:
        profile = getattr(member, "practitioner_profile", None)
        identifiers: list[Identifier] = []
        profession = ""
        if profile is not None:
            profession = profile.get_profession_display()
            credentials = Credential.objects.filter(profile=profile).exclude(
                verification_state=VerificationState.REJECTED
            )
            identifiers = [
                Identifier(
                    title=c.title,
                    issuing_body=c.issuing_body,
                    level=c.level,
                    number=c.registration_number,
                    verified=c.verification_state == VerificationState.VERIFIED,
                )
                for c in credentials
            ]
        result.append(Practitioner(practitioner_name(member), profession, identifiers))
    return result


def _share(paid: Decimal, charges: list[Decimal]) -> list[Decimal]:
    """What was paid on an invoice, given to its lines in order (each at most its charge)."""
    left, shares = max(paid, ZERO), []
    for charge in charges:
        part = min(left, charge)
        shares.append(part)
        left -= part
    return shares


def statement(
    *, actor: StaffActor, client: Client, start: dt.date | None, end: dt.date | None
) -> Statement:
    """The client's statement for the period (``ValidationError`` by field on a bad period).

    Audited as an export of the client's billing with its diagnosis codes.
    """
    require(actor, "billing.view")
    start, end = check_period(start, end)
    clinic = actor.member.clinic
    clinic_settings = settings_for(clinic.pk)
    # Wide by a day each side in UTC; the exact local day is checked below.
    lo = dt.datetime.combine(start - dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    hi = dt.datetime.combine(end + dt.timedelta(days=2), dt.time.min, tzinfo=dt.UTC)
    invoices = list(
        selectors.with_amounts(
            Invoice.objects.for_member(actor.member, "view").filter(
                client_id=client.pk, kind=Kind.INVOICE, status=Status.ISSUED
            )
        )
        .filter(
            Q(appointment__start__gte=lo, appointment__start__lt=hi)
            | Q(appointment__isnull=True, issued_on__gte=start, issued_on__lte=end)
        )
        .select_related(
            "appointment__location",
            "appointment__practitioner__user",
            "appointment__practitioner__practitioner_profile",
        )
        .prefetch_related("lines__service")
        .order_by("issued_on", "number")
    )
    codes = codes_by_service(clinic.pk)
    rows: list[SessionRow] = []
    credited = ZERO
    members: dict[Any, Membership] = {}
    location: Location | None = None
    for invoice in invoices:
        appointment = invoice.appointment
        if appointment is not None:
            day = local(appointment.start, zone(appointment.location.time_zone)).date()
        else:
            assert invoice.issued_on is not None
            day = invoice.issued_on
        if not start <= day <= end:
            continue
        if appointment is not None:
            members.setdefault(appointment.practitioner_id, appointment.practitioner)
            location = location or appointment.location
        lines = [x for x in invoice.lines.all() if x.kind in (LineKind.SERVICE, LineKind.PACKAGE)]
        shares = _share(selectors.paid(invoice), [x.gross for x in lines])
        for line, share in zip(lines, shares, strict=True):
            rows.append(
                SessionRow(
                    day=day,
                    service=line.service.name if line.service else line.description,
                    code=codes.get(line.service_id, "") if line.service_id else "",
                    charged=line.gross,
                    paid=share,
                    invoice_number=invoice.number_text,
                )
            )
        credited += min(
            Decimal(getattr(invoice, "credited_amount", ZERO)), sum((x.gross for x in lines), ZERO)
        )
    if location is None:
        location = clinic.locations.filter(active=True).order_by("name").first()
    rows.sort(key=lambda r: (r.day, r.invoice_number))
    result = Statement(
        clinic=clinic,
        clinic_address=_address(location),
        tax_number=clinic_settings.tax_number,
        client=client,
        start=start,
        end=end,
        produced_on=today_of(clinic),
        currency=clinic.currency,
        locale=clinic_settings.locale,
        practitioners=_practitioners(list(members.values())),
        diagnoses=list(diagnoses_for(actor, client.pk)),
        rows=rows,
        credited=credited,
    )
    audit.record(actor, AuditAction.EXPORT, object_type=AUDIT_TYPE, object_id=str(client.pk))
    return result
