"""Billing forms: settings, a line, voiding, a credit note, a payment, a refund."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from sacrum.billing.models import BillingSettings, LineKind, Method, PackageType
from sacrum.clients.models import Client
from sacrum.kernel.forms import DateInput
from sacrum.scheduling.models import ServiceType


class SettingsForm(forms.ModelForm[BillingSettings]):
    class Meta:
        model = BillingSettings
        fields = (
            "tax_number",
            "prices_include_tax",
            "default_tax_rate",
            "number_prefix",
            "number_digits",
            "payment_terms_days",
            "invoice_text",
            "locale",
            "invoice_on_completion",
            "package_on_late_cancel",
            "package_on_no_show",
        )
        labels = {"default_tax_rate": "Default tax rate (%)"}


class NewInvoiceForm(forms.Form):
    client: forms.ModelChoiceField[Client] = forms.ModelChoiceField(
        queryset=Client.objects.none(), empty_label="Choose a client"
    )


class LineForm(forms.Form):
    kind = forms.ChoiceField(choices=LineKind.choices, initial=LineKind.SERVICE)
    service: forms.ModelChoiceField[ServiceType] = forms.ModelChoiceField(
        queryset=ServiceType.objects.none(),
        required=False,
        empty_label="(not a service)",
        help_text="A service fills in its name, price and tax rate when left empty below.",
    )
    description = forms.CharField(max_length=200, required=False)
    quantity = forms.DecimalField(initial=Decimal("1"), max_digits=10, decimal_places=2)
    unit_price = forms.DecimalField(
        required=False, max_digits=15, decimal_places=3, label="Unit price"
    )
    discount_percent = forms.DecimalField(
        initial=Decimal("0"), max_digits=5, decimal_places=2, label="Discount (%)"
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=300)


class PaymentForm(forms.Form):
    amount = forms.DecimalField(max_digits=15, decimal_places=3)
    method = forms.ChoiceField(choices=Method.choices)
    received_on = forms.DateField(required=False, widget=DateInput(), label="Received on")
    external_reference = forms.CharField(
        max_length=100, required=False, label="Terminal or transfer reference"
    )


class RefundForm(forms.Form):
    amount = forms.DecimalField(max_digits=15, decimal_places=3)
    method = forms.ChoiceField(choices=Method.choices)
    note = forms.CharField(max_length=300, required=False)


class PackageTypeForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="As the client sees it, e.g. “5 sessions”.")
    sessions = forms.IntegerField(min_value=1, max_value=200, label="Number of sessions")
    price = forms.DecimalField(min_value=Decimal("0"), max_digits=15, decimal_places=3)
    valid_days = forms.IntegerField(
        min_value=1, max_value=3660, label="Valid for (days)", help_text="From the day of sale."
    )
    services: forms.ModelMultipleChoiceField[ServiceType] = forms.ModelMultipleChoiceField(
        queryset=ServiceType.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Services it covers",
    )
    active = forms.BooleanField(required=False, initial=True, label="Offered for sale")

    def __init__(self, *args: object, clinic_id: Any, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["services"].queryset = ServiceType.objects.filter(clinic_id=clinic_id)  # type: ignore[attr-defined]


class SellPackageForm(forms.Form):
    package_type: forms.ModelChoiceField[PackageType] = forms.ModelChoiceField(
        queryset=PackageType.objects.none(), empty_label="Choose a package", label="Package"
    )

    def __init__(self, *args: object, clinic_id: Any, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["package_type"].queryset = PackageType.objects.filter(  # type: ignore[attr-defined]
            clinic_id=clinic_id, active=True
        )
