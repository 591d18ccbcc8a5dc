"""Calculation run pages: every run, and one run with its progress, parameters and inputs."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.scope import is_national
from metrics.calculation.selectors import has_any_role, run_get, run_inputs, runs_all
from metrics.calculation.summary import run_summary
from metrics.models.calculation import RunStatus

PAGE_SIZE = 50


@login_required
@require_GET
def runs_list(request: HttpRequest) -> HttpResponse:
    if not has_any_role(request.user):
        raise Http404("Runs are shown to users holding a role")
    page = Paginator(runs_all(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "metrics/calculation/runs.html",
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
    summary = run_summary(run=run, user=request.user)
    inputs = Paginator(run_inputs(user=request.user, run=run), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "metrics/calculation/run.html",
        {
            "run": run,
            "running": run.status in RUNNING,
            "percent": round(run.progress * 100),
            "parameters": sorted(flatten(run.parameters)),
            "duration": (run.finished_at - run.started_at).total_seconds()
            if run.finished_at and run.started_at and run.status == RunStatus.FINISHED
            else None,
            "national": is_national(request.user),
            "summary": summary,
            "summary_lists": [
                (summary.quartiles, "quartiles-moved", "Bodies' quartiles changed"),
                (summary.raised, "flags-raised", "Flags raised"),
                (summary.cleared, "flags-cleared", "Flags cleared"),
            ]
            if summary
            else [],
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
