"""Screening fixtures: a client with an intake, answered as a test needs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sacrum.clients import consent
from sacrum.clients.models import Client, ConsentSignature
from sacrum.screening import services
from sacrum.screening.models import Firing, Intake
from tests.conftest import Persona
from tests.screening.helpers import quiet_answers


@pytest.fixture(autouse=True)
def uploads_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": "/nowhere/"},
        },
    }


def sign_consent(persona: Persona, client: Client) -> ConsentSignature:
    text = consent.current_text(client.clinic_id)
    assert text is not None
    return consent.sign_in_person(
        actor=persona.actor, client=client, text=text, typed_name=client.full_name, agreed=True
    )


@pytest.fixture
def intake_with(
    practitioner: Persona, a_client: Client
) -> Callable[..., tuple[Intake, list[Firing]]]:
    """Ada signs the consent, then each call submits an intake changed by ``changes``."""
    sign_consent(practitioner, a_client)

    def submit(**changes: Any) -> tuple[Intake, list[Firing]]:
        answers = quiet_answers("intake") | changes
        return services.submit_intake(actor=practitioner.actor, client=a_client, answers=answers)

    return submit


@pytest.fixture
def pdf_letter() -> SimpleUploadedFile:
    return SimpleUploadedFile("clearance.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")
