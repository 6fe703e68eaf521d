"""In a real browser: the top bar finds a client as their name is typed, and the booking
form's client is chosen by typing (or added there as a new client)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Shots
from tests.charting.objects import new_client
from tests.conftest import PASSWORD, Persona

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Any, persona: Persona, target: str) -> None:
    page.goto(f"/accounts/login/?next={target}")
    page.fill("#id_login", persona.user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("form[action^='/accounts/login/'] button[type=submit]").click()


def test_top_bar_finds_a_client_by_typing(
    page: Any, owner: Persona, front_desk: Persona, shot: Shots
) -> None:
    wanted = new_client(owner, "Ruth", "Abara")
    new_client(owner, "Rufus", "Abbot")
    new_client(owner, "Mina", "Ortiz")
    _sign_in(page, front_desk, "/")
    box = page.get_by_role("combobox", name="Find a client")
    box.fill("abar")
    options = page.get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Ruth Abara")
    shot(page, "suggestions")
    box.fill("ab")
    expect(options).to_have_count(2)
    box.press("ArrowDown")
    box.press("ArrowUp")
    expect(box).to_have_attribute("aria-activedescendant", re.compile("-0$"))
    box.press("Enter")
    expect(page).to_have_url(re.compile(f"/clients/{wanted.pk}/$"))

    # Enter with nothing to choose searches the client list.
    box = page.get_by_role("combobox", name="Find a client")
    box.fill("Ortiz")
    expect(page.get_by_role("option")).to_have_count(1)
    box.press("Escape")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/clients/\?q=Ortiz$"))
    expect(page.locator("main")).to_contain_text("Ortiz, Mina")


def test_booking_chooses_a_client_by_typing(
    page: Any, owner: Persona, front_desk: Persona, shot: Shots
) -> None:
    wanted = new_client(owner, "Ruth", "Abara")
    new_client(owner, "Mina", "Ortiz")
    _sign_in(page, front_desk, "/calendar/book")
    box = page.get_by_role("combobox", name="Client", exact=True)
    expect(page.locator("select#id_client")).to_be_hidden()
    box.fill("ruth ab")
    option = page.get_by_role("option", name=re.compile("Ruth Abara"))
    expect(option).to_be_visible()
    shot(page, "booking-type-ahead")
    option.click()
    expect(box).to_have_value(re.compile("^Ruth Abara"))
    expect(page.locator("select#id_client")).to_have_value(str(wanted.pk))
    # Typing again undoes the choice: what is sent is what is seen.
    box.fill("Ruth Ab")
    expect(page.locator("select#id_client")).to_have_value("")
    box.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()

    page.get_by_text("New client? Add them with this booking").click()
    expect(page.get_by_label("First name")).to_be_visible()
    page.set_viewport_size({"width": 1024, "height": 768})
    shot(page, "booking-new-client")
