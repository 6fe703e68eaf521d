"""Outcome pages, and the practice report checked against the raw rows."""

from __future__ import annotations

import datetime as dt
import random
import re
import statistics as pystats
from typing import Any

import pytest
from django.utils import timezone

from sacrum.clients.models import Client
from sacrum.kernel.errors import Forbidden
from sacrum.outcomes import services
from sacrum.outcomes.definitions import shipped_instrument
from sacrum.outcomes.insight import Observation, analyse
from sacrum.outcomes.models import Response
from sacrum.outcomes.reports import NO_CONTROL_GROUP, practice_report
from sacrum.outcomes.scoring import change_status
from sacrum.outcomes.statistics import median_iqr, wilson_interval

pytestmark = pytest.mark.django_db


def days_ago(n: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=n)


def record(
    actor: Any, client: Any, definition: Any, answers: dict[str, Any], days: int, **kw: Any
) -> Response:
    return services.record_response(
        actor=actor,
        client=client,
        definition=definition,
        answers=answers,
        completed_at=days_ago(days),
        **kw,
    )


def test_client_page_shows_curve_status_and_statistics(
    a_client: Any,
    practitioner: Any,
    browser_as: Any,
    definitions: Any,
    django_assert_max_num_queries: Any,
) -> None:
    for n, pain in enumerate([7, 8, 7, 5, 4, 3]):
        record(
            practitioner.actor,
            a_client,
            definitions["pain-nrs"],
            {"pain": pain},
            60 - 10 * n,
            occasion="baseline" if n == 0 else "session",
            condition="neck-pain",
        )
    http = browser_as(practitioner)
    with django_assert_max_num_queries(25):
        page = http.get(f"/clients/{a_client.pk}/outcomes/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and 'class="trace"' in html and 'class="baseline"' in html
    assert 'class="mic"' in html and "Minimal important change (5)" in html  # baseline 7 - 2
    assert "Reached the minimal important change" in html
    assert "Neck pain" in html
    assert "style=" not in html and "<script>" not in html
    main = html[html.index("<main") : html.index("</main>")].lower()
    for word in ("cure", "cures", "treat", "treats", "heal", "heals", "effective"):
        assert not re.search(rf"\b{word}\b", main), (
            word
        )  # the footer's disclaimer is outside <main>


def test_single_case_statistics_need_sessions_and_enough_points() -> None:
    pain = shipped_instrument("pain-nrs")
    start = dt.date(2025, 1, 1)
    obs = [
        Observation(start + dt.timedelta(days=7 * n), v)
        for n, v in enumerate([7, 8, 7, 6, 4, 4, 3])
    ]
    view = analyse(
        pain, obs, sessions=[start + dt.timedelta(days=21)], status="improved", baseline=7, latest=3
    )
    assert view.nap is not None and view.nap.estimate == pytest.approx(12 / 12)
    assert view.tau_u is not None
    assert any(s.startswith("NAP 1.00") for s in view.sentences)
    assert view.chart and len(view.chart.sessions) == 1 and view.chart.mic_y is not None
    assert "no published test-retest" in " ".join(view.notes).lower() or view.rci is None

    few = analyse(
        pain,
        obs[:4],
        sessions=[start + dt.timedelta(days=14)],
        status="not_yet",
        baseline=7,
        latest=6,
    )
    assert few.nap is None and "at least 3 measurements before" in few.notes[0]

    phq = shipped_instrument("phq-9")
    rc = analyse(phq, obs, status="improved", baseline=20, latest=8, practice_sd=5.0, practice_n=25)
    assert (
        rc.rci is not None
        and rc.rci.reliable
        and "larger than measurement error" in " ".join(rc.sentences)
    )
    small_practice = analyse(
        phq, obs, status="improved", baseline=20, latest=8, practice_sd=5.0, practice_n=5
    )
    assert small_practice.rci is None and "at least 20 clients" in " ".join(small_practice.notes)


def test_filling_a_questionnaire_and_a_diary_day_in_the_pages(
    a_client: Any, practitioner: Any, browser_as: Any, definitions: Any
) -> None:
    http = browser_as(practitioner)
    gad = definitions["gad-7"]
    url = f"/clients/{a_client.pk}/outcomes/{gad.pk}/new"
    form = http.get(url)
    assert form.status_code == 200 and "Item 1" in form.content.decode()
    data = {f"item_{n}": "1" for n in range(1, 8)} | {
        "occasion": "baseline",
        "completed_on": timezone.localdate().isoformat(),
        "condition": "anxiety",
    }
    assert http.post(url, data).status_code == 302
    assert Response.objects.get(client=a_client).total == 7

    diary = http.post(
        f"/clients/{a_client.pk}/diary/new",
        {
            "date": timezone.localdate().isoformat(),
            "headache": "yes",
            "peak": "6",
            "medication": "no",
        },
    )
    assert diary.status_code == 302
    again = http.post(
        f"/clients/{a_client.pk}/diary/new",
        {"date": timezone.localdate().isoformat(), "headache": "no", "medication": "no"},
    )
    assert again.status_code == 200 and "already a diary entry" in again.content.decode()


def test_front_desk_never_sees_outcome_pages(
    a_client: Any, front_desk: Any, browser_as: Any
) -> None:
    http = browser_as(front_desk)
    for url in (
        f"/clients/{a_client.pk}/outcomes/",
        "/outcomes/",
        "/outcomes/instruments/",
        "/outcomes/report/",
    ):
        assert http.get(url).status_code == 403, url


def test_licensed_wording_loads_from_the_instrument_page(
    owner: Any, browser_as: Any, definitions: Any
) -> None:
    http = browser_as(owner)
    hit6 = definitions["hit-6"]
    page = http.get(f"/outcomes/instruments/{hit6.pk}/")
    assert page.status_code == 200 and "Not loaded" in page.content.decode()
    bad = http.post(
        f"/outcomes/instruments/{hit6.pk}/",
        {
            "text": '{"resourceType": "Questionnaire", "status": "active", "item": [{"linkId": "1", "type": "choice", "text": "Item 1"}]}'
        },
    )
    assert "the file has 1 question but the HIT-6 scoring expects 6" in bad.content.decode()


def make_cohort(
    practitioner: Any, definitions: Any, owner: Any, n: int = 30, seed: int = 7
) -> None:
    rng = random.Random(seed)
    ndi, pain = definitions["ndi"], definitions["pain-nrs"]
    for i in range(n):
        client = Client.objects.create(
            clinic=owner.clinic,
            first_name=f"C{i}",
            last_name="Test",
            date_of_birth=dt.date(1980, 1, 1),
        )
        base = rng.randint(10, 30)
        record(
            practitioner.actor,
            client,
            ndi,
            {str(k): str(min(5, base // 10 + (k % 3))) for k in range(1, 11)},
            90,
            occasion="baseline",
            condition="neck-pain",
        )
        record(
            practitioner.actor,
            client,
            pain,
            {"pain": rng.randint(4, 9)},
            90,
            occasion="baseline",
            condition="neck-pain",
        )
        if i % 4 == 3:
            continue  # lost to follow-up
        drop = rng.randint(-2, 3)
        record(
            practitioner.actor,
            client,
            ndi,
            {str(k): str(max(0, min(5, base // 10 + (k % 3) - drop))) for k in range(1, 11)},
            20,
        )
        record(practitioner.actor, client, pain, {"pain": rng.randint(0, 9)}, 20)


def expected_from_raw(key: str) -> dict[str, Any]:
    """The report's figures for one measure, computed here from the stored responses."""
    instrument = shipped_instrument(key)
    by_client: dict[Any, list[Response]] = {}
    for r in Response.objects.filter(instrument_key=key, total__isnull=False).order_by(
        "completed_at"
    ):
        by_client.setdefault(r.client_id, []).append(r)
    changes, responders = [], 0
    for rows in by_client.values():
        if len(rows) < 2:
            continue
        first, last = rows[0].total, rows[-1].total
        assert first is not None and last is not None  # only responses with a total
        change = last - first
        changes.append(change)
        responders += change_status(instrument, first, last) == "improved"
    return {
        "with_baseline": len(by_client),
        "with_follow_up": len(changes),
        "responders": responders,
        "changes": changes,
    }


def test_practice_report_equals_the_raw_rows(
    owner: Any, practitioner: Any, definitions: Any
) -> None:
    make_cohort(practitioner, definitions, owner)
    report = practice_report(owner.actor)
    assert report.statement == NO_CONTROL_GROUP
    rows = {(r.condition, r.instrument_key): r for r in report.rows}
    for key in ("ndi", "pain-nrs"):
        row, want = rows[("neck-pain", key)], expected_from_raw(key)
        assert (row.with_baseline, row.with_follow_up, row.responders) == (
            want["with_baseline"],
            want["with_follow_up"],
            want["responders"],
        )
        assert row.lost_to_follow_up == want["with_baseline"] - want["with_follow_up"] == 7
        median, q1, q3 = median_iqr(want["changes"])
        assert (row.median_change, row.q1_change, row.q3_change) == pytest.approx((median, q1, q3))
        assert row.mean_change == pytest.approx(pystats.fmean(want["changes"]))
        assert (row.responder_lower, row.responder_upper) == pytest.approx(
            wilson_interval(want["responders"], want["with_follow_up"])
        )
        assert any("no follow-up" in w for w in row.warnings)  # 7 of 30 lost
    outside = practice_report(owner.actor, start=timezone.localdate() - dt.timedelta(days=30))
    assert outside.rows == []


def test_report_is_for_owners_and_exports_csv(
    owner: Any, practitioner: Any, browser_as: Any, definitions: Any
) -> None:
    make_cohort(practitioner, definitions, owner, n=8)
    with pytest.raises(Forbidden):
        practice_report(practitioner.actor)
    assert browser_as(practitioner).get("/outcomes/report/").status_code == 403
    page = browser_as(owner).get("/outcomes/report/")
    html = page.content.decode()
    assert page.status_code == 200 and "no control group" in html and "lost" in html
    csv_text = browser_as(owner).get("/outcomes/report/?format=csv").content.decode()
    assert csv_text.splitlines()[1].startswith("condition,instrument_key,with_baseline")
    assert "neck-pain,ndi,8,6,2" in csv_text


def test_report_exports_a_pdf(
    owner: Any, practitioner: Any, browser_as: Any, definitions: Any
) -> None:
    import io

    from pypdf import PdfReader

    make_cohort(practitioner, definitions, owner, n=12)
    pdf = browser_as(owner).get("/outcomes/report/?format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "no control group" in text and "Neck Disability Index" in text and "lost" in text


def test_wording_typed_item_by_item(owner: Any, browser_as: Any, definitions: Any) -> None:
    gad = definitions["gad-7"]
    data: dict[str, str] = {"editor": "1"}
    for n in range(1, 8):
        data[f"text_{n}"] = f"Item {n}"
        for v in range(4):
            data[f"option_{n}_{v}"] = f"Answer {v}"
    http = browser_as(owner)
    missing = http.post(f"/outcomes/instruments/{gad.pk}/", {**data, "text_3": ""})
    assert missing.status_code == 200 and "This field is required" in missing.content.decode()
    assert http.post(f"/outcomes/instruments/{gad.pk}/", data).status_code == 302
    gad.refresh_from_db()
    gad.refresh_instrument()
    assert gad.instrument.texts_loaded and gad.texts_from == "typed in Sacrum"
    assert gad.instrument.item("3").option("2").display == "Answer 2"
