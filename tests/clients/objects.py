"""Consent objects of the Stillwater clinic for the cross-cutting route tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import models

from sacrum.clients import consent

if TYPE_CHECKING:
    from tests.access.objects import Stillwater


def _consent_text(w: Stillwater) -> models.Model:
    """The clinic's current text (the one a client can sign)."""
    text = consent.current_text(w.owner.clinic.pk)
    assert text is not None
    return text


def _signature(w: Stillwater) -> models.Model:
    client: Any = w.object("client_id")
    return consent.sign_in_person(
        actor=w.front_desk.actor,
        client=client,
        text=w.object("consent_text_id"),  # type: ignore[arg-type]
        typed_name="Beatrix Quill",
        agreed=True,
    )


FACTORIES: dict[str, Callable[[Stillwater], models.Model]] = {
    "consent_text_id": _consent_text,
    "signature_id": _signature,
}
