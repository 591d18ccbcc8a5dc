"""REST API of the registry: /api/v1/regions/, /systems/, /organisations/ (scoped, read-only)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from oversight.models import Organisation, OrganisationKind, Region, Sector, System
from oversight.selectors import organisation_list, region_list, system_list


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["ods_code", "ons_code", "name"]


class SystemSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField[Region](slug_field="ods_code", read_only=True)

    class Meta:
        model = System
        fields = ["ods_code", "ons_code", "name", "region"]


class OrganisationSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField[Region](slug_field="ods_code", read_only=True)
    system = serializers.SlugRelatedField[System](
        slug_field="ods_code", read_only=True, allow_null=True
    )
    successor = serializers.SlugRelatedField[Organisation](
        slug_field="ods_code", read_only=True, allow_null=True
    )
    sector_is_guess = serializers.BooleanField(read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "ods_code",
            "ons_code",
            "name",
            "kind",
            "sector",
            "sector_source",
            "sector_is_guess",
            "peer_group",
            "region",
            "system",
            "opened_on",
            "closed_on",
            "successor",
        ]


class SystemFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__ods_code", label="Region ODS code")

    class Meta:
        model = System
        fields = ["region"]


class OrganisationFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__ods_code", label="Region ODS code")
    system = django_filters.CharFilter(field_name="system__ods_code", label="ICS ODS code")
    kind = django_filters.ChoiceFilter(choices=OrganisationKind.choices)
    sector = django_filters.ChoiceFilter(choices=Sector.choices)
    ods_code = django_filters.CharFilter(lookup_expr="iexact")
    peer_group = django_filters.CharFilter()
    open = django_filters.BooleanFilter(
        field_name="closed_on", lookup_expr="isnull", label="Only bodies still open"
    )

    class Meta:
        model = Organisation
        fields = ["region", "system", "kind", "sector", "ods_code", "peer_group", "open"]


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RegionSerializer
    lookup_field = "ods_code"

    def get_queryset(self) -> QuerySet[Region]:
        return region_list(user=self.request.user).order_by("name")


class SystemViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SystemSerializer
    filterset_class = SystemFilter
    lookup_field = "ods_code"

    def get_queryset(self) -> QuerySet[System]:
        return system_list(user=self.request.user).order_by("name")


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter
    lookup_field = "ods_code"

    def get_queryset(self) -> QuerySet[Organisation]:
        return organisation_list(user=self.request.user).order_by("ods_code")
