"""Charting: SOAP session notes with CST structure, signed and locked, with addenda.

A note is a draft until its author signs it. Signing stores who, when, a SHA-256
of the note's canonical content and a keyed seal of it (``signing.py``); from then on the note and every row
under it (rhythm findings, restrictions, still points, techniques) are fixed — in the
model and querysets here, and in the database by triggers (migration 0002), so a
bulk ``update()`` or raw SQL cannot change or delete them either. Later words are addenda,
append-only rows with their own author, time and hash.

Rhythm findings are the practitioner's palpation findings, not measurements: the rate
is stored as a number and never judged normal or abnormal (see domain/session.md).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from sacrum.access.scoping import ClinicScopedQuerySet
from sacrum.charting.regions import BY_CODE, REGION_CHOICES, REGION_CODES, Side
from sacrum.kernel.errors import Locked
from sacrum.kernel.models import AppendOnly, RefusesBulkChanges

_M = TypeVar("_M", bound=models.Model)


LOCKED_MESSAGE = "A signed session note is locked. Add an addendum instead."

DEFAULT_STATIONS = (
    "Heels",
    "Tops of the feet",
    "Front of the thighs",
    "Pelvis (anterior iliac spines)",
    "Lower rib cage",
    "Shoulders",
    "Head",
)

# Names and order vary between sources; the two lists are starting points a clinic edits.
DEFAULT_TECHNIQUE_TEMPLATES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "10-step protocol (commonly taught)",
        (
            "Rhythm evaluation at the listening stations",
            "Still point",
            "Pelvic diaphragm release",
            "Respiratory diaphragm release",
            "Thoracic inlet release",
            "Hyoid release",
            "Cranial base release",
            "Dural tube traction",
            "Frontal lift",
            "Parietal lift",
            "Sphenoid technique",
            "Temporal techniques",
            "TMJ technique",
        ),
    ),
    (
        "Migraine trial visit (Mann et al. 2008)",
        (
            "Symptom review",
            "Rhythm evaluation",
            "Arcing",
            "Pelvic and lumbosacral releases",
            "Diaphragm releases",
            "Falx and tentorium work",
            "Mandibular compression / decompression",
            "Hard palate",
            "Dural tube",
            "Still point",
            "Global assessment",
        ),
    ),
)


class NoteStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"


class Position(models.TextChoices):
    SUPINE = "supine", "Supine (face up)"
    PRONE = "prone", "Prone (face down)"
    SIDE = "side", "Side-lying"
    SEATED = "seated", "Seated"


class Attire(models.TextChoices):
    CLOTHED = "clothed", "Clothed"
    GOWN = "gown", "Gown"


class Sensation(models.TextChoices):
    WARMTH = "warmth", "Warmth"
    TINGLING = "tingling", "Tingling"
    RELAXATION = "relaxation", "Relaxation"
    SLEEP = "sleep", "Fell asleep / drowsy"
    EMOTION = "emotion", "Emotional release"
    NONE = "none", "Nothing in particular"


class Amplitude(models.IntegerChoices):
    LOW = 1, "Low"
    MODERATE = 2, "Moderate"
    FULL = 3, "Full"


class Quality(models.IntegerChoices):
    WEAK = 1, "Weak / erratic"
    MODERATE = 2, "Moderate"
    VITAL = 3, "Vital / smooth"


class Symmetry(models.TextChoices):
    SYMMETRIC = "symmetric", "Symmetric"
    LEFT_REDUCED = "left_reduced", "Less on the left"
    RIGHT_REDUCED = "right_reduced", "Less on the right"


class StillPointLocation(models.TextChoices):
    FEET = "feet", "Feet"
    OCCIPUT = "occiput", "Occiput (CV-4)"
    SACRUM = "sacrum", "Sacrum"
    SPONTANEOUS = "spontaneous", "Spontaneous"
    OTHER = "other", "Other"


# --- Clinic settings ------------------------------------------------------------


class ClinicSettingQuerySet(ClinicScopedQuerySet[_M]):
    area = "clinic"


class ChartingPolicy(models.Model):
    """A clinic's charting settings. A clinic without a row uses the defaults."""

    clinic = models.OneToOneField(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="charting_policy"
    )
    unsigned_alert_hours = models.PositiveSmallIntegerField(
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
        help_text="Unsigned notes older than this show on their author's dashboard.",
    )

    objects: ClassVar[ClinicSettingQuerySet[ChartingPolicy]] = ClinicSettingQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name_plural = "charting policies"
        constraints = (
            models.CheckConstraint(
                condition=Q(unsigned_alert_hours__gte=1, unsigned_alert_hours__lte=24 * 30),
                name="charting_policy_alert_hours_range",
            ),
        )

    def __str__(self) -> str:
        return f"Charting policy of {self.clinic_id}"


class ChartingPreference(models.Model):
    """A practitioner's own choices in the note editor, kept between notes: which parts of
    the last signed note a new note carries forward. One row per membership (a person who
    works in two clinics chooses in each); no row means nothing is carried."""

    member = models.OneToOneField(
        "clinics.Membership", on_delete=models.CASCADE, related_name="charting_preference"
    )
    carry_forward = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Charting preferences of {self.member_id}"


class ClinicalSetupQuerySet(ClinicScopedQuerySet[_M]):
    """Stations and templates: read by clinical staff (``clinical.view``), edited by the owner."""

    area = "clinical"


class ListeningStation(models.Model):
    """A place the rhythm is palpated (heels, thighs, head…). Per clinic, editable, ordered.

    Stations are retired (``active=False``), never deleted once a finding uses them.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="listening_stations"
    )
    name = models.CharField(max_length=80)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    objects: ClassVar[ClinicalSetupQuerySet[ListeningStation]] = ClinicalSetupQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("position", "name")
        constraints = (
            models.UniqueConstraint(fields=("clinic", "name"), name="charting_station_name_unique"),
        )

    def __str__(self) -> str:
        return self.name


class TechniqueTemplate(models.Model):
    """An ordered list of technique names a practitioner picks from (per clinic)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="technique_templates"
    )
    name = models.CharField(max_length=100)
    steps = models.JSONField(default=list, help_text="Technique names, in order.")
    shipped = models.BooleanField(default=False, editable=False)
    active = models.BooleanField(default=True)

    objects: ClassVar[ClinicalSetupQuerySet[TechniqueTemplate]] = ClinicalSetupQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("name",)
        constraints = (
            models.UniqueConstraint(
                fields=("clinic", "name"), name="charting_technique_template_name_unique"
            ),
        )

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        steps = self.steps
        if not isinstance(steps, list) or not all(isinstance(s, str) for s in steps):
            raise ValidationError({"steps": "Give the technique names as a list of text."})
        cleaned = [s.strip() for s in steps]
        if not cleaned or any(not s for s in cleaned):
            raise ValidationError({"steps": "Name every technique (at least one)."})
        if any(len(s) > 120 for s in cleaned):
            raise ValidationError({"steps": "A technique name has at most 120 characters."})
        if len(cleaned) > 40:
            raise ValidationError({"steps": "A template has at most 40 techniques."})
        self.steps = cleaned


SOAP_TEXT_FIELDS = (
    "complaint",
    "changes_since_last",
    "health_changes",
    "observation",
    "palpation",
    "response",
    "sensations_note",
    "adverse_reactions",
    "progress",
    "next_visit",
    "frequency",
    "home_care",
    "referral",
)


class NoteTemplate(models.Model):
    """Default SOAP text (and a technique template) for a new note of one service."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="note_templates"
    )
    service = models.OneToOneField(
        "scheduling.ServiceType", on_delete=models.CASCADE, related_name="note_template"
    )
    defaults = models.JSONField(
        default=dict, blank=True, help_text="SOAP text field name → starting text."
    )
    client_position = models.CharField(max_length=10, choices=Position.choices, blank=True)
    attire = models.CharField(max_length=10, choices=Attire.choices, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(240)]
    )
    technique_template = models.ForeignKey(
        TechniqueTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects: ClassVar[ClinicalSetupQuerySet[NoteTemplate]] = ClinicalSetupQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("service__name",)

    def __str__(self) -> str:
        return f"Note template for {self.service}"

    def clean(self) -> None:
        defaults = self.defaults
        if not isinstance(defaults, dict):
            raise ValidationError({"defaults": "Give the starting text by field name."})
        unknown = sorted(set(defaults) - set(SOAP_TEXT_FIELDS))
        if unknown:
            raise ValidationError(
                {"defaults": f"Not a text field of a note: {', '.join(unknown)}."}
            )
        if not all(isinstance(v, str) and len(v) <= 4000 for v in defaults.values()):
            raise ValidationError(
                {"defaults": "Each starting text is text of at most 4000 characters."}
            )
        if self.service_id and self.clinic_id and self.service.clinic_id != self.clinic_id:
            raise ValidationError({"service": "Choose a service of this clinic."})
        chosen = self.technique_template if self.technique_template_id else None
        if chosen is not None and self.clinic_id and chosen.clinic_id != self.clinic_id:
            raise ValidationError({"technique_template": "Choose a template of this clinic."})


# --- The note -------------------------------------------------------------------


class NoteQuerySet(ClinicScopedQuerySet["SessionNote"]):
    """Notes are clinical: never the front desk's. Signed notes refuse bulk changes."""

    area = "clinical"

    def update(self, **kwargs: Any) -> int:
        if self.filter(status=NoteStatus.SIGNED).exists():
            raise Locked(LOCKED_MESSAGE)
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.filter(status=NoteStatus.SIGNED).exists():
            raise Locked(LOCKED_MESSAGE)
        return super().delete()


def _pain_range(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gte": 0, f"{name}__lte": 10}),
        name=f"charting_note_{name}_0_to_10",
    )


PAIN_VALIDATORS = [MinValueValidator(0), MaxValueValidator(10)]


class SessionNote(models.Model):
    """One session, charted in SOAP sections. Drafts change freely; signed notes never."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.PROTECT, related_name="session_notes"
    )
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="session_notes"
    )
    appointment = models.OneToOneField(
        "scheduling.Appointment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="session_note",
        help_text="Empty for an unscheduled visit.",
    )
    author = models.ForeignKey(
        "clinics.Membership", on_delete=models.PROTECT, related_name="authored_notes"
    )
    seen_at = models.DateTimeField(help_text="When the session took place.")
    status = models.CharField(max_length=10, choices=NoteStatus.choices, default=NoteStatus.DRAFT)
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # S
    complaint = models.TextField("complaint (client's words)", max_length=4000, blank=True)
    changes_since_last = models.TextField(max_length=4000, blank=True)
    health_changes = models.TextField(
        "new health or medication changes", max_length=4000, blank=True
    )
    pain_before = models.PositiveSmallIntegerField(
        "pain before (0-10)", null=True, blank=True, validators=PAIN_VALIDATORS
    )
    # O
    observation = models.TextField(max_length=4000, blank=True)
    palpation = models.TextField(max_length=4000, blank=True)
    client_position = models.CharField(max_length=10, choices=Position.choices, blank=True)
    attire = models.CharField(max_length=10, choices=Attire.choices, blank=True)
    tags = models.JSONField(
        default=list, blank=True, help_text="Optional short tags (e.g. tides, fulcrum)."
    )
    # A
    response = models.TextField("response to the session", max_length=4000, blank=True)
    pain_after = models.PositiveSmallIntegerField(
        "pain after (0-10)", null=True, blank=True, validators=PAIN_VALIDATORS
    )
    sensations = models.JSONField(default=list, blank=True)
    sensations_note = models.TextField(max_length=2000, blank=True)
    adverse_reactions = models.TextField(max_length=4000, blank=True)
    progress = models.TextField("progress to goals", max_length=4000, blank=True)
    # P
    next_visit = models.CharField(max_length=200, blank=True)
    frequency = models.CharField(max_length=200, blank=True)
    home_care = models.TextField(max_length=4000, blank=True)
    referral = models.TextField(max_length=4000, blank=True)

    duration_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(240)]
    )
    sensitive = models.BooleanField(
        "author only",
        default=False,
        help_text="Only the author sees it; the owner may open it and must give a reason.",
    )

    signed_by = models.ForeignKey(
        "clinics.Membership", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    seal = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="HMAC of the content hash with a key from the server's SECRET_KEY.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[NoteQuerySet] = NoteQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-seen_at",)
        indexes = (
            models.Index(fields=("client", "-seen_at"), name="charting_note_client_seen"),
            models.Index(fields=("author", "status", "created_at"), name="charting_note_author"),
        )
        constraints = (
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in NoteStatus]),
                name="charting_note_status_valid",
            ),
            _pain_range("pain_before"),
            _pain_range("pain_after"),
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True)
                | Q(duration_minutes__gte=1, duration_minutes__lte=240),
                name="charting_note_duration_1_to_240",
            ),
            models.CheckConstraint(
                condition=Q(client_position__in=["", *Position.values]),
                name="charting_note_position_valid",
            ),
            models.CheckConstraint(
                condition=Q(attire__in=["", *Attire.values]), name="charting_note_attire_valid"
            ),
            # Signed means signer, time and hash are all there; a draft has none of them.
            models.CheckConstraint(
                condition=(
                    Q(status=NoteStatus.SIGNED)
                    & Q(signed_by__isnull=False, signed_at__isnull=False)
                    & ~Q(content_hash="")
                )
                | (
                    Q(status=NoteStatus.DRAFT)
                    & Q(signed_by__isnull=True, signed_at__isnull=True, content_hash="")
                ),
                name="charting_note_signed_complete",
            ),
        )

    def __str__(self) -> str:
        return f"Session note {self.seen_at:%Y-%m-%d} ({self.get_status_display()})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A signed row is never saved again (signing itself saves a draft row)."""
        if not self._state.adding and self.pk:
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == NoteStatus.SIGNED:
                raise Locked(LOCKED_MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if type(self).objects.filter(pk=self.pk, status=NoteStatus.SIGNED).exists():
            raise Locked(LOCKED_MESSAGE)
        return super().delete(*args, **kwargs)

    @property
    def is_signed(self) -> bool:
        return self.status == NoteStatus.SIGNED

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not isinstance(self.sensations, list) or not all(
            s in Sensation.values for s in self.sensations
        ):
            errors["sensations"] = "Choose sensations from the list."
        elif len(set(self.sensations)) != len(self.sensations):
            errors["sensations"] = "Each sensation once."
        if not isinstance(self.tags, list) or not all(
            isinstance(t, str) and 0 < len(t.strip()) <= 40 for t in self.tags
        ):
            errors["tags"] = "Tags are short words (at most 40 characters each)."
        elif len(self.tags) > 20:
            errors["tags"] = "At most 20 tags."
        if self.appointment_id and self.client_id:
            appointment = self.appointment
            if appointment is not None and appointment.client_id != self.client_id:
                errors["appointment"] = "This appointment is another client's."
        if errors:
            raise ValidationError(errors)


class NoteChildQuerySet(models.QuerySet[_M]):
    """Rows under a note: bulk changes refused when any of their notes is signed."""

    def _touches_signed(self) -> bool:
        return self.filter(note__status=NoteStatus.SIGNED).exists()

    def update(self, **kwargs: Any) -> int:
        if self._touches_signed():
            raise Locked(LOCKED_MESSAGE)
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self._touches_signed():
            raise Locked(LOCKED_MESSAGE)
        return super().delete()


class NoteChild(models.Model):
    """Shared guard: a row of a signed note is never saved or deleted."""

    objects: ClassVar[NoteChildQuerySet[NoteChild]] = NoteChildQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._note_signed():
            raise Locked(LOCKED_MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self._note_signed():
            raise Locked(LOCKED_MESSAGE)
        return super().delete(*args, **kwargs)

    def _note_signed(self) -> bool:
        note_id: Any = getattr(self, "note_id", None)
        return SessionNote.objects.filter(pk=note_id, status=NoteStatus.SIGNED).exists()


class RhythmFinding(NoteChild):
    """The palpated rhythm at one listening station: a palpation finding, not a measurement."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    note = models.ForeignKey(SessionNote, on_delete=models.CASCADE, related_name="rhythm_findings")
    station = models.ForeignKey(ListeningStation, on_delete=models.PROTECT, related_name="+")
    rate = models.DecimalField(
        "rate (cycles per minute)",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(60))],
    )
    amplitude = models.PositiveSmallIntegerField(choices=Amplitude.choices, null=True, blank=True)
    symmetry = models.CharField(max_length=15, choices=Symmetry.choices, blank=True)
    quality = models.PositiveSmallIntegerField(choices=Quality.choices, null=True, blank=True)
    note_text = models.CharField("note", max_length=500, blank=True)

    class Meta:
        ordering = ("station__position", "station__name")
        constraints = (
            models.UniqueConstraint(
                fields=("note", "station"), name="charting_finding_station_once"
            ),
            models.CheckConstraint(
                condition=Q(rate__isnull=True) | Q(rate__gte=0, rate__lte=60),
                name="charting_finding_rate_0_to_60",
            ),
            models.CheckConstraint(
                condition=Q(amplitude__isnull=True) | Q(amplitude__gte=1, amplitude__lte=3),
                name="charting_finding_amplitude_1_to_3",
            ),
            models.CheckConstraint(
                condition=Q(quality__isnull=True) | Q(quality__gte=1, quality__lte=3),
                name="charting_finding_quality_1_to_3",
            ),
            models.CheckConstraint(
                condition=Q(symmetry__in=["", *Symmetry.values]),
                name="charting_finding_symmetry_valid",
            ),
        )

    def __str__(self) -> str:
        return f"Rhythm at {self.station_id}"


class StillPoint(NoteChild):
    """A pause of the palpated rhythm: induced or not, where, for how long."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    note = models.ForeignKey(SessionNote, on_delete=models.CASCADE, related_name="still_points")
    position = models.PositiveSmallIntegerField(default=0)
    induced = models.BooleanField(default=True)
    location = models.CharField(max_length=15, choices=StillPointLocation.choices)
    duration_seconds = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(3600)]
    )

    class Meta:
        ordering = ("position",)
        constraints = (
            models.CheckConstraint(
                condition=Q(duration_seconds__isnull=True) | Q(duration_seconds__lte=3600),
                name="charting_still_point_duration_max_hour",
            ),
            models.CheckConstraint(
                condition=Q(location__in=StillPointLocation.values),
                name="charting_still_point_location_valid",
            ),
        )

    def __str__(self) -> str:
        return f"Still point at {self.location}"


class Restriction(NoteChild):
    """A restriction marked on the body map: region, side, severity 1 to 3, and a note."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    note = models.ForeignKey(SessionNote, on_delete=models.CASCADE, related_name="restrictions")
    region = models.CharField(max_length=30, choices=REGION_CHOICES)
    side = models.CharField(max_length=10, choices=Side.choices, default=Side.MIDLINE)
    severity = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    note_text = models.CharField("note", max_length=500, blank=True)

    class Meta:
        ordering = ("region", "side")
        constraints = (
            models.UniqueConstraint(
                fields=("note", "region", "side"), name="charting_restriction_place_once"
            ),
            models.CheckConstraint(
                condition=Q(severity__gte=1, severity__lte=3),
                name="charting_restriction_severity_1_to_3",
            ),
            models.CheckConstraint(
                condition=Q(region__in=REGION_CODES), name="charting_restriction_region_known"
            ),
            models.CheckConstraint(
                condition=Q(side__in=Side.values), name="charting_restriction_side_valid"
            ),
        )

    def __str__(self) -> str:
        return f"Restriction {self.region} ({self.side})"

    def clean(self) -> None:
        found = BY_CODE.get(self.region)
        if found is not None and self.side not in found.sides:
            raise ValidationError(
                {"side": f"{found.label} is marked left, right or both sides, not midline."}
            )


class TechniqueEntry(NoteChild):
    """One technique performed, in order, with optional duration and the client's response."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    note = models.ForeignKey(SessionNote, on_delete=models.CASCADE, related_name="techniques")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=120)
    duration_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(240)]
    )
    response = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ("position",)
        constraints = (
            models.UniqueConstraint(
                fields=("note", "position"), name="charting_technique_position_once"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True)
                | Q(duration_minutes__gte=1, duration_minutes__lte=240),
                name="charting_technique_duration_1_to_240",
            ),
        )

    def __str__(self) -> str:
        return self.name


# --- After signing ----------------------------------------------------------------


class AppendOnlyQuerySet(RefusesBulkChanges, ClinicScopedQuerySet[_M]):
    area = "clinical"
    clinic_path = "note__clinic"
    locked_message = "Addenda are append-only."


class Addendum(AppendOnly):
    """Words added to a signed note later: appended, never edited, with their own hash."""

    locked_message = "Addenda are append-only."

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    note = models.ForeignKey(SessionNote, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey("clinics.Membership", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    text = models.TextField(max_length=8000)
    content_hash = models.CharField(max_length=64, editable=False)
    seal = models.CharField(max_length=64, blank=True, editable=False)

    objects: ClassVar[AppendOnlyQuerySet[Addendum]] = AppendOnlyQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("created_at",)
        verbose_name_plural = "addenda"
        constraints = (
            models.CheckConstraint(
                condition=~Q(content_hash="") & ~Q(text=""), name="charting_addendum_complete"
            ),
        )

    def __str__(self) -> str:
        return f"Addendum {self.created_at:%Y-%m-%d %H:%M}"


class SensitiveAccessQuerySet(RefusesBulkChanges, ClinicScopedQuerySet[_M]):
    area = "clinical"
    clinic_path = "note__clinic"
    locked_message = "Access reasons are append-only."


class SensitiveAccess(AppendOnly):
    """Why the owner opened an "author only" note: the audit log keeps no text, this does."""

    locked_message = "Access reasons are append-only."

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    note = models.ForeignKey(SessionNote, on_delete=models.PROTECT, related_name="accesses")
    member = models.ForeignKey("clinics.Membership", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500)
    at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[SensitiveAccessQuerySet[SensitiveAccess]] = (
        SensitiveAccessQuerySet.as_manager()  # type: ignore[assignment]
    )

    class Meta:
        ordering = ("-at",)
        constraints = (
            models.CheckConstraint(condition=~Q(reason=""), name="charting_access_reason_given"),
        )

    def __str__(self) -> str:
        return f"Access to {self.note_id} at {self.at:%Y-%m-%d %H:%M}"


# --- Notes imported from another system ------------------------------------------------


class ImportedNoteQuerySet(RefusesBulkChanges, ClinicScopedQuerySet["ImportedNote"]):
    area = "clinical"
    locked_message = "An imported note is kept as it came and never changed."


class ImportedNote(AppendOnly):
    """A note signed in the system the clinic left, kept as it came: read-only, never a
    Sacrum-signed note. The author is a name (they may never have used Sacrum); the hash
    lets anyone check the text is the one imported."""

    locked_message = "An imported note is kept as it came and never changed."

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="imported_notes"
    )
    session_date = models.DateField()
    author_name = models.CharField(max_length=150, blank=True)
    title = models.CharField(max_length=200, blank=True)
    text = models.TextField(max_length=100000)
    source_system = models.CharField(max_length=60)
    source_id = models.CharField(max_length=200)
    imported_at = models.DateTimeField()
    content_hash = models.CharField(max_length=64, editable=False)

    objects: ClassVar[ImportedNoteQuerySet] = ImportedNoteQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-session_date", "title")
        indexes = (models.Index(fields=("client", "session_date"), name="imported_note_client"),)
        constraints = (
            models.UniqueConstraint(
                fields=("clinic", "source_system", "source_id"), name="imported_note_once"
            ),
            models.CheckConstraint(
                condition=~Q(content_hash="") & ~Q(text=""), name="imported_note_complete"
            ),
        )

    def __str__(self) -> str:
        return f"Imported note of {self.session_date:%Y-%m-%d}"
