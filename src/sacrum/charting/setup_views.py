"""The owner's charting set-up: listening stations, technique templates, note templates.

Each form posts to this one page (a hidden ``form`` field names which), so an owner edits
everything the note page offers in one place; the services hold the rules and the audit.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from sacrum.access.scoping import get_scoped_or_404
from sacrum.charting import selectors, services
from sacrum.charting.models import SOAP_TEXT_FIELDS, NoteTemplate, SessionNote
from sacrum.kernel.actor import StaffActor
from sacrum.kernel.forms import add_service_errors
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest
from sacrum.scheduling.models import ServiceType


class PolicyForm(forms.Form):
    unsigned_alert_hours = forms.IntegerField(
        label="Remind authors of unsigned notes after (hours)", min_value=1, max_value=720
    )


class StationForm(forms.Form):
    name = forms.CharField(label="Station", max_length=80)
    position = forms.IntegerField(label="Order", min_value=0, max_value=999, required=False)
    active = forms.BooleanField(label="In use", required=False, initial=True)


class TechniqueTemplateForm(forms.Form):
    name = forms.CharField(label="Template name", max_length=100)
    steps = forms.CharField(
        label="Techniques, one per line, in order", widget=forms.Textarea(attrs={"rows": 5})
    )
    active = forms.BooleanField(label="In use", required=False, initial=True)

    def clean_steps(self) -> list[str]:
        steps = [line.strip() for line in self.cleaned_data["steps"].splitlines() if line.strip()]
        if not steps:
            raise ValidationError("Name at least one technique.")
        return steps


def _given(cleaned: dict[str, Any]) -> dict[str, Any]:
    """Leave out optional fields left empty, so the model keeps its own value."""
    return {k: v for k, v in cleaned.items() if v is not None}


def _save(form: forms.Form, request: HttpRequest, action: Any, done: str) -> bool:
    """Run ``action(cleaned_data)``; a service refusal lands by the field, nothing saved."""
    if not form.is_valid():
        return False
    try:
        action(form.cleaned_data)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return False
    messages.success(request, done)
    return True


@member_required("clinic.manage")
def charting_setup(request: MemberRequest) -> HttpResponse:
    actor = StaffActor.from_request(request)
    clinic_id = request.member.clinic_id
    which = request.POST.get("form", "") if request.method == "POST" else ""
    target = request.POST.get("id", "")
    data = request.POST if request.method == "POST" else None
    policy = selectors.policy_of(clinic_id)
    policy_form = PolicyForm(
        data if which == "policy" else None,
        initial={"unsigned_alert_hours": policy.unsigned_alert_hours},
    )
    if which == "policy" and _save(
        policy_form,
        request,
        lambda d: services.update_policy(actor=actor, data=d),
        "Reminder for unsigned notes saved.",
    ):
        return redirect("web:charting_setup")

    station_rows = []
    for station in selectors.stations_for(actor, include_retired=True):
        mine = which == "station" and target == str(station.pk)
        form = StationForm(
            data if mine else None,
            prefix=f"s-{station.pk}",
            initial={"name": station.name, "position": station.position, "active": station.active},
        )
        if mine and _save(
            form,
            request,
            lambda d, s=station: services.update_station(actor=actor, station=s, data=_given(d)),
            "Listening station saved.",
        ):
            return redirect("web:charting_setup")
        station_rows.append((station, form))
    new_station = StationForm(data if which == "new-station" else None, prefix="new-station")
    if which == "new-station" and _save(
        new_station,
        request,
        lambda d: services.create_station(actor=actor, data=_given(d)),
        "Listening station added.",
    ):
        return redirect("web:charting_setup")

    template_rows = []
    for template in selectors.technique_templates_for(actor):
        mine = which == "technique" and target == str(template.pk)
        tform = TechniqueTemplateForm(
            data if mine else None,
            prefix=f"t-{template.pk}",
            initial={
                "name": template.name,
                "steps": "\n".join(template.steps),
                "active": template.active,
            },
        )
        if mine and _save(
            tform,
            request,
            lambda d, t=template: services.update_technique_template(
                actor=actor, template=t, data=d
            ),
            "Technique template saved.",
        ):
            return redirect("web:charting_setup")
        template_rows.append((template, tform))
    new_template = TechniqueTemplateForm(
        data if which == "new-technique" else None, prefix="new-technique"
    )
    if which == "new-technique" and _save(
        new_template,
        request,
        lambda d: services.create_technique_template(actor=actor, data=d),
        "Technique template added.",
    ):
        return redirect("web:charting_setup")

    note_templates = {t.service_id: t for t in NoteTemplate.objects.filter(clinic_id=clinic_id)}
    service_list = [
        (service, note_templates.get(service.pk))
        for service in ServiceType.objects.filter(clinic_id=clinic_id, active=True).order_by("name")
    ]
    return render(
        request,
        "charting/setup.html",
        {
            "policy_form": policy_form,
            "station_rows": station_rows,
            "new_station": new_station,
            "template_rows": template_rows,
            "new_template": new_template,
            "service_list": service_list,
        },
        status=422 if request.method == "POST" else 200,
    )


def _note_template_form(actor: StaffActor, data: Any, initial: dict[str, Any]) -> forms.Form:
    """A field per SOAP text section, plus the technique template new notes start from."""
    form = forms.Form(data, initial=initial)
    for name in SOAP_TEXT_FIELDS:
        label = str(getattr(SessionNote._meta.get_field(name), "verbose_name", name)).capitalize()
        form.fields[name] = forms.CharField(
            label=label, required=False, widget=forms.Textarea(attrs={"rows": 2})
        )
    form.fields["technique_template"] = forms.ChoiceField(
        label="Techniques to start from",
        required=False,
        choices=[("", "— none —")]
        + [(str(t.pk), t.name) for t in selectors.technique_templates_for(actor) if t.active],
    )
    return form


@member_required("clinic.manage")
def note_template_edit(request: MemberRequest, service_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    member = request.member
    service = get_scoped_or_404(ServiceType.objects.for_member(member, "view"), pk=service_id)
    current = NoteTemplate.objects.filter(service=service).first()
    initial: dict[str, Any] = dict(current.defaults) if current else {}
    if current and current.technique_template_id:
        initial["technique_template"] = str(current.technique_template_id)
    form = _note_template_form(actor, request.POST or None, initial)

    def save(cleaned: dict[str, Any]) -> None:
        chosen = cleaned.get("technique_template") or None
        template = selectors.technique_template_for(actor, chosen) if chosen is not None else None
        defaults = {k: cleaned[k] for k in SOAP_TEXT_FIELDS if cleaned.get(k)}
        services.save_note_template(
            actor=actor,
            service=service,
            data={"defaults": defaults, "technique_template": template},
        )

    done = f"New {service.name} notes start from this text."
    if request.method == "POST" and _save(form, request, save, done):
        return redirect("web:charting_setup")
    return render(
        request,
        "charting/note_template.html",
        {"service": service, "form": form},
        status=422 if request.method == "POST" else 200,
    )
