"""The import itself: every row is read and checked before anything is written; what
passes becomes a unit (a client with its link, an appointment with the client it brings,
a note), and units go to the database in batches (``writer``). A row either becomes
whole records or none: its problems are reported with its row number, and it never stops
the rows after it. A dry run does all of this except the writing.

Idempotency: every record written is linked to its id in the old system
(``ImportedRecord``); a row whose id is already linked is skipped. Rows without an id get
one from what identifies them (a client's name, date of birth and e-mail; an
appointment's client, start and practitioner; a note's client, date and text).
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import queue
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from sacrum.access.roles import Role
from sacrum.charting.models import ImportedNote
from sacrum.clients.models import Client
from sacrum.clinics.models import Clinic, Location, Membership, PractitionerProfile
from sacrum.imports.models import ImportedRecord, RecordKind
from sacrum.imports.values import (
    TRUE_WORDS,
    BadValue,
    parse_date,
    parse_datetime,
    parse_email,
    parse_minutes,
    parse_status,
)
from sacrum.imports.writer import Table, new_id
from sacrum.scheduling.constraints import is_overlap_error
from sacrum.scheduling.local_time import zone
from sacrum.scheduling.models import Appointment, ServiceType
from sacrum.scheduling.models.appointments import ACTIVE_VALUES

# Plain strings, not the enum members: they are hashed for every row.
CLIENT, APPOINTMENT, NOTE = (
    k.value for k in (RecordKind.CLIENT, RecordKind.APPOINTMENT, RecordKind.NOTE)
)
BATCH = 5000
MAX_PROBLEMS = 2000
MAX_PREVIEW = 500

CLIENT_COLUMNS = (
    "id",
    "clinic_id",
    "first_name",
    "last_name",
    "preferred_name",
    "date_of_birth",
    "email",
    "phone",
    "address",
    "created_at",
    "updated_at",
)
APPOINTMENT_COLUMNS = (
    "id",
    "clinic_id",
    "client_id",
    "practitioner_id",
    "service_id",
    "location_id",
    "start",
    "end",
    "blocked_start",
    "blocked_end",
    "status",
    "cancelled_at",
    "created_by_id",
    "created_at",
    "updated_at",
)
NOTE_COLUMNS = (
    "id",
    "clinic_id",
    "client_id",
    "session_date",
    "author_name",
    "title",
    "text",
    "source_system",
    "source_id",
    "imported_at",
    "content_hash",
)
LINK_COLUMNS = ("clinic_id", "source_system", "kind", "source_id", "object_id", "run_id")
TABLE_ORDER = ("client", "appointment", "note", "link")


@dataclass
class Problem:
    row: int
    outcome: str  # "skipped", "conflict" or "error"
    message: str


@dataclass
class Unit:
    """What one row becomes: written together or not at all."""

    row: int
    kind: str
    label: str
    rows: list[tuple[str, tuple[Any, ...]]]


@dataclass
class Report:
    created: Counter[str] = field(default_factory=Counter)
    skipped: int = 0
    conflicts: int = 0
    errors: int = 0
    rows_done: int = 0
    problems: list[Problem] = field(default_factory=list)
    preview: list[tuple[int, str, str]] = field(default_factory=list)
    # The writer thread reports refused records while the reading thread reports rows.
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, problem: Problem) -> None:
        with self.lock:
            if problem.outcome == "skipped":
                self.skipped += 1
            elif problem.outcome == "conflict":
                self.conflicts += 1
            else:
                self.errors += 1
            if len(self.problems) < MAX_PROBLEMS:
                self.problems.append(problem)


def _text(values: dict[str, str], name: str) -> str:
    return (values.get(name) or "").strip()


def _limited(values: dict[str, str], name: str, what: str, limit: int) -> str:
    value = _text(values, name)
    if len(value) > limit:
        raise BadValue(f"{what} is longer than {limit} characters")
    return value


def _name_key(name: str) -> str:
    return " ".join(name.lower().split())


class Busy:
    """Non-overlapping [start, end) ranges of one practitioner, room or client, sorted."""

    __slots__ = ("ends", "rows", "starts")

    def __init__(self) -> None:
        self.starts: list[float] = []
        self.ends: list[float] = []
        self.rows: list[int] = []

    def clash(self, start: float, end: float) -> int | None:
        """The row (0: already in Sacrum) of a range overlapping [start, end), if any."""
        i = bisect.bisect_left(self.starts, start)
        if i > 0 and self.ends[i - 1] > start:
            return self.rows[i - 1]
        if i < len(self.starts) and self.starts[i] < end:
            return self.rows[i]
        return None

    def add(self, start: float, end: float, row: int) -> None:
        i = bisect.bisect_left(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)
        self.rows.insert(i, row)


@dataclass
class ClientRow:
    first_name: str
    last_name: str
    preferred_name: str
    date_of_birth: dt.date
    email: str
    phone: str
    address: str

    @property
    def natural(self) -> tuple[str, str, dt.date]:
        return (_name_key(self.first_name), _name_key(self.last_name), self.date_of_birth)

    @property
    def natural_id(self) -> str:
        first, last, dob = self.natural
        return f"natural:{first}|{last}|{dob.isoformat()}|{self.email}"

    @property
    def label(self) -> str:
        return f"{self.preferred_name or self.first_name} {self.last_name}"


class BackgroundWriter:
    """Writes the checked batches on a thread of its own (its own database connection),
    in the order they were checked, while the next batch is being read and checked.
    The database's work (indexes, the double-booking guard, foreign keys) then overlaps
    Python's instead of following it. Each batch is still one transaction, committed
    in order, so a batch always finds the clients an earlier one wrote."""

    def __init__(self, write: Callable[[list[Unit], int], None]) -> None:
        self.write = write
        self.batches: queue.Queue[tuple[list[Unit], int] | None] = queue.Queue(maxsize=2)
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="sacrum-import-writer")
        self.thread.start()

    def _run(self) -> None:
        from sacrum.imports.writer import import_session

        try:
            with import_session(connection):
                while (batch := self.batches.get()) is not None:
                    if self.failure is None:
                        try:
                            self.write(*batch)
                        except BaseException as exc:  # re-raised by the reading thread
                            self.failure = exc
        finally:
            connection.close()

    def submit(self, units: list[Unit], done: int) -> None:
        self._raise()
        self.batches.put((units, done))

    def close(self) -> None:
        self.batches.put(None)
        self.thread.join()
        self._raise()

    def _raise(self) -> None:
        if self.failure is not None:
            raise self.failure


class Importer:
    """One run's state: what is already here, what this file has added so far."""

    def __init__(
        self,
        *,
        clinic: Clinic,
        source_system: str,
        dry_run: bool,
        date_order: str = "ymd",
        run_id: Any = None,
        user_id: Any = None,
        progress: Callable[[int], None] | None = None,
        where: str = "row",
        background: bool | None = None,
    ) -> None:
        self.clinic = clinic
        self.source = source_system
        self.dry_run = dry_run
        self.order = date_order
        self.run_id = run_id
        self.user_id = user_id
        self.progress = progress
        self.where = where
        self.tz = zone(clinic.time_zone)
        self.now = timezone.now()
        self.today = timezone.localdate(self.now, self.tz)
        self.report = Report()
        self.pending: list[Unit] = []
        self.tables = {
            "client": Table(Client, CLIENT_COLUMNS, connection),
            "appointment": Table(Appointment, APPOINTMENT_COLUMNS, connection),
            "note": Table(ImportedNote, NOTE_COLUMNS, connection),
            "link": Table(ImportedRecord, LINK_COLUMNS, connection),
        }
        self.links: dict[str, dict[str, Any]] = {}
        self.seen: dict[str, dict[str, int]] = defaultdict(dict)
        self._natural: dict[tuple[str, str, dt.date], list[tuple[Any, str, int]]] | None = None
        self._busy: dict[str, dict[Any, Busy]] | None = None
        self._instants: dict[tuple[str, str], dt.datetime] = {}
        self._load_catalogue()
        # Writes on a second connection only on PostgreSQL, whose server does the writing
        # in its own process (SQLite writes in this process: its thread would wait for
        # Python's lock at every row), and only when nothing of this connection's is still
        # uncommitted (an enclosing transaction the other connection could not see).
        if background is None:
            background = connection.vendor == "postgresql" and not connection.in_atomic_block
        self.writer: BackgroundWriter | None = (
            BackgroundWriter(self._write_batch) if background and not dry_run else None
        )

    # --- What is already here ---------------------------------------------------

    def _load_catalogue(self) -> None:
        clinic = self.clinic
        self.practitioners: dict[str, Any] = {}
        self.practitioner_names: dict[Any, str] = {}
        members = Membership.objects.filter(
            clinic=clinic, active=True, role__in=(Role.PRACTITIONER, Role.OWNER)
        ).select_related("user")
        for member in members:
            name = member.user.display_name
            self.practitioner_names[member.pk] = name
            for key in (name, member.user.email, getattr(member.user, "full_name", "")):
                if key:
                    self.practitioners.setdefault(_name_key(key), member.pk)
        for profile in PractitionerProfile.objects.filter(membership__clinic=clinic).values_list(
            "display_name", "membership_id"
        ):
            self.practitioners.setdefault(_name_key(profile[0]), profile[1])
        self.services: dict[str, tuple[Any, int, int, int]] = {}
        for service in ServiceType.objects.filter(clinic=clinic):
            self.services.setdefault(
                _name_key(service.name),
                (
                    service.pk,
                    service.duration_minutes,
                    service.buffer_before_minutes,
                    service.buffer_after_minutes,
                ),
            )
        locations = list(Location.objects.filter(clinic=clinic).values_list("name", "pk"))
        self.locations = {_name_key(name): pk for name, pk in locations}
        self.only_location = locations[0][1] if len(locations) == 1 else None

    def linked(self, kind: str) -> dict[str, Any]:
        if kind not in self.links:
            self.links[kind] = dict(
                ImportedRecord.objects.filter(
                    clinic=self.clinic, source_system=self.source, kind=kind
                ).values_list("source_id", "object_id")
            )
        return self.links[kind]

    @property
    def natural(self) -> dict[tuple[str, str, dt.date], list[tuple[Any, str, int]]]:
        if self._natural is None:
            found: dict[tuple[str, str, dt.date], list[tuple[Any, str, int]]] = defaultdict(list)
            rows = Client.objects.filter(clinic=self.clinic).values_list(
                "pk", "first_name", "last_name", "date_of_birth", "email"
            )
            for pk, first, last, dob, email in rows.iterator(chunk_size=5000):
                found[(_name_key(first), _name_key(last), dob)].append((pk, email.lower(), 0))
            self._natural = found
        return self._natural

    @property
    def busy(self) -> dict[str, dict[Any, Busy]]:
        if self._busy is None:
            busy: dict[str, dict[Any, Busy]] = {
                "practitioner": defaultdict(Busy),
                "client": defaultdict(Busy),
            }
            rows = (
                Appointment.objects.filter(clinic=self.clinic, status__in=ACTIVE_VALUES)
                .order_by("blocked_start")
                .values_list("practitioner_id", "client_id", "blocked_start", "blocked_end")
            )
            for practitioner, client, start, end in rows.iterator(chunk_size=5000):
                s, e = start.timestamp(), end.timestamp()
                for who, key in (("practitioner", practitioner), ("client", client)):
                    ranges = busy[who][key]
                    ranges.starts.append(s)
                    ranges.ends.append(e)
                    ranges.rows.append(0)
            self._busy = busy
        return self._busy

    # --- Rows ---------------------------------------------------------------------

    def problem(self, row: int, outcome: str, message: str) -> None:
        self.report.add(Problem(row, outcome, message))

    def _skip_known(self, kind: str, source_id: str, row: int, shown: str) -> bool:
        first = self.seen[kind].get(source_id)
        if first is not None:
            self.problem(row, "skipped", f"duplicate of {self.where} {first} in this file")
            return True
        if source_id in self.linked(kind):
            self.problem(row, "skipped", f"already imported ({shown})")
            return True
        return False

    def _client_row(self, values: dict[str, str], prefix: str = "") -> ClientRow:
        def f(name: str) -> str:
            return prefix + name

        first = _limited(values, f("first_name"), "first name", 100)
        last = _limited(values, f("last_name"), "last name", 100)
        if not first:
            raise BadValue("first name is empty")
        if not last:
            raise BadValue("last name is empty")
        dob_text = _text(values, f("date_of_birth"))
        if not dob_text:
            raise BadValue("date of birth is empty")
        dob = parse_date(dob_text, self.order, "date of birth")
        if dob > self.today or dob.year < 1880:
            raise BadValue(f"date of birth '{dob_text}' is not a possible date of birth")
        email = parse_email(_limited(values, f("email"), "e-mail", 254), "e-mail")
        return ClientRow(
            first_name=first,
            last_name=last,
            preferred_name=_limited(values, "preferred_name", "preferred name", 100)
            if not prefix
            else "",
            date_of_birth=dob,
            email=email,
            phone=_limited(values, "phone", "phone", 40) if not prefix else "",
            address=_limited(values, "address", "address", 300) if not prefix else "",
        )

    def _existing(self, person: ClientRow) -> list[tuple[Any, str, int]]:
        """Clients already here (or earlier in the file) with the same name and birth date,
        and, when the row gives an e-mail, the same e-mail or none."""
        same = self.natural.get(person.natural, [])
        if not person.email:
            return same
        return [c for c in same if c[1] in ("", person.email)]

    def _new_client(self, person: ClientRow, row: int) -> tuple[Any, list[tuple[str, Any]]]:
        pk = new_id()
        values = (
            pk,
            self.clinic.pk,
            person.first_name,
            person.last_name,
            person.preferred_name,
            person.date_of_birth,
            person.email,
            person.phone,
            person.address,
            self.now,
            self.now,
        )
        return pk, [("client", values)]

    def _remember_client(self, pk: Any, person: ClientRow, source_id: str, row: int) -> None:
        self.natural[person.natural].append((pk, person.email, row))
        self.linked("client")[source_id] = pk
        self.seen["client"][source_id] = row

    def _link(self, kind: str, source_id: str, pk: Any) -> tuple[str, tuple[Any, ...]]:
        return ("link", (self.clinic.pk, self.source, kind, source_id, pk, self.run_id))

    def client(self, row: int, values: dict[str, str]) -> None:
        """A row of a clients file."""
        try:
            person = self._client_row(values)
        except BadValue as exc:
            self.problem(row, "error", str(exc))
            return
        given = _text(values, "source_id")
        source_id = given or person.natural_id
        if self._skip_known(
            CLIENT,
            source_id,
            row,
            f"id {given}" if given else "same name, date of birth and e-mail",
        ):
            return
        existing = self._existing(person)
        if existing:
            pk, _email, first_row = existing[0]
            where = f"{self.where} {first_row} of this file" if first_row else "Sacrum"
            self.problem(
                row,
                "skipped",
                f"a client with the same name, date of birth and e-mail is already in {where}",
            )
            # Later rows (appointments, notes) that name this id find the same client.
            self.linked("client")[source_id] = pk
            self.seen["client"][source_id] = row
            if first_row == 0:
                self._queue(Unit(row, "", "", [self._link(CLIENT, source_id, pk)]))
            return
        pk, rows = self._new_client(person, row)
        rows.append(self._link(CLIENT, source_id, pk))
        self._remember_client(pk, person, source_id, row)
        self._queue(Unit(row, "client", person.label, rows))

    def _resolve_client(
        self, row: int, values: dict[str, str]
    ) -> tuple[Any, list[tuple[str, Any]], ClientRow | None, str]:
        """The client a row refers to: by its id in the old system, else by name and date
        of birth; a client not here yet is created with the row (never half of it)."""
        given = _text(values, "client_source_id")
        if given and given in self.linked(CLIENT):
            return self.linked(CLIENT)[given], [], None, given
        if not _text(values, "client_last_name"):
            if given:
                raise BadValue(
                    f"client id '{given}' is not among the imported clients "
                    "(import the clients file first)"
                )
            raise BadValue("no client: give the client's id or name and date of birth")
        person = self._client_row(values, prefix="client_")
        matches = self._existing(person)
        if len({m[0] for m in matches}) > 1:
            raise BadValue(
                f"more than one client named {person.label} born {person.date_of_birth} "
                "(give the client's id or e-mail)"
            )
        if matches:
            pk = matches[0][0]
            rows: list[tuple[str, Any]] = []
            if given and matches[0][2] == 0:
                rows.append(self._link(CLIENT, given, pk))
            return pk, rows, None, given or person.natural_id
        pk, rows = self._new_client(person, row)
        source_id = given or person.natural_id
        rows.append(self._link(CLIENT, source_id, pk))
        return pk, rows, person, source_id

    def appointment(self, row: int, values: dict[str, str]) -> None:
        """A row of an appointments file (or a FHIR Appointment)."""
        try:
            self._appointment(row, values)
        except BadValue as exc:
            self.problem(row, "error", str(exc))

    def _appointment(self, row: int, values: dict[str, str]) -> None:
        given = _text(values, "source_id")
        if given and self._skip_known(APPOINTMENT, given, row, f"id {given}"):
            return
        start_text = _text(values, "start")
        start = self._instant(start_text, "start")
        practitioner_text = _text(values, "practitioner")
        practitioner = self.practitioners.get(_name_key(practitioner_text))
        if practitioner is None:
            raise BadValue(
                f"practitioner '{practitioner_text}' is not a practitioner of this clinic "
                "(add them under Staff, or correct the name)"
            )
        client_pk, client_rows, person, client_key = self._resolve_client(row, values)
        source_id = given or f"natural:{client_key}|{start.isoformat()}|{practitioner}"
        if not given and self._skip_known(
            APPOINTMENT, source_id, row, "same client, start and practitioner"
        ):
            return
        service_text = _text(values, "service")
        service = self.services.get(_name_key(service_text))
        if service is None:
            raise BadValue(f"service '{service_text}' is not a service of this clinic")
        service_pk, duration, before, after = service
        location_text = _text(values, "location")
        location = self.locations.get(_name_key(location_text)) if location_text else None
        if location is None:
            location = self.only_location if not location_text else None
            if location is None:
                raise BadValue(
                    f"location '{location_text}' is not a location of this clinic"
                    if location_text
                    else "no location given, and the clinic has more than one"
                )
        end_text = _text(values, "end")
        if end_text:
            end = self._instant(end_text, "end")
        elif _text(values, "duration_minutes"):
            end = start + dt.timedelta(minutes=parse_minutes(values["duration_minutes"], "length"))
        else:
            end = start + dt.timedelta(minutes=duration)
        if end <= start:
            raise BadValue(f"end '{end_text}' is not after the start")
        status = parse_status(_text(values, "status"))
        cancelled_text = _text(values, "cancelled_at")
        if _text(values, "did_not_arrive").lower() in TRUE_WORDS:
            status = "no_show"
        elif cancelled_text:
            status = "cancelled"
        if not status:
            status = "completed" if end <= self.now else "booked"
        cancelled_at = None
        if status == "cancelled":
            cancelled_at = start
            if cancelled_text:
                try:
                    cancelled_at = parse_datetime(
                        cancelled_text, self.order, self.tz, "cancelled at"
                    )
                except BadValue:
                    cancelled_at = start
        blocked_start = start - dt.timedelta(minutes=before)
        blocked_end = end + dt.timedelta(minutes=after)
        active = status in ACTIVE_VALUES
        client_busy = None
        practitioner_busy = None
        if active:
            s, e = blocked_start.timestamp(), blocked_end.timestamp()
            practitioner_busy = self.busy["practitioner"][practitioner]
            clash = practitioner_busy.clash(s, e)
            if clash is not None:
                name = self.practitioner_names.get(practitioner, practitioner_text)
                self.problem(row, "conflict", self._overlap(f"{name} is already booked", clash))
                return
            client_busy = self.busy["client"][client_pk]
            clash = client_busy.clash(s, e)
            if clash is not None:
                self.problem(row, "conflict", self._overlap("the client is already booked", clash))
                return
        pk = new_id()
        rows = [
            *client_rows,
            (
                "appointment",
                (
                    pk,
                    self.clinic.pk,
                    client_pk,
                    practitioner,
                    service_pk,
                    location,
                    start,
                    end,
                    blocked_start,
                    blocked_end,
                    status,
                    cancelled_at,
                    self.user_id,
                    self.now,
                    self.now,
                ),
            ),
            self._link(APPOINTMENT, source_id, pk),
        ]
        # Checked: now remember what this row adds, so later rows see it.
        if person is not None:
            self._remember_client(client_pk, person, client_key, row)
        elif client_rows:
            self.linked(CLIENT)[client_key] = client_pk
        if practitioner_busy is not None and client_busy is not None:
            practitioner_busy.add(blocked_start.timestamp(), blocked_end.timestamp(), row)
            client_busy.add(blocked_start.timestamp(), blocked_end.timestamp(), row)
        self.seen[APPOINTMENT][source_id] = row
        self.linked(APPOINTMENT)[source_id] = pk
        when = start.astimezone(self.tz)
        self._queue(Unit(row, "appointment", f"{when:%Y-%m-%d %H:%M} {status}", rows))

    def _instant(self, text: str, what: str) -> dt.datetime:
        """A date and time as parsed before (a practice has few distinct session times)."""
        key = (text, what)
        found = self._instants.get(key)
        if found is None:
            found = parse_datetime(text, self.order, self.tz, what)
            if len(self._instants) < 200_000:
                self._instants[key] = found
        return found

    def _overlap(self, what: str, clash: int) -> str:
        where = f"by {self.where} {clash} of this file" if clash else "in Sacrum"
        return f"{what} at that time ({where}); not imported"

    def note(self, row: int, values: dict[str, str]) -> None:
        """A row of a notes file: an imported, signed-elsewhere document."""
        try:
            self._note(row, values)
        except BadValue as exc:
            self.problem(row, "error", str(exc))

    def _note(self, row: int, values: dict[str, str]) -> None:
        given = _text(values, "source_id")
        if given and self._skip_known(NOTE, given, row, f"id {given}"):
            return
        text = (values.get("text") or "").strip()
        if not text:
            raise BadValue("the note's text is empty")
        if len(text) > 100000:
            raise BadValue("the note's text is longer than 100 000 characters")
        date_text = _text(values, "date")
        if not date_text:
            raise BadValue("the session date is empty")
        try:
            day = parse_date(date_text.replace("T", " ").split(" ")[0], self.order, "session date")
        except BadValue:
            day = (
                parse_datetime(date_text, self.order, self.tz, "session date")
                .astimezone(self.tz)
                .date()
            )
        client_pk, client_rows, person, client_key = self._resolve_client(row, values)
        digest = hashlib.sha256(text.encode()).hexdigest()
        source_id = given or f"natural:{client_key}|{day.isoformat()}|{digest}"
        if not given and self._skip_known(NOTE, source_id, row, "same client, date and text"):
            return
        pk = new_id()
        rows = [
            *client_rows,
            (
                "note",
                (
                    pk,
                    self.clinic.pk,
                    client_pk,
                    day,
                    _limited(values, "author", "author", 150),
                    _limited(values, "title", "title", 200),
                    text,
                    self.source,
                    source_id,
                    self.now,
                    digest,
                ),
            ),
            self._link(NOTE, source_id, pk),
        ]
        if person is not None:
            self._remember_client(client_pk, person, client_key, row)
        elif client_rows:
            self.linked(CLIENT)[client_key] = client_pk
        self.seen[NOTE][source_id] = row
        self.linked(NOTE)[source_id] = pk
        self._queue(Unit(row, "note", f"{day:%Y-%m-%d}", rows))

    # --- Writing ------------------------------------------------------------------

    def _queue(self, unit: Unit) -> None:
        if unit.kind and len(self.report.preview) < MAX_PREVIEW:
            self.report.preview.append((unit.row, unit.kind, unit.label))
        self.pending.append(unit)
        if len(self.pending) >= BATCH:
            self.flush()

    def count_row(self) -> None:
        self.report.rows_done += 1

    def flush(self) -> None:
        units, self.pending = self.pending, []
        if self.dry_run or not units:
            for unit in units:
                self._created(unit)
            if self.progress is not None:
                self.progress(self.report.rows_done)
        elif self.writer is not None:
            self.writer.submit(units, self.report.rows_done)
        else:
            self._write_batch(units, self.report.rows_done)

    def _write_batch(self, units: list[Unit], done: int) -> None:
        self._write(units)
        if self.progress is not None:
            self.progress(done)

    def _created(self, unit: Unit) -> None:
        for table, _values in unit.rows:
            if table != "link":
                self.report.created[table] += 1  # one thread counts: the writer, or the reader

    def _write(self, units: list[Unit]) -> None:
        encoded: dict[str, list[tuple[Any, ...]]] = {name: [] for name in TABLE_ORDER}
        for unit in units:
            for table, values in unit.rows:
                encoded[table].append(self.tables[table].encode(values))
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                for name in TABLE_ORDER:
                    self.tables[name].write(cursor, encoded[name])
        except (IntegrityError, DatabaseError):
            self._write_carefully(units)
            return
        for unit in units:
            self._created(unit)

    def _write_carefully(self, units: list[Unit]) -> None:
        """After a refused batch: each unit alone, in its own savepoint."""
        for unit in units:
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    for table, values in sorted(unit.rows, key=lambda r: TABLE_ORDER.index(r[0])):
                        self.tables[table].write_one(cursor, self.tables[table].encode(values))
            except IntegrityError as exc:
                if is_overlap_error(exc):
                    self.problem(
                        unit.row,
                        "conflict",
                        "overlaps an appointment booked meanwhile; not imported",
                    )
                else:
                    self.problem(unit.row, "conflict", "already imported meanwhile; not imported")
            else:
                self._created(unit)

    def finish(self) -> Report:
        self.flush()
        self.close()
        return self.report

    def close(self) -> None:
        """Wait for the writer (if any) to write what it was given; its failure is raised."""
        writer, self.writer = self.writer, None
        if writer is not None:
            writer.close()


def feed(importer: Importer, kind: str, rows: Iterable[tuple[int, dict[str, str]]]) -> None:
    """Hand each row to the importer as the kind says."""
    handle = {
        "clients": importer.client,
        "appointments": importer.appointment,
        "notes": importer.note,
    }[kind]
    for row, values in rows:
        handle(row, values)
        importer.count_row()
