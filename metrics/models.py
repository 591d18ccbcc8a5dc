"""Metrics: framework editions and their catalogue, quarters, returns, versions and values.

Calculation runs and their results (quartiles, scores, SPC, flags) are defined after the
return models: one models module, read top to bottom in the order data flows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date
from typing import Any, Self, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from metrics.spc import document_decode, document_encode
from oversight.models import Organisation


class Methodology(models.TextChoices):
    SOF_2021_22 = "sof_2021_22", "System Oversight Framework 2021/22"
    NOF_2025_26 = "nof_2025_26", "NHS Oversight Framework 2025/26"


class FrameworkEdition(models.Model):
    """A year's framework: its metric catalogue and the methodology that segments with it."""

    code = models.SlugField(max_length=20, unique=True, help_text='e.g. "sof-2021-22"')
    name = models.CharField(max_length=200)
    methodology = models.CharField(max_length=20, choices=Methodology.choices)
    catalogue_version = models.PositiveIntegerField(
        default=1, help_text="Raised by one each time the catalogue is loaded or edited."
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Theme(models.Model):
    """A SOF 2021/22 theme or NOF 2025/26 domain."""

    edition = models.ForeignKey(FrameworkEdition, on_delete=models.CASCADE, related_name="themes")
    slug = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["edition", "order"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "slug"], name="unique_theme_per_edition")
        ]

    def __str__(self) -> str:
        return self.name


class Polarity(models.TextChoices):
    HIGHER_BETTER = "higher_better", "Higher is better"
    LOWER_BETTER = "lower_better", "Lower is better"
    NEUTRAL = "neutral", "Neutral"


class ValueType(models.TextChoices):
    COUNT = "count", "Count"
    PERCENTAGE = "percentage", "Percentage"
    RATE = "rate", "Rate"
    SCORE = "score", "Score"
    RATING = "rating", "Rating"


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"


class QuarterBasis(models.TextChoices):
    LATEST = "latest", "Latest month in the quarter"
    MEAN = "mean", "Mean of the months"
    SUM = "sum", "Sum of the months"


# Who a metric applies to: the peer groups of oversight.models (kind, or trust sector).
APPLICABILITY = ("ics", "ccg", "acute", "mental_health", "community", "ambulance", "specialist")


class Metric(models.Model):
    """One metric of an edition's catalogue (DESIGN.md "Framework editions and the catalogue")."""

    edition = models.ForeignKey(FrameworkEdition, on_delete=models.CASCADE, related_name="metrics")
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=300)
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="metrics")
    applies_to = models.CharField(
        max_length=120, help_text="Space-separated: " + " ".join(APPLICABILITY)
    )
    polarity = models.CharField(max_length=20, choices=Polarity.choices)
    unit = models.CharField(max_length=80)
    value_type = models.CharField(max_length=20, choices=ValueType.choices)
    frequency = models.CharField(max_length=20, choices=Frequency.choices)
    quarter_basis = models.CharField(max_length=10, choices=QuarterBasis.choices, blank=True)
    valid_min = models.FloatField(null=True, blank=True)
    valid_max = models.FloatField(null=True, blank=True)
    standard = models.FloatField(null=True, blank=True)
    floor = models.FloatField(null=True, blank=True)
    score_map = models.CharField(max_length=300, blank=True)
    weight = models.DecimalField(max_digits=8, decimal_places=4, default=1)
    scored = models.BooleanField(default=True)
    definition = models.TextField(blank=True)
    source = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["edition", "code"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], name="unique_metric_code"),
            models.CheckConstraint(
                name="monthly_metrics_have_a_basis",
                condition=Q(frequency="quarterly", quarter_basis="")
                | (Q(frequency="monthly") & ~Q(quarter_basis="")),
            ),
            models.CheckConstraint(
                name="valid_range_ordered",
                condition=Q(valid_min__isnull=True)
                | Q(valid_max__isnull=True)
                | Q(valid_min__lte=models.F("valid_max")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def applicable_groups(self) -> frozenset[str]:
        return frozenset(self.applies_to.split())

    def applies_to_body(self, organisation: Organisation) -> bool:
        group = organisation.sector if organisation.kind == "trust" else organisation.kind
        return group in self.applicable_groups


class Period(models.Model):
    """A financial-year quarter, e.g. 2021-22 Q3 (1 October – 31 December 2021)."""

    year = models.PositiveSmallIntegerField(help_text="The financial year's first calendar year")
    quarter = models.PositiveSmallIntegerField(choices=[(q, f"Q{q}") for q in range(1, 5)])
    start = models.DateField()
    end = models.DateField()
    opens_on = models.DateField(help_text="Returns can be submitted from this day")
    due_on = models.DateField(help_text="Returns are late after this day")
    closes_on = models.DateField(help_text="Returns are locked after this day")

    class Meta:
        ordering = ["year", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["year", "quarter"], name="unique_quarter"),
            models.CheckConstraint(
                name="window_in_order",
                condition=Q(opens_on__lte=models.F("due_on"))
                & Q(due_on__lte=models.F("closes_on")),
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.year}-{(self.year + 1) % 100:02d} Q{self.quarter}"

    @property
    def slug(self) -> str:
        return f"{self.year}-{(self.year + 1) % 100:02d}-q{self.quarter}"

    def month_ends(self) -> list[date]:
        """The last day of each of the quarter's three months."""
        ends = []
        for offset in range(3):
            month = (self.start.month + offset - 1) % 12 + 1
            year = self.start.year + (self.start.month + offset - 1) // 12
            following = date(year + month // 12, month % 12 + 1, 1)
            ends.append(date.fromordinal(following.toordinal() - 1))
        return ends


class ReturnState(models.TextChoices):
    SUBMITTED = "submitted", "Submitted, awaiting sign-off"
    SIGNED_OFF = "signed_off", "Signed off, awaiting regional review"
    ACCEPTED = "accepted", "Accepted"
    RETURNED = "returned", "Sent back"


class Return(models.Model):
    """One body's quarterly oversight return for one edition: a series of versions."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="returns")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="returns")
    edition = models.ForeignKey(FrameworkEdition, on_delete=models.PROTECT, related_name="returns")
    state = models.CharField(max_length=20, choices=ReturnState.choices)
    current_version = models.ForeignKey(
        "ReturnVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepted_version = models.ForeignKey(
        "ReturnVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "period", "edition"], name="one_return_per_quarter"
            )
        ]
        indexes = [models.Index(fields=["period", "edition", "state"])]

    def __str__(self) -> str:
        return f"{self.organisation.ods_code} {self.period.label} ({self.get_state_display()})"


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class ReturnVersion(models.Model):
    """One upload, immutable: the original file, its SHA-256, who sent it and what was found."""

    return_record = models.ForeignKey(Return, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    file_name = models.CharField(max_length=255)
    file_content = models.BinaryField()
    file_sha256 = models.CharField(max_length=64)
    file_size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    value_count = models.PositiveIntegerField(default=0)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    accepted = models.BooleanField(default=False)
    review_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["return_record", "number"]
        constraints = [
            models.UniqueConstraint(fields=["return_record", "number"], name="version_numbers"),
            models.UniqueConstraint(
                fields=["return_record", "file_sha256"], name="identical_file_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.return_record} v{self.number}"


class Value(models.Model):
    """One value of a version: a (metric, month or quarter end) cell of the return file."""

    version = models.ForeignKey(ReturnVersion, on_delete=models.CASCADE, related_name="values")
    # Denormalised from the version so national queries never join through returns.
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="values")
    period_end = models.DateField()
    value = models.FloatField()
    numerator = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    comment = models.TextField(blank=True)
    row = models.PositiveIntegerField(help_text="Line of the uploaded file, for explanations")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["version", "metric", "period_end"], name="one_value_per_cell"
            )
        ]
        indexes = [models.Index(fields=["metric", "period_end", "version"])]

    def __str__(self) -> str:
        return f"{self.metric_id} {self.period_end}: {self.value:g}"


class Severity(models.TextChoices):
    BLOCKING = "blocking", "Blocking"
    WARNING = "warning", "Warning"


class Finding(models.Model):
    """What validation found in a version: where (row, column), what (code) and how bad."""

    version = models.ForeignKey(ReturnVersion, on_delete=models.CASCADE, related_name="findings")
    row = models.PositiveIntegerField(null=True, blank=True)
    column = models.CharField(max_length=40, blank=True)
    code = models.CharField(max_length=40)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    message = models.TextField()
    metric_code = models.CharField(max_length=20, blank=True)
    justification = models.TextField(blank=True)
    justified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["version", "row", "column"]

    def __str__(self) -> str:
        return f"Row {self.row}, column {self.column}: {self.message}"


class Reopening(models.Model):
    """A regional lead's unlock of one body's return outside its window, until it expires."""

    return_record = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="reopenings")
    reason = models.TextField()
    expires_at = models.DateTimeField()
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reopened_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Reopened until {self.expires_at:%d %b %Y %H:%M}: {self.reason}"


class ReturnEvent(models.Model):
    """The audit trail of a return: every upload, sign-off, review, reopen and value change."""

    class Action(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded a version"
        JUSTIFIED = "justified", "Justified warnings"
        SIGNED_OFF = "signed_off", "Signed off"
        ACCEPTED = "accepted", "Accepted"
        SENT_BACK = "sent_back", "Sent back"
        REOPENED = "reopened", "Reopened"
        VALUES_CHANGED = "values_changed", "Values changed"

    return_record = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="events")
    version = models.ForeignKey(
        ReturnVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["return_record", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor_id} at {self.at:%d %b %Y %H:%M}"


class ReturnDraft(models.Model):
    """An uploaded file under preview: checked, compared, not yet submitted (DESIGN: "draft").

    Seen only by the uploader; submitting it turns it into a `ReturnVersion` and deletes it.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    edition = models.ForeignKey(FrameworkEdition, on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    file_name = models.CharField(max_length=255)
    file_content = models.BinaryField()

    def __str__(self) -> str:
        return f"Draft {self.file_name}"


class CatalogueEvent(models.Model):
    """The catalogue's history: each load or edit raises the edition's catalogue version."""

    class Action(models.TextChoices):
        LOADED = "loaded", "Loaded from CSV"
        EDITED = "edited", "Edited"

    edition = models.ForeignKey(
        FrameworkEdition, on_delete=models.CASCADE, related_name="catalogue_events"
    )
    catalogue_version = models.PositiveIntegerField()
    action = models.CharField(max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    detail = models.JSONField(default=dict, blank=True, help_text="What changed, metric by metric")

    class Meta:
        ordering = ["edition", "-catalogue_version"]

    def __str__(self) -> str:
        return f"{self.edition_id} catalogue v{self.catalogue_version} {self.action}"


# --- Calculation runs and results ----------------------------------------------------------


class RunStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"
    FAILED = "failed", "Failed"
    SUPERSEDED = "superseded", "Superseded (coalesced into another run)"


class CalculationRun(models.Model):
    """One recalculation of a quarter's national picture (DESIGN.md "Calculation run").

    Requested pending in the transaction that accepts a return; a worker claims it (with every
    other pending run of the quarter, which become superseded) and writes its results under
    its own id. Readers see them only once `CurrentRun` points here.
    """

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="calculation_runs")
    edition = models.ForeignKey(
        FrameworkEdition, on_delete=models.PROTECT, related_name="calculation_runs"
    )
    status = models.CharField(max_length=12, choices=RunStatus.choices, default=RunStatus.PENDING)
    reason = models.CharField(max_length=300, help_text='What asked for it, e.g. "Accepted RA1 v2"')
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    full_requested = models.BooleanField(
        default=False, help_text="Recalculate everything, not only what changed"
    )
    requested_metric_ids = models.JSONField(
        default=list,
        blank=True,
        help_text="Metrics to recalculate besides those whose data changed",
    )
    method_version = models.CharField(max_length=20, blank=True)
    parameters = models.JSONField(
        default=dict, blank=True, help_text="Every threshold and setting the run used"
    )
    incremental = models.BooleanField(
        default=False, help_text="Unchanged results were carried over from the previous run"
    )
    metric_ids = models.JSONField(
        default=list, blank=True, help_text="Metrics whose national results this run computed"
    )
    series_recalculated = models.PositiveIntegerField(default=0)
    timings = models.JSONField(
        default=dict, blank=True, help_text="Seconds each step took (metrics.calculation)"
    )
    flag_history = models.JSONField(
        default=list,
        blank=True,
        help_text="[period, current run] of the previous quarters its flags read (0: none)",
    )
    steps_done = models.PositiveSmallIntegerField(default=0)
    steps_total = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="coalesced"
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["period", "edition", "status"]),
            models.Index(fields=["status", "requested_at"]),
        ]

    def __str__(self) -> str:
        return f"Run {self.pk} of {self.period.label} ({self.get_status_display()})"

    @property
    def progress(self) -> float:
        """Share of the steps done, 0.0 to 1.0, for the run status page."""
        return self.steps_done / self.steps_total if self.steps_total else 0.0


def derived_from(to: type[models.Model], **options: Any) -> models.ForeignKey[Any, Any]:
    """A result row's reference to what it describes: no index and no database constraint.

    Result tables take ~30k rows per England-scale run; each foreign-key index and each
    (deferred, per-row) constraint check cost about a second per run. The composite indexes
    serve the readers, the rows are derived from rows that exist, and `on_delete=PROTECT` still
    guards deletions made through the ORM.
    """
    options = {"on_delete": models.PROTECT, **options}
    return models.ForeignKey(to, related_name="+", db_index=False, db_constraint=False, **options)


class RunInput(models.Model):
    """An accepted return version a run read: what any of its results can be traced to.

    Every run records every accepted version up to its quarter (~275k rows at stress scale),
    so, as for the results, no foreign-key index or constraint: their per-row checks at commit
    took seconds of every acceptance's recalculation. The unique (run, version) index serves
    the readers; the rows are the returns' accepted versions as the run read them.
    """

    run = models.ForeignKey(
        CalculationRun,
        on_delete=models.CASCADE,
        related_name="inputs",
        db_index=False,
        db_constraint=False,
    )
    return_version = derived_from(ReturnVersion)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "return_version"], name="run_input_once")
        ]

    def __str__(self) -> str:
        return f"Run {self.run_id} read version {self.return_version_id}"


class CurrentRun(models.Model):
    """The finished run whose results are a quarter's results: readers go through this pointer.

    Switched in the transaction that marks the run finished, so no reader ever sees a
    half-written quarter.
    """

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    edition = models.ForeignKey(FrameworkEdition, on_delete=models.PROTECT, related_name="+")
    run = models.OneToOneField(CalculationRun, on_delete=models.PROTECT, related_name="current_for")
    switched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "edition"], name="one_current_run")
        ]

    def __str__(self) -> str:
        return f"Quarter {self.period_id} of edition {self.edition_id}: run {self.run_id}"


_Row = TypeVar("_Row", bound=models.Model)


class RunResultQuerySet(models.QuerySet[_Row]):
    def current(self) -> Self:
        """Only rows of each quarter's current run (DESIGN.md: never a half-written quarter)."""
        return self.filter(run__current_for__isnull=False)


class QuartileThreshold(models.Model):
    """P25/P50/P75 of one metric in one peer group for a run's quarter (SOF 2021/22)."""

    run = models.ForeignKey(
        CalculationRun, on_delete=models.CASCADE, related_name="thresholds", db_index=False
    )
    metric = derived_from(Metric)
    peer_group = models.CharField(max_length=40)
    n = models.PositiveIntegerField(help_text="Bodies with an accepted value")
    p25 = models.FloatField()
    p50 = models.FloatField()
    p75 = models.FloatField()

    objects = RunResultQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "metric", "peer_group"], name="one_threshold_per_group"
            )
        ]

    def __str__(self) -> str:
        return f"{self.peer_group}: P25 {self.p25:g}, P50 {self.p50:g}, P75 {self.p75:g}"


# --- results, SPC series and flags: stored once, shared between runs -----------------------------
#
# A run's results are its whole quarter's, yet an incremental run recomputes only what changed.
# So each row is stored once, by the run that computed it (``stored_in``), and each run lists
# which stored rows are its own through small unit tables: per metric and peer group for results
# and flags, per body for SPC series. A run takes the previous run's units for what it did not
# recompute — hundreds of unit rows, where copying its rows meant ~100k rows per run at England
# scale. Readers keep reading MetricResult, SpcSeries and Flag, one row per run and result as
# before: they are database views joining each run's units to the stored rows (migration 0006).
# The engine (metrics.calculation) writes the stored rows and units.


def _stored_in() -> models.ForeignKey[Any, Any]:
    """The run that stored a row: it may be any later run's row too, so a run that stored
    rows is not deleted through the ORM (no database constraint: see ``derived_from``)."""
    return derived_from(CalculationRun, help_text="The run that computed and stored this row")


def _view_run(related_name: str) -> models.ForeignKey[Any, Any]:
    """A view row's run: the run whose units list the stored row. (References from a view
    never act on deletion: the stored tables' own do.)"""
    return models.ForeignKey(
        CalculationRun,
        on_delete=models.DO_NOTHING,
        related_name=related_name,
        db_constraint=False,
    )


class StoredResult(models.Model):
    """One body's quarter value of one metric with its national rank, quartile and score, as
    the run that computed it stored it (read through `MetricResult`)."""

    stored_in = _stored_in()
    period = derived_from(Period)
    organisation = derived_from(Organisation)
    metric = derived_from(Metric)
    peer_group = models.CharField(max_length=40)
    value = models.FloatField()
    rank = models.PositiveIntegerField(null=True, blank=True)
    percentile = models.FloatField(null=True, blank=True)
    quartile = models.PositiveSmallIntegerField(null=True, blank=True)
    score = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    version = derived_from(ReturnVersion)
    months = models.PositiveSmallIntegerField()
    computed_in = derived_from(CalculationRun, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["stored_in", "metric", "peer_group", "organisation"],
                name="one_stored_result",
            )
        ]

    def __str__(self) -> str:
        return f"Body {self.organisation_id}, metric {self.metric_id}: {self.value:g}"


class ResultUnit(models.Model):
    """A run's results for one metric and peer group are those stored in run ``stored_in``."""

    run = models.ForeignKey(
        CalculationRun, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    metric = derived_from(Metric)
    peer_group = models.CharField(max_length=40)
    stored_in = _stored_in()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "metric", "peer_group"], name="one_result_unit")
        ]

    def __str__(self) -> str:
        return f"Run {self.run_id}, metric {self.metric_id} {self.peer_group}: {self.stored_in_id}"


class MetricResult(models.Model):
    """One body's quarter value of one metric, with its national rank, quartile and score.

    A read-only view (ResultUnit ⋈ StoredResult): one row per run that counts it.
    """

    run = _view_run("results")
    period = derived_from(Period)
    organisation = derived_from(Organisation)
    metric = derived_from(Metric)
    peer_group = models.CharField(max_length=40)
    value = models.FloatField(help_text="The quarter's value by the metric's basis")
    rank = models.PositiveIntegerField(null=True, blank=True, help_text="1 = best in peer group")
    percentile = models.FloatField(null=True, blank=True, help_text="(rank - 1) / (n - 1)")
    quartile = models.PositiveSmallIntegerField(null=True, blank=True)
    score = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    # The inputs trace: the accepted version and how many of its months made the value.
    version = derived_from(ReturnVersion)
    months = models.PositiveSmallIntegerField()
    computed_in = derived_from(CalculationRun, on_delete=models.DO_NOTHING, null=True, blank=True)

    objects = RunResultQuerySet.as_manager()

    class Meta:
        managed = False

    def __str__(self) -> str:
        return f"Body {self.organisation_id}, metric {self.metric_id}: {self.value:g}"


class SpcDocumentField(models.BinaryField):
    """A series' chart document, stored packed (metrics.spc.document_encode) and read back as
    the mapping charts and the API read (metrics.spc.document_decode).

    Packed bytes are a few array copies to write, where a JSON document meant formatting and
    parsing every number of ~30k series per run (seconds at England scale).
    """

    description = "An SPC chart document, packed"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return None if value is None else document_decode(bytes(value))

    def to_python(self, value: Any) -> Any:
        if isinstance(value, bytes | memoryview):
            return document_decode(bytes(value))
        if isinstance(value, str):  # a fixture: the document as JSON (value_to_string)
            return json.loads(value)
        return value

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, Mapping):
            value = document_encode(value)
        return super().get_prep_value(value)

    def value_to_string(self, obj: models.Model) -> str:
        return json.dumps(self.value_from_object(obj))


class SpcSeriesFields(models.Model):
    """The Making Data Count analysis of one body's series of one metric, up to a quarter."""

    period = derived_from(Period)
    organisation = derived_from(Organisation)
    metric = derived_from(Metric)
    points = models.PositiveIntegerField()
    # The latest segment's centre line and limits (every segment is in `result`).
    mean = models.FloatField()
    amr = models.FloatField()
    ucl = models.FloatField()
    lcl = models.FloatField()
    upper_two_sigma = models.FloatField()
    lower_two_sigma = models.FloatField()
    trial = models.BooleanField(help_text="Limits from too few points: shown, no flags raised")
    variation = models.CharField(max_length=20)
    assurance = models.CharField(max_length=20, blank=True)
    # The latest point, and what the flags read, so flags never parse `result`.
    latest_period_end = models.DateField()
    latest_value = models.FloatField()
    latest_signals = models.JSONField(help_text="[rule, direction, classification] triples")
    latest_classification = models.CharField(max_length=12, blank=True)
    concern_outside_limits = models.BooleanField(default=False)
    concern_run_or_trend = models.BooleanField(default=False)
    consistently_fails = models.BooleanField(default=False)
    result = SpcDocumentField(help_text="Points, their special causes and every segment")
    computed_in = derived_from(CalculationRun, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"SPC of body {self.organisation_id}, metric {self.metric_id}"


class StoredSeries(SpcSeriesFields):
    """An SPC series as the run that analysed it stored it (read through `SpcSeries`)."""

    stored_in = _stored_in()

    class Meta:
        verbose_name_plural = "stored SPC series"
        constraints = [
            models.UniqueConstraint(
                fields=["stored_in", "organisation", "metric"], name="one_stored_series"
            )
        ]


class SeriesUnit(models.Model):
    """A run's SPC series of one body are those stored in run ``stored_in``."""

    run = models.ForeignKey(
        CalculationRun, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    organisation = derived_from(Organisation)
    stored_in = _stored_in()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "organisation"], name="one_series_unit")
        ]

    def __str__(self) -> str:
        return f"Run {self.run_id}, body {self.organisation_id}: {self.stored_in_id}"


class SpcSeries(SpcSeriesFields):
    """The Making Data Count analysis of one body's series of one metric, up to a quarter.

    A read-only view (SeriesUnit ⋈ StoredSeries): one row per run that counts it.
    """

    run = _view_run("spc_series")
    computed_in = derived_from(CalculationRun, on_delete=models.DO_NOTHING, null=True, blank=True)

    objects = RunResultQuerySet.as_manager()

    class Meta:
        managed = False
        verbose_name_plural = "SPC series"


class FlagKind(models.TextChoices):
    TOP_QUARTILE = "top_quartile", "Top quartile"
    BOTTOM_QUARTILE = "bottom_quartile", "Bottom quartile"
    DRAMATIC_DROP = "dramatic_drop", "Dramatic drop"
    SUSTAINED_VERY_POOR = "sustained_very_poor", "Sustained very poor performance"
    SPC_IMPROVEMENT = "spc_improvement", "SPC improvement"
    SPC_CONCERN = "spc_concern", "SPC concern"
    FAILING_STANDARD = "failing_standard", "Failing standard"
    NEGATIVE_VARIANCE_FINANCIAL_PLAN = (
        "negative_variance_financial_plan",
        "Negative variance against financial plan",
    )
    CQC_BELOW_GOOD = "cqc_below_good", "CQC rating below Good"


class StoredFlag(models.Model):
    """A flag as the run that raised it stored it (read through `Flag`); its peer group is
    that of the result it is about, which places it in a `FlagUnit`.

    Evidence and parameters are kept as JSON text, written as the run encoded them: tens of
    thousands of flags a run, each parsed into jsonb only when read (the `Flag` view casts).
    """

    stored_in = _stored_in()
    period = derived_from(Period)
    organisation = derived_from(Organisation)
    metric = derived_from(Metric)
    peer_group = models.CharField(max_length=40)
    kind = models.CharField(max_length=40, choices=FlagKind.choices)
    evidence = models.TextField(help_text="JSON: values, thresholds and rules")
    parameters = models.TextField(help_text="JSON: the definition of its kind the run used")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["stored_in", "metric", "peer_group", "organisation", "kind"],
                name="one_stored_flag",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on body {self.organisation_id}"


class FlagUnit(models.Model):
    """A run's flags on one metric in one peer group are those stored in run ``stored_in``."""

    run = models.ForeignKey(
        CalculationRun, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    metric = derived_from(Metric)
    peer_group = models.CharField(max_length=40)
    stored_in = _stored_in()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "metric", "peer_group"], name="one_flag_unit")
        ]

    def __str__(self) -> str:
        return f"Run {self.run_id}, metric {self.metric_id} {self.peer_group}: {self.stored_in_id}"


class Flag(models.Model):
    """A flag on a body for a quarter (mostly for one metric), with the evidence that raised it.

    A read-only view (FlagUnit ⋈ StoredFlag): one row per run that counts it. (Every flag the
    engine raises is about a metric; a body-level flag would need a unit of its own.)
    """

    run = _view_run("flags")
    period = derived_from(Period)
    organisation = derived_from(Organisation)
    metric = derived_from(Metric, null=True, blank=True)
    kind = models.CharField(max_length=40, choices=FlagKind.choices)
    evidence = models.JSONField(help_text="Values, thresholds and rules, enough to explain it")
    parameters = models.JSONField(help_text="The definition of its kind the run used")

    objects = RunResultQuerySet.as_manager()

    class Meta:
        managed = False

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on body {self.organisation_id}"
