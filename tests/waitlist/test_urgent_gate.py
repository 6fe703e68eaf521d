"""An urgent screening finding stops a waitlist acceptance until the assessment is recorded."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from sacrum.scheduling.models import Appointment
from sacrum.scheduling.services import booking
from sacrum.screening import services as screening
from sacrum.screening.models import ClientAlert
from sacrum.waitlist import offers
from sacrum.waitlist.matching import scan
from tests.scheduling.test_urgent_gate import URGENT, report_urgent
from tests.waitlist.test_offers import offer_mails, token_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("entry", URGENT, ids=lambda e: e["code"])
def test_an_urgent_finding_after_the_offer_stops_the_acceptance(
    entry: dict[str, Any], make_client: Any, wait: Any, owner: Any, practitioner: Any, blocker: Any
) -> None:
    client = make_client("Later")
    wait(client)
    booking.cancel(actor=owner.actor, appointment=blocker)
    scan(timezone.now())
    report_urgent(client, practitioner, entry)
    offer = offers.find_offer(token_in(offer_mails()[0]))
    assert offer is not None
    with pytest.raises(offers.OfferUnavailable) as refused:
        offers.accept(offer=offer)
    assert refused.value.reason == "blocked"
    assert not Appointment.objects.filter(client=client).exists()


def test_an_assessed_client_is_offered_again(
    make_client: Any, wait: Any, owner: Any, practitioner: Any, blocker: Any
) -> None:
    client = make_client("Seen")
    alert = report_urgent(client, practitioner, URGENT[0])
    wait(client)
    screening.record_assessment(
        actor=practitioner.actor,
        alert=alert,
        assessed_by="GP",
        assessed_on=timezone.localdate(),
        outcome="Seen; nothing urgent.",
    )
    assert not ClientAlert.objects.filter(client=client, status="open", urgent=True).exists()
    booking.cancel(actor=owner.actor, appointment=blocker)
    result = scan(timezone.now())
    assert result.offered == 1 and result.blocked == 0
