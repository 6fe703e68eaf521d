"""The open feed of free slots: HL7 SMART Scheduling Links (STU 1).

A ``$bulk-publish`` manifest points at three NDJSON files: Locations (the clinics'
places where a listed practitioner works), Schedules (one per listed practitioner,
listed service and place) and Slots (free start times from the scheduling engine, on
the clinic's slot grid and within its booking rules, and busy times of appointments,
without anything about who booked them). Each free slot carries a booking deep link
into online booking with the slot chosen. The worker rewrites the files (``periodic``);
any directory can read many Sacrum servers without a central one.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sacrum.clinics.models import Location, PractitionerProfile
from sacrum.directory.models import FeedFile
from sacrum.directory.selectors import site_url
from sacrum.directory.visibility import listed_member_filter, offers_of
from sacrum.scheduling import slots
from sacrum.scheduling.local_time import Offsets, local, zone
from sacrum.scheduling.models import Appointment, SchedulingPolicy, WeeklyHours
from sacrum.scheduling.models.appointments import ACTIVE_VALUES

FEED_DAYS = 14
SLOTS_PER_FILE = 20_000  # about 10 MB of NDJSON
DAY = 86400
REFRESH_MINUTES = 10
IG = "http://hl7.org/fhir/uv/smart-scheduling-links/StructureDefinition"
PROFILES = {
    "Location": f"{IG}/smart-scheduling-location",
    "Schedule": f"{IG}/smart-scheduling-schedule",
    "Slot": f"{IG}/smart-scheduling-slot",
}
DEEP_LINK = f"{IG}/booking-deep-link"
BOOKING_PHONE = f"{IG}/booking-phone"
FILES = {"Location": "locations", "Schedule": "schedules", "Slot": "slots"}
PART = re.compile(r"slots-(?:[2-9]|[1-9]\d+)")  # slots-2, slots-3, …
NAMESPACE = uuid.UUID("1b7c7a52-5d0a-4c55-9a43-6f1f0e4a8c11")


def instant(moment: dt.datetime, tz: dt.tzinfo) -> str:
    """A FHIR instant with the location's own offset, to the second."""
    return local(moment, tz).isoformat(timespec="seconds")


def _wall(seconds: int, offset: int) -> str:
    """A FHIR instant at a known UTC offset (seconds), to the second: what ``instant`` gives."""
    moment = dt.datetime.fromtimestamp(seconds, tz=dt.timezone(dt.timedelta(seconds=offset)))
    return moment.isoformat(timespec="seconds")


def schedule_id(member_id: Any, service_id: Any, location_id: Any) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{member_id}/{service_id}/{location_id}"))


def _line(resource: dict[str, Any]) -> str:
    return json.dumps(resource, ensure_ascii=False, separators=(",", ":"))


def build(now: dt.datetime) -> list[tuple[str, str, str]]:
    """(resource type, file name, NDJSON text) of every file of the feed."""
    # A fixed number of queries whatever the server holds.
    hour_rows = (
        WeeklyHours.objects.filter(listed_member_filter("practitioner"), location__active=True)
        .order_by()
        .values_list("practitioner_id", "location_id", "weekday", "start_time", "end_time")
    )
    hours = [slots.Hours(*row) for row in hour_rows]
    places: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)  # member → locations
    for h in hours:
        places[h.member_id].add(h.location_id)
    offers = list(offers_of(list(places)))
    locations = {
        loc.pk: loc
        for loc in Location.objects.filter(
            pk__in={loc for locs in places.values() for loc in locs}
        ).select_related("clinic", "clinic__scheduling_policy")
    }
    names = dict(
        PractitionerProfile.objects.filter(membership_id__in=list(places)).values_list(
            "membership_id", "display_name"
        )
    )
    policies = {
        loc.clinic_id: getattr(loc.clinic, "scheduling_policy", None)
        or SchedulingPolicy(clinic_id=loc.clinic_id)
        for loc in locations.values()
    }
    services = {o[1]: o for o in offers}

    location_lines = []
    for loc in sorted(locations.values(), key=lambda loc: str(loc.pk)):
        clinic = loc.clinic
        telecom = [
            {"system": "url", "value": site_url(reverse("web:online_booking", args=[clinic.slug]))}
        ]
        if loc.phone or clinic.phone:
            telecom.insert(0, {"system": "phone", "value": loc.phone or clinic.phone})
        resource: dict[str, Any] = {
            "resourceType": "Location",
            "id": str(loc.pk),
            "meta": {"profile": [PROFILES["Location"]]},
            "identifier": [
                {"system": site_url(reverse("web:directory_search")), "value": str(loc.pk)}
            ],
            "name": f"{clinic.name} — {loc.name}",
            "telecom": telecom,
            "address": {
                "line": [loc.address_line] if loc.address_line else [],
                "city": loc.city,
                "state": loc.country,
                "postalCode": loc.postal_code,
                "country": loc.country,
            },
        }
        if clinic.public_description:
            resource["description"] = clinic.public_description
        if loc.latitude is not None and loc.longitude is not None:
            resource["position"] = {
                "latitude": float(loc.latitude),
                "longitude": float(loc.longitude),
            }
        location_lines.append(_line(resource))

    schedule_lines = []
    slot_lines = []
    by_service_location: dict[tuple[uuid.UUID, uuid.UUID], list[uuid.UUID]] = defaultdict(list)
    for member_id, service_id, *_rest in offers:
        for location_id in sorted(places[member_id], key=str):
            by_service_location[(service_id, location_id)].append(member_id)
            schedule_lines.append(
                _line(
                    {
                        "resourceType": "Schedule",
                        "id": schedule_id(member_id, service_id, location_id),
                        "meta": {"profile": [PROFILES["Schedule"]]},
                        "serviceType": [
                            {
                                "coding": [
                                    {
                                        "system": site_url(reverse("web:directory_search")),
                                        "code": str(service_id),
                                        "display": services[service_id][3],
                                    }
                                ],
                                "text": services[service_id][3],
                            }
                        ],
                        "actor": [
                            {"reference": f"Location/{location_id}"},
                            {"display": names.get(member_id) or ""},
                        ],
                    }
                )
            )

    end_window = now + dt.timedelta(days=FEED_DAYS)
    booking = {c for c, policy in policies.items() if policy.online_booking_enabled}
    found = slots.many_free_starts(
        slots.ManyQuery(
            now=now,
            days=FEED_DAYS,
            hours=[h for h in hours if locations[h.location_id].clinic_id in booking],
            offers=[
                slots.Offer(m, s, c, d, b, a, r)
                for m, s, c, _n, _t, d, b, a, r, _p, _x in offers
                if c in booking
            ],
            location_zones={pk: loc.time_zone for pk, loc in locations.items()},
            location_clinics={pk: loc.clinic_id for pk, loc in locations.items()},
            policies=policies,
        )
    )
    lo, hi = int(now.timestamp()) - DAY, int(end_window.timestamp()) + DAY
    offsets: dict[uuid.UUID, Offsets] = {}
    details: dict[uuid.UUID, str] = {}  # clinic → its online booking details URL
    slot_profile = json.dumps([PROFILES["Slot"]])
    for (member_id, service_id, location_id), valid in sorted(
        found.intervals.items(), key=lambda kv: tuple(map(str, kv[0]))
    ):
        loc = locations[location_id]
        tz = zone(loc.time_zone)
        table = offsets.get(location_id)
        if table is None:
            table = offsets[location_id] = Offsets(tz, lo, hi)
        url = details.get(loc.clinic_id)
        if url is None:
            url = details[loc.clinic_id] = site_url(
                reverse("web:online_booking_details", args=[loc.clinic.slug])
            )
        step = policies[loc.clinic_id].slot_step_minutes * 60
        offer = services[service_id]
        duration = offer[5] * 60
        length = (offer[5] + offer[6] + offer[7]) * 60  # one booking's blocked range
        phone = loc.phone or loc.clinic.phone
        sid = schedule_id(member_id, service_id, location_id)
        # The parts of each line that do not change with the time, as JSON text: the same
        # object as json.dumps would give, written a million times faster.
        link = f"{url}?service={service_id}&location={location_id}&practitioner={member_id}&start="
        head = f'{{"resourceType":"Slot","id":"{sid}-'
        middle = (
            f'","meta":{{"profile":{slot_profile}}},"schedule":{{"reference":"Schedule/{sid}"}}'
            f',"status":"free","start":"'
        )
        tail = f',"valueString":{json.dumps(phone, ensure_ascii=False)}}}]}}' if phone else "]}"
        phone_part = f',{{"url":"{BOOKING_PHONE}"' if phone else ""
        for a, b in valid:
            # Back to back, never overlapping: each published slot can be booked whatever
            # else is booked from the feed (a 50-minute session is not offered four times
            # an hour).
            start = table.align_up(a, step)
            while start < b:
                shift = table.at(start)
                begin = _wall(start, shift)
                end = _wall(start + duration, table.at(start + duration))
                slot_lines.append(
                    f'{head}{start}{middle}{begin}","end":"{end}","extension":'
                    f'[{{"url":"{DEEP_LINK}","valueUrl":"{link}{start}"}}{phone_part}{tail}'
                )
                start = table.align_up(start + length, step)
    # Busy times: when each listed practitioner is booked for a listed service (no one's name).
    listed = {(m, s, loc) for (s, loc), ms in by_service_location.items() for m in ms}
    busy = Appointment.objects.filter(
        status__in=ACTIVE_VALUES,
        practitioner_id__in=list(places),
        start__lt=end_window,
        end__gt=now,
    ).values_list("id", "practitioner_id", "service_id", "location_id", "start", "end")
    for appointment_id, member_id, service_id, location_id, begins, ends in busy:
        if (member_id, service_id, location_id) not in listed:
            continue
        tz = zone(locations[location_id].time_zone)
        sid = schedule_id(member_id, service_id, location_id)
        slot_lines.append(
            _line(
                {
                    "resourceType": "Slot",
                    "id": str(uuid.uuid5(NAMESPACE, f"busy/{appointment_id}")),
                    "meta": {"profile": [PROFILES["Slot"]]},
                    "schedule": {"reference": f"Schedule/{sid}"},
                    "status": "busy",
                    "start": instant(begins, tz),
                    "end": instant(ends, tz),
                }
            )
        )
    files = [
        ("Location", FILES["Location"], _body(location_lines)),
        ("Schedule", FILES["Schedule"], _body(schedule_lines)),
    ]
    # The Slot file is cut into parts (the manifest lists each), so no one file or response
    # grows with the whole server: a reader fetches them one by one.
    for part, first in enumerate(range(0, max(len(slot_lines), 1), SLOTS_PER_FILE), start=1):
        name = FILES["Slot"] if part == 1 else f"{FILES['Slot']}-{part}"
        files.append(("Slot", name, _body(slot_lines[first : first + SLOTS_PER_FILE])))
    return files


def _body(lines: list[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


def kind_of(name: str) -> str | None:
    """The resource type in a feed file of this name (``slots-3`` → Slot), or ``None``."""
    for kind, base in FILES.items():
        if name == base or (kind == "Slot" and PART.fullmatch(name)):
            return kind
    return None


@transaction.atomic
def refresh(now: dt.datetime | None = None) -> int:
    """Rewrite the feed files (and drop parts no longer needed); returns the lines written."""
    now = now or timezone.now()
    files = build(now)
    for _kind, name, body in files:
        FeedFile.objects.update_or_create(name=name, defaults={"body": body, "generated_at": now})
    FeedFile.objects.exclude(name__in=[name for _k, name, _b in files]).delete()
    return sum(body.count("\n") for _k, _n, body in files)


def due(now: dt.datetime) -> bool:
    last = FeedFile.objects.filter(name="slots").values_list("generated_at", flat=True).first()
    return last is None or now - last >= dt.timedelta(minutes=REFRESH_MINUTES) or last > now


def manifest(generated_at: dt.datetime | None, names: list[str]) -> dict[str, Any]:
    """The ``$bulk-publish`` manifest listing the files ``names`` (as the worker wrote them)."""
    order = list(FILES.values())
    files = sorted(
        ((kind, name) for name in names if (kind := kind_of(name)) is not None),
        key=lambda kn: (order.index(FILES[kn[0]]), len(kn[1]), kn[1]),
    )
    if not files:
        files = [(kind, name) for kind, name in FILES.items()]
    return {
        "transactionTime": (generated_at or timezone.now())
        .astimezone(dt.UTC)
        .isoformat(timespec="seconds")
        .replace("+00:00", "Z"),
        "request": site_url(reverse("web:directory_feed_manifest")),
        "output": [
            {"type": kind, "url": site_url(reverse("web:directory_feed_file", args=[name]))}
            for kind, name in files
        ],
        "error": [],
    }
