"""Charting pages: start (and the gate), the note form, autosave, sign, addenda, privacy,
the chart view's constant query count, and PDFs."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from sacrum.access.models import AuditEntry
from sacrum.charting import selectors, services
from sacrum.charting.models import Restriction, SensitiveAccess, SessionNote
from sacrum.clients import consent
from sacrum.scheduling.models import Appointment
from tests.access.objects import Stillwater
from tests.charting import objects
from tests.charting.objects import draft, make_chartable, new_client, signed, took_place

chartable = objects.chartable  # the fixture, used by name below

pytestmark = pytest.mark.django_db


def url(name: str, *args: Any) -> str:
    return reverse(f"web:{name}", args=args)


def form_of(note: SessionNote, practitioner: Any, **changes: Any) -> dict[str, Any]:
    """The note page's form as a browser would post it, with ``changes`` applied."""
    stations = selectors.stations_for(practitioner.actor)
    data: dict[str, Any] = {"complaint": note.complaint, "action": "save"}
    for i in range(3):
        data[f"t-{i}-position"] = str(i + 1)
    data[f"st-{stations[0].pk}-rate"] = ""
    data.update(changes)
    return data


# --- Who may see what ----------------------------------------------------------------


def test_front_desk_never_gets_a_note_page(
    browser_as: Any, practitioner: Any, front_desk: Any, chartable: Any
) -> None:
    note = signed(practitioner, chartable)
    desk = browser_as(front_desk)
    for page in (
        url("note_detail", note.pk),
        url("client_chart", chartable.pk),
        url("note_new", chartable.pk),
        url("note_sign", note.pk),
    ):
        assert desk.get(page).status_code in (403, 404), page
    for page in (
        url("note_autosave", note.pk),
        url("note_pdf", note.pk),
        url("note_addendum", note.pk),
    ):
        assert desk.post(page, {"text": "x", "audience": "client"}).status_code in (403, 404)
    assert b"Neck stiff" not in desk.get(url("client_chart", chartable.pk)).content


def test_another_clinic_gets_404(
    browser_as: Any, practitioner: Any, outsider: Any, chartable: Any
) -> None:
    note = signed(practitioner, chartable)
    other = browser_as(outsider)
    assert other.get(url("note_detail", note.pk)).status_code == 404
    assert other.get(url("client_chart", chartable.pk)).status_code == 404
    assert other.post(url("note_pdf", note.pk), {"audience": "client"}).status_code == 404


# --- Starting: gate, blank, copy-forward ------------------------------------------------


def test_missing_paperwork_is_shown_to_follow_up_and_the_session_is_charted(
    browser_as: Any, practitioner: Any, owner: Any
) -> None:
    client = new_client(owner)  # no consent, no intake
    http = browser_as(practitioner)
    page = http.get(url("note_new", client.pk))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Paperwork to follow up" in body
    assert "has not signed the consent form" in body
    made = http.post(url("note_new", client.pk), {"seen_at": "2026-06-10T09:00"})
    note = SessionNote.objects.get(client=client)
    assert made.status_code == 302 and made["Location"] == url("note_detail", note.pk)


def test_a_session_that_has_not_begun_is_not_charted(
    browser_as: Any, owner: Any, practitioner: Any, front_desk: Any
) -> None:
    w = Stillwater(owner, practitioner, front_desk)
    appointment = w.object("appointment_id")  # a week or two ahead
    assert isinstance(appointment, Appointment)
    make_chartable(practitioner, appointment.client)
    http = browser_as(practitioner)
    page = http.get(url("chart_appointment", appointment.pk))
    body = page.content.decode()
    assert "can&#x27;t be charted yet" in body or "can't be charted yet" in body
    assert "has not begun yet" in body and "Open the appointment" in body
    assert "see the alerts above" not in body and "your draft is kept" not in body
    refused = http.post(url("chart_appointment", appointment.pk), {})
    assert refused.status_code == 409
    assert not SessionNote.objects.filter(appointment=appointment).exists()


def test_withdrawn_consent_is_followed_up_and_the_note_is_signed(
    browser_as: Any, practitioner: Any, chartable: Any
) -> None:
    note = draft(practitioner, chartable, complaint="Headache")
    signature = chartable.consent_signatures.order_by("-signed_at").first()
    consent.withdraw(actor=practitioner.actor, signature=signature)
    http = browser_as(practitioner)
    review = http.get(url("note_sign", note.pk))
    assert review.status_code == 200
    assert "withdrawn their consent" in review.content.decode()
    response = http.post(url("note_sign", note.pk))
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.status == "signed"


def test_chart_this_session_starts_then_reopens_the_note(
    browser_as: Any, owner: Any, practitioner: Any, front_desk: Any
) -> None:
    w = Stillwater(owner, practitioner, front_desk)
    appointment = took_place(w.object("appointment_id"))
    assert isinstance(appointment, Appointment)
    make_chartable(practitioner, appointment.client)
    http = browser_as(practitioner)
    start = http.get(url("chart_appointment", appointment.pk))
    assert start.status_code == 200 and b"Start the note" in start.content
    made = http.post(url("chart_appointment", appointment.pk), {})
    note = SessionNote.objects.get(appointment=appointment)
    assert made.status_code == 302 and made["Location"] == url("note_detail", note.pk)
    again = http.get(url("chart_appointment", appointment.pk))
    assert again.status_code == 302 and again["Location"] == url("note_detail", note.pk)


def test_copy_forward_carries_exactly_what_was_ticked(
    browser_as: Any, practitioner: Any, chartable: Any
) -> None:
    previous = signed(practitioner, chartable)
    http = browser_as(practitioner)
    page = http.get(url("note_new", chartable.pk))
    assert b"Carry forward from the note of" in page.content
    response = http.post(
        url("note_new", chartable.pk),
        {
            "seen_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "parts": ["restrictions", "plan"],
        },
    )
    assert response.status_code == 302
    note = SessionNote.objects.exclude(pk=previous.pk).get(client=chartable)
    assert note.copied_from_id == previous.pk
    assert note.next_visit == previous.next_visit and note.complaint == ""
    assert note.pain_before is None
    assert sorted(r.region for r in note.restrictions.all()) == ["occiput", "temporal"]
    assert not note.rhythm_findings.exists() and not note.techniques.exists()


# --- The note form --------------------------------------------------------------------


def test_note_page_shows_the_map_form_and_last_sessions_marks(
    browser_as: Any, practitioner: Any, chartable: Any
) -> None:
    signed(practitioner, chartable)  # marked occiput and left temporal
    note = draft(practitioner, chartable)
    page = browser_as(practitioner).get(url("note_detail", note.pk))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-autosave="' + url("note_autosave", note.pk) in body
    assert body.count('class="region ') >= 25
    assert 'aria-label="Temporal bone, left"' in body
    assert "was-marked" in body  # last session's marks, hatched underneath
    assert 'id="bm-row-falx"' in body and 'name="r-falx-on"' in body  # plain form rows
    assert "palpation findings, not measurements" in body
    assert "style=" not in body and "<script>" not in body


def test_saving_the_form_writes_every_part(
    browser_as: Any, practitioner: Any, chartable: Any
) -> None:
    note = draft(practitioner, chartable)
    stations = selectors.stations_for(practitioner.actor)
    data = form_of(
        note,
        practitioner,
        complaint="Jaw tight",
        pain_before="6",
        pain_after="2",
        client_position="supine",
        sensations=["warmth"],
        **{
            f"st-{stations[0].pk}-rate": "9.5",
            f"st-{stations[0].pk}-symmetry": "left_reduced",
            "r-tmj-on": "on",
            "r-tmj-side": "left",
            "r-tmj-severity": "3",
            "r-tmj-note": "Clicks",
            "r-falx-on": "on",
            "sp-0-induced": "on",
            "sp-0-location": "occiput",
            "sp-0-duration_seconds": "60",
            "t-0-name": "Still point",
            "t-0-position": "2",
            "t-1-name": "Cranial base release",
            "t-1-position": "1",
        },
    )
    response = browser_as(practitioner).post(url("note_save", note.pk), data)
    assert response.status_code == 302
    note.refresh_from_db()
    assert (note.complaint, note.pain_before, note.pain_after) == ("Jaw tight", 6, 2)
    assert [(r.region, r.side, r.severity) for r in note.restrictions.order_by("region")] == [
        ("falx", "midline", 1),
        ("tmj", "left", 3),
    ]
    assert [t.name for t in note.techniques.order_by("position")] == [
        "Cranial base release",
        "Still point",
    ]
    finding = note.rhythm_findings.get()
    assert str(finding.rate) == "9.5" and finding.symmetry == "left_reduced"
    assert note.still_points.get().duration_seconds == 60


def test_bad_input_shows_messages_by_the_field_and_changes_nothing(
    browser_as: Any, practitioner: Any, chartable: Any
) -> None:
    note = draft(practitioner, chartable, complaint="Before", pain_before=4)
    stations = selectors.stations_for(practitioner.actor)
    before = SessionNote.objects.filter(pk=note.pk).values().get()
    data = form_of(
        note,
        practitioner,
        complaint="Changed",
        pain_before="11",
        duration_minutes="500",
        **{f"st-{stations[0].pk}-rate": "-3", "r-tmj-on": "on", "r-tmj-side": "midline"},
    )
    http = browser_as(practitioner)
    response = http.post(url("note_save", note.pk), data)
    assert response.status_code == 422
    body = response.content.decode()
    assert "Nothing was saved" in body
    assert body.count('class="error"') >= 3
    assert SessionNote.objects.filter(pk=note.pk).values().get() == before
    assert not Restriction.objects.filter(note=note).exists()
    # The same through autosave: 422 with the fields named, nothing written.
    auto = http.post(url("note_autosave", note.pk), data)
    assert auto.status_code == 422
    assert {"pain_before", "duration_minutes", "r-tmj-side"} <= set(auto.json()["fields"])
    assert SessionNote.objects.filter(pk=note.pk).values().get() == before


def test_autosave_keeps_the_draft_across_a_reload(
    browser_as: Any, practitioner: Any, chartable: Any
) -> None:
    note = draft(practitioner, chartable)
    http = browser_as(practitioner)
    saved = http.post(
        url("note_autosave", note.pk),
        form_of(
            note, practitioner, complaint="Typed before the tablet slept", **{"r-sacrum-on": "on"}
        ),
    )
    assert saved.status_code == 200 and "saved_at" in saved.json()
    reload = http.get(url("note_detail", note.pk)).content.decode()
    assert "Typed before the tablet slept" in reload
    assert 'name="r-sacrum-on" id="id_r-sacrum-on" checked' in reload or (
        'name="r-sacrum-on"' in reload and "checked" in reload.split('name="r-sacrum-on"')[1][:80]
    )


def test_someone_elses_draft_cannot_be_saved(
    browser_as: Any, practitioner: Any, owner: Any, chartable: Any
) -> None:
    note = draft(practitioner, chartable, complaint="Mine")
    response = browser_as(owner).post(url("note_autosave", note.pk), {"complaint": "Theirs"})
    assert response.status_code == 404
    note.refresh_from_db()
    assert note.complaint == "Mine"


def test_add_template_steps(browser_as: Any, practitioner: Any, chartable: Any) -> None:
    note = draft(practitioner, chartable)
    template = selectors.technique_templates_for(practitioner.actor)[0]
    response = browser_as(practitioner).post(
        url("note_save", note.pk),
        form_of(note, practitioner, action="add_template", technique_template=str(template.pk)),
    )
    assert response.status_code == 302
    assert [t.name for t in note.techniques.order_by("position")] == list(template.steps)


# --- Sign, lock, addenda -----------------------------------------------------------------


def test_sign_confirms_then_locks_and_addenda_append(
    browser_as: Any, practitioner: Any, chartable: Any
) -> None:
    note = draft(practitioner, chartable, complaint="Neck")
    http = browser_as(practitioner)
    confirm = http.get(url("note_sign", note.pk))
    assert b"Sign and lock the note" in confirm.content
    assert http.post(url("note_sign", note.pk)).status_code == 302
    note.refresh_from_db()
    assert note.status == "signed"
    page = http.get(url("note_detail", note.pk)).content.decode()
    assert "Signed · locked" in page and 'name="complaint"' not in page
    # The form can no longer change it.
    assert http.post(url("note_save", note.pk), {"complaint": "Changed"}).status_code == 302
    assert http.post(url("note_autosave", note.pk), {"complaint": "Changed"}).status_code == 409
    note.refresh_from_db()
    assert note.complaint == "Neck"
    empty = http.post(url("note_addendum", note.pk), {"text": "  "})
    assert empty.status_code == 422 and not note.addenda.exists()
    added = http.post(url("note_addendum", note.pk), {"text": "Phoned: slept well."})
    assert added.status_code == 302
    page = http.get(url("note_detail", note.pk)).content.decode()
    assert "Phoned: slept well." in page
    assert services.verify().ok


# --- Author-only notes ------------------------------------------------------------------


def test_author_only_note_hidden_and_opened_by_the_owner_with_a_reason(
    browser_as: Any, practitioner: Any, owner: Any, clinic: Any, chartable: Any
) -> None:
    from tests.conftest import add_member

    colleague = add_member(clinic, "cole@stillwater.test", "practitioner", "Cole League")
    note = signed(practitioner, chartable, sensitive=True, complaint="Private matter")
    assert browser_as(colleague).get(url("note_detail", note.pk)).status_code == 404
    chart = browser_as(colleague).get(url("client_chart", chartable.pk)).content.decode()
    assert url("note_detail", note.pk) not in chart
    http = browser_as(owner)
    asked = http.get(url("note_detail", note.pk))
    assert asked.status_code == 403 and b"Why are you opening this note?" in asked.content
    assert b"Private matter" not in asked.content
    assert http.post(url("note_open", note.pk), {"reason": ""}).status_code == 422
    opened = http.post(url("note_open", note.pk), {"reason": "Complaint review"})
    assert opened.status_code == 200 and b"Private matter" in opened.content
    access = SensitiveAccess.objects.get(note=note)
    assert access.reason == "Complaint review" and access.member == owner.member
    assert AuditEntry.objects.filter(object_id=str(access.pk)).exists()


# --- The chart view ----------------------------------------------------------------------


def _history(persona: Any, client: Any, n: int) -> None:
    for i in range(n):
        note = signed(persona, client, complaint=f"Visit {i}", pain_before=7, pain_after=4)
        SessionNote.objects.filter(pk=note.pk)  # seen_at stays: created in order


def test_chart_view_shows_timeline_and_charts_in_constant_queries(
    browser_as: Any, practitioner: Any, owner: Any
) -> None:
    few = make_chartable(practitioner, new_client(owner, "Few", "Notes"))
    many = make_chartable(practitioner, new_client(owner, "Many", "Notes"))
    _history(practitioner, few, 3)
    _history(practitioner, many, 12)
    http = browser_as(practitioner)
    http.get(url("client_chart", few.pk))  # warm caches (sessions, content types)
    counts = []
    for client in (few, many):
        with CaptureQueriesContext(connection) as ctx:
            response = http.get(url("client_chart", client.pk))
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    body = response.content.decode()
    assert body.count(">Signed<") == 12
    assert "Rhythm rate per listening station" in body and "palpation findings" in body
    assert body.count("<svg") >= 3


# --- PDF ----------------------------------------------------------------------------------


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_one_note_and_a_range_as_pdf(browser_as: Any, practitioner: Any, chartable: Any) -> None:
    first = signed(practitioner, chartable, complaint="First visit")
    services.add_addendum(actor=practitioner.actor, note=first, text="Follow-up call fine")
    signed(practitioner, chartable, complaint="Second visit")
    http = browser_as(practitioner)
    one = http.post(url("note_pdf", first.pk), {"audience": "provider", "recipient": "Dr Lee"})
    assert one.status_code == 200 and one["Content-Type"] == "application/pdf"
    text = _pdf_text(one.content)
    assert "First visit" in text and "Second visit" not in text
    assert "palpation findings" in text and "Dr Lee" in text
    assert "Follow-up call fine" in text
    today = timezone.localdate()
    both = http.post(
        url("client_notes_pdf", chartable.pk),
        {"audience": "client", "start": str(today - dt.timedelta(days=1)), "end": str(today)},
    )
    text = _pdf_text(both.content)
    assert "First visit" in text and "Second visit" in text
    empty = http.post(
        url("client_notes_pdf", chartable.pk),
        {"audience": "client", "end": str(today - dt.timedelta(days=30))},
    )
    assert "No session notes in this period" in _pdf_text(empty.content)
    bad = http.post(
        url("client_notes_pdf", chartable.pk),
        {"audience": "client", "start": str(today), "end": str(today - dt.timedelta(days=3))},
    )
    assert bad.status_code == 302
