"""Today's dashboard opens for every staff role with the cards each app contributes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client as HttpClient

from sacrum.web import dashboard
from tests.conftest import Persona


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["owner", "practitioner", "front_desk"])
def test_dashboard_opens_for_every_role(
    request: pytest.FixtureRequest, browser_as: Callable[[Persona], HttpClient], who: str
) -> None:
    persona = request.getfixturevalue(who)
    response = browser_as(persona).get("/")
    assert response.status_code == 200
    assert b"Today," in response.content


def test_only_modules_with_a_card_are_providers() -> None:
    providers = dashboard._providers()
    assert all(hasattr(module, "card") for module in providers)
    assert dashboard not in providers
