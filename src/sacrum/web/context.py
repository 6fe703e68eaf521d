"""Template context every page gets: the active clinic, the switcher, the menu."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

# (url name, label, permission needed)
MENU = (
    ("web:dashboard", "Today", None),
    ("web:calendar", "Calendar", "schedule.view"),
    ("web:client_list", "Clients", "client.view"),
    ("web:waitlist", "Waitlist", "schedule.view"),
    ("web:invoice_list", "Invoices", "billing.view"),
    ("web:billing_reports", "Billing reports", "billing.edit"),
    ("web:outcomes_home", "Outcomes", "outcome.view"),
    ("web:outcome_report", "Outcome report", "outcome.report"),
    ("web:practitioner_list", "Practitioners", "profile.view"),
    ("web:location_list", "Locations & rooms", "location.view"),
    ("web:staff_list", "Staff", "staff.view"),
    ("web:rule_list", "Screening rules", "clinical.view"),
    ("web:consent_text", "Consent form", "clinic.manage"),
    ("web:clinic_settings", "Clinic settings", "clinic.manage"),
    ("web:reminder_settings", "Reminders", "clinic.manage"),
    ("web:billing_settings", "Billing settings", "billing.manage"),
    ("web:package_types", "Packages", "billing.manage"),
    ("web:retention_settings", "Records & erasure", "clinic.manage"),
    ("web:audit_log", "Audit log", "audit.view"),
    ("web:export_home", "Data export", "data.export"),
    ("web:backup_status", "Backups", "clinic.manage"),
)


def navigation(request: HttpRequest) -> dict[str, Any]:
    member = getattr(request, "member", None)
    if member is None:
        return {"member": None, "memberships": getattr(request, "memberships", []), "menu": []}
    menu = []
    for name, label, perm in MENU:
        if perm is None or member.can(perm):
            href = reverse(name)
            current = request.path == href or (href != "/" and request.path.startswith(href))
            menu.append((href, label, current))
    return {
        "member": member,
        "clinic": member.clinic,
        "memberships": getattr(request, "memberships", []),
        "menu": menu,
        "can_clinical": member.can("clinical.view"),
        "can_bill": member.can("billing.edit"),
        "can_find_clients": member.can("client.view"),
    }
