"""REST API of the catalogue and periods: /api/v1/editions/, /metrics/, /periods/ (read-only).

Every signed-in user may read them: the catalogue and the quarters are published framework
material, not data about any body.
"""

from __future__ import annotations

import django_filters
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from metrics.catalogue.periods import WindowState, WindowStatus, window_status
from metrics.catalogue.visibility import metrics_visible_to
from metrics.models.catalogue import APPLICABILITY, FrameworkEdition, Metric, Period, Theme
from oversight.models import System


class ThemeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Theme
        fields = ["slug", "name", "order"]


class EditionSerializer(serializers.ModelSerializer):
    themes = ThemeSerializer(many=True, read_only=True)
    metric_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = FrameworkEdition
        fields = ["code", "name", "methodology", "catalogue_version", "metric_count", "themes"]


class MetricSerializer(serializers.ModelSerializer):
    edition = serializers.SlugRelatedField[FrameworkEdition](slug_field="code", read_only=True)
    theme = serializers.SlugRelatedField[Theme](slug_field="slug", read_only=True)
    theme_name = serializers.CharField(source="theme.name", read_only=True)
    applies_to = serializers.SerializerMethodField()
    local_to = serializers.SlugRelatedField[System](slug_field="ods_code", read_only=True)

    class Meta:
        model = Metric
        fields = [
            "id",
            "edition",
            "code",
            "name",
            "theme",
            "theme_name",
            "applies_to",
            "polarity",
            "unit",
            "value_type",
            "frequency",
            "quarter_basis",
            "valid_min",
            "valid_max",
            "standard",
            "floor",
            "score_map",
            "weight",
            "scored",
            "definition",
            "source",
            "rollup",
            "rollup_per",
            "local_to",
        ]

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=list(APPLICABILITY)))
    )
    def get_applies_to(self, metric: Metric) -> list[str]:
        return metric.applies_to.split()


class PeriodSerializer(serializers.ModelSerializer):
    # label and slug are Period properties: ModelSerializer makes them read-only fields.
    window_state = serializers.SerializerMethodField()
    window_reason = serializers.SerializerMethodField()
    accepts_returns = serializers.SerializerMethodField()

    class Meta:
        model = Period
        fields = [
            "id",
            "label",
            "slug",
            "year",
            "quarter",
            "start",
            "end",
            "opens_on",
            "due_on",
            "closes_on",
            "window_state",
            "window_reason",
            "accepts_returns",
        ]

    def _status(self, period: Period) -> WindowStatus:
        return window_status(period, timezone.localdate())

    @extend_schema_field(serializers.ChoiceField(choices=[s.value for s in WindowState]))
    def get_window_state(self, period: Period) -> str:
        return self._status(period).state.value

    def get_window_reason(self, period: Period) -> str:
        return self._status(period).reason

    def get_accepts_returns(self, period: Period) -> bool:
        return self._status(period).accepts_returns


class MetricFilter(django_filters.FilterSet):
    edition = django_filters.CharFilter(field_name="edition__code", label="Edition code")
    theme = django_filters.CharFilter(field_name="theme__slug", label="Theme or domain slug")
    code = django_filters.CharFilter(lookup_expr="iexact")
    applies_to = django_filters.ChoiceFilter(
        choices=[(word, word) for word in APPLICABILITY],
        method="filter_applies_to",
        label="Only metrics that apply to this kind of body",
    )
    scored = django_filters.BooleanFilter()

    class Meta:
        model = Metric
        fields = ["edition", "theme", "code", "applies_to", "scored"]

    def filter_applies_to(self, queryset: QuerySet[Metric], name: str, value: str) -> QuerySet:
        # applies_to holds space-separated words; match a whole word, portably (no regex).
        return queryset.filter(
            Q(applies_to=value)
            | Q(applies_to__startswith=f"{value} ")
            | Q(applies_to__endswith=f" {value}")
            | Q(applies_to__contains=f" {value} ")
        )


class PeriodFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(label="Financial year's first calendar year, e.g. 2021")

    class Meta:
        model = Period
        fields = ["year", "quarter"]


class EditionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = EditionSerializer
    lookup_field = "code"

    def get_queryset(self) -> QuerySet[FrameworkEdition]:
        return (
            FrameworkEdition.objects.annotate(metric_count=Count("metrics"))
            .prefetch_related("themes")
            .order_by("code")
        )


class MetricViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MetricSerializer
    filterset_class = MetricFilter

    def get_queryset(self) -> QuerySet[Metric]:
        return (
            metrics_visible_to(self.request.user)
            .select_related("edition", "theme")
            .order_by("edition__code", "code")
        )


class PeriodViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PeriodSerializer
    filterset_class = PeriodFilter

    def get_queryset(self) -> QuerySet[Period]:
        return Period.objects.order_by("year", "quarter")
