"""Charting helpers for tests, and factories for charting's id names (permission matrix).

``make_chartable`` gives a client what the screening gate needs before a session can
be charted (a current consent and a quiet intake). ``draft`` and ``signed`` make notes
with a little of everything under them. Other charting tests (pages, browser) may
import these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from django.db import models

from sacrum.charting import selectors, services
from sacrum.charting.models import SessionNote
from sacrum.clients import consent
from sacrum.clients.models import Client
from sacrum.screening import services as screening_services
from tests.screening.helpers import quiet_answers

if TYPE_CHECKING:
    from tests.access.objects import Stillwater
    from tests.conftest import Persona


def make_chartable(persona: Persona, client: Client) -> Client:
    """Sign the current consent and submit an intake that fires nothing."""
    text = consent.current_text(client.clinic_id)
    assert text is not None
    consent.sign_in_person(
        actor=persona.actor, client=client, text=text, typed_name=client.full_name, agreed=True
    )
    screening_services.submit_intake(
        actor=persona.actor, client=client, answers=quiet_answers("intake")
    )
    return client


def new_client(persona: Persona, first: str = "Cora", last: str = "Bell") -> Client:
    return Client.objects.create(
        clinic=persona.clinic,
        first_name=first,
        last_name=last,
        date_of_birth=dt.date(1980, 3, 14),
        presenting_concerns="Neck tension and poor sleep",
    )


def full_content(persona: Persona) -> dict[str, Any]:
    """Autosave data with every part of a note filled in."""
    stations = selectors.stations_for(persona.actor)
    return {
        "complaint": "Neck stiff since Tuesday",
        "pain_before": 6,
        "observation": "Shoulders raised",
        "palpation": "Tight suboccipitals",
        "client_position": "supine",
        "attire": "clothed",
        "response": "Relaxed, drowsy",
        "pain_after": 3,
        "sensations": ["warmth", "relaxation"],
        "next_visit": "In one week",
        "frequency": "Weekly for four weeks",
        "home_care": "Gentle neck rolls twice a day",
        "referral": "",
        "duration_minutes": 50,
        "rhythm_findings": [
            {"station_id": str(stations[0].pk), "rate": "8.5", "amplitude": 2, "quality": 2},
            {
                "station_id": str(stations[-1].pk),
                "rate": 7,
                "symmetry": "left_reduced",
                "note": "Slower on the left",
            },
        ],
        "restrictions": [
            {"region": "occiput", "severity": 2, "note": "Cranial base dense"},
            {"region": "temporal", "side": "left", "severity": 1},
        ],
        "still_points": [{"induced": True, "location": "occiput", "duration_seconds": 90}],
        "techniques": [
            {"name": "Cranial base release", "duration_minutes": 8, "response": "Softened"},
            {"name": "Still point", "duration_minutes": 5},
        ],
    }


def took_place(appointment: Any, days_ago: int = 1) -> Any:
    """Move a booked appointment to the same time ``days_ago`` days before today: a session
    that took place (only such a session is charted)."""
    from django.utils import timezone

    from sacrum.scheduling.models import Appointment

    shift = dt.timedelta(days=(appointment.start.date() - timezone.now().date()).days + days_ago)
    Appointment.objects.filter(pk=appointment.pk).update(
        start=appointment.start - shift,
        end=appointment.end - shift,
        blocked_start=appointment.blocked_start - shift,
        blocked_end=appointment.blocked_end - shift,
    )
    appointment.refresh_from_db()
    return appointment


def after_the_session(clock: Any, appointment: Any) -> None:
    """Move the test clock to just after ``appointment`` (only a session that took place is
    charted); notes signed before this stay earlier sessions."""
    clock.move_to(appointment.end + dt.timedelta(minutes=10))


def draft(persona: Persona, client: Client, **data: Any) -> SessionNote:
    note = services.start_note(actor=persona.actor, client=client)
    if data:
        note = services.save_draft(actor=persona.actor, note=note, data=data)
    return note


def signed(persona: Persona, client: Client, full: bool = True, **data: Any) -> SessionNote:
    content = (full_content(persona) if full else {}) | data
    note = draft(persona, client, **content)
    return services.sign_note(actor=persona.actor, note=note)


@pytest.fixture
def chartable(practitioner: Persona, owner: Persona) -> Client:
    """A client of Stillwater who may be charted (consent signed, quiet intake)."""
    return make_chartable(practitioner, new_client(owner))


# --- Factories for the cross-cutting route tests ------------------------------------


def _chart_client(w: Stillwater) -> Client:
    if "_chart_client" not in w._made:
        w._made["_chart_client"] = make_chartable(
            w.practitioner, new_client(w.owner, "Matrix", "Client")
        )
    return w._made["_chart_client"]  # type: ignore[return-value]


def _note(w: Stillwater) -> models.Model:
    """A draft by the practitioner, so the author's PATCH/sign/delete can go through."""
    return draft(w.practitioner, _chart_client(w), complaint="Headache")


def _addendum(w: Stillwater) -> models.Model:
    note = signed(w.practitioner, _chart_client(w), full=False, complaint="Jaw ache")
    return services.add_addendum(actor=w.practitioner.actor, note=note, text="Called: better.")


def _station(w: Stillwater) -> models.Model:
    return selectors.stations_for(w.owner.actor)[0]


def _technique_template(w: Stillwater) -> models.Model:
    return selectors.technique_templates_for(w.owner.actor)[0]


def _note_template(w: Stillwater) -> models.Model:
    return services.save_note_template(
        actor=w.owner.actor,
        service=w.object("service_id"),  # type: ignore[arg-type]
        data={"defaults": {"home_care": "Drink water, rest"}},
    )


FACTORIES: dict[str, Callable[[Stillwater], Any]] = {
    "note_id": _note,
    "addendum_id": _addendum,
    "station_id": _station,
    "technique_template_id": _technique_template,
    "note_template_id": _note_template,
}
