"""Session packages: what the clinic sells, selling one to a client, and using its credits.

A credit is used when a covered appointment is completed, and, when the clinic's
settings say so, when it is cancelled late or missed (no-show). Once per appointment,
ever: ``PackageCreditUse.appointment`` is unique, and the package row is locked while a
credit is taken (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE``
serialises writers), so two completions at once use one credit, and two appointments at
once never take more credits than the package holds (a check constraint as last guard).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet, Sum

from sacrum.access import audit
from sacrum.access.changes import apply_changes
from sacrum.access.models import AuditAction
from sacrum.access.scoping import get_scoped_or_404
from sacrum.billing import money
from sacrum.billing.models import (
    ClientPackage,
    LineKind,
    PackageCreditUse,
    PackageType,
    UseReason,
)
from sacrum.billing.services import LineInput, _add_lines, _new_draft, settings_for, today_of
from sacrum.clients.models import Client
from sacrum.kernel.actor import Actor, StaffActor
from sacrum.kernel.permissions import require
from sacrum.scheduling.local_time import local, zone
from sacrum.scheduling.models import Appointment, AppointmentStatus, CancelledBy, ServiceType

TYPE_FIELDS = ("name", "sessions", "price", "valid_days", "active")


# --- Package types ----------------------------------------------------------


def _services_of(actor: StaffActor, service_ids: Iterable[Any]) -> list[ServiceType]:
    wanted = {str(x) for x in service_ids}
    found = list(ServiceType.objects.filter(clinic_id=actor.member.clinic_id, pk__in=wanted))
    if len(found) != len(wanted):
        raise ValidationError({"services": "Choose services of this clinic."})
    if not found:
        raise ValidationError({"services": "Choose at least one service the package covers."})
    return found


def _check_type(row: PackageType, currency: str) -> None:
    errors: dict[str, str] = {}
    if not row.name.strip():
        errors["name"] = "Give the package a name, e.g. “5 sessions”."
    if not 1 <= int(row.sessions or 0) <= 200:
        errors["sessions"] = "From 1 to 200 sessions."
    if not 1 <= int(row.valid_days or 0) <= 3660:
        errors["valid_days"] = "From 1 to 3660 days."
    price = Decimal(str(row.price))
    if price < 0 or price != money.rounded(price, currency) or price >= 1_000_000_000:
        errors["price"] = (
            f"Give a price of zero or more with at most {money.minor_digits(currency)} "
            f"decimal places in {currency}."
        )
    clash = PackageType.objects.filter(clinic_id=row.clinic_id, name=row.name.strip())
    if clash.exclude(pk=row.pk).exists():
        errors["name"] = "The clinic has a package of this name already."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_package_type(
    *, actor: StaffActor, data: Mapping[str, Any], service_ids: Iterable[Any]
) -> PackageType:
    require(actor, "billing.manage")
    row = PackageType(clinic_id=actor.member.clinic_id)
    apply_changes(row, data, TYPE_FIELDS)
    row.name = row.name.strip()
    _check_type(row, actor.member.clinic.currency)
    services = _services_of(actor, service_ids)
    row.save()
    row.services.set(services)
    audit.record(actor, AuditAction.CREATE, row)
    return row


@transaction.atomic
def update_package_type(
    *,
    actor: StaffActor,
    package_type: PackageType,
    data: Mapping[str, Any],
    service_ids: Iterable[Any] | None = None,
) -> PackageType:
    """Changes apply to later sales; packages sold keep their credits, price and expiry."""
    require(actor, "billing.manage")
    row = PackageType.objects.select_for_update().get(pk=package_type.pk)
    apply_changes(row, data, TYPE_FIELDS)
    row.name = row.name.strip()
    _check_type(row, actor.member.clinic.currency)
    row.save()
    if service_ids is not None:
        row.services.set(_services_of(actor, service_ids))
    audit.record(actor, AuditAction.UPDATE, row)
    return row


def package_types_for(actor: StaffActor, *, active_only: bool = False) -> QuerySet[PackageType]:
    qs = PackageType.objects.for_member(actor.member, "view").prefetch_related("services")
    return qs.filter(active=True) if active_only else qs


def package_type_for(actor: StaffActor, package_type_id: Any) -> PackageType:
    return get_scoped_or_404(package_types_for(actor), pk=package_type_id)


# --- Selling ----------------------------------------------------------------


def sell(*, actor: StaffActor, client: Client, package_type: PackageType) -> ClientPackage:
    """Sell a package: its credits start today, and a draft invoice gets a package-sale line."""
    require(actor, "billing.edit")
    clinic = actor.member.clinic
    if client.clinic_id != clinic.pk or client.erased_at is not None:
        raise ValidationError({"client": "Choose a client of this clinic."})
    if package_type.clinic_id != clinic.pk or not package_type.active:
        raise ValidationError({"package_type": "Choose a package the clinic sells."})
    today = today_of(clinic)
    with transaction.atomic():
        invoice = _new_draft(clinic, client)
        expires = today + dt.timedelta(days=package_type.valid_days)
        _add_lines(
            invoice,
            [
                LineInput(
                    kind=LineKind.PACKAGE,
                    description=f"{package_type.name} (package, valid until {expires:%d %b %Y})",
                    unit_price=package_type.price,
                )
            ],
        )
        sold = ClientPackage.objects.create(
            clinic=clinic,
            client=client,
            package_type=package_type,
            name=package_type.name,
            sessions=package_type.sessions,
            price=package_type.price,
            sold_on=today,
            expires_on=expires,
            invoice=invoice,
            sold_by=actor.user,
        )
        audit.record(actor, AuditAction.CREATE, invoice)
        audit.record(actor, AuditAction.CREATE, sold)
    return sold


# --- Reading ----------------------------------------------------------------


def packages_of(client_id: Any, *, on: dt.date | None = None) -> list[ClientPackage]:
    """A client's packages, soonest expiry first; with ``on``, only those usable that day."""
    qs = ClientPackage.objects.filter(client_id=client_id).select_related("package_type")
    if on is not None:
        qs = qs.filter(expires_on__gte=on, used__lt=F("sessions"), revoked_at__isnull=True)
    return list(qs.order_by("expires_on", "created_at"))


def packages_for(actor: StaffActor, client_id: Any) -> QuerySet[ClientPackage]:
    return ClientPackage.objects.for_member(actor.member, "view").filter(client_id=client_id)


def remaining_credits(client_id: Any, on: dt.date) -> int:
    """Credits the client can still use on that day (unexpired packages)."""
    return sum(p.remaining for p in packages_of(client_id, on=on))


def _covering(appointment: Appointment, day: dt.date) -> QuerySet[ClientPackage]:
    return ClientPackage.objects.filter(
        client_id=appointment.client_id,
        clinic_id=appointment.clinic_id,
        expires_on__gte=day,
        used__lt=F("sessions"),
        revoked_at__isnull=True,
        package_type__services=appointment.service_id,
    ).order_by("expires_on", "created_at")


def covering_package(appointment: Appointment) -> ClientPackage | None:
    """The package a credit would come from for this appointment (soonest expiry first)."""
    return _covering(appointment, _day_of(appointment)).first()


def _day_of(appointment: Appointment) -> dt.date:
    return local(appointment.start, zone(appointment.location.time_zone)).date()


# --- Using a credit ---------------------------------------------------------


def reason_for(appointment: Appointment) -> str | None:
    """Why this appointment would use a credit now, or ``None`` (the clinic's policy)."""
    if appointment.status == AppointmentStatus.COMPLETED:
        return UseReason.COMPLETED
    policy = settings_for(appointment.clinic_id)
    if appointment.status == AppointmentStatus.NO_SHOW and policy.package_on_no_show:
        return UseReason.NO_SHOW
    if late_by_client(appointment) and policy.package_on_late_cancel:
        return UseReason.LATE_CANCEL
    return None


def late_by_client(appointment: Appointment) -> bool:
    """Cancelled by the client inside the clinic's cancellation window (not by the clinic)."""
    return (
        appointment.status == AppointmentStatus.CANCELLED
        and appointment.cancelled_late
        and appointment.cancelled_by_party == CancelledBy.CLIENT
    )


def use_credit(*, appointment: Appointment) -> PackageCreditUse | None:
    """Take one credit for the appointment, at most once; ``None`` when none applies.

    Runs inside the transaction that changes the appointment's status. The package row
    is locked before the use is counted; a second completion of the same appointment
    finds the first use (or meets the unique constraint, inside its own savepoint).
    """
    reason = reason_for(appointment)
    if reason is None:
        return None
    earlier = PackageCreditUse.objects.filter(appointment=appointment).first()
    if earlier is not None:
        return earlier
    day = _day_of(appointment)
    with transaction.atomic():
        candidate = _covering(appointment, day).values_list("pk", flat=True).first()
        if candidate is None:
            return None
        package = ClientPackage.objects.select_for_update().get(pk=candidate)
        again = PackageCreditUse.objects.filter(appointment=appointment).first()
        if again is not None:
            return again
        if package.used >= package.sessions:
            return None
        try:
            with transaction.atomic():
                use = PackageCreditUse.objects.create(
                    clinic_id=appointment.clinic_id,
                    package=package,
                    appointment=appointment,
                    reason=reason,
                )
        except IntegrityError:
            return PackageCreditUse.objects.filter(appointment=appointment).first()
        ClientPackage.objects.filter(pk=package.pk).update(used=F("used") + 1)
        audit.record(Actor.system(via="worker"), AuditAction.CREATE, use, clinic=appointment.clinic)
    return use


def credit_use_of(appointment: Appointment) -> PackageCreditUse | None:
    return (
        PackageCreditUse.objects.filter(appointment=appointment).select_related("package").first()
    )


def remaining_by_client(client_ids: Iterable[Any], on: dt.date) -> dict[Any, int]:
    """Credits left per client on that day, in one query (for lists and the booking page)."""
    rows = (
        ClientPackage.objects.filter(
            client_id__in=list(client_ids),
            expires_on__gte=on,
            used__lt=F("sessions"),
            revoked_at__isnull=True,
        )
        .values("client_id")
        .annotate(left=Sum(F("sessions") - F("used")))
    )
    return {r["client_id"]: int(r["left"] or 0) for r in rows}
