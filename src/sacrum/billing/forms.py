"""Billing forms: settings, a line, voiding, a credit note, a payment, a refund."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from sacrum.billing.models import BillingSettings, LineKind, Method
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
