"""The calculation's models: runs, what each read, and which run is a quarter's current one."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from metrics.models.arrays import PortableArray
from metrics.models.catalogue import FrameworkEdition, Metric, Period
from oversight.models import Organisation

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
    requested_organisation_ids = models.JSONField(
        default=list,
        blank=True,
        help_text="Bodies whose SPC series to recalculate besides those whose data changed",
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
    input_set = models.ForeignKey(
        "InputSet",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="runs",
        help_text="The accepted versions the run read (set when it reads them)",
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


class InputSet(models.Model):
    """The accepted versions a run read (every accepted version of the edition up to its
    quarter): what any of its results can be traced to, shared between runs.

    Content-addressed per quarter: ``digest`` is the SHA-256 of the sorted ids, so every run
    that read the same versions points at one set, as results are shared (``metrics.models``,
    "stored once, shared between runs"). One row of ids, never a row per version (~275k at
    stress scale, which took seconds of every acceptance's run to copy). Never changed.
    """

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    edition = models.ForeignKey(FrameworkEdition, on_delete=models.PROTECT, related_name="+")
    digest = models.CharField(max_length=64, help_text="SHA-256 of the sorted version ids")
    version_ids = PortableArray(models.BigIntegerField(), help_text="Sorted ReturnVersion ids")
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "edition", "digest"], name="one_input_set_per_content"
            )
        ]

    def __str__(self) -> str:
        return f"{self.size} versions up to quarter {self.period_id} ({self.digest[:12]})"


class PartStep(models.TextChoices):
    SPC = "spc", "SPC series of a batch of bodies"
    FLAGS = "flags", "Flags of a batch of metrics"


class RunPart(models.Model):
    """A share of a run's work that any worker may do (``metrics.calculation.parts``): the SPC
    series of a batch of bodies, or the flags of a batch of metrics. Taken with its row locked,
    done in the transaction that writes its rows and marks it done: a part whose worker dies
    is free again, and a part is never written twice."""

    run = models.ForeignKey(CalculationRun, on_delete=models.CASCADE, related_name="parts")
    number = models.PositiveIntegerField()
    step = models.CharField(max_length=10, choices=PartStep.choices, default=PartStep.SPC)
    organisation_ids = models.JSONField(
        default=list, help_text="SPC: the bodies whose series the part analyses"
    )
    metric_ids = models.JSONField(default=list, help_text="Flags: the metrics the part flags")
    done = models.BooleanField(default=False)
    rows = models.PositiveIntegerField(default=0, help_text="Series or flags it stored")
    seconds = models.FloatField(default=0.0)
    done_by = models.CharField(max_length=200, blank=True, help_text="host and process id")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="one_part_per_number")
        ]

    def __str__(self) -> str:
        return f"Part {self.number} of run {self.run_id}"


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


class SpcRebase(models.Model):
    """A recorded decision that a body's series of a metric starts a new process at a quarter:
    from that quarter's first point the chart has a new segment with its own mean and limits,
    and no rule spans the break (DESIGN.md "SPC": "rebasing is a recorded decision with a reason,
    never automatic"). Append-only: the row is its own audit record (who, when, why, which runs
    it asked for), and the database refuses to change or delete it (migration 0012)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="spc_rebases")
    starts = models.ForeignKey(
        Period,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The quarter whose first point starts the new segment",
    )
    reason = models.TextField(help_text="Why the process changed (e.g. a new pathway)")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    requested_runs = models.JSONField(
        default=list, blank=True, help_text="The calculation runs it asked for, by id"
    )

    class Meta:
        ordering = ["organisation", "metric", "starts__start"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "metric", "starts"], name="one_rebase_per_quarter"
            )
        ]

    def __str__(self) -> str:
        return f"Rebase of body {self.organisation_id}, metric {self.metric_id} at {self.starts_id}"
