"""A small charted clinic for the export's API and page tests (the demo is slow to seed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sacrum.charting.models import SessionNote
from sacrum.clients.models import Client
from tests.access.objects import keep_uploads_in
from tests.charting.objects import make_chartable, new_client, signed
from tests.conftest import Persona


@pytest.fixture
def charted(owner: Persona, practitioner: Persona) -> tuple[Client, SessionNote]:
    """A client with a consent, an intake and one signed note with every part filled in."""
    client = make_chartable(practitioner, new_client(owner))
    return client, signed(practitioner, client)


@pytest.fixture
def uploads(settings: Any, tmp_path: Path) -> Path:
    """Stored files (letter PDFs) in the test's own folder."""
    keep_uploads_in(settings, tmp_path / "uploads")
    return tmp_path / "uploads"
