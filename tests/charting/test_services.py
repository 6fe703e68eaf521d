"""Charting services: the gate, drafts and autosave, copy-forward, templates, privacy, dashboard."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from sacrum.access.models import AuditEntry
from sacrum.charting import dashboard, selectors, services
from sacrum.charting.models import (
    ChartingPolicy,
    ListeningStation,
    Restriction,
    SessionNote,
    TechniqueEntry,
)
from sacrum.clients.models import Client
from sacrum.kernel.errors import Conflict, Forbidden
from sacrum.screening import services as screening_services
from sacrum.screening.gates import CONSENT_MISSING
from sacrum.screening.models import ClientAlert
from tests.charting.objects import (  # noqa: F401
    chartable,
    draft,
    full_content,
    make_chartable,
    new_client,
    signed,
)
from tests.conftest import Persona
from tests.screening.helpers import quiet_answers

pytestmark = pytest.mark.django_db


def test_a_full_note_is_saved_and_signed(practitioner: Persona, chartable: Client) -> None:  # noqa: F811
    note = signed(practitioner, chartable)
    assert note.status == "signed"
    assert len(note.content_hash) == 64
    assert note.signed_by == practitioner.member
    assert [f.rate for f in note.rhythm_findings.all()] == [Decimal("8.5"), Decimal("7.0")]
    assert services.verify().ok


# --- The gate ------------------------------------------------------------------------


def test_a_session_that_took_place_is_charted_without_consent_and_it_stays_flagged(
    practitioner: Persona, owner: Persona
) -> None:
    client = new_client(owner)
    screening_services.submit_intake(
        actor=practitioner.actor, client=client, answers=quiet_answers("intake")
    )
    note = services.start_note(actor=practitioner.actor, client=client)
    assert services.followups(client) == [CONSENT_MISSING["none"]]
    signed_note = services.sign_note(actor=practitioner.actor, note=note)
    assert signed_note.status == "signed"
    assert services.followups(client) == [CONSENT_MISSING["none"]]  # still to follow up


def test_a_blocked_client_s_session_is_charted_and_the_block_stays_open(
    practitioner: Persona, owner: Persona
) -> None:
    client = make_chartable(practitioner, new_client(owner))
    screening_services.submit_intake(
        actor=practitioner.actor,
        client=client,
        answers=quiet_answers("intake") | {"head_injury_recent": "yes"},
    )
    note = draft(practitioner, client, complaint="Dizzy after a fall")
    services.sign_note(actor=practitioner.actor, note=note)
    assert services.followups(client)[0].startswith("Blocked:")
    assert ClientAlert.objects.filter(client=client, action="block", status="open").exists()


def _appointment(persona: Persona, client: Client, hours_from_now: float, status: str) -> Any:
    from sacrum.clinics.models import Location
    from sacrum.scheduling.models import Appointment, ServiceType

    service = ServiceType.objects.create(
        clinic=client.clinic, name=f"Session {status}", duration_minutes=50, needs_room=False
    )
    start = timezone.now() + dt.timedelta(hours=hours_from_now)
    return Appointment.objects.create(
        clinic=client.clinic,
        client=client,
        practitioner=persona.member,
        service=service,
        location=Location.objects.create(
            clinic=client.clinic, name=f"Room {status}", time_zone="Europe/London"
        ),
        start=start,
        end=start + dt.timedelta(minutes=50),
        blocked_start=start,
        blocked_end=start + dt.timedelta(minutes=50),
        status=status,
    )


def test_no_note_for_a_session_that_has_not_taken_place(
    practitioner: Persona,
    chartable: Client,  # noqa: F811
) -> None:
    tomorrow = _appointment(practitioner, chartable, 24, "booked")
    with pytest.raises(services.ChartingRefused) as refused:
        services.start_note(actor=practitioner.actor, client=chartable, appointment=tomorrow)
    assert refused.value.reasons[0].startswith("This session has not begun yet: it starts Thu 11")
    requested = _appointment(practitioner, chartable, -30, "requested")
    with pytest.raises(services.ChartingRefused) as refused:
        services.start_note(actor=practitioner.actor, client=chartable, appointment=requested)
    assert refused.value.reasons == [services.REQUESTED]
    with pytest.raises(services.ChartingRefused):
        services.start_note(
            actor=practitioner.actor,
            client=chartable,
            seen_at=timezone.now() + dt.timedelta(hours=3),
        )
    assert not SessionNote.objects.filter(client=chartable).exists()


def test_signing_is_refused_while_the_session_is_still_ahead(
    practitioner: Persona,
    chartable: Client,  # noqa: F811
) -> None:
    """A draft started while a session was on can't be signed once it is moved ahead."""
    session = _appointment(practitioner, chartable, -0.5, "arrived")
    note = services.start_note(actor=practitioner.actor, client=chartable, appointment=session)
    later = timezone.now() + dt.timedelta(days=2)
    type(session).objects.filter(pk=session.pk).update(
        start=later,
        end=later + dt.timedelta(minutes=50),
        blocked_start=later,
        blocked_end=later + dt.timedelta(minutes=50),
        status="booked",
    )
    note.refresh_from_db()
    with pytest.raises(services.ChartingRefused):
        services.sign_note(actor=practitioner.actor, note=note)
    note.refresh_from_db()
    assert note.status == "draft"


def test_the_front_desk_cannot_chart(front_desk: Persona, chartable: Client) -> None:  # noqa: F811
    with pytest.raises(Forbidden):
        services.start_note(actor=front_desk.actor, client=chartable)
    with pytest.raises(Forbidden):
        selectors.visible_notes(front_desk.actor)


# --- Drafts and autosave -----------------------------------------------------------


def test_autosave_keeps_the_draft_and_writes_only_what_changed(
    practitioner: Persona,
    chartable: Client,  # noqa: F811
) -> None:
    note = draft(practitioner, chartable)
    data = full_content(practitioner)
    services.save_draft(actor=practitioner.actor, note=note, data=data)
    audits = AuditEntry.objects.filter(object_id=str(note.pk), action="update")
    first_ids = set(Restriction.objects.filter(note=note).values_list("pk", flat=True))
    count = audits.count()
    stamp = SessionNote.objects.get(pk=note.pk).updated_at

    # The same autosave again (the tablet resends): nothing written, nothing audited.
    services.save_draft(actor=practitioner.actor, note=note, data=data)
    assert audits.count() == count
    assert SessionNote.objects.get(pk=note.pk).updated_at == stamp
    assert set(Restriction.objects.filter(note=note).values_list("pk", flat=True)) == first_ids

    # A "reload": read it back as the page would.
    reloaded = selectors.note_for(practitioner.actor, note.pk)
    assert reloaded.status == "draft"
    assert reloaded.complaint == data["complaint"]
    assert [(r.region, r.side, r.severity) for r in reloaded.restrictions.all()] == [
        ("occiput", "midline", 2),
        ("temporal", "left", 1),
    ]
    assert [t.name for t in reloaded.techniques.all()] == ["Cranial base release", "Still point"]

    services.save_draft(actor=practitioner.actor, note=note, data={"pain_after": 2})
    assert audits.count() == count + 1
    assert SessionNote.objects.get(pk=note.pk).pain_after == 2
    # Lists not sent stay as they were.
    assert Restriction.objects.filter(note=note).count() == 2


def test_autosave_rejects_bad_input_and_keeps_what_was_there(
    practitioner: Persona,
    chartable: Client,  # noqa: F811
) -> None:
    note = draft(practitioner, chartable, complaint="kept", pain_before=4)
    with pytest.raises(ValidationError) as invalid:
        services.save_draft(
            actor=practitioner.actor,
            note=note,
            data={"complaint": "lost", "pain_before": 11, "restrictions": [{"region": "knee"}]},
        )
    assert "pain_before" in invalid.value.message_dict
    note.refresh_from_db()
    assert (note.complaint, note.pain_before) == ("kept", 4)
    with pytest.raises(ValidationError) as invalid:
        services.save_draft(
            actor=practitioner.actor,
            note=note,
            data={"restrictions": [{"region": "knee"}, {"region": "ilium", "side": "midline"}]},
        )
    assert {"restrictions.0.region", "restrictions.1.side"} <= set(invalid.value.message_dict)


def test_only_the_author_changes_a_draft(
    practitioner: Persona,
    owner: Persona,
    chartable: Client,  # noqa: F811
) -> None:
    note = draft(practitioner, chartable)
    with pytest.raises(Forbidden):
        services.save_draft(actor=owner.actor, note=note, data={"complaint": "x"})
    with pytest.raises(Forbidden):
        services.sign_note(actor=owner.actor, note=note)


def test_the_database_checks_ranges(practitioner: Persona, chartable: Client) -> None:  # noqa: F811
    note = draft(practitioner, chartable)
    for field, value in (("pain_before", 11), ("duration_minutes", 0)):
        with pytest.raises(IntegrityError), transaction.atomic():
            SessionNote.objects.filter(pk=note.pk).update(**{field: value})
    with pytest.raises(IntegrityError), transaction.atomic():
        Restriction.objects.bulk_create([Restriction(note=note, region="frontal", severity=4)])
    with pytest.raises(IntegrityError), transaction.atomic():
        Restriction.objects.bulk_create([Restriction(note=note, region="elbow", severity=1)])
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionNote.objects.filter(pk=note.pk).update(status="signed")  # no signer, no hash


def test_a_note_for_an_appointment_uses_its_service_template(
    practitioner: Persona,
    owner: Persona,
    chartable: Client,  # noqa: F811
) -> None:
    from sacrum.clinics.models import Location
    from sacrum.scheduling.models import Appointment, ServiceType

    service = ServiceType.objects.create(
        clinic=chartable.clinic, name="Session", duration_minutes=50, needs_room=False
    )
    start = timezone.now() - dt.timedelta(hours=2)
    appointment = Appointment.objects.create(
        clinic=chartable.clinic,
        client=chartable,
        practitioner=practitioner.member,
        service=service,
        location=Location.objects.create(
            clinic=chartable.clinic, name="Main", time_zone="Europe/London"
        ),
        start=start,
        end=start + dt.timedelta(minutes=50),
        blocked_start=start,
        blocked_end=start + dt.timedelta(minutes=50),
        status="completed",
    )
    services.save_note_template(
        actor=owner.actor,
        service=service,
        data={
            "defaults": {"home_care": "Drink water"},
            "client_position": "supine",
            "technique_template": selectors.technique_templates_for(practitioner.actor)[0],
        },
    )
    note = services.start_note(actor=practitioner.actor, client=chartable, appointment=appointment)
    assert note.seen_at == start and note.duration_minutes == 50
    assert note.home_care == "Drink water" and note.client_position == "supine"
    assert TechniqueEntry.objects.filter(note=note).count() >= 10
    with pytest.raises(Conflict):
        services.start_note(actor=practitioner.actor, client=chartable, appointment=appointment)


# --- Copy-forward ------------------------------------------------------------------


FIELDS = [
    "complaint",
    "changes_since_last",
    "pain_before",
    "observation",
    "palpation",
    "client_position",
    "attire",
    "response",
    "pain_after",
    "sensations",
    "next_visit",
    "frequency",
    "home_care",
    "referral",
    "duration_minutes",
    "tags",
]


def rows(note: SessionNote) -> dict[str, list[tuple[Any, ...]]]:
    return {
        "rhythm": [
            (f.station_id, f.rate, f.amplitude, f.symmetry, f.quality, f.note_text)
            for f in note.rhythm_findings.all()
        ],
        "restrictions": [
            (r.region, r.side, r.severity, r.note_text) for r in note.restrictions.all()
        ],
        "still_points": [
            (s.induced, s.location, s.duration_seconds) for s in note.still_points.all()
        ],
        "techniques": [(t.name, t.duration_minutes) for t in note.techniques.all()],
    }


@pytest.mark.parametrize(
    ("parts", "fields", "lists"),
    [
        ([], [], []),
        (["plan"], ["next_visit", "frequency", "referral"], []),
        (["home_care"], ["home_care"], []),
        (
            ["setup", "complaint"],
            ["client_position", "attire", "duration_minutes", "complaint"],
            [],
        ),
        (["rhythm_findings"], [], ["rhythm"]),
        (["restrictions", "techniques"], [], ["restrictions", "techniques"]),
        (["still_points", "tags"], ["tags"], ["still_points"]),
    ],
)
def test_copy_forward_carries_exactly_what_was_chosen(
    practitioner: Persona,
    chartable: Client,  # noqa: F811
    parts: list[str],
    fields: list[str],
    lists: list[str],
) -> None:
    source = signed(practitioner, chartable, tags=["tides"], referral="GP if worse")
    copy = services.copy_forward(actor=practitioner.actor, client=chartable, parts=parts)
    blank = SessionNote(sensations=[], tags=[])
    assert copy.status == "draft" and copy.copied_from == source
    for name in FIELDS:
        expected = getattr(source, name) if name in fields else getattr(blank, name)
        if name == "duration_minutes" and name not in fields:
            expected = None
        assert getattr(copy, name) == expected, name
    got, want = rows(copy), rows(source)
    for kind in ("rhythm", "restrictions", "still_points", "techniques"):
        assert got[kind] == (want[kind] if kind in lists else []), kind
    if "techniques" in lists:
        assert all(t.response == "" for t in copy.techniques.all())  # the response stays behind


def test_copy_forward_needs_a_signed_note_and_known_parts(
    practitioner: Persona,
    chartable: Client,  # noqa: F811
) -> None:
    draft(practitioner, chartable, complaint="only a draft")
    with pytest.raises(Conflict):
        services.copy_forward(actor=practitioner.actor, client=chartable, parts=["plan"])
    signed(practitioner, chartable)
    with pytest.raises(ValidationError):
        services.copy_forward(actor=practitioner.actor, client=chartable, parts=["pain_before"])


def test_copy_forward_does_not_read_someone_else_s_sensitive_note(
    practitioner: Persona,
    owner: Persona,
    chartable: Client,  # noqa: F811
) -> None:
    signed(practitioner, chartable, sensitive=True)
    with pytest.raises(Conflict):
        services.copy_forward(actor=owner.actor, client=chartable, parts=["plan"])


# --- Stations, policy, dashboard ---------------------------------------------------


def test_default_stations_are_installed_once_and_edits_stay(
    owner: Persona, practitioner: Persona
) -> None:
    stations = selectors.stations_for(practitioner.actor)
    assert [s.name for s in stations] == [
        "Heels",
        "Tops of the feet",
        "Front of the thighs",
        "Pelvis (anterior iliac spines)",
        "Lower rib cage",
        "Shoulders",
        "Head",
    ]
    services.update_station(actor=owner.actor, station=stations[0], data={"active": False})
    assert "Heels" not in [s.name for s in selectors.stations_for(practitioner.actor)]
    assert ListeningStation.objects.filter(clinic=owner.clinic).count() == 7
    with pytest.raises(Forbidden):
        services.create_station(actor=practitioner.actor, data={"name": "Knees"})


def test_overdue_drafts_show_on_the_author_s_dashboard(
    practitioner: Persona,
    owner: Persona,
    chartable: Client,  # noqa: F811
) -> None:
    recent = draft(practitioner, chartable)
    old = services.start_note(
        actor=practitioner.actor,
        client=chartable,
        seen_at=timezone.now() - dt.timedelta(hours=30),
    )
    assert selectors.overdue_drafts(practitioner.actor) == [old]
    ChartingPolicy.objects.create(clinic=owner.clinic, unsigned_alert_hours=48)
    assert selectors.overdue_drafts(practitioner.actor) == []
    services.update_policy(actor=owner.actor, data={"unsigned_alert_hours": 2})
    assert selectors.overdue_drafts(practitioner.actor) == [old]
    assert selectors.overdue_drafts(owner.actor) == []

    request = RequestFactory().get("/")
    request.user = practitioner.user
    request.member = practitioner.member  # type: ignore[attr-defined]
    card = dashboard.card(request)
    assert card is not None and [n.pk for n in card["notes"]] == [old.pk]
    assert recent.pk not in [n.pk for n in card["notes"]]
    html = render_to_string(card.pop("template"), card, request=request)
    assert "Drafts to sign" in html and f"/notes/{old.pk}/" in html
    request.member = owner.member  # type: ignore[attr-defined]
    request.user = owner.user
    assert dashboard.card(request) is None


def test_sessions_that_took_place_without_a_note_show_on_the_dashboard(
    practitioner: Persona,
    owner: Persona,
    chartable: Client,  # noqa: F811
) -> None:
    from sacrum.clinics.models import Location
    from sacrum.scheduling.models import Appointment, ServiceType

    service = ServiceType.objects.create(
        clinic=chartable.clinic, name="Session", duration_minutes=50, needs_room=False
    )
    location = Location.objects.create(
        clinic=chartable.clinic, name="Main", time_zone="Europe/London"
    )
    now = timezone.now()

    def session(hours_ago: float, status: str, who: Persona = practitioner) -> Appointment:
        start = now - dt.timedelta(hours=hours_ago)
        end = start + dt.timedelta(minutes=50)
        return Appointment.objects.create(
            clinic=chartable.clinic,
            client=chartable,
            practitioner=who.member,
            service=service,
            location=location,
            start=start,
            end=end,
            blocked_start=start,
            blocked_end=end,
            status=status,
        )

    unwritten = session(26, "completed")
    arrived = session(50, "arrived")
    written = session(74, "completed")
    services.start_note(actor=practitioner.actor, client=chartable, appointment=written)
    session(98, "no_show")  # did not take place
    session(-24, "booked")  # tomorrow
    session(24 * 40, "completed")  # before the window: a records audit, not a reminder
    session(0.5, "arrived")  # still going on

    listed = selectors.sessions_without_note(practitioner.actor)
    assert [a.pk for a in listed] == [arrived.pk, unwritten.pk]
    assert selectors.sessions_without_note(owner.actor) == []

    request = RequestFactory().get("/")
    request.user = practitioner.user
    request.member = practitioner.member  # type: ignore[attr-defined]
    card = dashboard.card(request)
    assert card is not None
    html = render_to_string(card.pop("template"), card, request=request)
    assert "Sessions with no note" in html
    assert f"/appointments/{unwritten.pk}/chart" in html
    assert f"/appointments/{written.pk}/chart" not in html


def test_carry_into_a_draft_replaces_the_chosen_parts_and_remembers_the_choice(
    practitioner: Persona,
    owner: Persona,
    chartable: Client,  # noqa: F811
) -> None:
    source = signed(practitioner, chartable)
    note = draft(
        practitioner,
        chartable,
        complaint="Today's words",
        techniques=[{"name": "Arcing", "duration_minutes": None}],
    )
    assert selectors.carry_forward_choice(practitioner.actor) == []
    with pytest.raises(Forbidden):
        services.carry_into(actor=owner.actor, note=note, parts=["techniques"])
    with pytest.raises(ValidationError):
        services.carry_into(actor=practitioner.actor, note=note, parts=["pain_before"])
    note = services.carry_into(
        actor=practitioner.actor, note=note, parts=["techniques", "restrictions"]
    )
    assert note.copied_from_id == source.pk and note.complaint == "Today's words"
    assert [(t.name, t.response) for t in note.techniques.order_by("position")] == [
        ("Cranial base release", ""),
        ("Still point", ""),
    ]
    assert {r.region for r in note.restrictions.all()} == {"occiput", "temporal"}
    assert not note.rhythm_findings.exists() and note.pain_before is None
    # Kept in COPY_PARTS order, per practitioner; an unchanged choice is not audited again.
    assert selectors.carry_forward_choice(practitioner.actor) == ["restrictions", "techniques"]
    assert selectors.carry_forward_choice(owner.actor) == []
    entries = AuditEntry.objects.filter(object_type__icontains="chartingpreference").count()
    services.remember_carry_forward(actor=practitioner.actor, parts=["techniques", "restrictions"])
    assert AuditEntry.objects.filter(object_type__icontains="chartingpreference").count() == entries
    sealed = services.sign_note(actor=practitioner.actor, note=note)
    with pytest.raises(services.NoteLocked):
        services.carry_into(actor=practitioner.actor, note=sealed, parts=["plan"])
