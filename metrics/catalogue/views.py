"""Catalogue and periods pages. Every signed-in user may read the catalogue (it is published
framework material, not sensitive); only the national team edits it or creates periods, and to
anyone else those pages do not exist (404)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.scope import request_user
from metrics.catalogue.access import can_edit_catalogue
from metrics.catalogue.forms import CatalogueUploadForm, MetricForm, PeriodsCreateForm
from metrics.catalogue.loading import (
    CatalogueError,
    catalogue_export,
    catalogue_load,
    metric_row,
    metric_update,
)
from metrics.catalogue.periods import WindowState, periods_create, window_status, year_label
from metrics.catalogue.rows import applicability_label
from metrics.catalogue.visibility import metrics_visible_to
from metrics.models.catalogue import CatalogueEvent, FrameworkEdition, Metric, Period

HISTORY_LENGTH = 10
WINDOW_TAG_COLOURS = {
    WindowState.NOT_YET_OPEN: "white",
    WindowState.OPEN: "green",
    WindowState.LATE: "orange",
    WindowState.CLOSED: "grey",
    WindowState.REOPENED: "yellow",
}


@dataclass(frozen=True)
class MetricLine:
    """A metric as the edition's table shows it: its CSV row's numbers (92, not 92.0)."""

    metric: Metric
    row: dict[str, str]
    applies_to_label: str

    @classmethod
    def of(cls, metric: Metric) -> MetricLine:  # the prefetch cached metric.theme
        return cls(metric, metric_row(metric), applicability_label(metric.applies_to))


def _national_only(request: HttpRequest) -> None:
    if not can_edit_catalogue(request.user):
        raise Http404


def _crumbs(edition: FrameworkEdition | None = None) -> list[tuple[str, str]]:
    crumbs = [("Catalogue", reverse("catalogue-index"))]
    if edition is not None:
        crumbs.append((edition.name, reverse("catalogue-edition", args=[edition.code])))
    return crumbs


@login_required
def catalogue_index(request: HttpRequest) -> HttpResponse:
    editions = FrameworkEdition.objects.annotate(metric_count=Count("metrics")).order_by("-code")
    return render(
        request,
        "metrics/catalogue/index.html",
        {"editions": editions, "can_edit": can_edit_catalogue(request.user)},
    )


@login_required
def edition_detail(request: HttpRequest, edition: str) -> HttpResponse:
    edition_obj = get_object_or_404(FrameworkEdition, code=edition)
    themes = edition_obj.themes.prefetch_related(
        Prefetch("metrics", queryset=metrics_visible_to(request.user).order_by("code"))
    )
    sections = [
        (theme, [MetricLine.of(metric) for metric in theme.metrics.all()]) for theme in themes
    ]
    history = CatalogueEvent.objects.filter(edition=edition_obj).select_related("actor")
    return render(
        request,
        "metrics/catalogue/edition.html",
        {
            "edition": edition_obj,
            "sections": sections,
            "metric_count": sum(len(metrics) for _, metrics in sections),
            "history": history[:HISTORY_LENGTH],
            "can_edit": can_edit_catalogue(request.user),
            "breadcrumbs": _crumbs(),
        },
    )


def _metric(request: HttpRequest, edition: str, code: str) -> Metric:
    return get_object_or_404(
        metrics_visible_to(request.user).select_related("edition", "theme"),
        edition__code=edition,
        code=code,
    )


@login_required
def metric_detail(request: HttpRequest, edition: str, code: str) -> HttpResponse:
    metric = _metric(request, edition, code)
    return render(
        request,
        "metrics/catalogue/metric_detail.html",
        {
            "metric": metric,
            "row": metric_row(metric),
            "applies_to_label": applicability_label(metric.applies_to),
            "can_edit": can_edit_catalogue(request.user),
            "breadcrumbs": _crumbs(metric.edition),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def metric_edit(request: HttpRequest, edition: str, code: str) -> HttpResponse:
    _national_only(request)
    metric = _metric(request, edition, code)
    form = MetricForm(request.POST or None, metric=metric)
    if request.method == "POST" and form.is_valid():
        try:
            before = metric.edition.catalogue_version
            updated = metric_update(
                metric=metric, changes=form.changes(), actor=request_user(request)
            )
        except CatalogueError as error:
            for problem in error.problems:
                field = problem.column if problem.column in form.fields else None
                form.add_error(field, problem.message)
        else:
            if updated.edition.catalogue_version == before:
                messages.info(request, f"Nothing changed in {updated.code}.")
            else:
                messages.success(
                    request,
                    f"{updated.code} saved: the catalogue is now version "
                    f"{updated.edition.catalogue_version}.",
                )
            return redirect("catalogue-metric", edition=edition, code=code)
    return render(
        request,
        "metrics/catalogue/metric_edit.html",
        {
            "metric": metric,
            "form": form,
            "breadcrumbs": [
                *_crumbs(metric.edition),
                (metric.code, reverse("catalogue-metric", args=[edition, code])),
            ],
        },
    )


@login_required
def catalogue_download(request: HttpRequest, edition: str) -> HttpResponse:
    edition_obj = get_object_or_404(FrameworkEdition, code=edition)
    response = HttpResponse(catalogue_export(edition_obj), content_type="text/csv; charset=utf-8")
    filename = f"{edition_obj.code}-catalogue-v{edition_obj.catalogue_version}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def catalogue_upload(request: HttpRequest) -> HttpResponse:
    _national_only(request)
    initial = {"edition": request.GET.get("edition", "")}
    form = CatalogueUploadForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            report = catalogue_load(
                edition_code=form.cleaned_data["edition"],
                csv_text=form.cleaned_data["file"],
                actor=request_user(request),
            )
        except CatalogueError as error:
            # Problems are in the file, so each one points the reader at the file control.
            for problem in error.problems:
                form.add_error("file", str(problem))
        else:
            level = messages.SUCCESS if report.changed else messages.INFO
            messages.add_message(request, level, report.summary())
            return redirect("catalogue-edition", edition=report.edition.code)
    return render(
        request,
        "metrics/catalogue/upload.html",
        {"form": form, "breadcrumbs": _crumbs()},
    )


@login_required
def period_list(request: HttpRequest) -> HttpResponse:
    return _period_page(request, PeriodsCreateForm() if can_edit_catalogue(request.user) else None)


@login_required
@require_POST
def period_create(request: HttpRequest) -> HttpResponse:
    _national_only(request)
    form = PeriodsCreateForm(request.POST)
    if not form.is_valid():
        return _period_page(request, form)
    year = form.cleaned_data["year"]
    existing = Period.objects.filter(year=year).count()
    periods_create(year=year, actor=request_user(request))
    if existing == 4:
        messages.info(request, f"The quarters of {year_label(year)} already exist.")
    else:
        messages.success(request, f"Created the quarters of {year_label(year)}.")
    return redirect("periods")


def _period_page(request: HttpRequest, form: PeriodsCreateForm | None) -> HttpResponse:
    today = timezone.localdate()
    rows = []
    for period in Period.objects.order_by("-year", "quarter"):
        status = window_status(period, today)
        rows.append((period, status, WINDOW_TAG_COLOURS[status.state]))
    return render(
        request,
        "metrics/catalogue/periods.html",
        {"rows": rows, "form": form, "today": today},
    )
