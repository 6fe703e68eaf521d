"""Screening: rules as data, the answers clients give, what fired, and what was done about it."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from sacrum.access.scoping import ClinicScopedQuerySet
from sacrum.kernel.errors import Locked
from sacrum.screening.engine import BLOCK, REFER, WARN
from sacrum.screening.questions import CHECKIN, INTAKE, all_questions

_M = TypeVar("_M", bound=models.Model)


class Action(models.TextChoices):
    BLOCK = BLOCK, "Block until a physician clears"
    WARN = WARN, "Warn: practitioner acknowledges"
    REFER = REFER, "Refer: propose a letter to the physician"


class RuleQuerySet(ClinicScopedQuerySet["Rule"]):
    area = "clinical"


class Rule(models.Model):
    """One screening rule of one clinic: which answer to which question triggers what.

    Shipped rules come from ``data/rules.json``; the owner may edit or switch them off
    and add their own. A rule is never deleted once it has fired (firings point at it).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="screening_rules"
    )
    code = models.SlugField(max_length=60)
    title = models.CharField(max_length=120)
    question = models.CharField(max_length=60)
    trigger_answers = models.JSONField(default=list, blank=True)
    trigger_at_least = models.IntegerField(null=True, blank=True)
    requires_question = models.CharField(max_length=60, blank=True)
    requires_answers = models.JSONField(default=list, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    urgent = models.BooleanField(
        default=False,
        help_text="Tell the client on the form to seek urgent care now; no session or booking "
        "until a practitioner records that the client has been medically assessed.",
    )
    refer_when_unsure = models.BooleanField(
        default=True,
        help_text="“Not sure” to this question proposes a referral even when only “yes” "
        "triggers the rule (an uncertain answer to a red flag is never silent).",
    )
    explanation = models.TextField(max_length=2000)
    source = models.CharField(max_length=400, blank=True)
    shipped = models.BooleanField(default=False, editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[RuleQuerySet] = RuleQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("action", "code")
        constraints = (
            models.UniqueConstraint(fields=("clinic", "code"), name="screening_rule_code_unique"),
            models.CheckConstraint(
                condition=Q(action__in=[BLOCK, WARN, REFER]), name="screening_rule_action_valid"
            ),
        )

    def __str__(self) -> str:
        return self.title

    @property
    def question_text(self) -> str:
        question = all_questions().get(self.question)
        return question.text if question else self.question

    @property
    def trigger_label(self) -> str:
        """What triggers the rule, in words: "Yes or Not sure", "65 or more"."""
        if self.trigger_at_least is not None:
            return f"{self.trigger_at_least} or more"
        question = all_questions().get(self.question)
        labels = [question.label_for(a) if question else a for a in self.trigger_answers]
        return " or ".join(labels)

    def clean(self) -> None:
        """The question must exist, and the triggers must be answers it can have."""
        questions = all_questions()
        errors: dict[str, str] = {}
        question = questions.get(self.question)
        if question is None:
            errors["question"] = f"“{self.question}” is not a question of the intake or check-in."
        elif question.type == "text":
            errors["question"] = "Rules read yes/no or number questions, not free text."
        else:
            answers = self.trigger_answers
            if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
                errors["trigger_answers"] = "Give a list of answers."
            elif question.type == "yes_no":
                bad = [a for a in answers if a not in dict(question.choices)]
                if bad:
                    errors["trigger_answers"] = "Answers are yes, no or not_sure."
                elif not answers:
                    errors["trigger_answers"] = "Choose at least one answer that triggers the rule."
                if self.trigger_at_least is not None:
                    errors["trigger_at_least"] = "A threshold only applies to number questions."
            elif question.type == "number":
                if answers:
                    errors["trigger_answers"] = "Number questions trigger on a threshold."
                if self.trigger_at_least is None:
                    errors["trigger_at_least"] = "Give the number at or above which it triggers."
        if self.requires_question:
            required = questions.get(self.requires_question)
            if required is None:
                errors["requires_question"] = f"“{self.requires_question}” is not a question."
            elif not self.requires_answers or not isinstance(self.requires_answers, list):
                errors["requires_answers"] = "Give the answers the condition needs."
        elif self.requires_answers:
            errors["requires_answers"] = "Name the question this condition reads."
        if errors:
            raise ValidationError(errors)


class ScreenedQuerySet(ClinicScopedQuerySet[_M]):
    area = "clinical"
    clinic_path = "client__clinic"


class Source(models.TextChoices):
    INTAKE = INTAKE, "Health-history intake"
    CHECKIN = CHECKIN, "Visit check-in"


class Channel(models.TextChoices):
    LINK = "link", "Client, from an e-mailed link"
    TABLET = "tablet", "Client, on the clinic's tablet"
    STAFF = "staff", "Entered by staff"
    API = "api", "Through the API"


class Intake(models.Model):
    """A client's health-history answers to one version of the intake question set."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="intakes")
    version = models.PositiveSmallIntegerField()
    answers = models.JSONField(default=dict)
    via = models.CharField(max_length=10, choices=Channel.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    amended_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[ScreenedQuerySet[Intake]] = ScreenedQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-submitted_at",)

    def __str__(self) -> str:
        return f"Intake of {self.client} ({self.submitted_at:%Y-%m-%d})"


class IntakeAmendment(models.Model):
    """A practitioner's change to intake answers: what changed, who, when, and why."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="amendments")
    changes = models.JSONField(help_text="{question: {'from': old, 'to': new}}")
    note = models.TextField(max_length=2000)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("at",)

    def __str__(self) -> str:
        return f"Amendment of {self.intake_id} at {self.at:%Y-%m-%d %H:%M}"


class CheckIn(models.Model):
    """The short check-in before a visit; screening re-runs on it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="check_ins")
    version = models.PositiveSmallIntegerField()
    answers = models.JSONField(default=dict)
    via = models.CharField(max_length=10, choices=Channel.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[ScreenedQuerySet[CheckIn]] = ScreenedQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-submitted_at",)

    def __str__(self) -> str:
        return f"Check-in of {self.client} ({self.submitted_at:%Y-%m-%d})"

    @property
    def pain(self) -> int | None:
        value = self.answers.get("checkin_pain")
        return value if isinstance(value, int) else None


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    CLEARED = "cleared", "Cleared by a physician"
    REFERRED = "referred", "Referred"
    WITHDRAWN = "withdrawn", "Withdrawn (answer amended)"
    ASSESSED = "assessed", "Medically assessed"


class ClientAlert(models.Model):
    """What a rule's firing means for the client until someone acts on it.

    block: open until a physician's clearance is recorded; warn: open until a
    practitioner acknowledges; refer: open until a referral letter is sent or printed.
    At most one open alert per client and rule; a later firing joins it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="screening_alerts"
    )
    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="alerts")
    action = models.CharField(max_length=10, choices=Action.choices)
    urgent = models.BooleanField(default=False)
    status = models.CharField(max_length=15, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    opened_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects: ClassVar[ScreenedQuerySet[ClientAlert]] = ScreenedQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-opened_at",)
        constraints = (
            models.UniqueConstraint(
                fields=("client", "rule"),
                condition=Q(status="open"),
                name="screening_one_open_alert_per_rule",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(resolved_at__isnull=False),
                name="screening_alert_resolved_has_time",
            ),
            models.CheckConstraint(
                condition=Q(action__in=[BLOCK, WARN, REFER]), name="screening_alert_action_valid"
            ),
        )
        indexes = (models.Index(fields=("client", "status")),)

    def __str__(self) -> str:
        return f"{self.rule.title} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status == AlertStatus.OPEN

    @property
    def needs_assessment(self) -> bool:
        """An open urgent finding: it holds both gates until an assessment is recorded."""
        return self.is_open and self.urgent


class Firing(models.Model):
    """A rule fired: which answer fired it, from which intake or check-in, and when."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="screening_firings"
    )
    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="firings")
    alert = models.ForeignKey(ClientAlert, on_delete=models.CASCADE, related_name="firings")
    source = models.CharField(max_length=10, choices=Source.choices)
    intake = models.ForeignKey(
        Intake, null=True, blank=True, on_delete=models.CASCADE, related_name="firings"
    )
    check_in = models.ForeignKey(
        CheckIn, null=True, blank=True, on_delete=models.CASCADE, related_name="firings"
    )
    question = models.CharField(max_length=60)
    answer = models.CharField(max_length=200)
    action = models.CharField(max_length=10, choices=Action.choices)
    fired_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[ScreenedQuerySet[Firing]] = ScreenedQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-fired_at",)
        constraints = (
            models.CheckConstraint(
                condition=(Q(source=INTAKE, intake__isnull=False, check_in__isnull=True))
                | Q(source=CHECKIN, intake__isnull=True, check_in__isnull=False),
                name="screening_firing_has_one_source",
            ),
        )

    def __str__(self) -> str:
        return f"{self.rule.code}: {self.question} = {self.answer}"

    @property
    def question_text(self) -> str:
        question = all_questions().get(self.question)
        return question.text if question else self.question

    @property
    def answer_label(self) -> str:
        question = all_questions().get(self.question)
        return question.label_for(self.answer) if question else self.answer

    @property
    def submission(self) -> Intake | CheckIn | None:
        return self.intake or self.check_in


class Acknowledgement(models.Model):
    """A practitioner read a warning and takes it into account (required before charting)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    alert = models.OneToOneField(
        ClientAlert, on_delete=models.CASCADE, related_name="acknowledgement"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(max_length=2000, blank=True)

    def __str__(self) -> str:
        return f"Acknowledged by {self.by} at {self.at:%Y-%m-%d %H:%M}"


class MedicalAssessment(models.Model):
    """The client told to seek urgent care has been medically assessed: by whom, when, outcome.

    Recorded by a practitioner (from the client's account, a discharge letter or a call);
    it lifts an urgent finding's hold on charting and booking.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    alert = models.OneToOneField(ClientAlert, on_delete=models.CASCADE, related_name="assessment")
    assessed_by = models.CharField(
        max_length=150, help_text="Who assessed the client: a doctor, a hospital, a service."
    )
    assessed_on = models.DateField()
    outcome = models.TextField(max_length=2000, help_text="What the assessment found or advised.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = (
            models.CheckConstraint(
                condition=~Q(assessed_by="") & ~Q(outcome=""),
                name="screening_assessment_says_who_and_what",
            ),
        )

    def __str__(self) -> str:
        return f"Assessed by {self.assessed_by} on {self.assessed_on}"


def clearance_upload_to(instance: PhysicianClearance, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"clearances/{instance.alert_id}/{uuid.uuid4()}.{suffix}"


class PhysicianClearance(models.Model):
    """A physician cleared the client despite a blocking answer: who, when, and the evidence."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    alert = models.OneToOneField(ClientAlert, on_delete=models.CASCADE, related_name="clearance")
    physician_name = models.CharField(max_length=150)
    cleared_on = models.DateField()
    note = models.TextField(max_length=2000, blank=True)
    letter = models.FileField(upload_to=clearance_upload_to, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = (
            models.CheckConstraint(
                condition=~Q(note="") | ~Q(letter=""), name="screening_clearance_has_evidence"
            ),
        )

    def __str__(self) -> str:
        return f"Cleared by {self.physician_name} on {self.cleared_on}"


class LinkQuerySet(ClinicScopedQuerySet["IntakeLink"]):
    area = "client"
    clinic_path = "client__clinic"


class IntakeLink(models.Model):
    """A one-time, expiring link to fill the intake or check-in without signing in.

    Only a SHA-256 digest of the token is stored; the raw token exists in the e-mail
    (or the tablet's address bar) alone. A link works for one submission.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="intake_links"
    )
    purpose = models.CharField(max_length=10, choices=Source.choices)
    via = models.CharField(max_length=10, choices=(("email", "E-mail"), ("tablet", "Tablet")))
    token_digest = models.CharField(max_length=64, unique=True)
    sent_to = models.EmailField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[LinkQuerySet] = LinkQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-created_at",)
        constraints = (
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="intake_link_expires_later"
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} link for {self.client_id} ({self.via})"

    @property
    def state(self) -> str:
        from django.utils import timezone

        if self.used_at:
            return "used"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "open"


class LetterStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent by e-mail"
    PRINTED = "printed", "Printed"


def letter_upload_to(instance: ReferralLetter, filename: str) -> str:
    return f"letters/{instance.client_id}/{instance.pk}.pdf"


class ReferralLetter(models.Model):
    """A letter to the client's physician, generated from the record and edited by a practitioner.

    Once sent or printed it is final: the PDF that left the clinic is stored with its
    hash and the letter never changes again. Letters are never deleted.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="referral_letters"
    )
    author = models.ForeignKey(
        "clinics.Membership", on_delete=models.PROTECT, related_name="referral_letters"
    )
    alerts = models.ManyToManyField(ClientAlert, blank=True, related_name="letters")
    status = models.CharField(
        max_length=10, choices=LetterStatus.choices, default=LetterStatus.DRAFT
    )
    letter_date = models.DateField()
    recipient_name = models.CharField(max_length=150)
    recipient_practice = models.CharField(max_length=200, blank=True)
    recipient_email = models.EmailField(blank=True)
    subject = models.CharField(max_length=200)
    reason = models.TextField(max_length=8000, blank=True)
    history = models.TextField(max_length=8000, blank=True)
    sessions = models.TextField("craniosacral sessions so far", max_length=4000, blank=True)
    outcomes = models.TextField("outcome scores", max_length=4000, blank=True)
    request = models.TextField("what we ask", max_length=4000)
    urgent = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finalized_at = models.DateTimeField(null=True, blank=True)
    sent_to = models.EmailField(blank=True)
    pdf = models.FileField(upload_to=letter_upload_to, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)

    objects: ClassVar[ScreenedQuerySet[ReferralLetter]] = ScreenedQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-created_at",)
        constraints = (
            models.CheckConstraint(
                condition=Q(status="draft", finalized_at__isnull=True)
                | (~Q(status="draft") & Q(finalized_at__isnull=False) & ~Q(pdf_sha256="")),
                name="referral_letter_final_has_pdf",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | ~Q(sent_to=""),
                name="referral_letter_sent_has_address",
            ),
        )

    def __str__(self) -> str:
        return f"{self.subject} ({self.get_status_display()})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            stored = (
                ReferralLetter.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            )
            if stored is not None and stored != LetterStatus.DRAFT:
                raise Locked("A letter that was sent or printed never changes.")
        super().save(*args, **kwargs)

    @property
    def is_draft(self) -> bool:
        return self.status == LetterStatus.DRAFT
