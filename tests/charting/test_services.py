"""Charting services: the gate, drafts and autosave, copy-forward, signing, addenda, privacy."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sacrum.charting import services
from tests.charting.objects import chartable, draft, full_content, signed  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_full_note_is_saved_and_signed(practitioner, chartable):  # noqa: F811
    note = signed(practitioner, chartable)
    assert note.status == "signed"
    assert len(note.content_hash) == 64
    assert note.signed_by == practitioner.member
    assert [f.rate for f in note.rhythm_findings.all()] == [Decimal("8.5"), Decimal("7.0")]
    assert services.verify().ok
