"""Oversight across ICSs: an organisation serving several ICSs (ambulance trusts, specialised
providers) is overseen through an agreed lead ICS, with the other ICSs it serves recorded."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from oversight.models import Organisation, System
from systemlens.models.common import recorded_at, recorded_by


class ServedSystem(models.Model):
    """An ICS an organisation serves; one of them is its lead ICS."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="served_systems"
    )
    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="served_bodies")
    is_lead = models.BooleanField(default=False)
    recorded_by = recorded_by()
    recorded_at = recorded_at()

    class Meta:
        ordering = ["organisation", "-is_lead", "system__name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "system"], name="served_once"),
            models.UniqueConstraint(
                fields=["organisation"], condition=Q(is_lead=True), name="one_lead_system"
            ),
        ]

    def __str__(self) -> str:
        role = "lead ICS" if self.is_lead else "served ICS"
        return f"{self.organisation.ods_code}: {role} {self.system.ods_code}"
