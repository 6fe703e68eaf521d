"""Refusals of clinic changes that apps above clinics know about.

Billing knows whether the clinic has issued invoices; once it has, the clinic's
currency must not change (the amounts on them would change meaning). Clinics must not
import billing, so billing registers a check here when Django starts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sacrum.clinics.models import Clinic

# check(clinic) -> a reason the currency may not change, or "" when it may.
CurrencyCheck = Callable[["Clinic"], str]
_currency_checks: list[CurrencyCheck] = []


def register_currency_check(check: CurrencyCheck) -> None:
    if check not in _currency_checks:
        _currency_checks.append(check)


def currency_change_refused(clinic: Clinic) -> str:
    """The first registered reason the clinic's currency may not change, or ""."""
    for check in _currency_checks:
        reason = check(clinic)
        if reason:
            return reason
    return ""
