"""Billing: the clinic's billing settings, invoices and credit notes, payments and refunds.

An issued document never changes (the models, querysets and database triggers refuse;
see migration 0002): the one change allowed is voiding an issued invoice, which sets
its status, reason, time and who voided it and nothing else. A correction is a credit
note that refers to the invoice. Payments are append-only; a refund is a new row that
refers to its payment and never exceeds what is left of it (a database trigger too).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from sacrum.access.scoping import ClinicScopedQuerySet
from sacrum.kernel.errors import Locked
from sacrum.kernel.models import AppendOnly, RefusesBulkChanges

_M = TypeVar("_M", bound=models.Model)

LOCKED_MESSAGE = "An issued invoice never changes. Issue a credit note instead."
PAYMENT_LOCKED = "Payments are never changed or deleted. Record a refund instead."
RATE_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class BillingQuerySet(ClinicScopedQuerySet[_M]):
    area = "billing"


# --- Settings ---------------------------------------------------------------


class BillingSettings(models.Model):
    """One clinic's billing rules. The currency is the clinic's own (``Clinic.currency``)."""

    clinic = models.OneToOneField(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="billing_settings"
    )
    prices_include_tax = models.BooleanField(
        default=True, help_text="Service prices are what the client pays, tax included."
    )
    tax_number = models.CharField(
        max_length=40,
        blank=True,
        help_text="Printed on invoices. Leave empty when the clinic is not registered for tax.",
    )
    default_tax_rate = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=RATE_VALIDATORS,
        help_text="Percent, for services without their own rate and for other items.",
    )
    number_prefix = models.CharField(
        max_length=20, default="INV-", blank=True, help_text="Before the number, e.g. INV-."
    )
    number_digits = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="The number is padded with zeros to this many digits (INV-00042).",
    )
    payment_terms_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MaxValueValidator(365)],
        help_text="Days from issue to due date (0: due on receipt).",
    )
    invoice_text = models.TextField(
        max_length=2000, blank=True, help_text="Printed at the foot of every invoice."
    )
    locale = models.CharField(
        max_length=10, default="en_GB", help_text="How amounts are written, e.g. en_GB, de_CH."
    )
    invoice_on_completion = models.BooleanField(
        default=False,
        help_text="Create a draft invoice when an appointment is marked completed.",
    )
    package_on_late_cancel = models.BooleanField(
        default=True,
        help_text="A late cancellation uses a package credit (instead of a fee).",
    )
    package_on_no_show = models.BooleanField(
        default=True, help_text="A no-show uses a package credit (instead of a fee)."
    )

    objects: ClassVar[BillingQuerySet[BillingSettings]] = BillingQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name_plural = "billing settings"
        constraints = (
            models.CheckConstraint(
                condition=Q(default_tax_rate__gte=0, default_tax_rate__lte=100),
                name="billing_settings_rate_0_to_100",
            ),
            models.CheckConstraint(
                condition=Q(number_digits__gte=1, number_digits__lte=10),
                name="billing_settings_digits_1_to_10",
            ),
            models.CheckConstraint(
                condition=Q(payment_terms_days__lte=365), name="billing_settings_terms_to_365"
            ),
        )

    def __str__(self) -> str:
        return f"Billing settings of {self.clinic_id}"

    @property
    def tax_registered(self) -> bool:
        return bool(self.tax_number.strip())

    def format_number(self, number: int) -> str:
        return f"{self.number_prefix}{number:0{self.number_digits}d}"


class ServiceTax(models.Model):
    """A service's own tax rate (percent), when it differs from the clinic's default."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    service = models.OneToOneField(
        "scheduling.ServiceType", on_delete=models.CASCADE, related_name="tax"
    )
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, validators=RATE_VALIDATORS)

    objects: ClassVar[BillingQuerySet[ServiceTax]] = BillingQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        constraints = (
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0, tax_rate__lte=100), name="billing_service_rate_0_100"
            ),
        )

    def __str__(self) -> str:
        return f"{self.tax_rate}%"


class NumberCounter(models.Model):
    """The last number issued in a clinic: locked while issuing, so numbers are gapless."""

    clinic = models.OneToOneField(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="invoice_counter"
    )
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = (
            models.CheckConstraint(condition=Q(last_number__gte=0), name="billing_counter_gte_0"),
        )

    def __str__(self) -> str:
        return f"{self.clinic_id}: {self.last_number}"


# --- Invoices ---------------------------------------------------------------


class Kind(models.TextChoices):
    INVOICE = "invoice", "Invoice"
    CREDIT_NOTE = "credit_note", "Credit note"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued"
    VOID = "void", "Void"


class InvoiceQuerySet(BillingQuerySet["Invoice"]):
    """Bulk changes are refused when any row is issued or void."""

    def _touches_issued(self) -> bool:
        return self.exclude(status=Status.DRAFT).exists()

    def update(self, **kwargs: Any) -> int:
        if self._touches_issued():
            raise Locked(LOCKED_MESSAGE)
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self._touches_issued():
            raise Locked(LOCKED_MESSAGE)
        return super().delete()


class Invoice(models.Model):
    """An invoice or a credit note. Drafts change freely; issued ones only become void."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    credits = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
        help_text="The invoice a credit note corrects.",
    )
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    number = models.PositiveIntegerField(null=True, blank=True)
    number_text = models.CharField(max_length=40, blank=True)
    currency = models.CharField(max_length=3)
    prices_include_tax = models.BooleanField(default=True)
    net_total = models.DecimalField(max_digits=12, decimal_places=3, default=Decimal("0"))
    tax_total = models.DecimalField(max_digits=12, decimal_places=3, default=Decimal("0"))
    total = models.DecimalField(max_digits=12, decimal_places=3, default=Decimal("0"))
    # What the document says, frozen at issue.
    bill_to = models.CharField(max_length=200, blank=True)
    tax_number = models.CharField(max_length=40, blank=True)
    footer = models.TextField(max_length=2000, blank=True)
    reason = models.CharField(
        max_length=300, blank=True, help_text="Why a credit note corrects its invoice."
    )
    issued_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[InvoiceQuerySet] = InvoiceQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-created_at",)
        indexes = (
            models.Index(fields=("clinic", "status", "issued_on"), name="billing_inv_state"),
            models.Index(fields=("client", "status"), name="billing_inv_client"),
            # The credit notes of an invoice (reports, balances). Partial: most rows are
            # invoices (NULL), and SQLite's statistics count NULLs as one value, which made
            # the plain foreign-key index look useless to its planner.
            models.Index(
                fields=("credits",), condition=Q(credits__isnull=False), name="billing_inv_credits"
            ),
        )
        constraints = (
            models.UniqueConstraint(fields=("clinic", "number"), name="billing_invoice_number"),
            # One live invoice per appointment: a second click, or completion racing a
            # click, finds the first.
            models.UniqueConstraint(
                fields=("appointment",),
                condition=Q(kind="invoice") & ~Q(status="void") & Q(appointment__isnull=False),
                name="billing_one_invoice_per_appointment",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=Kind.values), name="billing_invoice_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="billing_invoice_status_valid"
            ),
            models.CheckConstraint(
                condition=(Q(kind="credit_note") & Q(credits__isnull=False))
                | (Q(kind="invoice") & Q(credits__isnull=True)),
                name="billing_credit_note_refers",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="draft")
                    & Q(number__isnull=True, issued_at__isnull=True, issued_on__isnull=True)
                )
                | (
                    ~Q(status="draft")
                    & Q(number__gte=1, issued_at__isnull=False, issued_on__isnull=False)
                    & ~Q(number_text="")
                ),
                name="billing_issued_complete",
            ),
            models.CheckConstraint(
                condition=(Q(status="void") & Q(voided_at__isnull=False) & ~Q(void_reason=""))
                | (~Q(status="void") & Q(voided_at__isnull=True, void_reason="")),
                name="billing_void_complete",
            ),
            models.CheckConstraint(
                condition=Q(net_total__gte=0, tax_total__gte=0, total__gte=0),
                name="billing_totals_not_negative",
            ),
        )

    def __str__(self) -> str:
        return self.number_text or f"Draft {self.get_kind_display().lower()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """An issued or void row is saved again only to become void (``void_invoice``)."""
        if not self._state.adding and self.pk:
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            voiding = stored == Status.ISSUED and self.status == Status.VOID
            if stored in (Status.ISSUED, Status.VOID) and not voiding:
                raise Locked(LOCKED_MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if type(self).objects.filter(pk=self.pk).exclude(status=Status.DRAFT).exists():
            raise Locked(LOCKED_MESSAGE)
        return super().delete(*args, **kwargs)

    @property
    def is_draft(self) -> bool:
        return self.status == Status.DRAFT

    @property
    def is_credit_note(self) -> bool:
        return self.kind == Kind.CREDIT_NOTE

    @property
    def title(self) -> str:
        if self.is_draft:
            return f"Draft {self.get_kind_display().lower()}"
        return f"{self.get_kind_display()} {self.number_text}"


class LineKind(models.TextChoices):
    SERVICE = "service", "Service"
    PACKAGE = "package", "Package sale"
    FEE = "fee", "Fee"
    OTHER = "other", "Other"


class LineQuerySet(BillingQuerySet["InvoiceLine"]):
    clinic_path = "invoice__clinic"

    def _touches_issued(self) -> bool:
        return self.exclude(invoice__status=Status.DRAFT).exists()

    def update(self, **kwargs: Any) -> int:
        if self._touches_issued():
            raise Locked(LOCKED_MESSAGE)
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self._touches_issued():
            raise Locked(LOCKED_MESSAGE)
        return super().delete()


class InvoiceLine(models.Model):
    """One line: what, how many, at what price, tax and discount; amounts rounded once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=LineKind.choices, default=LineKind.OTHER)
    description = models.CharField(max_length=200)
    service = models.ForeignKey(
        "scheduling.ServiceType", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    unit_price = models.DecimalField(
        max_digits=12, decimal_places=3, validators=[MinValueValidator(Decimal("0"))]
    )
    tax_rate = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("0"), validators=RATE_VALIDATORS
    )
    discount_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("0"), validators=RATE_VALIDATORS
    )
    net = models.DecimalField(max_digits=12, decimal_places=3, default=Decimal("0"))
    tax = models.DecimalField(max_digits=12, decimal_places=3, default=Decimal("0"))
    gross = models.DecimalField(max_digits=12, decimal_places=3, default=Decimal("0"))

    objects: ClassVar[LineQuerySet] = LineQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("position", "id")
        constraints = (
            models.CheckConstraint(condition=Q(quantity__gt=0), name="billing_line_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="billing_line_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0, tax_rate__lte=100), name="billing_line_rate_0_100"
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100),
                name="billing_line_discount_0_100",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=LineKind.values), name="billing_line_kind_valid"
            ),
        )

    def __str__(self) -> str:
        return self.description

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._invoice_locked():
            raise Locked(LOCKED_MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self._invoice_locked():
            raise Locked(LOCKED_MESSAGE)
        return super().delete(*args, **kwargs)

    def _invoice_locked(self) -> bool:
        return Invoice.objects.filter(pk=self.invoice_id).exclude(status=Status.DRAFT).exists()


# --- Payments ---------------------------------------------------------------


class Method(models.TextChoices):
    CASH = "cash", "Cash"
    CARD = "card", "Card at a terminal"
    TRANSFER = "transfer", "Bank transfer"
    OTHER = "other", "Other"


class PaymentKind(models.TextChoices):
    PAYMENT = "payment", "Payment"
    REFUND = "refund", "Refund"


class PaymentQuerySet(RefusesBulkChanges, BillingQuerySet["Payment"]):
    locked_message = PAYMENT_LOCKED


class Payment(AppendOnly):
    """Money received (towards an invoice, or on account as credit) or paid back.

    No card data: a card payment is taken on the clinic's terminal and recorded here by
    amount and, optionally, the terminal's or payment link's reference.
    """

    locked_message = PAYMENT_LOCKED

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    kind = models.CharField(max_length=8, choices=PaymentKind.choices, default=PaymentKind.PAYMENT)
    refund_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    method = models.CharField(max_length=10, choices=Method.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=3)
    currency = models.CharField(max_length=3)
    received_on = models.DateField()
    external_reference = models.CharField(
        max_length=100,
        blank=True,
        help_text="The terminal's or payment provider's id; the same reference is recorded once.",
    )
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[PaymentQuerySet] = PaymentQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-recorded_at",)
        indexes = (
            models.Index(fields=("clinic", "received_on"), name="billing_pay_day"),
            models.Index(fields=("client", "kind"), name="billing_pay_client"),
            # The refunds of a payment: partial for the same reason as billing_inv_credits
            # (without it SQLite scanned every payment for each invoice's refunds).
            models.Index(
                fields=("refund_of",),
                condition=Q(refund_of__isnull=False),
                name="billing_pay_refund_of",
            ),
        )
        constraints = (
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_payment_amount_gt_0"),
            models.CheckConstraint(
                condition=(Q(kind="refund") & Q(refund_of__isnull=False))
                | (Q(kind="payment") & Q(refund_of__isnull=True)),
                name="billing_refund_refers",
            ),
            models.CheckConstraint(
                condition=Q(method__in=Method.values), name="billing_payment_method_valid"
            ),
            models.UniqueConstraint(
                fields=("clinic", "external_reference"),
                condition=~Q(external_reference=""),
                name="billing_payment_reference_once",
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"

    def clean(self) -> None:
        if self.amount is not None and self.amount <= 0:
            raise ValidationError({"amount": "Give an amount above zero."})


# --- Packages ---------------------------------------------------------------


class PackageType(models.Model):
    """What the clinic sells, e.g. "5 sessions": price, credits, validity, services covered."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    sessions = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(200)],
        help_text="How many sessions (credits) the package holds.",
    )
    price = models.DecimalField(
        max_digits=12, decimal_places=3, validators=[MinValueValidator(Decimal("0"))]
    )
    valid_days = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(3660)],
        help_text="Days from the sale in which the credits can be used.",
    )
    services = models.ManyToManyField(
        "scheduling.ServiceType", related_name="+", help_text="The services a credit pays for."
    )
    active = models.BooleanField(default=True, help_text="Offered for sale.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[BillingQuerySet[PackageType]] = BillingQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("name",)
        constraints = (
            models.UniqueConstraint(fields=("clinic", "name"), name="billing_package_type_name"),
            models.CheckConstraint(
                condition=Q(sessions__gte=1, sessions__lte=200), name="billing_package_sessions"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="billing_package_price_gte_0"),
            models.CheckConstraint(
                condition=Q(valid_days__gte=1, valid_days__lte=3660), name="billing_package_days"
            ),
        )

    def __str__(self) -> str:
        return self.name


class ClientPackage(models.Model):
    """A package sold to a client: its credits, how many are used, until when.

    ``used`` is counted up in the same transaction as each ``PackageCreditUse`` (the
    package row locked first), and the database refuses more uses than credits.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    package_type = models.ForeignKey(PackageType, on_delete=models.PROTECT, related_name="sold")
    name = models.CharField(max_length=100)
    sessions = models.PositiveSmallIntegerField()
    used = models.PositiveSmallIntegerField(default=0)
    price = models.DecimalField(max_digits=12, decimal_places=3)
    sold_on = models.DateField()
    expires_on = models.DateField()
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set when its sale invoice was voided or its draft deleted: no credit is usable.",
    )

    objects: ClassVar[BillingQuerySet[ClientPackage]] = BillingQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("expires_on", "created_at")
        indexes = (models.Index(fields=("client", "expires_on"), name="billing_pkg_client"),)
        constraints = (
            models.CheckConstraint(
                condition=Q(used__gte=0) & Q(used__lte=F("sessions")),
                name="billing_package_used_within",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__gte=F("sold_on")), name="billing_package_expires_after"
            ),
        )

    def __str__(self) -> str:
        return f"{self.name}: {self.remaining} of {self.sessions} left"

    @property
    def remaining(self) -> int:
        """Credits that can still be used (none once the package is revoked)."""
        return 0 if self.revoked_at is not None else self.sessions - self.used

    @property
    def unused(self) -> int:
        return self.sessions - self.used


class UseReason(models.TextChoices):
    COMPLETED = "completed", "Completed session"
    LATE_CANCEL = "late_cancel", "Late cancellation"
    NO_SHOW = "no_show", "No-show"


class PackageUseQuerySet(RefusesBulkChanges, BillingQuerySet["PackageCreditUse"]):
    locked_message = "A used credit is never changed."


class PackageCreditUse(AppendOnly):
    """One credit of a package used by one appointment: once per appointment, ever."""

    locked_message = "A used credit is never changed."

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    package = models.ForeignKey(ClientPackage, on_delete=models.PROTECT, related_name="uses")
    appointment = models.OneToOneField(
        "scheduling.Appointment", on_delete=models.PROTECT, related_name="package_credit"
    )
    reason = models.CharField(max_length=12, choices=UseReason.choices)
    used_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[PackageUseQuerySet] = PackageUseQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("used_at",)
        constraints = (
            models.CheckConstraint(
                condition=Q(reason__in=UseReason.values), name="billing_credit_use_reason"
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.appointment_id}"


# --- Fees -------------------------------------------------------------------


class ServiceFee(models.Model):
    """A service's late-cancellation and no-show fees (zero: no fee)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    service = models.OneToOneField(
        "scheduling.ServiceType", on_delete=models.CASCADE, related_name="fees"
    )
    late_cancel_fee = models.DecimalField(
        max_digits=12, decimal_places=3, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    no_show_fee = models.DecimalField(
        max_digits=12, decimal_places=3, default=Decimal("0"), validators=[MinValueValidator(0)]
    )

    objects: ClassVar[BillingQuerySet[ServiceFee]] = BillingQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        constraints = (
            models.CheckConstraint(
                condition=Q(late_cancel_fee__gte=0, no_show_fee__gte=0),
                name="billing_service_fee_gte_0",
            ),
        )

    def __str__(self) -> str:
        return f"Fees of {self.service_id}"


class FeeKind(models.TextChoices):
    LATE_CANCEL = "late_cancel", "Late-cancellation fee"
    NO_SHOW = "no_show", "No-show fee"


class Fee(models.Model):
    """A fee charged for one appointment (once, ever), and whether staff waived it.

    The fee is a line on a draft invoice of the client; waiving removes the line and
    keeps this row with who waived it, when and why.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    appointment = models.OneToOneField(
        "scheduling.Appointment", on_delete=models.PROTECT, related_name="fee"
    )
    kind = models.CharField(max_length=12, choices=FeeKind.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=3)
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    line = models.ForeignKey(
        InvoiceLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    waived_at = models.DateTimeField(null=True, blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    waive_reason = models.CharField(max_length=300, blank=True)

    objects: ClassVar[BillingQuerySet[Fee]] = BillingQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-created_at",)
        constraints = (
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_fee_amount_gt_0"),
            models.CheckConstraint(condition=Q(kind__in=FeeKind.values), name="billing_fee_kind"),
            models.CheckConstraint(
                condition=(Q(waived_at__isnull=True) & Q(waive_reason=""))
                | (Q(waived_at__isnull=False) & ~Q(waive_reason="")),
                name="billing_fee_waived_with_reason",
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"

    @property
    def waived(self) -> bool:
        return self.waived_at is not None


# --- Statement for insurance ("superbill") ----------------------------------


class ServiceCode(models.Model):
    """The code the clinic bills a service under (e.g. a procedure code), free text.

    Sacrum ships no code lists: each clinic enters the codes its clients' insurers use.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    service = models.OneToOneField(
        "scheduling.ServiceType", on_delete=models.CASCADE, related_name="billing_code"
    )
    code = models.CharField(max_length=30)

    objects: ClassVar[BillingQuerySet[ServiceCode]] = BillingQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        constraints = (
            models.CheckConstraint(condition=~Q(code=""), name="billing_service_code_not_empty"),
        )

    def __str__(self) -> str:
        return self.code


class DiagnosisQuerySet(BillingQuerySet["ClientDiagnosis"]):
    """Seen by whoever sees the client's billing (it is printed on the statement);
    changed only by staff with clinical access (``clinical.edit``, in the service)."""


class ClientDiagnosis(models.Model):
    """A diagnosis code of a client for insurance statements, entered by a clinician.

    Code and description are the clinic's own words (no code list is shipped). Removing
    one keeps the row with who removed it and when (``removed_at``); the statement lists
    only the current ones.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=30)
    description = models.CharField(max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects: ClassVar[DiagnosisQuerySet] = DiagnosisQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("added_at", "id")
        indexes = (models.Index(fields=("client", "removed_at"), name="billing_dx_client"),)
        constraints = (
            models.CheckConstraint(condition=~Q(code=""), name="billing_diagnosis_code_not_empty"),
        )

    def __str__(self) -> str:
        return self.code
