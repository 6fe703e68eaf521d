"""/api/v1 endpoints for screening: rules, intakes, check-ins, alerts and the gates."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.access.scoping import get_scoped_or_404
from sacrum.clients import selectors as client_selectors
from sacrum.kernel.api import PageOut, actor_of, paginate
from sacrum.kernel.errors import Forbidden
from sacrum.kernel.fields import PageNumber, PageSize
from sacrum.screening import letters, links, selectors, services
from sacrum.screening.fhir import letter_bundle
from sacrum.screening.gates import booking_gate, charting_gate
from sacrum.screening.models import (
    Channel,
    CheckIn,
    ClientAlert,
    Intake,
    IntakeLink,
    ReferralLetter,
    Rule,
)
from sacrum.screening.pdf import letter_pdf
from sacrum.screening.questions import question_set
from sacrum.screening.schemas import (
    AcknowledgeIn,
    AssessmentIn,
    CheckInIn,
    CheckInOut,
    ClearanceIn,
    IntakeAmendIn,
    IntakeIn,
    IntakeLinkIn,
    IntakeLinkOut,
    IntakeOut,
    LetterDraftIn,
    LetterFinalizeIn,
    LetterOut,
    LetterPatch,
    QuestionSetOut,
    RuleIn,
    RuleOut,
    RulePatch,
    ScreeningAlertOut,
    ScreeningOut,
)

router = Router(tags=["screening"])

CLINICAL = {"x-sacrum-clinical": True}
SCREENING_ONLY = "Screening is for practitioners and owners only."


@router.get("/screening/questions", response=QuestionSetOut)
def get_question_set(request: HttpRequest, form: Literal["intake", "checkin"] = "intake") -> Any:
    """The current questions of the intake or the check-in (wording, types, conditions)."""
    return question_set(form)


@router.get("/screening/rules", response=PageOut[RuleOut], openapi_extra=CLINICAL)
def list_rules(
    request: HttpRequest, page: PageNumber = 1, page_size: PageSize = 50
) -> dict[str, Any]:
    return paginate(selectors.rules_for(actor_of(request)), page, page_size)


@router.post("/screening/rules", response={201: RuleOut}, openapi_extra=CLINICAL)
def create_rule(request: HttpRequest, payload: RuleIn) -> Status[Rule]:
    data = payload.dict()
    code = data.pop("code")
    return Status(201, services.create_rule(actor=actor_of(request), code=code, data=data))


@router.get("/screening/rules/{rule_id}", response=RuleOut, openapi_extra=CLINICAL)
def get_rule(request: HttpRequest, rule_id: uuid.UUID) -> Rule:
    return selectors.rule_for(actor_of(request), rule_id)


@router.patch("/screening/rules/{rule_id}", response=RuleOut, openapi_extra=CLINICAL)
def patch_rule(request: HttpRequest, rule_id: uuid.UUID, payload: RulePatch) -> Rule:
    actor = actor_of(request)
    if not actor.can("clinic.manage"):
        raise Forbidden("Only the clinic's owner edits screening rules.")
    rule = selectors.rule_for(actor, rule_id)
    return services.update_rule(actor=actor, rule=rule, data=payload.dict(exclude_unset=True))


@router.get("/clients/{client_id}/screening", response=ScreeningOut, openapi_extra=CLINICAL)
def get_screening(request: HttpRequest, client_id: uuid.UUID) -> dict[str, Any]:
    """The client's alerts and what the gates say now (why charting or booking must wait)."""
    client = client_selectors.clinical_client(
        actor_of(request), client_id, audited=False, message=SCREENING_ONLY
    )
    audit.record(actor_of(request), AuditAction.READ, client, object_type="screening")
    return {
        "client_id": client.pk,
        "charting_gate": charting_gate(client),
        "booking_gate": booking_gate(client),
        "alerts": selectors.alerts_of(client, include_withdrawn=True),
    }


@router.get("/clients/{client_id}/intakes", response=PageOut[IntakeOut], openapi_extra=CLINICAL)
def list_intakes(
    request: HttpRequest, client_id: uuid.UUID, page: PageNumber = 1, page_size: PageSize = 50
) -> dict[str, Any]:
    client = client_selectors.clinical_client(
        actor_of(request), client_id, audited=False, message=SCREENING_ONLY
    )
    audit.record(actor_of(request), AuditAction.LIST, client, object_type="intake")
    return paginate(Intake.objects.filter(client=client), page, page_size)


@router.post("/clients/{client_id}/intakes", response={201: IntakeOut}, openapi_extra=CLINICAL)
def create_intake(request: HttpRequest, client_id: uuid.UUID, payload: IntakeIn) -> Status[Intake]:
    """A practitioner enters a client's intake; screening runs on it at once."""
    client = client_selectors.clinical_client(
        actor_of(request), client_id, edit=True, audited=False, message=SCREENING_ONLY
    )
    intake, _firings = services.submit_intake(
        actor=actor_of(request),
        client=client,
        answers=payload.answers.dict(  # type: ignore[attr-defined]
            exclude_none=True
        ),
        via=Channel.API,
    )
    return Status(201, intake)


@router.get("/intakes/{intake_id}", response=IntakeOut, openapi_extra=CLINICAL)
def get_intake(request: HttpRequest, intake_id: uuid.UUID) -> Intake:
    return selectors.intake_for(actor_of(request), intake_id)


@router.patch("/intakes/{intake_id}", response=IntakeOut, openapi_extra=CLINICAL)
def amend_intake(request: HttpRequest, intake_id: uuid.UUID, payload: IntakeAmendIn) -> Intake:
    """Amend some answers (with a note saying why); screening runs again."""
    actor = actor_of(request)
    if not actor.can("clinical.edit"):
        raise Forbidden("Only practitioners and owners amend intake answers.")
    intake = selectors.intake_for(actor, intake_id, audited=False)
    return services.amend_intake(
        actor=actor,
        intake=intake,
        answers=payload.answers.dict(  # type: ignore[attr-defined]
            exclude_unset=True
        ),
        note=payload.note,
    )


@router.get("/clients/{client_id}/check-ins", response=PageOut[CheckInOut], openapi_extra=CLINICAL)
def list_check_ins(
    request: HttpRequest, client_id: uuid.UUID, page: PageNumber = 1, page_size: PageSize = 50
) -> dict[str, Any]:
    client = client_selectors.clinical_client(
        actor_of(request), client_id, audited=False, message=SCREENING_ONLY
    )
    audit.record(actor_of(request), AuditAction.LIST, client, object_type="checkin")
    return paginate(CheckIn.objects.filter(client=client), page, page_size)


@router.post("/clients/{client_id}/check-ins", response={201: CheckInOut}, openapi_extra=CLINICAL)
def create_check_in(
    request: HttpRequest, client_id: uuid.UUID, payload: CheckInIn
) -> Status[CheckIn]:
    client = client_selectors.clinical_client(
        actor_of(request), client_id, edit=True, audited=False, message=SCREENING_ONLY
    )
    check_in, _firings = services.record_check_in(
        actor=actor_of(request),
        client=client,
        answers=payload.answers.dict(  # type: ignore[attr-defined]
            exclude_none=True
        ),
        via=Channel.API,
    )
    return Status(201, check_in)


@router.get("/check-ins/{check_in_id}", response=CheckInOut, openapi_extra=CLINICAL)
def get_check_in(request: HttpRequest, check_in_id: uuid.UUID) -> CheckIn:
    return selectors.check_in_for(actor_of(request), check_in_id)


@router.get("/alerts/{alert_id}", response=ScreeningAlertOut, openapi_extra=CLINICAL)
def get_alert(request: HttpRequest, alert_id: uuid.UUID) -> ClientAlert:
    actor = actor_of(request)
    alert = selectors.alert_for(actor, alert_id)
    audit.record(actor, AuditAction.READ, alert)
    return alert


@router.post("/alerts/{alert_id}/acknowledge", response=ScreeningAlertOut, openapi_extra=CLINICAL)
def acknowledge_alert(
    request: HttpRequest, alert_id: uuid.UUID, payload: AcknowledgeIn
) -> ClientAlert:
    """Acknowledge a warning (or say why a proposed referral is not needed)."""
    actor = actor_of(request)
    if not actor.can("clinical.edit"):
        raise Forbidden("Only practitioners and owners acknowledge alerts.")
    alert = selectors.alert_for(actor, alert_id)
    services.acknowledge(actor=actor, alert=alert, note=payload.note)
    return selectors.alert_for(actor, alert_id)


@router.post("/alerts/{alert_id}/clearance", response=ScreeningAlertOut, openapi_extra=CLINICAL)
def clear_alert(request: HttpRequest, alert_id: uuid.UUID, payload: ClearanceIn) -> ClientAlert:
    """Record a physician's clearance of a block (the letter itself is uploaded on the page)."""
    actor = actor_of(request)
    if not actor.can("clinical.edit"):
        raise Forbidden("Only practitioners and owners record clearances.")
    alert = selectors.alert_for(actor, alert_id)
    services.record_clearance(
        actor=actor,
        alert=alert,
        physician_name=payload.physician_name,
        cleared_on=payload.cleared_on,
        note=payload.note,
    )
    return selectors.alert_for(actor, alert_id)


@router.post("/alerts/{alert_id}/assessment", response=ScreeningAlertOut, openapi_extra=CLINICAL)
def assess_alert(request: HttpRequest, alert_id: uuid.UUID, payload: AssessmentIn) -> ClientAlert:
    """Record that a client with an urgent finding has been medically assessed (lifts the hold)."""
    actor = actor_of(request)
    if not actor.can("clinical.edit"):
        raise Forbidden("Only practitioners and owners record assessments.")
    alert = selectors.alert_for(actor, alert_id)
    services.record_assessment(
        actor=actor,
        alert=alert,
        assessed_by=payload.assessed_by,
        assessed_on=payload.assessed_on,
        outcome=payload.outcome,
    )
    return selectors.alert_for(actor, alert_id)


def _link_out(link: IntakeLink, url: str | None = None) -> dict[str, Any]:
    return {**IntakeLinkOut.from_orm(link).dict(), "url": url}


@router.get(
    "/clients/{client_id}/intake-links", response=PageOut[IntakeLinkOut], tags=["intake links"]
)
def list_links(
    request: HttpRequest, client_id: uuid.UUID, page: PageNumber = 1, page_size: PageSize = 50
) -> dict[str, Any]:
    actor = actor_of(request)
    client = client_selectors.client_for(actor, client_id, audited=False)
    audit.record(actor, AuditAction.LIST, client, object_type="intakelink")
    return paginate(IntakeLink.objects.filter(client=client), page, page_size)


@router.post(
    "/clients/{client_id}/intake-links", response={201: IntakeLinkOut}, tags=["intake links"]
)
def create_link(
    request: HttpRequest, client_id: uuid.UUID, payload: IntakeLinkIn
) -> Status[dict[str, Any]]:
    """E-mail the client a one-time link to the intake or check-in, or make one for the tablet.

    The token is never stored; a tablet link's address is returned once.
    """
    actor = actor_of(request)
    client = client_selectors.client_for(actor, client_id, audited=False)
    link, raw = links.create_link(
        actor=actor, client=client, purpose=payload.purpose, via=payload.delivery
    )
    url = f"{settings.SITE_URL}{links.link_path(raw)}" if raw else None
    return Status(201, _link_out(link, url))


@router.post("/intake-links/{link_id}/revoke", response=IntakeLinkOut, tags=["intake links"])
def revoke_link(request: HttpRequest, link_id: uuid.UUID) -> dict[str, Any]:
    actor = actor_of(request)
    link = get_scoped_or_404(
        IntakeLink.objects.for_member(actor.member, "view"),
        pk=link_id,
    )
    return _link_out(links.revoke_link(actor=actor, link=link))


def _letter(request: HttpRequest, letter_id: uuid.UUID) -> ReferralLetter:
    actor = actor_of(request)
    client_selectors.require_clinical(actor, message=letters.LETTERS_ONLY)
    return get_scoped_or_404(
        ReferralLetter.objects.for_member(actor.member, "view").select_related(
            "client__clinic", "author__user"
        ),
        pk=letter_id,
    )


@router.get(
    "/clients/{client_id}/referral-letters",
    response=PageOut[LetterOut],
    openapi_extra=CLINICAL,
    tags=["referral letters"],
)
def list_letters(
    request: HttpRequest, client_id: uuid.UUID, page: PageNumber = 1, page_size: PageSize = 50
) -> dict[str, Any]:
    client = client_selectors.clinical_client(
        actor_of(request), client_id, audited=False, message=SCREENING_ONLY
    )
    audit.record(actor_of(request), AuditAction.LIST, client, object_type="referralletter")
    return paginate(ReferralLetter.objects.filter(client=client), page, page_size)


@router.post(
    "/clients/{client_id}/referral-letters",
    response={201: LetterOut},
    openapi_extra=CLINICAL,
    tags=["referral letters"],
)
def draft_letter(
    request: HttpRequest, client_id: uuid.UUID, payload: LetterDraftIn
) -> Status[ReferralLetter]:
    """Draft a letter from the record (reason, history, sessions, outcome scores)."""
    client = client_selectors.clinical_client(
        actor_of(request), client_id, edit=True, audited=False, message=SCREENING_ONLY
    )
    alerts = None
    if payload.alert_ids is not None:
        alerts = list(ClientAlert.objects.filter(client=client, pk__in=payload.alert_ids))
        if len(alerts) != len(set(payload.alert_ids)):
            raise ValidationError({"alert_ids": "Every alert must be one of this client's."})
    letter = letters.draft_letter(actor=actor_of(request), client=client, alerts=alerts)
    return Status(201, letter)


@router.get(
    "/referral-letters/{letter_id}",
    response=LetterOut,
    openapi_extra=CLINICAL,
    tags=["referral letters"],
)
def get_letter(request: HttpRequest, letter_id: uuid.UUID) -> ReferralLetter:
    letter = _letter(request, letter_id)
    audit.record(actor_of(request), AuditAction.READ, letter)
    return letter


@router.patch(
    "/referral-letters/{letter_id}",
    response=LetterOut,
    openapi_extra=CLINICAL,
    tags=["referral letters"],
)
def patch_letter(
    request: HttpRequest, letter_id: uuid.UUID, payload: LetterPatch
) -> ReferralLetter:
    """Edit a draft; a sent or printed letter never changes (409)."""
    actor = actor_of(request)
    if not actor.can("clinical.edit"):
        raise Forbidden("Only practitioners and owners edit letters.")
    letter = _letter(request, letter_id)
    return letters.update_letter(actor=actor, letter=letter, data=payload.dict(exclude_unset=True))


@router.post(
    "/referral-letters/{letter_id}/finalize",
    response=LetterOut,
    openapi_extra=CLINICAL,
    tags=["referral letters"],
)
def finalize_letter(
    request: HttpRequest, letter_id: uuid.UUID, payload: LetterFinalizeIn
) -> ReferralLetter:
    """Send by e-mail (the worker attaches the PDF) or make final for printing."""
    actor = actor_of(request)
    if not actor.can("clinical.edit"):
        raise Forbidden("Only practitioners and owners send letters.")
    letter = _letter(request, letter_id)
    return letters.finalize(actor=actor, letter=letter, how=payload.how)


@router.get(
    "/referral-letters/{letter_id}/pdf",
    openapi_extra=CLINICAL,
    tags=["referral letters"],
    response={200: None},
)
def get_letter_pdf(request: HttpRequest, letter_id: uuid.UUID) -> HttpResponse:
    letter = _letter(request, letter_id)
    audit.record(actor_of(request), AuditAction.EXPORT, letter)
    if letter.is_draft:
        content = letter_pdf(letter, final=False)
    else:
        with letter.pdf.open("rb") as handle:
            content = handle.read()
    return HttpResponse(content, content_type="application/pdf")


@router.get(
    "/referral-letters/{letter_id}/fhir",
    response=dict[str, Any],
    openapi_extra=CLINICAL,
    tags=["referral letters"],
)
def get_letter_fhir(request: HttpRequest, letter_id: uuid.UUID) -> dict[str, Any]:
    """A FHIR R4 Bundle: Patient, Practitioner, ServiceRequest and DocumentReference (the PDF)."""
    letter = _letter(request, letter_id)
    audit.record(actor_of(request), AuditAction.EXPORT, letter)
    if letter.is_draft:
        content = letter_pdf(letter, final=False)
    else:
        with letter.pdf.open("rb") as handle:
            content = handle.read()
    return letter_bundle(letter, content)
