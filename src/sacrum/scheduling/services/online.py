"""Online booking: the public page's choices, the e-mailed confirmation, the manage link.

The flow (docs/scheduling.md has the why):

1. The visitor picks a service, a practitioner or "anyone", a place and a free slot
   (``choose`` / ``check_choice``: the availability engine, from the minimum notice on).
2. They give name, e-mail and date of birth (new) or e-mail and date of birth (returning).
   ``request_booking`` writes an ``OnlineRequest`` and e-mails a link — to everyone,
   the same way, so the page never shows whether the clinic knew the address.
3. The link's page (``confirm_request``) finds or creates the client, applies
   screening's booking gate, and books through ``book_for_clinic`` — the one door,
   with ``source=online`` — then e-mails the confirmation with an ``.ics`` file and
   a manage link.
4. The manage link reschedules or cancels until the clinic's cancellation window;
   after that the page says to phone the clinic.

The visitor acts without an account: the actor has no user and ``via="online"``, and
every write is audited with the request's address.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.clients.models import Client
from sacrum.clinics.mail import sender_of
from sacrum.clinics.models import Clinic, Location, Membership
from sacrum.kernel import capabilities
from sacrum.kernel.actor import Actor
from sacrum.kernel.errors import Conflict
from sacrum.kernel.mail import Message, enqueue_message, message, send_email
from sacrum.scheduling import ics, links
from sacrum.scheduling.intervals import contains
from sacrum.scheduling.local_time import DASH, from_epoch, local, zone
from sacrum.scheduling.models import (
    Appointment,
    AppointmentStatus,
    CancelledBy,
    ManageLink,
    OnlineRequest,
    SchedulingPolicy,
    ServiceType,
    Source,
)
from sacrum.scheduling.services.booking import (
    CLINICAL_ROLES,
    MOVABLE,
    Booking,
    book_for_clinic,
    cancel_unchecked,
    change_status,
    check_online_gate,
    check_urgent_gate,
    confirm_hold,
    reschedule_unchecked,
    when,
)
from sacrum.scheduling.slots import bookable_practitioners, free_starts, working_time
from sacrum.screening import links as screening_links

REQUEST_MINUTES = 60  # an online hold, and its e-mailed confirmation link, last this long
REQUEST_KEEP = dt.timedelta(days=1)  # a lapsed request is kept this long, then deleted
MANAGE_MAX_DAYS = 400  # a manage link's signature is refused after this, whatever the DB says
ICS_FOLDER = "scheduling/ics"  # .ics files queued by earlier versions; periodic.py removes them
MAX_AGE_YEARS = 130
TAKEN = "This time was just taken. Please choose another time."


def public_actor(ip: str | None, user_agent: str = "") -> Actor:
    """The visitor of the public page or a link: no account, audited by address."""
    return capabilities.public_actor(ip=ip, user_agent=user_agent, via="online")


def practitioner_name(member: Membership) -> str:
    profile = getattr(member, "practitioner_profile", None)
    return profile.display_name if profile else member.user.display_name


def _duration_text(minutes: int) -> str:
    if minutes % 1440 == 0:
        days = minutes // 1440
        return f"{days} day{'s' if days != 1 else ''}"
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minutes"


def window_text(policy: SchedulingPolicy) -> str:
    return _duration_text(policy.cancellation_window_hours * 60)


# --- what the public page offers -------------------------------------------------------


def open_clinic(slug: str) -> tuple[Clinic, SchedulingPolicy] | None:
    """The clinic behind a public booking page, if it takes bookings online."""
    clinic = Clinic.objects.filter(slug=slug).first()
    if clinic is None:
        return None
    policy = SchedulingPolicy.for_clinic(clinic.pk)
    if not policy.online_booking_enabled:
        return None
    return clinic, policy


def online_services(clinic: Clinic) -> QuerySet[ServiceType]:
    """Active services marked bookable online that at least one active practitioner offers."""
    return (
        ServiceType.objects.filter(
            clinic=clinic,
            active=True,
            bookable_online=True,
            practitioners__active=True,
            practitioners__role__in=CLINICAL_ROLES,
        )
        .distinct()
        .order_by("name")
    )


def online_locations(clinic: Clinic) -> QuerySet[Location]:
    return Location.objects.filter(clinic=clinic, active=True).order_by("name")


def online_practitioners(service: ServiceType) -> list[Membership]:
    """Who offers the service, by the name clients see."""
    members = Membership.objects.filter(pk__in=bookable_practitioners(service)).select_related(
        "user", "practitioner_profile"
    )
    return sorted(members, key=practitioner_name)


@dataclass
class Choice:
    """What the visitor picked: a service at a place, someone (``None``: anyone), a start."""

    service: ServiceType
    location: Location
    practitioner: Membership | None
    start: dt.datetime | None = None


def _pick(queryset: QuerySet[Any], value: str | None, field: str, message: str) -> Any:
    try:
        found = queryset.filter(pk=uuid.UUID(str(value))).first() if value else None
    except ValueError:
        found = None
    if found is None:
        raise ValidationError({field: message})
    return found


def parse_start(value: str | None) -> dt.datetime:
    """A slot's start as sent by the page: whole seconds since the epoch (UTC)."""
    try:
        seconds = int(str(value))
        if not 0 < seconds < 2**33:
            raise ValueError
    except (TypeError, ValueError):
        raise ValidationError({"start": "Choose a time from the list."}) from None
    return from_epoch(seconds)


def choose(clinic: Clinic, data: Mapping[str, Any], *, need_start: bool = True) -> Choice:
    """Read the page's choices; each unknown or unfit one is refused by its field."""
    errors: dict[str, str] = {}
    service = location = practitioner = None
    start = None
    try:
        service = _pick(
            online_services(clinic),
            data.get("service"),
            "service",
            "Choose one of the services offered online.",
        )
    except ValidationError as exc:
        errors.update({k: " ".join(v) for k, v in exc.message_dict.items()})
    try:
        location = _pick(
            online_locations(clinic), data.get("location"), "location", "Choose a location."
        )
    except ValidationError as exc:
        errors.update({k: " ".join(v) for k, v in exc.message_dict.items()})
    who = data.get("practitioner") or "any"
    if who != "any" and service is not None:
        offering = {str(m.pk): m for m in online_practitioners(service)}
        practitioner = offering.get(str(who))
        if practitioner is None:
            other = (
                Membership.objects.filter(clinic=clinic, active=True, role__in=CLINICAL_ROLES)
                .select_related("user", "practitioner_profile")
                .filter(pk=str(who))
                .first()
                if _is_uuid(str(who))
                else None
            )
            errors["practitioner"] = (
                f"{practitioner_name(other)} does not offer “{service.name}”. "
                "Choose someone who does, or anyone."
                if other is not None
                else "Choose a practitioner from the list, or anyone."
            )
    if need_start or data.get("start"):
        try:
            start = parse_start(data.get("start"))
        except ValidationError as exc:
            errors.update({k: " ".join(v) for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    assert service is not None and location is not None
    return Choice(service=service, location=location, practitioner=practitioner, start=start)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def earliest(policy: SchedulingPolicy, now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) + dt.timedelta(minutes=policy.minimum_notice_minutes)


def latest(policy: SchedulingPolicy, now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) + dt.timedelta(days=policy.online_days_ahead)


def free_slots(
    choice: Choice,
    policy: SchedulingPolicy,
    first_day: dt.date,
    days: int,
    *,
    client_id: uuid.UUID | None = None,
    exclude_appointment_id: uuid.UUID | None = None,
) -> dict[dt.date, list[tuple[dt.datetime, int]]]:
    """Free starts per local day as ``(local start, epoch)``; "anyone" merges practitioners."""
    tz = zone(choice.location.time_zone)
    now = timezone.now()
    last_day = min(first_day + dt.timedelta(days=days - 1), local(latest(policy, now), tz).date())
    if last_day < first_day:
        return {}
    result = free_starts(
        service=choice.service,
        location=choice.location,
        first_day=first_day,
        last_day=last_day,
        practitioner_ids=[choice.practitioner.pk] if choice.practitioner else None,
        client_id=client_id,
        not_before=earliest(policy, now),
        exclude_appointment_id=exclude_appointment_id,
    ).grid(policy.slot_step_minutes)
    return result.by_local_day(tz, horizon=int(latest(policy, now).timestamp()))


def check_choice(
    choice: Choice,
    policy: SchedulingPolicy,
    *,
    client_id: uuid.UUID | None = None,
    exclude_appointment_id: uuid.UUID | None = None,
) -> list[uuid.UUID]:
    """Who is free at the chosen start (at least one), or a ``ValidationError`` on ``start``."""
    assert choice.start is not None
    start = choice.start
    now = timezone.now()
    tz = zone(choice.location.time_zone)
    if start <= now:
        raise ValidationError({"start": "This time is in the past. Choose another time."})
    if start < earliest(policy, now):
        notice = _duration_text(policy.minimum_notice_minutes)
        raise ValidationError(
            {
                "start": f"Online bookings need at least {notice}' notice. "
                "Choose a later time, or phone the clinic."
            }
        )
    if start > latest(policy, now):
        raise ValidationError(
            {"start": f"You can book up to {policy.online_days_ahead} days ahead online."}
        )
    day = local(start, tz).date()
    ids = [choice.practitioner.pk] if choice.practitioner else None
    free = free_starts(
        service=choice.service,
        location=choice.location,
        first_day=day,
        last_day=day,
        practitioner_ids=ids,
        client_id=client_id,
        not_before=earliest(policy, now),
        exclude_appointment_id=exclude_appointment_id,
    )
    minute = local(start, tz)
    on_grid = (minute.hour * 60 + minute.minute) % policy.slot_step_minutes == 0
    found = [pid for pid in sorted(free.intervals, key=str) if free.is_free(pid, start)]
    if found and on_grid:
        return found
    end = start + dt.timedelta(minutes=choice.service.duration_minutes)
    time = working_time(choice.location, bookable_practitioners(choice.service, ids), day, day)
    span = (int(start.timestamp()), int(end.timestamp()))
    if not on_grid or not any(contains(s, *span) for s in time.working.values()):
        raise ValidationError(
            {
                "start": f"{when(start, tz, end)} is outside the hours for "
                f"“{choice.service.name}” at {choice.location.name}. Choose a time from the list."
            }
        )
    raise ValidationError({"start": TAKEN})


# --- step 2: details, and the e-mailed confirmation link ---------------------------------


@dataclass
class Details:
    new_client: bool
    email: str
    date_of_birth: dt.date | None
    first_name: str = ""
    last_name: str = ""
    phone: str = ""


PHONE_CHARACTERS = frozenset("0123456789 +-().")


def check_phone(value: str, *, required: bool) -> str:
    """A phone number people can dial: digits with spaces, ``+``, ``-``, brackets, dots."""
    phone = " ".join(value.split())
    if not phone:
        if required:
            raise ValidationError({"phone": "Enter a phone number, so the clinic can reach you."})
        return ""
    digits = sum(ch.isdigit() for ch in phone)
    if not set(phone) <= PHONE_CHARACTERS or not 6 <= digits <= 20 or len(phone) > 40:
        raise ValidationError(
            {"phone": "Enter a phone number like 0117 496 0000 or +44 117 496 0000."}
        )
    return phone


def check_details(details: Details) -> Details:
    """Normalise and validate; every problem by its field, nothing written."""
    errors: dict[str, str] = {}
    email = details.email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = "Enter an e-mail address like name@example.com."
    dob = details.date_of_birth
    today = timezone.localdate()
    if dob is None:
        errors["date_of_birth"] = "Enter your date of birth."
    elif dob > today:
        errors["date_of_birth"] = "The date of birth cannot be in the future."
    elif today.year - dob.year > MAX_AGE_YEARS:
        errors["date_of_birth"] = f"The date of birth is more than {MAX_AGE_YEARS} years ago."
    first, last = details.first_name.strip(), details.last_name.strip()
    if details.new_client:
        if not first:
            errors["first_name"] = "Enter your first name."
        if not last:
            errors["last_name"] = "Enter your last name."
        if len(first) > 100 or len(last) > 100:
            errors["last_name"] = "Keep each name under 100 characters."
    phone = ""
    try:
        phone = check_phone(details.phone, required=details.new_client)
    except ValidationError as exc:
        errors.update({k: " ".join(v) for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    return Details(details.new_client, email, dob, first, last, phone)


def match_client(clinic_id: Any, email: str, date_of_birth: dt.date) -> Client | None:
    """The clinic's active client with this e-mail and date of birth (both must match)."""
    return (
        Client.objects.filter(
            clinic_id=clinic_id,
            archived=False,
            email__iexact=email.strip(),
            date_of_birth=date_of_birth,
        )
        .order_by("created_at")
        .first()
    )


def _site(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _signature(clinic: Clinic) -> str:
    lines = [clinic.name]
    if clinic.phone:
        lines.append(clinic.phone)
    if clinic.email:
        lines.append(clinic.email)
    return "\n".join(lines) + "\n"


def _reply_to(clinic: Clinic) -> list[str] | None:
    return [clinic.email] if clinic.email else None


def until_text(until: dt.datetime, tz: dt.tzinfo) -> str:
    """'14:00 BST' today, else with the day ('Thu 11 Jun 00:30 BST')."""
    at = local(until, tz)
    if at.date() == local(timezone.now(), tz).date():
        return f"{at:%H:%M %Z}"
    return when(until, tz)


@dataclass(frozen=True)
class Held:
    """What the page after the details form says: the time, and until when it is held."""

    start: dt.datetime
    until: dt.datetime


def request_booking(
    *, clinic: Clinic, policy: SchedulingPolicy, choice: Choice, details: Details, actor: Actor
) -> Held:
    """Check what can be checked without knowing the person, hold the time, e-mail a link.

    The time is held at once (a ``requested`` appointment with ``hold_expires_at``, which
    the no-double-booking rules cover) for ``REQUEST_MINUTES``; the e-mailed link
    confirms it. The answer is the same whoever asked, so the page never shows whether
    the clinic knew the address: a returning visitor with no matching record (and a
    client whose booking the link's page will refuse) is told by e-mail only, and for
    them nothing is held.
    """
    details = check_details(details)
    assert choice.start is not None and details.date_of_birth is not None
    _release_own_hold(clinic, choice, details)
    check_choice(choice, policy)
    if choice.service.new_clients_only and not details.new_client:
        raise ValidationError(
            {
                "service": f"“{choice.service.name}” is for a first visit. "
                "Choose another service for a returning visit."
            }
        )
    tz = zone(choice.location.time_zone)
    label = when(choice.start, tz)
    now = timezone.now()
    held = Held(start=choice.start, until=now + dt.timedelta(minutes=REQUEST_MINUTES))
    client = match_client(clinic.pk, details.email, details.date_of_birth)
    if not details.new_client and client is None:
        body = (
            "Hello,\n\n"
            f"Someone asked to book {choice.service.name} on {label} at {clinic.name} "
            "as a returning client with this e-mail address, but we could not find "
            "a record with this address and that date of birth, so the time is not held.\n\n"
            "If it was you, please book again as a new client, or phone the clinic. "
            "If it was not you, you can ignore this e-mail.\n\n" + _signature(clinic)
        )
        send_email.enqueue(
            subject=f"{clinic.name}: your booking",
            body=body,
            to=[details.email],
            reply_to=_reply_to(clinic),
        )
        return held
    with transaction.atomic():
        created = None
        if client is None:
            client = Client(
                clinic=clinic,
                first_name=details.first_name,
                last_name=details.last_name,
                email=details.email,
                phone=details.phone,
                date_of_birth=details.date_of_birth,
            )
            client.full_clean()
            client.save()
            audit.record(actor, AuditAction.CREATE, client, clinic=clinic)
            created = client
        hold = _hold(actor=actor, clinic=clinic, choice=choice, client=client, until=held.until)
        pending = OnlineRequest.objects.create(
            clinic=clinic,
            service=choice.service,
            location=choice.location,
            practitioner=choice.practitioner,
            start=choice.start,
            new_client=details.new_client,
            first_name=details.first_name if details.new_client else "",
            last_name=details.last_name if details.new_client else "",
            email=details.email,
            phone=details.phone,
            date_of_birth=details.date_of_birth,
            created_client=created,
            appointment=hold,
            token_digest=capabilities.placeholder(),
            expires_at=held.until,
        )
        audit.record(actor, AuditAction.CREATE, pending, clinic=clinic)
        enqueue_message(REQUEST_EMAIL, pending.pk)
    return held


def _release_own_hold(clinic: Clinic, choice: Choice, details: Details) -> None:
    """Asking again for the same time with the same e-mail and birth date (the first
    e-mail lost, say) lets the earlier hold go, so this one can take its place."""
    assert details.date_of_birth is not None and choice.start is not None
    earlier = OnlineRequest.objects.filter(
        clinic=clinic,
        used_at__isnull=True,
        email__iexact=details.email,
        date_of_birth=details.date_of_birth,
        start=choice.start,
        service=choice.service,
        location=choice.location,
        appointment__status=AppointmentStatus.REQUESTED,
        appointment__hold_expires_at__gt=timezone.now(),
    ).select_related("appointment")
    for pending in earlier:
        assert pending.appointment is not None
        with transaction.atomic():
            cancel_unchecked(
                actor=capabilities.public_actor(ip=None, user_agent="", via="online"),
                appointment=pending.appointment,
                reason="Asked for again online; the new request holds the time.",
                party=CancelledBy.CLIENT,
            )
            pending.used_at = timezone.now()  # replaced: its link opens nothing now
            pending.save(update_fields=["used_at"])


def _hold(
    *, actor: Actor, clinic: Clinic, choice: Choice, client: Client, until: dt.datetime
) -> Appointment | None:
    """Hold the time for ``client`` until ``until``, or ``None`` when it can't be held.

    What is about the person (screening's gate, a first-visit service for someone seen
    before, their own other appointment) is left for the link's page to explain: this
    page must look the same for everyone. The time taken by someone else in the same
    instant (the database refused it) is a ``ValidationError`` on ``start``.
    """
    assert choice.start is not None
    policy = SchedulingPolicy.for_clinic(clinic.pk)
    try:
        with transaction.atomic():
            free = check_choice(choice, policy, client_id=client.pk)
            practitioner = choice.practitioner or Membership.objects.select_related(
                "user", "practitioner_profile"
            ).get(pk=free[0])
            return book_for_clinic(
                actor=actor,
                clinic=clinic,
                booking=Booking(
                    client=client,
                    practitioner=practitioner,
                    service=choice.service,
                    location=choice.location,
                    start=choice.start,
                    source=Source.ONLINE,
                    status=AppointmentStatus.REQUESTED,
                    hold_until=until,
                ),
            )
    except Conflict as exc:
        if not exc.fields or set(exc.fields) - {"client"}:
            # The time itself was taken in this instant: say so (it tells nothing about
            # who is asking), and nothing is written.
            raise ValidationError({"start": TAKEN}) from exc
        return None  # the client's own clash: only the link's page may say so
    except ValidationError:
        return None


REQUEST_EMAIL = "sacrum.scheduling.services.online:request"
CONFIRMATION_EMAIL = "sacrum.scheduling.services.online:confirmation"
CANCELLATION_EMAIL = "sacrum.scheduling.services.online:cancellation"


def _open_requests() -> QuerySet[OnlineRequest]:
    return OnlineRequest.objects.filter(used_at__isnull=True, expires_at__gt=timezone.now())


@message(REQUEST_EMAIL)
def _request_email(ref: str) -> Message | None:
    """Rendered by the worker: the confirmation link of a still-open request, or nothing."""
    pending = (
        _open_requests().select_related("clinic", "service", "location").filter(pk=ref).first()
    )
    token = links.reissue(_open_requests(), pending.pk, links.REQUEST) if pending else None
    if pending is None or token is None:
        return None
    clinic = pending.clinic
    label = when(pending.start, zone(pending.location.time_zone))
    url = _site(reverse("web:online_booking_confirm", kwargs={"token": token}))
    tz = zone(pending.location.time_zone)
    held = pending.appointment_id is not None
    first = (
        f"We're holding {pending.service.name} on {label} at {clinic.name}, "
        f"{pending.location.name} for you until {when(pending.expires_at, tz)}. "
        "To finish booking, open this link before then and press “Confirm”:"
        if held
        else f"To book {pending.service.name} on {label} at {clinic.name}, "
        f"{pending.location.name}, open this link within {REQUEST_MINUTES} minutes and "
        "press “Confirm”:"
    )
    after = (
        "If you don't confirm in time, the time is let go and nothing is booked."
        if held
        else "We could not hold this time for you; the link's page says whether it can "
        "still be booked."
    )
    body = (
        f"Hello,\n\n{first}\n\n{url}\n\n{after} If you did not ask for this, you can "
        "ignore this e-mail.\n\n" + _signature(clinic)
    )
    return Message(
        subject=f"{clinic.name}: confirm your booking",
        body=body,
        to=[pending.email],
        reply_to=_reply_to(clinic),
        sender=sender_of(clinic),
    )


def open_request(token: str) -> OnlineRequest | None:
    """The unused request behind a link, or ``None`` (tampered, unknown, used: no reason).

    A request whose hold has lapsed is still found (until the periodic job deletes it a
    day later), so its page can say plainly that the time was let go.
    """
    return links.find(
        OnlineRequest.objects.filter(used_at__isnull=True).select_related(
            "clinic",
            "service",
            "location",
            "practitioner__user",
            "practitioner__practitioner_profile",
            "appointment",
        ),
        token,
        links.REQUEST,
        dt.timedelta(minutes=REQUEST_MINUTES) + REQUEST_KEEP,
    )


class HoldLapsed(Conflict):
    """The link was used after the hold ran out: nothing is booked."""


def lapsed_text(pending: OnlineRequest) -> str:
    tz = zone(pending.location.time_zone)
    return (
        f"We held {when(pending.start, tz)} for you until {when(pending.expires_at, tz)}, "
        "but it was not confirmed in time, so the time was let go and nothing is booked. "
        "Please choose a time again."
    )


def confirm_request(*, pending: OnlineRequest, actor: Actor) -> Appointment:
    """Confirm the held time (or, when nothing could be held, check and book it): all or nothing.

    Raises ``HoldLapsed`` after the hold's time (nothing is booked, even if the time is
    still free: the visitor chooses again, seeing what is free now),
    ``OnlineBookingRefused`` (the gate), ``ValidationError`` by field (the slot is no
    longer possible, a first-visit service for a returning client) or ``Conflict``
    (taken in the same instant). Nothing is written then.
    """
    clinic = pending.clinic
    policy = SchedulingPolicy.for_clinic(clinic.pk)
    now = timezone.now()
    status = (
        AppointmentStatus.REQUESTED
        if policy.online_requests_need_approval
        else AppointmentStatus.BOOKED
    )
    with transaction.atomic():
        locked = OnlineRequest.objects.select_for_update().get(pk=pending.pk)
        if locked.used_at is not None:
            raise Conflict("This link has already been used.")
        if locked.expires_at <= now:
            raise HoldLapsed(lapsed_text(pending))
        hold = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("client", "clinic", "service", "location")
            .filter(pk=locked.appointment_id)
            .first()
            if locked.appointment_id is not None
            else None
        )
        if hold is not None and hold.is_held_until(now):
            client = hold.client
            check_online_gate(client)
            appointment = confirm_hold(actor=actor, appointment=hold, status=status)
        else:
            client = _client_for(locked, clinic, actor)
            check_online_gate(client)
            appointment = _book_now(locked, policy, client, status, actor)
        if locked.phone and not client.phone:
            client.phone = locked.phone
            client.save(update_fields=["phone", "updated_at"])
            audit.record(actor, AuditAction.UPDATE, client, clinic=clinic)
        locked.used_at = now
        locked.appointment = appointment
        locked.save(update_fields=["used_at", "appointment"])
        audit.record(actor, AuditAction.UPDATE, locked, clinic=clinic)
        send_confirmation(
            appointment, intake_for=client if locked.created_client_id == client.pk else None
        )
    return appointment


def _client_for(locked: OnlineRequest, clinic: Clinic, actor: Actor) -> Client:
    client = match_client(clinic.pk, locked.email, locked.date_of_birth)
    if client is not None:
        return client
    if not locked.new_client:
        raise Conflict("We could not find your record. Please phone the clinic.")
    client = Client(
        clinic=clinic,
        first_name=locked.first_name,
        last_name=locked.last_name,
        email=locked.email,
        phone=locked.phone,
        date_of_birth=locked.date_of_birth,
    )
    client.full_clean()
    client.save()
    audit.record(actor, AuditAction.CREATE, client, clinic=clinic)
    locked.created_client = client
    locked.save(update_fields=["created_client"])
    return client


def _book_now(
    locked: OnlineRequest, policy: SchedulingPolicy, client: Client, status: str, actor: Actor
) -> Appointment:
    """Nothing was held (see ``_hold``): check the time now and book it."""
    choice = Choice(locked.service, locked.location, locked.practitioner, locked.start)
    free = check_choice(choice, policy, client_id=client.pk)
    practitioner = locked.practitioner or Membership.objects.select_related(
        "user", "practitioner_profile"
    ).get(pk=free[0])
    return book_for_clinic(
        actor=actor,
        clinic=locked.clinic,
        booking=Booking(
            client=client,
            practitioner=practitioner,
            service=locked.service,
            location=locked.location,
            start=locked.start,
            source=Source.ONLINE,
            status=status,
        ),
    )


# --- e-mails ------------------------------------------------------------------------------


def _calendar(appointment: Appointment) -> list[tuple[str, bytes, str]]:
    """The .ics file, rendered by the worker as the appointment is when the e-mail leaves."""
    content = ics.appointment_calendar(appointment, practitioner_name(appointment.practitioner))
    return [("appointment.ics", content, "text/calendar")]


def issue_manage_link(appointment: Appointment) -> ManageLink:
    """A new manage link (earlier ones revoked), valid until the appointment starts.

    Its token is minted by the worker when the confirmation e-mail leaves.
    """
    now = timezone.now()
    capabilities.revoke(ManageLink.objects.filter(appointment=appointment), now=now)
    return ManageLink.objects.create(
        appointment=appointment,
        token_digest=capabilities.placeholder(),
        sent_to=appointment.client.email,
        expires_at=max(appointment.start, now + dt.timedelta(minutes=1)),
    )


def _what(appointment: Appointment) -> str:
    tz = zone(appointment.location.time_zone)
    address = ics.place(appointment)
    return (
        f"  What:  {appointment.service.name} ({appointment.duration_minutes} minutes)\n"
        f"  When:  {when(appointment.start, tz, appointment.end)}\n"
        f"  Where: {address}\n"
        f"  With:  {practitioner_name(appointment.practitioner)}\n"
    )


def send_confirmation(
    appointment: Appointment,
    *,
    intake_for: Client | None = None,
    moved_from: dt.datetime | None = None,
) -> None:
    """Booked: the details, the .ics file and a manage link. Requested: the same, tentative.

    ``intake_for`` (a new client): the e-mail also carries their intake and consent link.
    ``moved_from``: the e-mail says "Moved:" with the old and the new time. Queues ids
    only; the worker renders the e-mail and mints the tokens.
    """
    if not appointment.client.email:
        return
    ref = str(issue_manage_link(appointment).pk)
    if intake_for is not None:
        link = screening_links.create_for_online_booking(
            actor=public_actor(None), client=intake_for
        )
        ref += f"/intake/{link.pk}"
    if moved_from is not None:
        ref += f"/moved/{int(moved_from.timestamp())}"
    enqueue_message(CONFIRMATION_EMAIL, ref)


def _open_manage_links() -> QuerySet[ManageLink]:
    return ManageLink.objects.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


def _with_appointment(queryset: QuerySet[ManageLink]) -> QuerySet[ManageLink]:
    return queryset.select_related(
        "appointment__clinic",
        "appointment__client",
        "appointment__service",
        "appointment__location",
        "appointment__practitioner__user",
        "appointment__practitioner__practitioner_profile",
    )


def _parts(ref: str) -> tuple[str, dict[str, str]]:
    """``<manage link id>[/intake/<id>][/moved/<epoch>]`` → the id and the extras."""
    first, *rest = ref.split("/")
    return first, dict(zip(rest[::2], rest[1::2], strict=False))


def _intake_part(intake_id: str | None) -> str:
    found = screening_links.email_url(intake_id) if intake_id else None
    if found is None:
        return ""
    url, link = found
    return (
        "Before your first visit, please fill in your health history and consent form "
        "(about ten minutes), so your practitioner can make sure a session is right for you:"
        f"\n\n{url}\n\nThat link works once, until "
        f"{timezone.localtime(link.expires_at):%d %B %Y}.\n\n"
    )


@message(CONFIRMATION_EMAIL)
def _confirmation_email(ref: str) -> Message | None:
    manage_id, extra = _parts(ref)
    link = _with_appointment(_open_manage_links()).filter(pk=manage_id).first()
    if link is None or link.appointment.status not in MOVABLE:
        return None
    token = links.reissue(_open_manage_links(), link.pk, links.MANAGE)
    if token is None:
        return None
    appointment = link.appointment
    client, clinic = appointment.client, appointment.clinic
    policy = SchedulingPolicy.for_clinic(clinic.pk)
    url = _site(reverse("web:online_booking_manage", kwargs={"token": token}))
    requested = appointment.status == AppointmentStatus.REQUESTED
    tz = zone(appointment.location.time_zone)
    moved_from = from_epoch(int(extra["moved"])) if extra.get("moved", "").isdigit() else None
    opening = (
        f"Thank you. {clinic.name} has your request; the front desk will confirm it soon "
        "and you will get another e-mail then."
        if requested
        else f"Your appointment at {clinic.name} is booked."
    )
    if moved_from is not None:
        opening = (
            f"Your appointment at {clinic.name} has moved.\n\n"
            f"  Was:   {when(moved_from, tz)}\n"
            f"  Now:   {when(appointment.start, tz)}"
        )
    body = (
        f"Hello {client.preferred_name or client.first_name},\n\n{opening}\n\n"
        f"{_what(appointment)}\n"
        f"{_intake_part(extra.get('intake'))}"
        f"To move or cancel it, use this link until {window_text(policy)} before the "
        f"appointment:\n\n{url}\n\n"
        "After that, please phone the clinic. The link is personal: please do not forward "
        "it. The attached calendar file adds the appointment to your calendar.\n\n"
        + _signature(clinic)
    )
    label = when(appointment.start, tz)
    if moved_from is not None:
        subject = f"Moved: {appointment.service.name}, {when(moved_from, tz)} → {label}"
    else:
        kind = "Request received" if requested else "Booked"
        subject = f"{kind}: {appointment.service.name}, {label}"
    return Message(
        subject=f"{subject} {DASH} {clinic.name}",
        body=body,
        to=[link.sent_to],
        reply_to=_reply_to(clinic),
        sender=sender_of(clinic),
        attachments=_calendar(appointment),
    )


def send_cancellation(appointment: Appointment) -> None:
    if appointment.client.email:
        enqueue_message(CANCELLATION_EMAIL, appointment.pk)


@message(CANCELLATION_EMAIL)
def _cancellation_email(ref: str) -> Message | None:
    appointment = (
        Appointment.objects.select_related(
            "clinic", "client", "service", "location", "practitioner__user"
        )
        .filter(pk=ref)
        .first()
    )
    if appointment is None or not appointment.client.email:
        return None
    client, clinic = appointment.client, appointment.clinic
    body = (
        f"Hello {client.preferred_name or client.first_name},\n\n"
        f"Your appointment at {clinic.name} is cancelled:\n\n{_what(appointment)}\n"
        "The attached calendar file removes it from your calendar. To book again, visit "
        f"{_site(reverse('web:online_booking', kwargs={'clinic_slug': clinic.slug}))}\n\n"
        + _signature(clinic)
    )
    return Message(
        subject=f"Cancelled: {appointment.service.name} {DASH} {clinic.name}",
        body=body,
        to=[client.email],
        reply_to=_reply_to(clinic),
        sender=sender_of(clinic),
        attachments=_calendar(appointment),
    )


# --- the manage link ----------------------------------------------------------------------


def open_manage(token: str) -> ManageLink | None:
    return links.find(
        _with_appointment(_open_manage_links()),
        token,
        links.MANAGE,
        dt.timedelta(days=MANAGE_MAX_DAYS),
    )


def can_change(appointment: Appointment, policy: SchedulingPolicy) -> bool:
    """Within the window the client may still move or cancel it themselves."""
    window = dt.timedelta(hours=policy.cancellation_window_hours)
    return appointment.status in MOVABLE and appointment.start - timezone.now() >= window


class TooLate(ValidationError):
    """Inside the cancellation window: the client is asked to phone the clinic."""


def too_late(appointment: Appointment, policy: SchedulingPolicy) -> TooLate:
    clinic = appointment.clinic
    if appointment.status not in MOVABLE:
        return TooLate(
            f"This appointment is {appointment.get_status_display().lower()} and can't be changed here."
        )
    phone = f" on {clinic.phone}" if clinic.phone else ""
    return TooLate(
        f"Changes online are possible until {window_text(policy)} before the appointment. "
        f"Please phone {clinic.name}{phone}."
    )


def cancel_by_link(*, link: ManageLink, reason: str, actor: Actor) -> Appointment:
    """The client cancels: recorded as cancelled by the client, with their reason."""
    appointment = link.appointment
    policy = SchedulingPolicy.for_clinic(appointment.clinic_id)
    if not can_change(appointment, policy):
        raise too_late(appointment, policy)
    with transaction.atomic():
        cancel_unchecked(
            actor=actor,
            appointment=appointment,
            reason=reason.strip()[:300] or "Cancelled online by the client.",
            party=CancelledBy.CLIENT,
        )
        send_cancellation(appointment)
    return appointment


def reschedule_by_link(*, link: ManageLink, start: dt.datetime, actor: Actor) -> Appointment:
    """The client moves it to another free time with the same practitioner, service and place."""
    appointment = link.appointment
    policy = SchedulingPolicy.for_clinic(appointment.clinic_id)
    check_online_gate(appointment.client)
    if not can_change(appointment, policy):
        raise too_late(appointment, policy)
    choice = Choice(appointment.service, appointment.location, appointment.practitioner, start)
    check_choice(
        choice, policy, client_id=appointment.client_id, exclude_appointment_id=appointment.pk
    )
    moved_from = appointment.start
    with transaction.atomic():
        reschedule_unchecked(
            actor=actor,
            appointment=appointment,
            start=start,
            reason="Moved online by the client.",
            source=Source.ONLINE,
        )
        send_confirmation(appointment, moved_from=moved_from)
    return appointment


# --- staff: accepting a request made online -----------------------------------------------


def accept_request(*, actor: Actor, appointment: Appointment) -> Appointment:
    """Staff accept a requested appointment (it is booked); an online one gets its e-mail.

    Idempotent: accepting one that is already booked or confirmed changes nothing.
    """
    if appointment.status in (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED):
        return appointment
    if appointment.status != AppointmentStatus.REQUESTED:
        raise ValidationError({"status": "Only a requested appointment can be accepted."})
    if appointment.hold_expires_at is not None:
        raise ValidationError(
            {
                "status": "This time is held for someone booking online until they confirm "
                "from their e-mail; it can't be accepted before then."
            }
        )
    check_urgent_gate(appointment.client)  # told to seek urgent care: not until assessed
    with transaction.atomic():
        change_status(actor=actor, appointment=appointment, status=AppointmentStatus.BOOKED)
        if appointment.source == Source.ONLINE:
            send_confirmation(appointment)
    return appointment


def slot_label(start: dt.datetime, location: Location, minutes: int) -> str:
    tz = zone(location.time_zone)
    return when(start, tz, start + dt.timedelta(minutes=minutes))
