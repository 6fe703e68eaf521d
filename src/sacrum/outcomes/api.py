"""/api/v1 endpoints for outcomes: instruments, responses, diary, summaries, alerts.

Every route is clinical (``x-sacrum-clinical``): refused to the front desk.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from sacrum.kernel.api import PageOut, actor_of, paginate
from sacrum.kernel.fields import Day, Moment, PageNumber, PageSize
from sacrum.outcomes import links, reports, selectors, services
from sacrum.outcomes.fhir import to_fhir
from sacrum.outcomes.models import (
    DiaryEntry,
    InstrumentDefinition,
    Occasion,
    OutcomeAlert,
    Response,
)

router = Router(tags=["outcomes"])

CLINICAL = {"x-sacrum-clinical": True}


class InstrumentOut(Schema):
    id: uuid.UUID
    key: str
    version: str
    title: str
    texts_loaded: bool
    texts_from: str
    own_wording: bool
    licence: str
    method: str
    direction: str
    range_min: float
    range_max: float
    mic: str
    conditions: list[str]
    items: list[str]

    @staticmethod
    def from_definition(d: InstrumentDefinition) -> dict[str, Any]:
        i = d.instrument
        return {
            "id": d.id,
            "key": d.key,
            "version": d.version,
            "title": d.title,
            "texts_loaded": i.texts_loaded,
            "texts_from": d.texts_from,
            "own_wording": i.own_wording,
            "licence": i.licence,
            "method": i.scoring.method,
            "direction": i.scoring.direction,
            "range_min": float(i.scoring.range_min),
            "range_max": float(i.scoring.range_max),
            "mic": i.scoring.mic.describe(i.scoring.unit),
            "conditions": list(i.scoring.conditions),
            "items": [it.link_id for it in i.items],
        }


class WordingIn(Schema):
    document: dict[str, Any] = Field(description="A FHIR R4 Questionnaire holding the item texts.")
    source: str = Field("", max_length=200)


class ResponseIn(Schema):
    instrument_id: uuid.UUID
    answers: dict[str, Any] = Field(default_factory=dict, description="Answers by item id.")
    occasion: Occasion = Occasion.SESSION
    session_number: int | None = Field(None, ge=0, le=1000)
    completed_at: Moment | None = None
    condition: str = Field("", max_length=40)


class ResponseOut(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    instrument_id: uuid.UUID
    instrument_key: str
    instrument_version: str
    answers: dict[str, Any]
    total: float | None
    domain_scores: dict[str, float]
    band: str
    missing_items: list[str]
    score_note: str
    alerts: list[str]
    occasion: str
    session_number: int | None
    condition: str
    completed_at: dt.datetime

    @staticmethod
    def of(r: Response) -> dict[str, Any]:
        return {
            **{f: getattr(r, f) for f in ResponseOut.model_fields if hasattr(r, f)},
            "instrument_id": r.definition_id,
        }


class DiaryIn(Schema):
    date: Day
    headache: bool
    peak: int | None = Field(None, ge=0, le=10)
    medication: bool
    note: str = Field("", max_length=500)


class DiaryPatch(Schema):
    headache: bool | None = None
    peak: int | None = Field(None, ge=0, le=10)
    medication: bool | None = None
    note: str | None = Field(None, max_length=500)


class DiaryOut(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    date: dt.date
    headache: bool
    peak: int | None
    medication: bool
    note: str


class StatisticsOut(Schema):
    nap: float | None
    nap_lower: float | None
    nap_upper: float | None
    tau: float | None
    tau_u: float | None
    reliable_change_index: float | None
    reliable_change: str | None
    sentences: list[str]
    notes: list[str]


class MeasureOut(Schema):
    instrument_key: str
    title: str
    unit: str
    condition: str
    baseline: float | None
    latest: float | None
    change: float | None
    status: str
    status_text: str
    mic: str
    mic_threshold: float | None
    measurements: list[tuple[dt.date, float]]
    statistics: StatisticsOut


class LinkIn(Schema):
    instrument_id: uuid.UUID
    occasion: Occasion = Occasion.SESSION
    days_valid: int | None = Field(None, ge=1, le=links.MAX_DAYS_VALID)


class LinkOut(Schema):
    id: uuid.UUID
    kind: str
    occasion: str
    sent_to: str
    expires_at: dt.datetime
    url: str | None = Field(
        None,
        description="Always null: the link's token is minted when the e-mail is sent and "
        "exists only in that e-mail (a hash of it is stored).",
    )


class AlertOut(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    kind: str
    message: str
    raised_at: dt.datetime
    acknowledged_at: dt.datetime | None


# --- Instruments --------------------------------------------------------------------------


@router.get("/outcomes/instruments", response=list[InstrumentOut], openapi_extra=CLINICAL)
def list_instruments(request: HttpRequest) -> list[dict[str, Any]]:
    return [InstrumentOut.from_definition(d) for d in selectors.definitions_for(actor_of(request))]


@router.get("/outcomes/instruments/{instrument_id}", response=InstrumentOut, openapi_extra=CLINICAL)
def get_instrument(request: HttpRequest, instrument_id: uuid.UUID) -> dict[str, Any]:
    return InstrumentOut.from_definition(selectors.definition_for(actor_of(request), instrument_id))


@router.get(
    "/outcomes/instruments/{instrument_id}/fhir",
    response=dict[str, Any],
    openapi_extra=CLINICAL,
    summary="The instrument as a FHIR R4 Questionnaire",
)
def get_instrument_fhir(request: HttpRequest, instrument_id: uuid.UUID) -> dict[str, Any]:
    return to_fhir(selectors.definition_for(actor_of(request), instrument_id).instrument)


@router.post(
    "/outcomes/instruments/{instrument_id}/wording",
    response=InstrumentOut,
    openapi_extra=CLINICAL,
    summary="Attach licensed item texts from a FHIR Questionnaire",
)
def post_wording(
    request: HttpRequest, instrument_id: uuid.UUID, payload: WordingIn
) -> dict[str, Any]:
    actor = actor_of(request)
    selectors.require_outcomes(actor, "manage")
    definition = selectors.definition_for(actor, instrument_id)
    services.import_wording(
        actor=actor, definition=definition, document=payload.document, source=payload.source
    )
    return InstrumentOut.from_definition(definition)


# --- Responses ----------------------------------------------------------------------------


@router.get("/clients/{client_id}/responses", response=PageOut[ResponseOut], openapi_extra=CLINICAL)
def list_responses(
    request: HttpRequest,
    client_id: uuid.UUID,
    instrument: str = "",
    page: PageNumber = 1,
    page_size: PageSize = 50,
) -> dict[str, Any]:
    actor = actor_of(request)
    client = selectors.outcome_client(actor, client_id)
    qs = selectors.responses_for(actor, client)
    if instrument:
        qs = qs.filter(instrument_key=instrument)
    result = paginate(qs, page, page_size)
    result["items"] = [ResponseOut.of(r) for r in result["items"]]
    return result


@router.post("/clients/{client_id}/responses", response={201: ResponseOut}, openapi_extra=CLINICAL)
def create_response(
    request: HttpRequest, client_id: uuid.UUID, payload: ResponseIn
) -> Status[dict[str, Any]]:
    actor = actor_of(request)
    client = selectors.outcome_client(actor, client_id, audited=False)
    definition = selectors.definition_for(actor, payload.instrument_id)
    response = services.record_response(
        actor=actor,
        client=client,
        definition=definition,
        answers=payload.answers,
        occasion=payload.occasion,
        session_number=payload.session_number,
        completed_at=payload.completed_at,
        condition=payload.condition,
    )
    return Status(201, ResponseOut.of(response))


@router.get(
    "/outcome-responses/{outcome_response_id}", response=ResponseOut, openapi_extra=CLINICAL
)
def get_response(request: HttpRequest, outcome_response_id: uuid.UUID) -> dict[str, Any]:
    return ResponseOut.of(selectors.response_for(actor_of(request), outcome_response_id))


@router.delete(
    "/outcome-responses/{outcome_response_id}", response={204: None}, openapi_extra=CLINICAL
)
def delete_response(request: HttpRequest, outcome_response_id: uuid.UUID) -> Status[None]:
    actor = actor_of(request)
    selectors.require_outcomes(actor, "edit")
    response = selectors.response_for(actor, outcome_response_id, audited=False)
    services.delete_response(actor=actor, response=response)
    return Status(204, None)


# --- Diary --------------------------------------------------------------------------------


@router.get("/clients/{client_id}/diary", response=list[DiaryOut], openapi_extra=CLINICAL)
def list_diary(
    request: HttpRequest,
    client_id: uuid.UUID,
    start: Day | None = None,
    end: Day | None = None,
) -> Any:
    actor = actor_of(request)
    client = selectors.outcome_client(actor, client_id)
    return list(selectors.diary_for(actor, client, start, end)[:1000])


@router.post("/clients/{client_id}/diary", response={201: DiaryOut}, openapi_extra=CLINICAL)
def create_diary_entry(
    request: HttpRequest, client_id: uuid.UUID, payload: DiaryIn
) -> Status[DiaryEntry]:
    actor = actor_of(request)
    client = selectors.outcome_client(actor, client_id, audited=False)
    return Status(201, services.add_diary_entry(actor=actor, client=client, data=payload.dict()))


@router.patch("/diary-entries/{diary_entry_id}", response=DiaryOut, openapi_extra=CLINICAL)
def patch_diary_entry(
    request: HttpRequest, diary_entry_id: uuid.UUID, payload: DiaryPatch
) -> DiaryEntry:
    actor = actor_of(request)
    selectors.require_outcomes(actor, "edit")
    entry = selectors.diary_entry_for(actor, diary_entry_id)
    return services.update_diary_entry(
        actor=actor, entry=entry, data=payload.dict(exclude_unset=True)
    )


@router.delete("/diary-entries/{diary_entry_id}", response={204: None}, openapi_extra=CLINICAL)
def delete_diary_entry(request: HttpRequest, diary_entry_id: uuid.UUID) -> Status[None]:
    actor = actor_of(request)
    selectors.require_outcomes(actor, "edit")
    entry = selectors.diary_entry_for(actor, diary_entry_id)
    services.delete_diary_entry(actor=actor, entry=entry)
    return Status(204, None)


@router.post(
    "/clients/{client_id}/questionnaire-links",
    response={201: LinkOut},
    openapi_extra=CLINICAL,
    summary="E-mail the client a secure link to a questionnaire or the diary",
)
def create_link(
    request: HttpRequest, client_id: uuid.UUID, payload: LinkIn
) -> Status[dict[str, Any]]:
    actor = actor_of(request)
    client = selectors.outcome_client(actor, client_id, audited=False)
    definition = selectors.definition_for(actor, payload.instrument_id)
    link = links.send_link(
        actor=actor,
        client=client,
        definition=definition,
        occasion=payload.occasion,
        days_valid=payload.days_valid,
    )
    return Status(
        201,
        {
            "id": link.id,
            "kind": link.kind,
            "occasion": link.occasion,
            "sent_to": link.sent_to,
            "expires_at": link.expires_at,
            "url": None,
        },
    )


# --- Scores, statistics, alerts, report ------------------------------------------------------


@router.get(
    "/clients/{client_id}/outcomes",
    response=list[MeasureOut],
    openapi_extra=CLINICAL,
    summary="Each measure: baseline, latest, status and single-case statistics",
)
def client_outcomes(request: HttpRequest, client_id: uuid.UUID) -> list[dict[str, Any]]:
    actor = actor_of(request)
    client = selectors.outcome_client(actor, client_id)
    result = []
    for summary, view in selectors.measure_views(actor, client):
        result.append(
            {
                "instrument_key": view.key,
                "title": view.instrument.title,
                "unit": view.unit,
                "condition": summary.condition,
                "baseline": summary.baseline_value,
                "latest": summary.latest_value,
                "change": summary.change,
                "status": view.status,
                "status_text": view.status_text,
                "mic": view.instrument.scoring.mic.describe(view.unit),
                "mic_threshold": view.mic_threshold,
                "measurements": [(o.on, o.value) for o in view.observations],
                "statistics": {
                    "nap": view.nap.estimate if view.nap else None,
                    "nap_lower": view.nap.lower if view.nap else None,
                    "nap_upper": view.nap.upper if view.nap else None,
                    "tau": view.nap.tau if view.nap else None,
                    "tau_u": view.tau_u,
                    "reliable_change_index": view.rci.rc if view.rci else None,
                    "reliable_change": view.rci.direction if view.rci else None,
                    "sentences": view.sentences,
                    "notes": view.notes,
                },
            }
        )
    return result


@router.get("/outcomes/alerts", response=list[AlertOut], openapi_extra=CLINICAL)
def list_alerts(request: HttpRequest) -> Any:
    return list(selectors.alerts_for(actor_of(request))[:200])


@router.post(
    "/outcome-alerts/{outcome_alert_id}/acknowledge", response=AlertOut, openapi_extra=CLINICAL
)
def acknowledge_alert(request: HttpRequest, outcome_alert_id: uuid.UUID) -> OutcomeAlert:
    actor = actor_of(request)
    selectors.require_outcomes(actor, "edit")
    alert = selectors.alert_for(actor, outcome_alert_id)
    return services.acknowledge_alert(actor=actor, alert=alert)


@router.get(
    "/outcomes/report",
    response=reports.ReportOut,
    openapi_extra=CLINICAL,
    summary="Practice report by condition and instrument (observed change, no control group)",
)
def practice_report(
    request: HttpRequest, start: Day | None = None, end: Day | None = None
) -> dict[str, Any]:
    actor = actor_of(request)
    return reports.practice_report(actor, start=start, end=end).as_dict()
