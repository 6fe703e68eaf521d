"""The clinic API exposes what the directory reads: currency, the switch, the description and
each location's coordinates; only an owner changes them, and bad values get a 422."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sacrum.clinics.models import Clinic, Location
from tests.conftest import ApiClient, Persona
from tests.directory.conftest import World


def test_an_owner_reads_and_sets_the_directory_fields(
    world: World, api: Callable[[Persona], ApiClient]
) -> None:
    owner = api(world.owner)
    status, clinic = owner.get("/clinic")
    assert status == 200
    assert (clinic["currency"], clinic["directory_enabled"], clinic["public_description"]) == (
        "GBP",
        True,
        "",
    )
    status, clinic = owner.patch(
        "/clinic",
        {"currency": "CHF", "directory_enabled": False, "public_description": "Quiet rooms."},
    )
    assert status == 200, clinic
    assert (clinic["currency"], clinic["directory_enabled"]) == ("CHF", False)
    assert Clinic.objects.get(pk=world.clinic.pk).public_description == "Quiet rooms."

    path = f"/locations/{world.location.pk}"
    status, place = owner.get(path)
    assert (place["latitude"], place["longitude"]) == (51.44964, -2.59778)
    status, place = owner.patch(path, {"latitude": 51.4, "longitude": -2.5})
    assert status == 200 and (place["latitude"], place["longitude"]) == (51.4, -2.5)
    status, place = owner.patch(path, {"latitude": None, "longitude": None})
    assert status == 200 and place["latitude"] is None
    status, made = owner.post(
        "/locations", {"name": "Clifton", "latitude": "51.45512", "longitude": -2.62}
    )
    assert status == 201 and (made["latitude"], made["longitude"]) == (51.45512, -2.62)


def test_bad_values_get_a_readable_422_and_nothing_is_written(
    world: World, api: Callable[[Persona], ApiClient]
) -> None:
    owner = api(world.owner)
    for body, field in (
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "gbp"}, "currency"),
        ({"currency": "POUNDS"}, "currency"),
        ({"public_description": "x" * 2001}, "public_description"),
        ({"directory_enabled": "perhaps"}, "directory_enabled"),
    ):
        status, error = owner.patch("/clinic", body)
        assert status == 422, body
        assert field in error["error"]["fields"], error
    assert (
        "ISO 4217" in owner.patch("/clinic", {"currency": "XYZ"})[1]["error"]["fields"]["currency"]
    )
    path = f"/locations/{world.location.pk}"
    bad_places: list[tuple[dict[str, Any], str]] = [
        ({"latitude": 90.5, "longitude": 0}, "latitude"),
        ({"latitude": 0, "longitude": -180.01}, "longitude"),
        ({"latitude": "north", "longitude": 0}, "latitude"),
        ({"latitude": None}, "latitude"),  # the longitude stays: both or neither
    ]
    for place, field in bad_places:
        status, error = owner.patch(path, place)
        assert status == 422, place
        assert field in error["error"]["fields"], error
    clinic = Clinic.objects.get(pk=world.clinic.pk)
    assert (clinic.currency, clinic.directory_enabled) == ("GBP", True)
    location = Location.objects.get(pk=world.location.pk)
    assert (float(location.latitude or 0), float(location.longitude or 0)) == (51.44964, -2.59778)


def test_only_an_owner_changes_them(world: World, api: Callable[[Persona], ApiClient]) -> None:
    practitioner = api(world.practitioner)
    status, clinic = practitioner.get("/clinic")
    assert status == 200 and clinic["directory_enabled"] is True
    assert practitioner.patch("/clinic", {"directory_enabled": False})[0] == 403
    assert practitioner.patch("/clinic", {"currency": "EUR"})[0] == 403
    status, _ = practitioner.patch(
        f"/locations/{world.location.pk}", {"latitude": 1, "longitude": 1}
    )
    assert status == 403
    assert Clinic.objects.get(pk=world.clinic.pk).directory_enabled is True
