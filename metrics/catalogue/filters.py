"""Filters on the catalogue's words shared by every API of metrics: a quarter by its label."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from metrics.catalogue.periods import period_q


class PeriodFilter(django_filters.CharFilter):
    """A quarter by label ("2021-22 Q3") or slug ("2021-22-q3")."""

    def filter(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        return qs.filter(period_q(value)) if value else qs
