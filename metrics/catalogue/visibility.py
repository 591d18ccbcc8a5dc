"""Who sees which metric: every national metric, and a local one (an ICS's local strategic
priority, DESIGN.md "themes") only within that ICS, its region and nationally."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.scope import AnyUser, systems_visible_to
from metrics.models.catalogue import Metric


def metrics_visible_to(user: AnyUser, queryset: QuerySet[Metric] | None = None) -> QuerySet[Metric]:
    metrics = Metric.objects.all() if queryset is None else queryset
    return metrics.filter(Q(local_to__isnull=True) | Q(local_to__in=systems_visible_to(user)))
