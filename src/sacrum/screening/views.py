"""Screening pages for staff: intakes, check-ins, alerts, clearances and the rule set."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.clients import selectors as client_selectors
from sacrum.kernel.actor import StaffActor
from sacrum.kernel.errors import Conflict
from sacrum.kernel.forms import add_service_errors
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest
from sacrum.screening import selectors, services
from sacrum.screening.engine import SEVERITY
from sacrum.screening.forms import (
    AcknowledgeForm,
    AssessmentForm,
    ClearanceForm,
    NewRuleForm,
    NoteForm,
    RuleForm,
    answer_sheet,
    answers_from_post,
)
from sacrum.screening.models import AlertStatus, Channel
from sacrum.screening.questions import CHECKIN, INTAKE, question_set


def _errors_by_key(exc: ValidationError) -> dict[str, str]:
    if hasattr(exc, "error_dict"):
        return {k: " ".join(v) for k, v in exc.message_dict.items()}
    return {"general": " ".join(exc.messages)}


def _back(request: HttpRequest, default: str) -> str:
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return wanted
    return default


def _fired_by_question(submission: Any) -> dict[str, list[Any]]:
    fired: dict[str, list[Any]] = {}
    for firing in submission.firings.select_related("rule", "alert"):
        fired.setdefault(firing.question, []).append(firing)
    return fired


@member_required("clinical.edit")
def intake_new(request: MemberRequest, client_id: uuid.UUID) -> HttpResponse:
    """A practitioner enters the intake with the client (e.g. by phone)."""
    actor = StaffActor.from_request(request)
    client = client_selectors.client_for(actor, client_id, audited=request.method != "POST")
    qs = question_set(INTAKE)
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = answers_from_post(qs, request.POST)
        try:
            intake, firings = services.submit_intake(
                actor=actor, client=client, answers=values, via=Channel.STAFF
            )
        except ValidationError as exc:
            errors = _errors_by_key(exc)
        else:
            messages.success(
                request,
                f"Intake saved; {len(firings)} rule{'s' if len(firings) != 1 else ''} fired.",
            )
            return redirect("web:intake_detail", intake_id=intake.pk)
    return render(
        request,
        "screening/sheet_form.html",
        {
            "client": client,
            "qs": qs,
            "sections": answer_sheet(qs, values, errors, list(client.clinic.screening_rules.all())),
            "errors": errors,
            "general_error": errors.get("general", ""),
            "submit_label": "Save intake",
            "heading": f"Health-history intake for {client.full_name}",
        },
        status=422 if errors else 200,
    )


@member_required("clinical.edit")
def check_in_new(request: MemberRequest, client_id: uuid.UUID) -> HttpResponse:
    """The visit check-in, taken with the client before the session."""
    actor = StaffActor.from_request(request)
    client = client_selectors.client_for(actor, client_id, audited=request.method != "POST")
    qs = question_set(CHECKIN)
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = answers_from_post(qs, request.POST)
        try:
            _check_in, firings = services.record_check_in(
                actor=actor, client=client, answers=values, via=Channel.STAFF
            )
        except ValidationError as exc:
            errors = _errors_by_key(exc)
        else:
            if firings:
                messages.warning(request, "Check-in saved. Screening raised alerts: see below.")
            else:
                messages.success(request, "Check-in saved. Nothing new was flagged.")
            return redirect("web:client_detail", client_id=client.pk)
    return render(
        request,
        "screening/sheet_form.html",
        {
            "client": client,
            "qs": qs,
            "sections": answer_sheet(qs, values, errors, list(client.clinic.screening_rules.all())),
            "errors": errors,
            "general_error": errors.get("general", ""),
            "submit_label": "Save check-in",
            "heading": f"Check-in for {client.full_name}",
        },
        status=422 if errors else 200,
    )


@member_required("clinical.view")
def intake_detail(request: MemberRequest, intake_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    intake = selectors.intake_for(actor, intake_id)
    qs = question_set(INTAKE, intake.version)
    return render(
        request,
        "screening/intake_detail.html",
        {
            "intake": intake,
            "client": intake.client,
            "qs": qs,
            "sections": answer_sheet(qs, intake.answers, fired=_fired_by_question(intake)),
            "amendments": intake.amendments.select_related("by"),
            "can_edit": actor.can("clinical.edit"),
        },
    )


@member_required("clinical.edit")
def intake_amend(request: MemberRequest, intake_id: uuid.UUID) -> HttpResponse:
    """Review and amend answers with the client; each change is recorded with a note."""
    actor = StaffActor.from_request(request)
    intake = selectors.intake_for(actor, intake_id, audited=request.method != "POST")
    qs = question_set(INTAKE, intake.version)
    values: dict[str, Any] = dict(intake.answers)
    errors: dict[str, str] = {}
    note_form = NoteForm(request.POST or None)
    note_form.fields["note"].label = "Why are the answers changed?"
    if request.method == "POST":
        values = answers_from_post(qs, request.POST)
        changed = dict(values)
        # Questions cleared on the page (e.g. a text emptied) are changes too.
        for key in intake.answers:
            changed.setdefault(key, "")
        try:
            services.amend_intake(
                actor=actor, intake=intake, answers=changed, note=request.POST.get("note", "")
            )
        except ValidationError as exc:
            errors = _errors_by_key(exc)
            if "note" in errors:
                note_form.is_valid()
                note_form.add_error("note", errors.pop("note"))
        else:
            messages.success(request, "Answers saved; screening was run again.")
            return redirect("web:intake_detail", intake_id=intake.pk)
    return render(
        request,
        "screening/sheet_form.html",
        {
            "client": intake.client,
            "qs": qs,
            "sections": answer_sheet(
                qs, values, errors, list(intake.client.clinic.screening_rules.all())
            ),
            "errors": errors,
            "general_error": errors.get("general", ""),
            "note_form": note_form,
            "submit_label": "Save amended answers",
            "heading": f"Amend the intake of {intake.client.full_name}",
            "cancel_url": f"/intakes/{intake.pk}/",
        },
        status=422 if errors or note_form.errors else 200,
    )


@member_required("clinical.view")
def check_in_detail(request: MemberRequest, check_in_id: uuid.UUID) -> HttpResponse:
    check_in = selectors.check_in_for(StaffActor.from_request(request), check_in_id)
    qs = question_set(CHECKIN, check_in.version)
    return render(
        request,
        "screening/check_in_detail.html",
        {
            "check_in": check_in,
            "client": check_in.client,
            "sections": answer_sheet(qs, check_in.answers, fired=_fired_by_question(check_in)),
        },
    )


@member_required("clinical.view")
def alert_detail(request: MemberRequest, alert_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    alert = selectors.alert_for(actor, alert_id)
    audit.record(actor, AuditAction.READ, alert)
    return render(
        request,
        "screening/alert_detail.html",
        {
            "alert": alert,
            "client": alert.client,
            "firings": alert.firings.select_related("intake", "check_in"),
            "acknowledgement": getattr(alert, "acknowledgement", None),
            "clearance": getattr(alert, "clearance", None),
            "assessment": getattr(alert, "assessment", None),
            "ack_form": AcknowledgeForm(),
            "is_open": alert.status == AlertStatus.OPEN,
            "can_clinical_edit": actor.can("clinical.edit"),
        },
    )


@member_required("clinical.view")
def clearance_letter(request: MemberRequest, alert_id: uuid.UUID) -> FileResponse:
    """The physician's uploaded letter, as a download (never served from a public path)."""
    actor = StaffActor.from_request(request)
    alert = selectors.alert_for(actor, alert_id)
    clearance = getattr(alert, "clearance", None)
    if clearance is None or not clearance.letter:
        raise Http404("No letter")
    audit.record(actor, AuditAction.READ, clearance)
    suffix = clearance.letter.name.rsplit(".", 1)[-1]
    return FileResponse(
        clearance.letter.open("rb"),
        as_attachment=True,
        filename=f"clearance-{alert.client.last_name.lower()}-{clearance.cleared_on}.{suffix}",
    )


@require_POST
@member_required("clinical.edit")
def alert_acknowledge(request: MemberRequest, alert_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    alert = selectors.alert_for(actor, alert_id)
    try:
        services.acknowledge(actor=actor, alert=alert, note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(_errors_by_key(exc).values()))
        return redirect("web:alert_detail", alert_id=alert.pk)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Acknowledged: {alert.rule.title}.")
    return redirect(_back(request, f"/clients/{alert.client_id}/"))


@member_required("clinical.edit")
def alert_clearance(request: MemberRequest, alert_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    alert = selectors.alert_for(actor, alert_id)
    form = ClearanceForm(request.POST or None, request.FILES or None)
    if alert.status != AlertStatus.OPEN or alert.action != "block":
        messages.error(request, "Only an open block needs a physician's clearance.")
        return redirect("web:alert_detail", alert_id=alert.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_clearance(
                actor=actor,
                alert=alert,
                physician_name=form.cleaned_data["physician_name"],
                cleared_on=form.cleaned_data["cleared_on"],
                note=form.cleaned_data["note"],
                letter=form.cleaned_data["letter"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except Conflict as exc:
            messages.error(request, exc.message)
            return redirect("web:alert_detail", alert_id=alert.pk)
        else:
            messages.success(request, f"Clearance recorded; {alert.rule.title} no longer blocks.")
            return redirect("web:client_detail", client_id=alert.client_id)
    return render(
        request,
        "screening/clearance_form.html",
        {"alert": alert, "client": alert.client, "form": form},
        status=422 if form.errors else 200,
    )


@member_required("clinical.edit")
def alert_assessment(request: MemberRequest, alert_id: uuid.UUID) -> HttpResponse:
    """Record that a client told to seek urgent care has been medically assessed."""
    actor = StaffActor.from_request(request)
    alert = selectors.alert_for(actor, alert_id)
    form = AssessmentForm(request.POST or None)
    if not alert.needs_assessment or alert.action == "block":
        messages.error(request, "Only an open urgent finding needs a medical assessment.")
        return redirect("web:alert_detail", alert_id=alert.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_assessment(
                actor=actor,
                alert=alert,
                assessed_by=form.cleaned_data["assessed_by"],
                assessed_on=form.cleaned_data["assessed_on"],
                outcome=form.cleaned_data["outcome"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except Conflict as exc:
            messages.error(request, exc.message)
            return redirect("web:alert_detail", alert_id=alert.pk)
        else:
            messages.success(
                request, f"Assessment recorded; {alert.rule.title} no longer holds sessions."
            )
            return redirect("web:client_detail", client_id=alert.client_id)
    return render(
        request,
        "screening/assessment_form.html",
        {"alert": alert, "client": alert.client, "form": form},
        status=422 if form.errors else 200,
    )


@member_required("clinical.view")
def rule_list(request: MemberRequest) -> HttpResponse:
    actor = StaffActor.from_request(request)
    rules = sorted(selectors.rules_for(actor), key=lambda r: (SEVERITY.get(r.action, 9), r.code))
    audit.record(actor, AuditAction.LIST, object_type="rule")
    return render(
        request,
        "screening/rule_list.html",
        {"rules": rules, "can_manage": actor.can("clinic.manage")},
    )


@member_required("clinic.manage")
def rule_create(request: MemberRequest) -> HttpResponse:
    actor = StaffActor.from_request(request)
    form = NewRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_rule(
                actor=actor, code=form.cleaned_data["code"], data=form.service_data()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Rule added.")
            return redirect("web:rule_list")
    return render(
        request,
        "screening/rule_form.html",
        {"form": form, "rule": None},
        status=422 if form.errors else 200,
    )


@member_required("clinic.manage")
def rule_edit(request: MemberRequest, rule_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    rule = selectors.rule_for(actor, rule_id)
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_rule(actor=actor, rule=rule, data=form.service_data())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Rule saved. Past firings keep what they recorded.")
            return redirect("web:rule_list")
    return render(
        request,
        "screening/rule_form.html",
        {"form": form, "rule": rule},
        status=422 if form.errors else 200,
    )
