"""The owner's charting set-up page: stations, technique templates, note templates."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client as HttpClient
from django.urls import reverse

from sacrum.charting.models import ListeningStation, NoteTemplate, TechniqueTemplate
from sacrum.scheduling.models import ServiceType
from tests.access.objects import Stillwater
from tests.conftest import Persona


def test_owner_adds_and_retires_a_station_and_a_bad_name_changes_nothing(
    browser_as: Callable[[Persona], HttpClient], owner: Persona
) -> None:
    http = browser_as(owner)
    url = reverse("web:charting_setup")
    assert http.get(url).status_code == 200
    before = ListeningStation.objects.filter(clinic=owner.clinic).count()
    assert before > 0  # the defaults from session.md
    added = http.post(
        url,
        {"form": "new-station", "new-station-name": "Knees", "new-station-active": "on"},
    )
    assert added.status_code == 302
    knees = ListeningStation.objects.get(clinic=owner.clinic, name="Knees")
    assert knees.active
    refused = http.post(url, {"form": "station", "id": str(knees.pk), f"s-{knees.pk}-name": ""})
    assert refused.status_code == 422
    assert "This field is required" in refused.content.decode()
    knees.refresh_from_db()
    assert knees.name == "Knees"
    retired = http.post(
        url, {"form": "station", "id": str(knees.pk), f"s-{knees.pk}-name": "Knees"}
    )
    assert retired.status_code == 302
    knees.refresh_from_db()
    assert not knees.active


def test_technique_template_lines_become_ordered_steps(
    browser_as: Callable[[Persona], HttpClient], owner: Persona
) -> None:
    http = browser_as(owner)
    response = http.post(
        reverse("web:charting_setup"),
        {
            "form": "new-technique",
            "new-technique-name": "Short protocol",
            "new-technique-steps": "Still point\n\n Sacral release \nCV4",
            "new-technique-active": "on",
        },
    )
    assert response.status_code == 302
    template = TechniqueTemplate.objects.get(clinic=owner.clinic, name="Short protocol")
    assert template.steps == ["Still point", "Sacral release", "CV4"]


def test_note_template_per_service_and_the_front_desk_is_refused(
    browser_as: Callable[[Persona], HttpClient],
    owner: Persona,
    practitioner: Persona,
    front_desk: Persona,
) -> None:
    service = Stillwater(owner, practitioner, front_desk).object("service_id")
    assert isinstance(service, ServiceType)
    url = reverse("web:note_template_edit", args=[service.pk])
    assert browser_as(front_desk).get(url).status_code == 403
    assert browser_as(front_desk).get(reverse("web:charting_setup")).status_code == 403
    saved = browser_as(owner).post(url, {"home_care": "Drink water, rest this evening."})
    assert saved.status_code == 302
    template = NoteTemplate.objects.get(service=service)
    assert template.defaults == {"home_care": "Drink water, rest this evening."}
