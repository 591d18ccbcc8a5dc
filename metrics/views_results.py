"""Results pages: an organisation's profile, one metric's SPC chart and explanation, and runs.

Every page reads the quarter's current run (through `CurrentRun`) and answers 404 for a body
outside the user's scope; the queries per page are a fixed handful whatever the data size.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from accounts.scope import is_national, organisations_visible_to
from metrics.models import Metric, RunStatus
from metrics.results_explain import (
    CONCERN_KINDS,
    STRENGTH_KINDS,
    metric_explanation,
    profile_themes,
    quarter_choices,
    quartile_tag,
)
from metrics.selectors_results import (
    has_any_role,
    quarter_pick,
    quarters_with_results,
    run_get,
    run_inputs,
    runs_all,
)
from oversight.models import Organisation

PAGE_SIZE = 50


def _organisation(request: HttpRequest, code: str) -> Organisation:
    return get_object_or_404(
        organisations_visible_to(request.user).select_related("region", "system"), ods_code=code
    )


@login_required
@require_GET
def profile(request: HttpRequest, code: str) -> HttpResponse:
    organisation = _organisation(request, code)
    quarters = quarters_with_results()
    current, previous = quarter_pick(quarters, request.GET.get("period"))
    themes, flags = profile_themes(organisation, current, previous) if current else ([], [])
    return render(
        request,
        "metrics/results/profile.html",
        {
            "organisation": organisation,
            "quarter": current,
            "previous": previous,
            "choices": quarter_choices(quarters),
            "themes": themes,
            "flags": flags,
            "concern_kinds": CONCERN_KINDS,
            "good_kinds": STRENGTH_KINDS,
            "breadcrumbs": [
                ("Organisations", "/organisations/"),
                (organisation.name, f"/organisations/{organisation.ods_code}/"),
            ],
        },
    )


@login_required
@require_GET
def metric_detail(request: HttpRequest, code: str, metric_code: str) -> HttpResponse:
    organisation = _organisation(request, code)
    quarters = quarters_with_results()
    current, _ = quarter_pick(quarters, request.GET.get("period"))
    if current is None:
        return render(request, "metrics/results/no_results.html", {"organisation": organisation})
    metric = get_object_or_404(
        Metric.objects.select_related("theme", "edition"),
        edition_id=current.run.edition_id,
        code=metric_code,
    )
    explanation = metric_explanation(
        user=request.user, organisation=organisation, metric=metric, quarter=current
    )
    profile_url = f"/organisations/{organisation.ods_code}/profile/?period={current.slug}"
    return render(
        request,
        "metrics/results/metric.html",
        {
            "organisation": organisation,
            "metric": metric,
            "quarter": current,
            "choices": quarter_choices(quarters),
            "x": explanation,
            "quartile_tag": quartile_tag(
                explanation.result.quartile if explanation.result else None
            ),
            "concern_kinds": CONCERN_KINDS,
            "good_kinds": STRENGTH_KINDS,
            "breadcrumbs": [
                ("Organisations", "/organisations/"),
                (organisation.name, f"/organisations/{organisation.ods_code}/"),
                ("Profile", profile_url),
            ],
        },
    )


# --- runs ----------------------------------------------------------------------------------------


@login_required
@require_GET
def runs_list(request: HttpRequest) -> HttpResponse:
    if not has_any_role(request.user):
        raise Http404("Runs are shown to users holding a role")
    page = Paginator(runs_all(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "metrics/results/runs.html",
        {
            "page_obj": page,
            "querystring": "",
            "breadcrumbs": [("Organisations", "/organisations/")],
        },
    )


RUNNING = (RunStatus.PENDING, RunStatus.RUNNING)


@login_required
@require_GET
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = run_get(user=request.user, run_id=run_id)
    inputs = Paginator(run_inputs(user=request.user, run=run), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "metrics/results/run.html",
        {
            "run": run,
            "running": run.status in RUNNING,
            "percent": round(run.progress * 100),
            "parameters": sorted(flatten(run.parameters)),
            "duration": (run.finished_at - run.started_at).total_seconds()
            if run.finished_at and run.started_at and run.status == RunStatus.FINISHED
            else None,
            "national": is_national(request.user),
            "page_obj": inputs,
            "querystring": "",
            "breadcrumbs": [("Calculation runs", "/runs/")],
        },
    )


def flatten(data: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """A run's parameters as (name, value) rows: nested settings as dotted names."""
    if isinstance(data, Mapping) and data:
        for key, value in data.items():
            yield from flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif prefix:
        yield prefix, data if isinstance(data, str) else json.dumps(data)
