"""The results' models: quartile thresholds, and results, SPC series and flags — stored once by the
run that computed them and shared between runs through small unit tables, read through views."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from django.db import models

from metrics.engine.kinds import FlagKind, choices
from metrics.engine.spc.document import document_decode, document_encode
from metrics.models.calculation import CalculationRun, derived_from
from metrics.models.catalogue import Metric, Period
from metrics.models.returns import ReturnVersion
from oversight.models import Organisation

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


class ResultFields(models.Model):
    """What a stored result and a published one (the `MetricResult` view) both hold: one
    body's quarter value of one metric, its national rank, quartile and score, and the
    inputs trace — the accepted version and how many of its months made the value."""

    period = derived_from(Period)
    organisation = derived_from(Organisation)
    metric = derived_from(Metric)
    peer_group = models.CharField(max_length=40)
    value = models.FloatField()  # the quarter's value by the metric's basis
    rank = models.PositiveIntegerField(null=True, blank=True)  # 1 = best in peer group
    percentile = models.FloatField(null=True, blank=True)  # (rank - 1) / (n - 1)
    quartile = models.PositiveSmallIntegerField(null=True, blank=True)
    score = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    version = derived_from(ReturnVersion)
    months = models.PositiveSmallIntegerField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"Body {self.organisation_id}, metric {self.metric_id}: {self.value:g}"


class StoredResult(ResultFields):
    """A result as the run that computed it stored it (read through `MetricResult`)."""

    stored_in = _stored_in()
    computed_in = derived_from(CalculationRun, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["stored_in", "metric", "peer_group", "organisation"],
                name="one_stored_result",
            )
        ]


class RunUnit(models.Model):
    """A run's share of stored rows: the rows of this unit are those stored in run
    ``stored_in`` (the run itself, or an earlier one whose rows did not change)."""

    run = models.ForeignKey(
        CalculationRun, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    stored_in = _stored_in()

    class Meta:
        abstract = True


class MetricUnit(RunUnit):
    """A unit of one metric in one peer group (results, flags)."""

    metric = derived_from(Metric)
    peer_group = models.CharField(max_length=40)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"Run {self.run_id}, metric {self.metric_id} {self.peer_group}: {self.stored_in_id}"


class ResultUnit(MetricUnit):
    """A run's results for one metric and peer group are those stored in run ``stored_in``."""

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "metric", "peer_group"], name="one_result_unit")
        ]


class MetricResult(ResultFields):
    """One body's quarter value of one metric, with its national rank, quartile and score.

    A read-only view (ResultUnit ⋈ StoredResult): one row per run that counts it.
    """

    run = _view_run("results")
    computed_in = derived_from(CalculationRun, on_delete=models.DO_NOTHING, null=True, blank=True)

    objects = RunResultQuerySet.as_manager()

    class Meta:
        managed = False


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


class SeriesUnit(RunUnit):
    """A run's SPC series of one body are those stored in run ``stored_in``."""

    organisation = derived_from(Organisation)

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


class StoredFlag(models.Model):
    """A flag as the run that raised it stored it (read through `Flag`); its peer group is
    that of the result it is about, which places it in a `FlagUnit`.

    Evidence and parameters are kept as JSON text, written as the run encoded them: tens of
    thousands of flags a run, each parsed into jsonb only when read (the `Flag` view casts).
    The evidence is facts, not words: ``metrics.engine.flag_words`` renders its sentences from
    them and the parameters whenever the flag is shown.
    """

    stored_in = _stored_in()
    period = derived_from(Period)
    organisation = derived_from(Organisation)
    metric = derived_from(Metric)
    peer_group = models.CharField(max_length=40)
    kind = models.CharField(max_length=40, choices=choices(FlagKind))
    evidence = models.TextField(
        help_text="JSON: the facts it was raised on (values, thresholds, rule); "
        "its words are rendered when shown"
    )
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


class FlagUnit(MetricUnit):
    """A run's flags on one metric in one peer group are those stored in run ``stored_in``."""

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "metric", "peer_group"], name="one_flag_unit")
        ]


class Flag(models.Model):
    """A flag on a body for a quarter (mostly for one metric), with the evidence that raised it.

    A read-only view (FlagUnit ⋈ StoredFlag): one row per run that counts it. (Every flag the
    engine raises is about a metric; a body-level flag would need a unit of its own.)
    """

    run = _view_run("flags")
    period = derived_from(Period)
    organisation = derived_from(Organisation)
    metric = derived_from(Metric, null=True, blank=True)
    kind = models.CharField(max_length=40, choices=choices(FlagKind))
    evidence = models.JSONField(
        help_text="The facts it was raised on (values, thresholds, rule), enough to explain it"
    )
    parameters = models.JSONField(help_text="The definition of its kind the run used")

    objects = RunResultQuerySet.as_manager()

    class Meta:
        managed = False

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on body {self.organisation_id}"
