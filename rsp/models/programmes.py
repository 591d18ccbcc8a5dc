"""Support programmes as data: which segment of which framework edition brings which programme.

DESIGN.md "Support cases": under SOF 2021/22 segment 3 brings mandated support (led by the
region) and segment 4 the Recovery Support Programme (led by a System Improvement Director);
under NOF 2025/26 segment 5 brings the Provider Improvement Programme, which replaced RSP.
A new year's programmes are new rows (seeded by migration 0002, editable in the admin).
"""

from __future__ import annotations

from django.db import models

from segmentation.models import SupportProgramme


class LeadKind(models.TextChoices):
    SID = "sid", "System Improvement Director"
    REGIONAL_LEAD = "regional_lead", "Regional lead"


class Programme(models.Model):
    edition_code = models.SlugField(
        max_length=20, help_text='The framework edition, e.g. "sof-2021-22"'
    )
    segment = models.PositiveSmallIntegerField(
        help_text="A confirmed decision of this segment opens a case"
    )
    kind = models.CharField(max_length=20, choices=SupportProgramme.choices)
    name = models.CharField(max_length=200)
    lead_kind = models.CharField(max_length=20, choices=LeadKind.choices)
    exit_needs_lower_segment = models.BooleanField(
        default=True, help_text="On exit the body's new segment must be below this one"
    )

    class Meta:
        ordering = ["edition_code", "segment"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition_code", "segment"], name="one_programme_per_segment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.edition_code}, segment {self.segment})"

    @property
    def led_by_sid(self) -> bool:
        return self.lead_kind == LeadKind.SID
