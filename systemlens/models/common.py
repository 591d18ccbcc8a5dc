"""What every system-lens record shares: who recorded it and when."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


def recorded_by() -> models.ForeignKey[Any, Any]:
    return models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")


def recorded_at() -> models.DateTimeField[Any, Any]:
    return models.DateTimeField(default=timezone.now)
