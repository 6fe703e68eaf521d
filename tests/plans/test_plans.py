"""Plans: the proposed series follows the taper at a fixed local time (across DST),
confirming books it, discharge, database invariants, API, pages and the dashboard."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from sacrum.kernel.errors import Conflict
from sacrum.outcomes import services as outcome_services
from sacrum.outcomes.models import OutcomeAlert
from sacrum.plans import services
from sacrum.plans.models import Measurement, Plan, PlanGoal
from sacrum.scheduling.local_time import zone
from sacrum.scheduling.models import Appointment
from sacrum.scheduling.services.booking import Booking, book

pytestmark = pytest.mark.django_db


def spring_change() -> dt.date:
    """The next last Sunday of March at least five weeks away (Europe/London goes forward)."""
    year = timezone.localdate().year
    while True:
        change = max(
            dt.date(year, 3, d) for d in range(25, 32) if dt.date(year, 3, d).weekday() == 6
        )
        if change - timezone.localdate() > dt.timedelta(days=40):
            return change
        year += 1


def choice(service: Any, location: Any, first: dt.date, at: dt.time = dt.time(10)) -> Any:
    return services.SeriesChoice(
        service=service, location=location, first_date=first, local_time=at
    )


def test_the_proposed_series_follows_the_taper_at_the_same_local_time(
    plan: Any, practitioner: Any, service: Any, location: Any, hours: None
) -> None:
    change = spring_change()
    first = change - dt.timedelta(days=27)  # a Monday four weeks before the change
    assert first.weekday() == 0
    occurrences = services.propose_series(
        actor=practitioner.actor, plan=plan, choice=choice(service, location, first)
    )
    tz = zone("Europe/London")
    days = [timezone.localtime(o.start, tz).date() for o in occurrences]
    # weekly x 3, then every 2 weeks x 2, then monthly x 2 (the same n-th weekday)
    expected = [first + dt.timedelta(days=d) for d in (0, 7, 14, 28, 42)]
    assert days[:5] == expected and len(days) == 7 == plan.planned_sessions
    nth = (expected[-1].day - 1) // 7
    assert all(d.weekday() == 0 and (d.day - 1) // 7 == nth for d in days[5:])
    assert {timezone.localtime(o.start, tz).time() for o in occurrences} == {dt.time(10)}
    # The UTC hour moves by one at the clock change; the local one doesn't.
    assert {o.start.astimezone(dt.UTC).hour for o in occurrences} == {9, 10}
    assert all(o.free for o in occurrences)
    assert not Appointment.objects.exists()  # a proposal books nothing


def test_confirming_books_the_series_and_links_it_to_the_plan(
    plan: Any, practitioner: Any, service: Any, location: Any, hours: None
) -> None:
    first = spring_change() - dt.timedelta(days=27)
    series, booked = services.confirm_series(
        actor=practitioner.actor, plan=plan, choice=choice(service, location, first)
    )
    plan.refresh_from_db()
    assert plan.series == series and len(booked) == 7
    assert Appointment.objects.filter(series=series, client=plan.client).count() == 7
    with pytest.raises(Conflict, match="already has booked"):
        services.confirm_series(
            actor=practitioner.actor, plan=plan, choice=choice(service, location, first)
        )


def test_a_busy_time_is_named_and_nothing_is_booked(
    plan: Any,
    practitioner: Any,
    owner: Any,
    service: Any,
    location: Any,
    hours: None,
    api: Any,
) -> None:
    first = spring_change() - dt.timedelta(days=27)
    other = type(plan.client).objects.create(
        clinic=plan.clinic,
        first_name="Grace",
        last_name="Hopper",
        date_of_birth=dt.date(1956, 1, 1),
    )
    in_the_way = book(
        actor=owner.actor,
        booking=Booking(
            client=other,
            practitioner=practitioner.member,
            service=service,
            location=location,
            start=services.series_services.to_utc(  # type: ignore[attr-defined]
                first + dt.timedelta(days=7), dt.time(10), zone("Europe/London")
            ),
        ),
    )
    body = {
        "service_id": str(service.pk),
        "location_id": str(location.pk),
        "first_date": first.isoformat(),
        "local_time": "10:00",
    }
    status, proposal = api(practitioner).post(f"/plans/{plan.pk}/series/preview", body)
    assert status == 200 and proposal["conflicts"] == 1
    busy = next(o for o in proposal["occurrences"] if not o["free"])
    assert busy["alternatives"] and busy["problem"]
    status, error = api(practitioner).post(f"/plans/{plan.pk}/series", body)
    assert status == 409 and "1 of 7" in error["error"]["message"]
    assert Appointment.objects.exclude(pk=in_the_way.pk).count() == 0
    chosen = [o["start"] for o in proposal["occurrences"] if o["free"]] + [busy["alternatives"][0]]
    status, made = api(practitioner).post(
        f"/plans/{plan.pk}/series", {**body, "occurrences": chosen}
    )
    assert status == 201 and made["appointments"] == 7


def test_discharge_closes_the_plan_and_schedules_discharge_and_follow_up(
    plan: Any, practitioner: Any
) -> None:
    services.discharge(
        actor=practitioner.actor,
        plan=plan,
        reason="goals_reached",
        summary="Works full days again; pain scores fell from 6 to 2.",
    )
    plan.refresh_from_db()
    assert plan.status == "discharged" and plan.discharged_on == services.local_today(plan.clinic)
    rows = {m.occasion: m for m in Measurement.objects.filter(plan=plan)}
    assert set(rows) == {"baseline", "discharge", "follow_up"}
    follow = timezone.localtime(rows["follow_up"].due_at, zone("Europe/London"))
    assert follow.date() == plan.discharged_on + dt.timedelta(days=91)
    assert follow.time() == dt.time(9)
    with pytest.raises(Exception, match="discharged"):
        services.discharge(actor=practitioner.actor, plan=plan, reason="other")
    # A new plan may start once the old one is closed.
    services.create_plan(
        actor=practitioner.actor, client=plan.client, phases=[{"rule": "weekly", "count": 2}]
    )


def test_the_database_holds_the_invariants(plan: Any, practitioner: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.filter(pk=plan.pk).update(status="discharged")  # no date, no reason
    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.create(
            clinic=plan.clinic,
            client=plan.client,
            practitioner=practitioner.member,
            phases=[{"rule": "weekly", "count": 1}],
            planned_sessions=1,
            start_date=plan.start_date,
        )  # a second active plan
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanGoal.objects.create(plan=plan, text="x", instrument_key="ndi", target_kind="value")
    with pytest.raises(IntegrityError), transaction.atomic():
        m = Measurement.objects.get(plan=plan)
        Measurement.objects.create(
            clinic=plan.clinic,
            plan=plan,
            client=plan.client,
            instrument_key=m.instrument_key,
            occasion=m.occasion,
            sequence=m.sequence,
            due_at=m.due_at,
        )


def test_bad_input_is_refused_with_a_clear_message(
    a_client: Any, practitioner: Any, definitions: Any
) -> None:
    with pytest.raises(Exception) as caught:
        services.create_plan(
            actor=practitioner.actor,
            client=a_client,
            phases=[{"rule": "weekly", "count": 6}],
            goals=[
                services.GoalData(
                    text="Sleep through", instrument_key="isi", target_kind="value", target_value=99
                )
            ],
            measures=[services.MeasureData(instrument_key="headache-diary")],
        )
    assert "0 to 28" in str(caught.value)
    assert not Plan.objects.exists()


def test_the_api_creates_a_plan_with_goals_beside_the_latest_scores(
    a_client: Any, practitioner: Any, definitions: Any, api: Any, front_desk: Any
) -> None:
    body = {
        "phases": [{"rule": "weekly", "count": 6}, {"rule": "every_2_weeks", "count": 3}],
        "goals": [
            {
                "text": "Carry my daughter without pain",
                "instrument_key": "pain-nrs",
                "target_kind": "value",
                "target_value": 2,
            },
        ],
    }
    status, made = api(practitioner).post(f"/clients/{a_client.pk}/plans", body)
    assert status == 201, made
    assert (
        made["planned_sessions"] == 9
        and made["taper"] == "weekly \u00d7 6, then every 2 weeks \u00d7 3"
    )
    assert [m["instrument_key"] for m in made["measures"]] == ["pain-nrs"]
    for value, occasion in ((7, "baseline"), (2, "session")):
        outcome_services.record_response(
            actor=practitioner.actor,
            client=a_client,
            definition=definitions["pain-nrs"],
            answers={"pain": value},
            occasion=occasion,
        )
    status, plan = api(practitioner).get(f"/plans/{made['id']}")
    goal = plan["goals"][0]
    assert (goal["baseline"], goal["latest"], goal["status"]) == (7, 2, "reached")
    assert api(practitioner).post(f"/clients/{a_client.pk}/plans", body)[0] == 409
    assert api(front_desk).get(f"/plans/{made['id']}")[0] == 403
    status, done = api(practitioner).post(
        f"/plans/{made['id']}/discharge", {"reason": "goals_reached", "summary": "Done."}
    )
    assert status == 200 and done["status"] == "discharged"
    status, error = api(practitioner).post(f"/plans/{made['id']}/reviews", {})
    assert status == 422 and "discharged" in error["error"]["fields"]["status"]


# --- Pages -----------------------------------------------------------------------------


def test_a_plan_is_created_from_the_page_and_proposes_its_series(
    a_client: Any, practitioner: Any, definitions: Any, browser_as: Any
) -> None:
    http = browser_as(practitioner)
    page = http.get(f"/clients/{a_client.pk}/plans/new")
    html = page.content.decode()
    assert page.status_code == 200 and "in the client&#x27;s words" in html.lower().replace(
        "'", "&#x27;"
    )
    form = {
        "conditions": ["neck_pain"],
        "start_date": timezone.localdate().isoformat(),
        "review_every_weeks": "6",
        "phase1_rule": "weekly",
        "phase1_count": "6",
        "phase2_rule": "every_2_weeks",
        "phase2_count": "3",
        "phase3_rule": "monthly",
        "phase3_count": "",
        "planned_sessions": "12",
        "goal1_text": "Look over my shoulder when cycling",
        "goal1_measure": "ndi",
        "goal1_kind": "mic",
        "measures": ["pain-nrs", "ndi"],
        "every_n_sessions": "3",
        "at_discharge": "on",
        "follow_up_days": "91",
    }
    response = http.post(f"/clients/{a_client.pk}/plans/new", form)
    plan = Plan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/clients/{a_client.pk}/plans/{plan.pk}/series"
    assert plan.planned_sessions == 12 and plan.phases[-1] == {"rule": "monthly"}
    assert Measurement.objects.filter(plan=plan, occasion="baseline").count() == 2
    detail = http.get(f"/clients/{a_client.pk}/plans/{plan.pk}/").content.decode()
    detail = detail.split("<footer")[0]  # the footer says what Sacrum never claims
    assert "Look over my shoulder when cycling" in detail and "Neck Disability" in detail
    for word in ("cure", "treats", "heal"):
        assert word not in detail.lower()


def test_bad_input_on_the_page_is_shown_and_nothing_is_saved(
    a_client: Any, practitioner: Any, definitions: Any, browser_as: Any
) -> None:
    response = browser_as(practitioner).post(
        f"/clients/{a_client.pk}/plans/new",
        {"phase1_rule": "", "goal1_text": "Sleep", "goal1_measure": "", "phase2_count": "3"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Give at least one phase." in html and "Choose the measure that follows it." in html
    assert "Choose how often." in html
    assert not Plan.objects.exists()


def test_the_front_desk_never_sees_plans_and_another_clinic_gets_404(
    plan: Any, front_desk: Any, outsider: Any, browser_as: Any
) -> None:
    urls = [
        f"/clients/{plan.client_id}/plans/",
        f"/clients/{plan.client_id}/plans/{plan.pk}/",
        f"/clients/{plan.client_id}/plans/{plan.pk}/discharge",
    ]
    for url in urls:
        assert browser_as(front_desk).get(url).status_code == 403, url
        assert browser_as(outsider).get(url).status_code == 404, url
    other_client = type(plan.client).objects.create(
        clinic=plan.clinic, first_name="G", last_name="H", date_of_birth=dt.date(1970, 1, 1)
    )
    assert (
        browser_as(outsider).get(f"/clients/{other_client.pk}/plans/{plan.pk}/").status_code == 404
    )


def test_discharge_page_and_review(plan: Any, practitioner: Any, browser_as: Any) -> None:
    http = browser_as(practitioner)
    base = f"/clients/{plan.client_id}/plans/{plan.pk}"
    response = http.post(f"{base}/review", {"note": "Going well", "next_review_on": ""})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.next_review_on == services.local_today(plan.clinic) + dt.timedelta(weeks=6)
    bad = http.post(f"{base}/discharge", {"discharged_on": "2001-01-01", "reason": ""})
    assert bad.status_code == 200 and "This field is required" in bad.content.decode()
    bad = http.post(f"{base}/discharge", {"discharged_on": "2001-01-01", "reason": "other"})
    assert "before the plan started" in bad.content.decode()
    ok = http.post(
        f"{base}/discharge",
        {
            "discharged_on": plan.start_date.isoformat(),
            "reason": "client_choice",
            "summary": "Moved town.",
        },
    )
    assert ok.status_code == 302
    detail = http.get(f"{base}/").content.decode()
    assert "Discharge summary" in detail and "Moved town." in detail


def test_dashboard_cards_flag_worsening_alerts_reviews_and_overdue(
    plan: Any, practitioner: Any, definitions: Any, browser_as: Any, front_desk: Any
) -> None:
    for value, occasion in ((3, "baseline"), (8, "session")):
        outcome_services.record_response(
            actor=practitioner.actor,
            client=plan.client,
            definition=definitions["pain-nrs"],
            answers={"pain": value},
            occasion=occasion,
        )
    outcome_services.record_response(
        actor=practitioner.actor,
        client=plan.client,
        definition=definitions["phq-9"],
        answers={str(n): "1" for n in range(1, 10)},
        occasion="baseline",
    )
    assert OutcomeAlert.objects.count() == 1
    Plan.objects.filter(pk=plan.pk).update(next_review_on=timezone.localdate())
    Measurement.objects.create(
        clinic=plan.clinic,
        plan=plan,
        client=plan.client,
        instrument_key="ndi",
        occasion="session",
        sequence=3,
        due_at=timezone.now() - dt.timedelta(days=10),
    )
    html = cards_for(practitioner)
    assert "Safety and change" in html and "1</strong> safety alert" in html
    assert "worse than at baseline by at least the minimal important change" in html
    assert "due for review" in html and "questionnaire overdue" in html
    desk = cards_for(front_desk)
    assert "Safety and change" not in desk and "Treatment plans" not in desk


def cards_for(persona: Any) -> str:
    """The outcomes and plans cards as the dashboard renders them for this member."""
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from sacrum.outcomes import dashboard as outcome_card
    from sacrum.plans import dashboard as plan_card

    request = RequestFactory().get("/")
    request.user = persona.user
    request.member = persona.member  # type: ignore[attr-defined]
    html = ""
    for module in (outcome_card, plan_card):
        card = module.card(request)
        if card:
            html += render_to_string(card.pop("template"), card, request=request)
    return html
