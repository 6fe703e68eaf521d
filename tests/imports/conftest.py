"""A clinic ready to receive an import: a location, a service and a practitioner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sacrum.clinics.models import Location
from sacrum.scheduling.models import ServiceType
from tests.conftest import Persona

DATA = Path(__file__).parent / "data"


@pytest.fixture
def ready(owner: Persona, practitioner: Persona) -> Persona:
    """The owner of a clinic with Harbour Street and a 60-minute session (10 minutes after)."""
    Location.objects.create(clinic=owner.clinic, name="Harbour Street", time_zone="Europe/London")
    ServiceType.objects.create(
        clinic=owner.clinic,
        name="Craniosacral session",
        duration_minutes=60,
        buffer_after_minutes=10,
    )
    return owner


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": "/nowhere/"},
        },
    }
