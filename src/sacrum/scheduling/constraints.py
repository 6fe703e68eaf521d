"""No double booking, enforced by the database itself.

On PostgreSQL: three exclusion constraints (btree_gist) over the blocked range of
active appointments, one each for the practitioner, the room and the client. On
SQLite, which has no exclusion constraints: triggers that refuse an insert or update
that would overlap. Both raise an IntegrityError, which the booking service turns
into a ``Conflict`` (HTTP 409). The service also checks first, so people get a
message naming what conflicts; the database is the guarantee under concurrency.

These are installed by a migration that looks at the database vendor, because the
same migrations run on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError
from django.db.models import F, Func, Q

from sacrum.scheduling.models.appointments import ACTIVE_VALUES

TABLE = "scheduling_appointment"
OVERLAP_MESSAGE = "appointment_overlap"
EXCLUSIONS = {
    "appointment_no_practitioner_overlap": "practitioner",
    "appointment_no_room_overlap": "room",
    "appointment_no_client_overlap": "client",
}


class TsTzRange(Func):
    """``tstzrange(blocked_start, blocked_end, '[)')``: touching appointments do not overlap."""

    function = "TSTZRANGE"

    def __init__(self, start: str, end: str) -> None:
        from django.contrib.postgres.fields import DateTimeRangeField
        from django.db.models import Value

        super().__init__(F(start), F(end), Value("[)"), output_field=DateTimeRangeField())


def exclusion_constraints() -> list[Any]:
    """The PostgreSQL constraints (built lazily: contrib.postgres imports psycopg)."""
    from django.contrib.postgres.constraints import ExclusionConstraint
    from django.contrib.postgres.fields import RangeOperators

    active = Q(status__in=ACTIVE_VALUES)
    constraints = []
    for name, column in EXCLUSIONS.items():
        condition = active & Q(room__isnull=False) if column == "room" else active
        constraints.append(
            ExclusionConstraint(
                name=name,
                expressions=[
                    (F(column), RangeOperators.EQUAL),
                    (TsTzRange("blocked_start", "blocked_end"), RangeOperators.OVERLAPS),
                ],
                condition=condition,
                index_type="gist",
            )
        )
    return constraints


def _active_sql() -> str:
    return ", ".join(f"'{value}'" for value in ACTIVE_VALUES)


def _sqlite_trigger(name: str, event: str) -> str:
    # Datetimes are stored as UTC text 'YYYY-MM-DD HH:MM:SS[.ffffff]', which sorts in
    # time order, so text comparison is time comparison.
    # Built from this module's constants only: no input reaches this SQL.
    overlap = (
        f"SELECT 1 FROM {TABLE} a WHERE a.id <> NEW.id AND a.status IN ({_active_sql()}) "  # noqa: S608
        "AND a.blocked_end > NEW.blocked_start AND a.blocked_start < NEW.blocked_end AND"
    )
    return f"""
CREATE TRIGGER {name} BEFORE {event} ON {TABLE}
WHEN NEW.status IN ({_active_sql()})
BEGIN
  SELECT RAISE(ABORT, '{OVERLAP_MESSAGE}')
  WHERE EXISTS ({overlap} a.practitioner_id = NEW.practitioner_id)
     OR EXISTS ({overlap} a.client_id = NEW.client_id)
     OR (NEW.room_id IS NOT NULL AND EXISTS ({overlap} a.room_id = NEW.room_id));
END;
"""


SQLITE_TRIGGERS = {
    "appointment_no_overlap_insert": "INSERT",
    "appointment_no_overlap_update": (
        "UPDATE OF status, blocked_start, blocked_end, practitioner_id, client_id, room_id"
    ),
}


def install(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        model = apps.get_model("scheduling", "Appointment")
        for constraint in exclusion_constraints():
            schema_editor.add_constraint(model, constraint)
    elif connection.vendor == "sqlite":
        for name, event in SQLITE_TRIGGERS.items():
            schema_editor.execute(_sqlite_trigger(name, event))


def uninstall(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        model = apps.get_model("scheduling", "Appointment")
        for constraint in exclusion_constraints():
            schema_editor.remove_constraint(model, constraint)
    elif connection.vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


def reinstall_sqlite_triggers(apps: Any, schema_editor: Any) -> None:
    """Put the SQLite triggers back after an operation that rebuilt the appointment table.

    SQLite can't add a check constraint in place: Django copies the table into a new
    one, and the triggers go with the old table. Any migration that changes the
    appointment table's constraints on SQLite must end with this (both directions).
    """
    if schema_editor.connection.vendor != "sqlite":
        return
    for name, event in SQLITE_TRIGGERS.items():
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        schema_editor.execute(_sqlite_trigger(name, event))


def is_overlap_error(exc: IntegrityError) -> bool:
    """Whether an IntegrityError came from the no-double-booking rules (either database)."""
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) == "23P01":  # PostgreSQL exclusion_violation
        diag = getattr(cause, "diag", None)
        return getattr(diag, "constraint_name", None) in EXCLUSIONS or diag is None
    return OVERLAP_MESSAGE in str(exc)
