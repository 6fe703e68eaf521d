"""Known layouts of other systems' CSV exports, and how a file's header picks one.

A layout maps each Sacrum field to the column names that system uses for it (several
spellings, matched without regard to case, spaces or punctuation). A field may also be
made of two columns (a date and a time), joined with a space. The help pages these come
from are listed in ``docs/data-import.md``; a file whose header matches no layout well
enough is mapped by hand (the page's selects, or ``--map field=Column``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# A column reference: one column, or several whose values are joined (date + time).
Column = str | tuple[str, ...]
Mapping = dict[str, Column]

CLIENT_REF = {
    "client_source_id": "Client's id in the old system",
    "client_first_name": "Client's first name",
    "client_last_name": "Client's last name",
    "client_date_of_birth": "Client's date of birth",
    "client_email": "Client's e-mail",
}

FIELDS: dict[str, dict[str, str]] = {
    "clients": {
        "source_id": "Id in the old system",
        "first_name": "First name",
        "last_name": "Last name",
        "preferred_name": "Preferred name",
        "date_of_birth": "Date of birth",
        "email": "E-mail",
        "phone": "Phone",
        "address": "Address",
    },
    "appointments": {
        "source_id": "Appointment id in the old system",
        **CLIENT_REF,
        "start": "Start (date and time)",
        "end": "End (date and time)",
        "duration_minutes": "Length in minutes",
        "practitioner": "Practitioner (name or e-mail)",
        "service": "Service",
        "location": "Location",
        "status": "Status",
        "cancelled_at": "Cancelled at",
        "did_not_arrive": "Did not arrive (yes/no)",
    },
    "notes": {
        "source_id": "Note id in the old system",
        **CLIENT_REF,
        "date": "Date of the session",
        "author": "Author",
        "title": "Title",
        "text": "Text of the note",
    },
}

_CLIENT_NAMED = ("client_first_name", "client_last_name", "client_date_of_birth")
# Each alternative must be fully mapped for a file of that kind to be readable.
REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "clients": (("first_name", "last_name", "date_of_birth"),),
    "appointments": (
        ("start", "practitioner", "service", "client_source_id"),
        ("start", "practitioner", "service", *_CLIENT_NAMED),
    ),
    "notes": (("date", "text", "client_source_id"), ("date", "text", *_CLIENT_NAMED)),
}


@dataclass(frozen=True)
class Layout:
    key: str
    label: str
    date_order: str  # how the system writes 03/04/2025: "dmy", "mdy" or "ymd"
    aliases: dict[str, dict[str, Sequence[Column]]]


def _client_ref(prefix: str, id_names: Sequence[str]) -> dict[str, Sequence[Column]]:
    return {
        "client_source_id": id_names,
        "client_first_name": (f"{prefix} First Name", "First Name"),
        "client_last_name": (f"{prefix} Last Name", "Last Name"),
        "client_date_of_birth": (
            f"{prefix} Date of Birth",
            f"{prefix} Birth Date",
            "Date of Birth",
        ),
        "client_email": (f"{prefix} Email", "Email"),
    }


JANE = Layout(
    "jane",
    "Jane",
    "ymd",
    {
        "clients": {
            "source_id": ("Patient Number", "Patient ID", "Patient Guid", "ID"),
            "first_name": ("First Name",),
            "last_name": ("Last Name",),
            "preferred_name": ("Preferred Name",),
            "date_of_birth": ("Birth Date", "Date of Birth"),
            "email": ("Email",),
            "phone": ("Mobile Phone", "Home Phone", "Work Phone"),
            "address": (("Address", "City", "Province", "Postal"),),
        },
        "appointments": {
            "source_id": ("Appointment ID", "Appointment Number"),
            **_client_ref("Patient", ("Patient Number", "Patient ID", "Patient Guid")),
            "start": ("Start At", "Start Date Time", ("Start Date", "Start Time")),
            "end": ("End At", "End Date Time", ("End Date", "End Time")),
            "duration_minutes": ("Duration",),
            "practitioner": ("Staff Member", "Practitioner"),
            "service": ("Treatment", "Treatment Name"),
            "location": ("Location", "Location Name"),
            "status": ("State", "Status"),
        },
        "notes": {
            "source_id": ("Chart Entry ID",),
            **_client_ref("Patient", ("Patient Number", "Patient ID", "Patient Guid")),
            "date": ("Entry Date", "Appointment Date"),
            "author": ("Staff Member", "Author"),
            "title": ("Template", "Chart Title"),
            "text": ("Chart Entry", "Note"),
        },
    },
)

CLINIKO = Layout(
    "cliniko",
    "Cliniko",
    "dmy",
    {
        "clients": {
            "source_id": ("Patient ID", "ID"),
            "first_name": ("First Name",),
            "last_name": ("Last Name",),
            "preferred_name": ("Preferred First Name",),
            "date_of_birth": ("Date of Birth", "DOB"),
            "email": ("Email",),
            "phone": ("Mobile", "Phone Number", "Home Phone"),
            "address": (("Address 1", "Address 2", "City", "State", "Post Code"),),
        },
        "appointments": {
            "source_id": ("Appointment ID", "ID"),
            **_client_ref("Patient", ("Patient ID",)),
            "start": ("Appointment Start", "Start Time", "Starts At"),
            "end": ("Appointment End", "End Time", "Ends At"),
            "practitioner": ("Practitioner", "Practitioner Name"),
            "service": ("Appointment Type",),
            "location": ("Business", "Business Name"),
            "status": ("Status",),
            "cancelled_at": ("Cancelled At", "Cancellation Time"),
            "did_not_arrive": ("Did Not Arrive", "DNA"),
        },
        "notes": {
            "source_id": ("Treatment Note ID", "Note ID"),
            **_client_ref("Patient", ("Patient ID",)),
            "date": ("Appointment Date", "Created At"),
            "author": ("Practitioner",),
            "title": ("Template", "Title"),
            "text": ("Content", "Note"),
        },
    },
)

SIMPLEPRACTICE = Layout(
    "simplepractice",
    "SimplePractice",
    "mdy",
    {
        "clients": {
            "source_id": ("Client ID", "ID"),
            "first_name": ("Legal First Name", "First Name"),
            "last_name": ("Legal Last Name", "Last Name"),
            "preferred_name": ("What Name Do They Go By", "Preferred Name", "Nickname"),
            "date_of_birth": ("Date of Birth", "DOB", "Birthdate"),
            "email": ("Email", "Email Address"),
            "phone": ("Phone", "Phone Number", "Mobile Phone"),
            "address": (("Address", "City", "State", "Zip"), ("Street", "City", "State", "Zip")),
        },
        "appointments": {
            "source_id": ("Appointment ID",),
            **_client_ref("Client", ("Client ID",)),
            "start": (("Date of Service", "Start Time"), ("Date", "Time"), "Start"),
            "end": (("Date of Service", "End Time"), "End"),
            "duration_minutes": ("Duration", "Length"),
            "practitioner": ("Clinician", "Clinician Name"),
            "service": ("Service", "Service Description", "Service Code"),
            "location": ("Location", "Place of Service"),
            "status": ("Status", "Attendance"),
        },
        "notes": {
            "source_id": ("Note ID", "Document ID"),
            **_client_ref("Client", ("Client ID",)),
            "date": ("Date of Service", "Date"),
            "author": ("Clinician",),
            "title": ("Note Type", "Title"),
            "text": ("Note", "Content"),
        },
    },
)

GENERIC = Layout(
    "generic",
    "Generic (Sacrum's own column names)",
    "ymd",
    {
        kind: {name: (name,) for name in fields}
        | {"source_id": ("source_id", "id"), "client_source_id": ("client_source_id", "client_id")}
        for kind, fields in FIELDS.items()
    },
)

LAYOUTS: dict[str, Layout] = {x.key: x for x in (JANE, CLINIKO, SIMPLEPRACTICE, GENERIC)}


def norm(name: str) -> str:
    """A column name compared without case, spaces, punctuation or a byte-order mark."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def mapping_for(layout: Layout, kind: str, header: Sequence[str]) -> Mapping:
    """The fields of ``kind`` this header has columns for, in the layout's spelling order."""
    present = {norm(h): h for h in header if h}
    mapping: Mapping = {}
    for field, choices in layout.aliases.get(kind, {}).items():
        for choice in choices:
            names = (choice,) if isinstance(choice, str) else choice
            found = [present[norm(n)] for n in names if norm(n) in present]
            # A joined choice needs its first column (the date); the rest are optional.
            if found and norm(names[0]) in present:
                mapping[field] = found[0] if len(found) == 1 else tuple(found)
                break
    return mapping


def missing(kind: str, mapping: Mapping) -> tuple[str, ...]:
    """The fields still needed for the closest alternative (empty when readable)."""
    best: tuple[str, ...] | None = None
    for needed in REQUIRED[kind]:
        lacking = tuple(f for f in needed if f not in mapping)
        if best is None or len(lacking) < len(best):
            best = lacking
    return best or ()


@dataclass(frozen=True)
class Detected:
    layout: str
    kind: str
    mapping: Mapping


def detect(header: Sequence[str], kind: str | None = None) -> Detected | None:
    """The layout and kind whose required fields the header has, with the most columns
    matched; a specific system wins a tie with the generic layout. None: map by hand."""
    best: tuple[int, int, int, Detected] | None = None
    kinds = [kind] if kind else list(FIELDS)
    for rank, layout in enumerate(reversed(list(LAYOUTS.values()))):
        for k in kinds:
            mapping = mapping_for(layout, k, header)
            if missing(k, mapping):
                continue
            exact = sum(1 for f, c in mapping.items() if c in layout.aliases[k][f])
            score = (len(mapping), exact, rank, Detected(layout.key, k, mapping))
            if best is None or score[:3] > best[:3]:
                best = score
    return best[3] if best else None
