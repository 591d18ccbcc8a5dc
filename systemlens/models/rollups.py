"""System roll-ups: a metric's ICS value derived from its organisations' accepted values for
a quarter (by the catalogue's roll-up method), with which organisations are in and missing.
Recomputed, per quarter, each time a run of the quarter is published."""

from __future__ import annotations

from django.db import models

from metrics.engine.kinds import RollupMethod, choices
from metrics.models.catalogue import Metric, Period
from oversight.models import Organisation, System


class Population(models.Model):
    """A body's population for a financial year: the weight of population-weighted means."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    population = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="one_population")
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.year}: {self.population}"


class SystemRollup(models.Model):
    """One metric's derived value for one ICS and quarter."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="rollups")
    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="+")
    method = models.CharField(max_length=20, choices=choices(RollupMethod))
    value = models.FloatField(null=True, blank=True, help_text="Null: nothing to derive from")
    numerator = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    included = models.JSONField(default=list, help_text="ODS codes of the bodies it counts")
    missing = models.JSONField(default=list, help_text="ODS codes of the bodies it lacks")
    run_id = models.PositiveBigIntegerField(help_text="The published run it was derived after")
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["system", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "system", "metric"], name="one_rollup_per_quarter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.system.ods_code} {self.metric.code}: {self.value}"
