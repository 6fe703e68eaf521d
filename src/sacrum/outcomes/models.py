"""Outcome data: a clinic's instrument definitions, every answer given, diary days, and
one summary per client and measure that practice reports aggregate.

Totals are never typed in: ``Response.save`` scores the stored answers with the engine
(``scoring.py``) every time, so no route can store a total that the answers don't give.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from sacrum.access.scoping import ClinicScopedQuerySet
from sacrum.clinics.models import validate_time_zone
from sacrum.outcomes.definitions import Instrument, parse_definition
from sacrum.outcomes.scoring import AnswerError, clean_answers, score

_M = TypeVar("_M", bound=models.Model)


class OutcomeQuerySet(ClinicScopedQuerySet[_M]):
    """Outcomes are clinical: the ``outcome`` area is never granted to the front desk."""

    area = "outcome"


class InstrumentDefinitionQuerySet(OutcomeQuerySet["InstrumentDefinition"]):
    pass


class InstrumentDefinition(models.Model):
    """One instrument as this clinic uses it: a shipped definition, with wording if loaded."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.PROTECT, related_name="instrument_definitions"
    )
    key = models.SlugField(max_length=63)
    version = models.CharField(max_length=20)
    title = models.CharField(max_length=120)
    definition = models.JSONField(help_text="The definition: FHIR Questionnaire + scoring.")
    texts_from = models.CharField(
        max_length=200, blank=True, help_text="Where the clinic's licensed wording came from."
    )
    texts_loaded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[InstrumentDefinitionQuerySet] = InstrumentDefinitionQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("title",)
        constraints = (
            models.UniqueConstraint(
                fields=("clinic", "key", "version"), name="instrument_definition_unique_version"
            ),
        )

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def instrument(self) -> Instrument:
        cached = getattr(self, "_instrument", None)
        if cached is None:
            cached = parse_definition(self.definition)
            self._instrument = cached
        return cached

    def refresh_instrument(self) -> None:
        self.__dict__.pop("_instrument", None)


class Occasion(models.TextChoices):
    BASELINE = "baseline", "Baseline"
    SESSION = "session", "Session"
    DISCHARGE = "discharge", "Discharge"
    FOLLOW_UP = "follow_up", "Follow-up"


class ResponseQuerySet(OutcomeQuerySet["Response"]):
    pass


class Response(models.Model):
    """One completed questionnaire: every item answer, and the total the engine computed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="outcome_responses"
    )
    definition = models.ForeignKey(
        InstrumentDefinition, on_delete=models.PROTECT, related_name="responses"
    )
    instrument_key = models.SlugField(max_length=63)
    instrument_version = models.CharField(max_length=20)
    answers = models.JSONField(default=dict, help_text="Every item's answer, by item id.")
    total = models.FloatField(null=True, blank=True, editable=False)
    domain_scores = models.JSONField(default=dict, blank=True, editable=False)
    band = models.CharField(max_length=120, blank=True, editable=False)
    missing_items = models.JSONField(default=list, blank=True, editable=False)
    score_note = models.CharField(max_length=300, blank=True, editable=False)
    alerts = models.JSONField(default=list, blank=True, editable=False)
    occasion = models.CharField(max_length=12, choices=Occasion.choices, default=Occasion.SESSION)
    session_number = models.PositiveSmallIntegerField(null=True, blank=True)
    condition = models.SlugField(max_length=40, blank=True)
    completed_at = models.DateTimeField()
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[ResponseQuerySet] = ResponseQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("completed_at", "created_at")
        indexes = (models.Index(fields=("client", "instrument_key", "completed_at")),)
        constraints = (
            models.CheckConstraint(
                condition=Q(occasion__in=[o.value for o in Occasion]),
                name="outcome_response_occasion_valid",
            ),
        )

    def __str__(self) -> str:
        return f"{self.instrument_key} {self.completed_at:%Y-%m-%d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.apply_score()
        super().save(*args, **kwargs)

    def apply_score(self) -> None:
        """Recompute everything derived from the answers. Raises ValidationError on bad answers."""
        instrument = self.definition.instrument
        try:
            result = score(instrument, self.answers or {})
        except AnswerError as exc:
            raise ValidationError(
                {"answers": [f"{k}: {v}" for k, v in exc.fields.items()]}
            ) from exc
        self.answers = clean_answers(instrument, self.answers or {})
        self.instrument_key = instrument.key
        self.instrument_version = instrument.version
        self.total = result.value
        self.domain_scores = {k: float(v) for k, v in result.domains.items()}
        self.band = result.band.label if result.band else ""
        self.missing_items = list(result.missing)
        self.score_note = result.reason[:300]
        self.alerts = [a.kind for a in result.alerts]


class DiaryEntryQuerySet(OutcomeQuerySet["DiaryEntry"]):
    pass


class DiaryEntry(models.Model):
    """One day of the headache diary. One entry per client and date."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="diary_entries"
    )
    date = models.DateField()
    headache = models.BooleanField()
    peak = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Peak intensity 0-10 on a headache day."
    )
    medication = models.BooleanField(help_text="Acute headache medication taken.")
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[DiaryEntryQuerySet] = DiaryEntryQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("date",)
        constraints = (
            models.UniqueConstraint(fields=("client", "date"), name="diary_entry_one_per_day"),
            models.CheckConstraint(
                condition=Q(peak__isnull=True) | Q(peak__gte=0, peak__lte=10),
                name="diary_entry_peak_0_10",
            ),
            models.CheckConstraint(
                condition=Q(headache=True) | Q(peak__isnull=True) | Q(peak=0),
                name="diary_entry_peak_only_on_headache_days",
            ),
        )

    def __str__(self) -> str:
        return f"diary {self.date:%Y-%m-%d}"


class ChangeStatus(models.TextChoices):
    IMPROVED = "improved", "Reached the minimal important change"
    NOT_YET = "not_yet", "Not yet"
    WORSE = "worse", "Worse by at least the minimal important change"
    NO_MIC = "no_mic", "No established minimal important change"
    NO_DATA = "no_data", "Not enough data yet"


class OutcomeSummaryQuerySet(OutcomeQuerySet["OutcomeSummary"]):
    pass


class OutcomeSummary(models.Model):
    """Per client and measure: baseline, latest, change and status, kept current on write.

    Practice reports aggregate these rows in SQL instead of scanning raw answers.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="outcome_summaries"
    )
    instrument_key = models.SlugField(max_length=63)
    condition = models.SlugField(max_length=40, blank=True)
    baseline_value = models.FloatField(null=True, blank=True)
    baseline_on = models.DateField(null=True, blank=True)
    latest_value = models.FloatField(null=True, blank=True)
    latest_on = models.DateField(null=True, blank=True)
    change = models.FloatField(null=True, blank=True, help_text="Latest minus baseline.")
    improvement = models.FloatField(
        null=True, blank=True, help_text="Change oriented so that positive is better."
    )
    status = models.CharField(
        max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.NO_DATA
    )
    responder = models.BooleanField(default=False)
    has_follow_up = models.BooleanField(default=False)
    measurements = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[OutcomeSummaryQuerySet] = OutcomeSummaryQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("instrument_key",)
        constraints = (
            models.UniqueConstraint(
                fields=("client", "instrument_key"), name="outcome_summary_one_per_measure"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in ChangeStatus]),
                name="outcome_summary_status_valid",
            ),
        )
        indexes = (models.Index(fields=("clinic", "condition", "instrument_key")),)

    def __str__(self) -> str:
        return f"{self.instrument_key}: {self.status}"


class OutcomeAlertQuerySet(OutcomeQuerySet["OutcomeAlert"]):
    def open(self) -> OutcomeAlertQuerySet:
        return self.filter(acknowledged_at__isnull=True)


class OutcomeAlert(models.Model):
    """A safety alert raised by an answer (PHQ-9 item 9 above 0), until acknowledged."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="outcome_alerts"
    )
    response = models.ForeignKey(
        Response, null=True, blank=True, on_delete=models.SET_NULL, related_name="raised_alerts"
    )
    kind = models.SlugField(max_length=40)
    message = models.CharField(max_length=300)
    raised_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects: ClassVar[OutcomeAlertQuerySet] = OutcomeAlertQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-raised_at",)

    def __str__(self) -> str:
        return f"{self.kind} alert"


class LinkKind(models.TextChoices):
    QUESTIONNAIRE = "questionnaire", "Questionnaire (one use)"
    DIARY = "diary", "Headache diary (daily until it expires)"


class QuestionnaireLinkQuerySet(OutcomeQuerySet["QuestionnaireLink"]):
    pass


class QuestionnaireLink(models.Model):
    """A secure link e-mailed to a client: only a hash of its token is stored.

    A questionnaire link works once; a diary link takes one entry a day until it expires.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="questionnaire_links"
    )
    definition = models.ForeignKey(
        InstrumentDefinition, on_delete=models.PROTECT, related_name="links"
    )
    kind = models.CharField(max_length=14, choices=LinkKind.choices)
    occasion = models.CharField(max_length=12, choices=Occasion.choices, default=Occasion.SESSION)
    token_digest = models.CharField(max_length=64, unique=True)
    sent_to = models.EmailField(blank=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    response = models.ForeignKey(
        Response, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[QuestionnaireLinkQuerySet] = QuestionnaireLinkQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-created_at",)
        constraints = (
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in LinkKind]),
                name="questionnaire_link_kind_valid",
            ),
        )

    def __str__(self) -> str:
        return f"{self.kind} link"


class DiaryReminderQuerySet(OutcomeQuerySet["DiaryReminder"]):
    pass


class DiaryReminder(models.Model):
    """The time of day the client chose for the daily diary e-mail, in their own zone.

    The worker e-mails a fresh diary link once per local day at or after that time
    (``DiaryReminderSent`` is unique per reminder and day). ``member`` is the staff
    member who set it up: the worker sends in their name and their clinic.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    client = models.OneToOneField(
        "clients.Client", on_delete=models.CASCADE, related_name="diary_reminder"
    )
    local_time = models.TimeField(help_text="When the client wants the e-mail, local time.")
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    active = models.BooleanField(default=True)
    until = models.DateField(null=True, blank=True, help_text="Last day to send (optional).")
    member = models.ForeignKey(
        "clinics.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[DiaryReminderQuerySet] = DiaryReminderQuerySet.as_manager()  # type: ignore[assignment]

    def __str__(self) -> str:
        return f"diary reminder {self.local_time:%H:%M}"


class DiaryReminderSent(models.Model):
    """One local day's diary e-mail: the unique row is what makes the reminder daily-once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reminder = models.ForeignKey(DiaryReminder, on_delete=models.CASCADE, related_name="sent")
    day = models.DateField()
    link = models.ForeignKey(
        QuestionnaireLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-day",)
        constraints = (
            models.UniqueConstraint(fields=("reminder", "day"), name="diary_reminder_once_a_day"),
        )

    def __str__(self) -> str:
        return f"diary e-mail {self.day:%Y-%m-%d}"
