"""The diagnostic stocktake: where the case starts from, and why the body is where it is."""

from __future__ import annotations

from django.db import models

from rsp.models.cases import Case


class Theme(models.TextChoices):
    """The five national themes of SOF 2021/22 (local strategic priorities are the sixth,
    agreed per ICS, and are not a root-cause theme)."""

    QUALITY = "quality", "Quality of care, access and outcomes"
    PREVENTION = "prevention", "Preventing ill health and reducing inequalities"
    PEOPLE = "people", "People"
    FINANCE = "finance", "Finance and use of resources"
    LEADERSHIP = "leadership", "Leadership and capability"


class Stocktake(models.Model):
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="stocktake")
    held_on = models.DateField()
    partners = models.TextField(help_text="Partners involved, one a line")
    recommended_exit_criteria = models.TextField(
        blank=True, help_text="The exit criteria the stocktake recommends, one a line"
    )

    def __str__(self) -> str:
        return f"Stocktake of case {self.case_id} on {self.held_on}"


class RootCause(models.Model):
    stocktake = models.ForeignKey(Stocktake, on_delete=models.CASCADE, related_name="root_causes")
    theme = models.CharField(max_length=20, choices=Theme.choices)
    text = models.TextField()

    class Meta:
        ordering = ["theme", "id"]
        constraints = [
            models.UniqueConstraint(fields=["stocktake", "theme"], name="one_root_cause_per_theme")
        ]

    def __str__(self) -> str:
        return f"{self.get_theme_display()}: {self.text[:40]}"
