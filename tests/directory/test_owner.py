"""The owner's directory switches, reachable from the clinic settings."""

from __future__ import annotations

from typing import Any

from django.test import Client as HttpClient

from tests.directory.conftest import World


def test_the_owner_lists_people_and_services_and_turns_the_directory_off(
    world: World, browser_as: Any
) -> None:
    http = browser_as(world.owner)
    settings_page = http.get("/clinic/settings").content.decode()
    assert 'href="/clinic/directory"' in settings_page
    form = http.get("/clinic/directory")
    assert form.status_code == 200
    response = http.post(
        "/clinic/directory",
        {
            "directory_enabled": "on",
            "public_description": "Rooms by the harbour.",
            "profiles": [str(world.owner_profile.pk)],
            "services": [str(world.hidden.pk)],
        },
    )
    assert response.status_code == 302
    public = HttpClient()
    assert public.get("/directory/pat-practitioner/").status_code == 404
    html = public.get("/directory/olivia-owner/").content.decode()
    assert "Rooms by the harbour." in html
    assert "Secret session" in html and "Craniosacral session" not in html
    http.post("/clinic/directory", {"public_description": "", "profiles": [], "services": []})
    assert public.get("/directory/olivia-owner/").status_code == 404


def test_only_an_owner_may_change_the_directory(world: World, browser_as: Any) -> None:
    response = browser_as(world.practitioner).post(
        "/clinic/directory", {"directory_enabled": "", "profiles": [], "services": []}
    )
    assert response.status_code == 403
    world.clinic.refresh_from_db()
    assert world.clinic.directory_enabled


def test_location_coordinates_come_in_pairs(world: World, browser_as: Any) -> None:
    response = browser_as(world.owner).post(
        f"/locations/{world.location.pk}/edit",
        {
            "name": "Harbourside",
            "time_zone": "Europe/London",
            "latitude": "51.4",
            "longitude": "",
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert "Give both the latitude and the longitude, or neither." in response.content.decode()


def test_the_verification_records_which_evidence_was_checked(world: World, browser_as: Any) -> None:
    import hashlib

    from django.core.files.base import ContentFile

    from sacrum.clinics.models import Credential

    credential = Credential.objects.get(title="Unchecked Diploma")
    credential.evidence.save("diploma.pdf", ContentFile(b"%PDF-1.4 diploma"), save=True)
    response = browser_as(world.owner).post(
        f"/credentials/{credential.pk}/verification", {"state": "verified"}
    )
    assert response.status_code == 302
    credential.refresh_from_db()
    assert credential.verified_by == world.owner.user and credential.verified_at is not None
    assert credential.verified_evidence_sha256 == hashlib.sha256(b"%PDF-1.4 diploma").hexdigest()
    assert credential.verified_evidence_name.endswith(".pdf")
