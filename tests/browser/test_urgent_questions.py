"""Real browser: the new warning-sign questions on the client's phone, and the hold.

The stiff-neck question appears only with a temperature; answering "yes" to it (or to
new neurological symptoms) tells the client on the spot to seek urgent care, and the
practitioner sees that nothing can be charted or booked until an assessment is recorded.
Screenshots go to ``$SACRUM_SCREENSHOT_DIR`` or ``/tmp/shots-d``.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from sacrum.clients import consent
from sacrum.screening import links
from sacrum.screening.models import ClientAlert
from sacrum.screening.questions import question_set
from tests.browser.test_intake_link import DESKTOP, PHONE, shot, watch_console
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_warning_signs_on_a_phone_tell_the_client_to_seek_care_and_hold_the_session(
    chromium: Any,
    live_server: Any,
    transactional_db: Any,
    front_desk: Any,
    practitioner: Any,
    a_client: Any,
) -> None:
    text = consent.current_text(a_client.clinic_id)
    assert text is not None
    consent.sign_in_person(
        actor=practitioner.actor, client=a_client, text=text, typed_name="Ada", agreed=True
    )
    _link, raw = links.create_link(actor=front_desk.actor, client=a_client, via="tablet")
    assert raw is not None  # a tablet link's token is handed over, not e-mailed

    phone = chromium.new_context(
        viewport=PHONE, base_url=live_server.url, is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    errors = watch_console(page)
    page.goto(links.link_path(raw))
    for section in question_set("intake").sections:
        if section.show_if:
            continue
        for q in section.questions:
            if q.type == "yes_no":
                page.check(f"input[name={q.key}][value=no]")
    stiff_neck = page.locator("#q-stiff_neck_or_rash")
    expect(stiff_neck).to_be_hidden()
    page.check("input[name=fever_infection][value=yes]")
    expect(stiff_neck).to_be_visible()
    page.check("input[name=stiff_neck_or_rash][value=yes]")
    expect(stiff_neck.locator(".urgent-notice")).to_be_visible()
    page.check("input[name=neuro_new][value=yes]")
    expect(page.locator("#q-neuro_new .urgent-notice")).to_be_visible()
    page.locator("#q-stiff_neck_or_rash").scroll_into_view_if_needed()
    shot(page, "10-warning-signs")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator("h1").first).to_have_text("Please seek urgent medical care now")
    shot(page, "11-seek-care-now")
    phone.close()
    assert not errors, errors

    desk = chromium.new_context(viewport=DESKTOP, base_url=live_server.url)
    page = desk.new_page()
    page.goto("/accounts/login/")
    page.fill("#id_login", practitioner.user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Today")
    page.goto(f"/clients/{a_client.pk}/")
    expect(page.locator(".alert.urgent")).to_contain_text("medically assessed")
    expect(page.get_by_role("link", name="Record medical assessment")).to_have_count(2)
    shot(page, "12-practitioner-hold")
    desk.close()
    assert ClientAlert.objects.filter(client=a_client, urgent=True, status="open").count() == 2
