"""Outcome pages: a client's curves and statistics, filling a questionnaire or a diary day,
the clinic's instruments (with licensed wording loaded), and the practice report."""

from __future__ import annotations

import csv
import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from sacrum.clients.models import Client, ClientQuerySet
from sacrum.kernel.actor import StaffActor, client_ip
from sacrum.kernel.errors import Conflict
from sacrum.kernel.forms import add_service_errors
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest
from sacrum.outcomes import links, reports, selectors, services
from sacrum.outcomes.definitions import CONDITIONS, DefinitionError, number_text
from sacrum.outcomes.fhir import load_document, to_fhir
from sacrum.outcomes.forms import (
    ClientQuestionnaireForm,
    DiaryForm,
    QuestionnaireForm,
    WordingEditorForm,
    WordingForm,
)
from sacrum.outcomes.models import OutcomeSummary
from sacrum.outcomes.pdf import report_pdf
from sacrum.outcomes.scoring import rounded


def _actor(request: MemberRequest, action: str = "view") -> StaffActor:
    actor = StaffActor.from_request(request)
    if not actor.can(f"outcome.{action}"):
        raise PermissionDenied(selectors.CLINICAL_ONLY)
    return actor


@member_required("client.view")
def outcomes_home(request: MemberRequest) -> HttpResponse:
    """Clients being measured, with their status per measure, and open safety alerts."""
    actor = _actor(request)
    summaries = (
        OutcomeSummary.objects.for_member(actor.member, "view")
        .select_related("client")
        .order_by("client__last_name", "client__first_name", "instrument_key")
    )
    clients: dict[Any, dict[str, Any]] = {}
    worse = []
    for s in summaries[:2000]:
        entry = clients.setdefault(s.client_id, {"client": s.client, "measures": []})
        entry["measures"].append(s)
        if s.status == "worse":
            worse.append(s)
    query = request.GET.get("q", "").strip()[:100]
    found = []
    if query:
        clients_seen: ClientQuerySet = Client.objects.for_member(actor.member, "view")
        found = list(clients_seen.filter(archived=False).search(query)[:20])
    return render(
        request,
        "outcomes/home.html",
        {
            "clients": list(clients.values()),
            "worse": worse,
            "alerts": list(selectors.alerts_for(actor)[:50]),
            "q": query,
            "found": found,
        },
    )


@member_required("client.view")
def client_outcomes(request: MemberRequest, client_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    client = selectors.outcome_client(actor, client_id)
    views = selectors.measure_views(actor, client)
    definitions = list(selectors.definitions_for(actor).order_by("title"))
    recent = list(selectors.responses_for(actor, client)[:20])
    return render(
        request,
        "outcomes/client.html",
        {
            "client": client,
            "measures": views,
            "definitions": [
                d for d in definitions if d.instrument.scoring.method != "diary_per_28_days"
            ],
            "sendable": [d for d in definitions if d.instrument.texts_loaded],
            "alerts": list(selectors.alerts_for(actor, client)),
            "recent": recent,
            "sessions": selectors.session_dates(client),
            "conditions": CONDITIONS,
        },
    )


@member_required("client.view")
def response_new(
    request: MemberRequest, client_id: uuid.UUID, instrument_id: uuid.UUID
) -> HttpResponse:
    actor = _actor(request, "edit")
    client = selectors.outcome_client(actor, client_id, audited=False)
    definition = selectors.definition_for(actor, instrument_id)
    instrument = definition.instrument
    if instrument.scoring.method == "diary_per_28_days":
        return redirect("web:diary_new", client_id=client.pk)
    form = QuestionnaireForm(instrument, request.POST or None)
    if request.method == "POST" and form.is_valid():
        day = form.cleaned_data["completed_on"]
        now = timezone.localtime(timezone.now(), selectors.client_zone(client))
        when = (
            now
            if day == now.date()
            else dt.datetime.combine(day, dt.time(12), tzinfo=selectors.client_zone(client))
        )
        try:
            response = services.record_response(
                actor=actor,
                client=client,
                definition=definition,
                answers=form.answers(),
                occasion=form.cleaned_data["occasion"],
                session_number=form.cleaned_data.get("session_number"),
                completed_at=when,
                condition=form.cleaned_data.get("condition") or "",
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if response.alerts:
                messages.error(
                    request,
                    "Safety alert: " + " ".join(a.message for a in response.raised_alerts.all()),
                )
            if response.total is None:
                messages.warning(request, f"Saved, but not scored: {response.score_note}.")
            else:
                messages.success(
                    request, f"{instrument.title} saved: {rounded(instrument, response.total)}."
                )
            return redirect("web:client_outcomes", client_id=client.pk)
    return render(
        request,
        "outcomes/response_form.html",
        {"client": client, "definition": definition, "instrument": instrument, "form": form},
    )


@member_required("client.view")
def diary_new(request: MemberRequest, client_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request, "edit")
    client = selectors.outcome_client(actor, client_id, audited=False)
    diary = selectors.definitions_for(actor).filter(key=services.DIARY_KEY).first()
    form = DiaryForm(request.POST or None, instrument=diary.instrument if diary else None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if not data["headache"]:
            data["peak"] = None
        try:
            services.add_diary_entry(actor=actor, client=client, data=data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except Conflict as exc:
            form.add_error("date", exc.message)
        else:
            messages.success(request, f"Diary day {data['date'].day} {data['date']:%B} saved.")
            return redirect("web:client_outcomes", client_id=client.pk)
    return render(request, "outcomes/diary_form.html", {"client": client, "form": form})


@require_POST
@member_required("client.view")
def alert_acknowledge(request: MemberRequest, outcome_alert_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request, "edit")
    alert = selectors.alert_for(actor, outcome_alert_id)
    services.acknowledge_alert(actor=actor, alert=alert)
    messages.success(request, "Alert acknowledged.")
    return redirect("web:client_outcomes", client_id=alert.client_id)


@member_required("client.view")
def instrument_list(request: MemberRequest) -> HttpResponse:
    actor = _actor(request)
    definitions = list(selectors.definitions_for(actor).order_by("title"))
    return render(request, "outcomes/instruments.html", {"definitions": definitions})


@member_required("client.view")
def instrument_detail(request: MemberRequest, instrument_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    definition = selectors.definition_for(actor, instrument_id)
    instrument = definition.instrument
    typed = request.method == "POST" and "editor" in request.POST
    form = WordingForm(None if typed else request.POST or None, request.FILES or None)
    editor = WordingEditorForm(instrument, request.POST if typed else None)
    problems: list[str] = []
    if request.method == "POST":
        if not actor.can("outcome.manage"):
            raise PermissionDenied("Only the clinic owner loads licensed wording.")
        document: dict[str, Any] | None = None
        source = ""
        try:
            if typed and editor.is_valid():
                document, source = editor.document(to_fhir(instrument)), "typed in Sacrum"
            elif not typed and form.is_valid():
                upload = form.cleaned_data.get("file")
                document = load_document(upload.read() if upload else form.cleaned_data["text"])
                source = upload.name if upload else ""
            if document is not None:
                services.import_wording(
                    actor=actor, definition=definition, document=document, source=source
                )
        except DefinitionError as exc:
            problems = exc.problems
        except ValidationError as exc:
            problems = exc.message_dict.get("document", exc.messages)
        else:
            if document is not None:
                messages.success(request, f"The wording of {definition.title} is loaded.")
                return redirect("web:instrument_detail", instrument_id=definition.pk)
    return render(
        request,
        "outcomes/instrument.html",
        {
            "definition": definition,
            "instrument": instrument,
            "form": form,
            "editor": editor,
            "typed": typed,
            "problems": problems,
            "can_manage": actor.can("outcome.manage"),
            "conditions": [CONDITIONS.get(c, c) for c in instrument.scoring.conditions],
            "range": f"{number_text(instrument.scoring.range_min)} to {number_text(instrument.scoring.range_max)}",
        },
    )


@member_required("client.view")
def practice_report(request: MemberRequest) -> HttpResponse:
    actor = StaffActor.from_request(request)
    if not actor.can("outcome.report"):
        raise PermissionDenied("The practice report is for clinic owners.")
    start = _date(request.GET.get("start"))
    end = _date(request.GET.get("end"))
    report = reports.practice_report(actor, start=start, end=end)
    if request.GET.get("format") == "csv":
        return _report_csv(report)
    if request.GET.get("format") == "pdf":
        assert actor.clinic is not None
        response = HttpResponse(
            report_pdf(report, actor.clinic.name), content_type="application/pdf"
        )
        response["Content-Disposition"] = 'attachment; filename="sacrum-outcome-report.pdf"'
        return response
    return render(request, "outcomes/report.html", {"report": report, "start": start, "end": end})


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _report_csv(report: reports.Report) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="sacrum-outcome-report.csv"'
    writer = csv.writer(response)
    writer.writerow(["# " + report.statement])
    columns = [
        "condition",
        "instrument_key",
        "with_baseline",
        "with_follow_up",
        "lost_to_follow_up",
        "responders",
        "responder_share",
        "responder_lower",
        "responder_upper",
        "worse",
        "median_change",
        "q1_change",
        "q3_change",
        "mean_change",
        "mean_lower",
        "mean_upper",
        "unit",
        "direction",
    ]
    writer.writerow(columns)
    for row in report.rows:
        writer.writerow([_csv_value(getattr(row, c)) for c in columns])
    return response


def _csv_value(value: Any) -> Any:
    return "" if value is None else round(value, 4) if isinstance(value, float) else value


@require_POST
@member_required("client.view")
def link_send(request: MemberRequest, client_id: uuid.UUID) -> HttpResponse:
    """E-mail the client a secure link to a questionnaire or the diary."""
    actor = _actor(request, "edit")
    client = selectors.outcome_client(actor, client_id, audited=False)
    chosen = request.POST.get("instrument", "")
    definition = (
        selectors.definitions_for(actor).filter(pk=chosen).first() if _is_uuid(chosen) else None
    )
    if definition is None:
        messages.error(request, "Choose what to send.")
        return redirect("web:client_outcomes", client_id=client.pk)
    try:
        link = links.send_link(
            actor=actor,
            client=client,
            definition=definition,
            occasion=request.POST.get("occasion") or "session",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        until = timezone.localtime(link.expires_at)
        messages.success(
            request,
            f"A link to {definition.title} was e-mailed to {link.sent_to}; it works until {until:%d %b %Y}.",
        )
    return redirect("web:client_outcomes", client_id=client.pk)


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


@never_cache
def questionnaire_link(request: HttpRequest, token: str) -> HttpResponse:
    """The client's side of a secure link: no sign-in; nothing shows without a valid token."""
    link = links.find_link(token)
    if link is None:
        return render(request, "outcomes/link_closed.html", {"reason": "unknown"}, status=404)
    current = links.state(link)
    if current != "open":
        return render(
            request,
            "outcomes/link_closed.html",
            {"reason": current, "clinic": link.clinic},
            status=410,
        )
    instrument = link.definition.instrument
    diary = link.kind == "diary"
    form: Any = (
        DiaryForm(request.POST or None, instrument=instrument)
        if diary
        else ClientQuestionnaireForm(instrument, request.POST or None)
    )
    if request.method == "POST" and form.is_valid():
        ip, agent = client_ip(request), request.META.get("HTTP_USER_AGENT", "")
        try:
            if diary:
                data = dict(form.cleaned_data)
                links.submit_diary_day(link=link, data=data, ip=ip, user_agent=agent)
                return render(
                    request,
                    "outcomes/link_done.html",
                    {"clinic": link.clinic, "diary": True, "until": link.expires_at},
                )
            response = links.submit_questionnaire(
                link=link, answers=form.answers(), ip=ip, user_agent=agent
            )
        except links.LinkUnavailable as exc:
            return render(
                request,
                "outcomes/link_closed.html",
                {"reason": exc.reason, "clinic": link.clinic},
                status=410,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return render(
                request,
                "outcomes/link_done.html",
                {"clinic": link.clinic, "alerted": bool(response.alerts)},
            )
    return render(
        request,
        "outcomes/link.html",
        {
            "link": link,
            "clinic": link.clinic,
            "instrument": instrument,
            "form": form,
            "diary": diary,
        },
    )
