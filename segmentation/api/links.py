"""Links the API gives so a client can follow every number down (and up) one step at a time."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from rest_framework.request import Request
from rest_framework.reverse import reverse


def api_url(name: str, request: Request | None, *, args: Any = (), **query: Any) -> str:
    url = reverse(name, args=list(args), request=request)
    wanted = {k: v for k, v in query.items() if v is not None}
    return f"{url}?{urlencode(wanted)}" if wanted else url


def result_url(request: Request | None, *, ods: str, metric: str, period: str, run: int) -> str:
    return api_url(
        "api-result-list", request, organisation=ods, metric=metric, period=period, run=run
    )


def flags_url(request: Request | None, *, ods: str, metric: str, period: str, run: int) -> str:
    return api_url(
        "api-flag-list", request, organisation=ods, metric=metric, period=period, run=run
    )


def value_trace_url(request: Request | None, *, ods: str, metric: str, period: str) -> str:
    return api_url(
        "api-segmentation-trace", request, organisation=ods, metric=metric, period=period
    )
