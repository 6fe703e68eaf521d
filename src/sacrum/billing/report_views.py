"""The billing reports page, with each table as CSV and the whole report as PDF.

``/billing/reports?day=&start=&end=`` (``&format=csv&table=…`` or ``&format=pdf``). Bad
dates are shown by their field and no figure is computed. Owners and the front desk
(``billing.edit``); the use of hours and rooms is shown to owners only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render

from sacrum.billing import report_documents as documents
from sacrum.billing import reports
from sacrum.billing.services import today_of
from sacrum.kernel.actor import StaffActor
from sacrum.kernel.forms import DateInput, add_service_errors
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest


class ReportForm(forms.Form):
    day = forms.DateField(required=False, widget=DateInput(), label="Takings on")
    start = forms.DateField(required=False, widget=DateInput(), label="Period from")
    end = forms.DateField(required=False, widget=DateInput(), label="Period to")

    def __init__(self, given: Any, *, today: dt.date) -> None:
        # The form always shows what the figures are for: the defaults fill empty fields.
        data = {
            "day": today.isoformat(),
            "start": today.replace(day=1).isoformat(),
            "end": today.isoformat(),
        }
        data.update({k: given[k] for k in data if given.get(k)})
        super().__init__(data)
        self.today = today
        self.chosen_day: dt.date = today
        self.period = reports.Period(today.replace(day=1), today)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            self.chosen_day = reports.day_of(data.get("day"), today=self.today)
        except ValidationError as exc:
            add_service_errors(self, exc)
        try:
            self.period = reports.period_of(data.get("start"), data.get("end"), today=self.today)
        except ValidationError as exc:
            add_service_errors(self, exc)
        return data


def _query(form: ReportForm) -> str:
    return (
        f"day={form.chosen_day.isoformat()}&start={form.period.first.isoformat()}"
        f"&end={form.period.last.isoformat()}"
    )


@member_required(reports.MONEY)
def billing_reports(request: MemberRequest) -> HttpResponse:
    actor = StaffActor.from_request(request)
    clinic = request.member.clinic
    form = ReportForm(request.GET, today=today_of(clinic))
    if not form.is_valid():
        return render(request, "billing/reports.html", {"form": form, "tables": []}, status=400)
    report = documents.everything(actor, form.chosen_day, form.period)
    wanted = request.GET.get("format", "")
    if wanted == "csv":
        table = next(
            (t for t in documents.tables(report) if t.key == request.GET.get("table")), None
        )
        if table is None:
            raise Http404("No such table")
        response = HttpResponse(
            documents.csv_text(table, report.currency), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="sacrum-{table.key}.csv"'
        return response
    if wanted == "pdf":
        response = HttpResponse(documents.pdf(report, clinic.name), content_type="application/pdf")
        response["Content-Disposition"] = 'attachment; filename="sacrum-billing-reports.pdf"'
        return response
    cell = documents.for_people(report.currency, report.locale)
    return render(
        request,
        "billing/reports.html",
        {
            "form": form,
            "query": _query(form),
            "currency": report.currency,
            "tables": [documents.shown(t, cell) for t in documents.tables(report)],
        },
    )
