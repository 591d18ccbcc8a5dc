"""What the system lens's API reads: names (ODS codes, quarter labels) to objects, and checked
input. An unknown name answers as outside scope does (404), so nothing is learnt from it."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.request import Request

from accounts.scope import normalise_ods_code
from metrics.models.catalogue import Period
from oversight.errors import NotFound
from oversight.models import Organisation, System
from segmentation.access import period_named


def system_named(code: str) -> System:
    found = (
        System.objects.select_related("region").filter(ods_code=normalise_ods_code(code)).first()
    )
    if found is None:
        raise NotFound("No such ICS.")
    return found


def body_named(code: str) -> Organisation:
    found = (
        Organisation.objects.select_related("region", "system")
        .filter(ods_code=normalise_ods_code(code))
        .first()
    )
    if found is None:
        raise NotFound("No such organisation.")
    return found


def quarter_named(label: str) -> Period:
    return period_named(label)


def valid_input(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
