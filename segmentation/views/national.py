"""Publication of a region's segmentation, and the national pages: segmentation and league
tables (with their CSV and XLSX exports), decisions against proposals by region, and one
quarter under two methods side by side."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.roles import PUBLISH_SEGMENTATION
from accounts.scope import organisations_overseen_by, regions_visible_to, request_user
from metrics.models.catalogue import Period
from oversight.errors import DomainError, NotFound, NotPermitted
from segmentation.access import period_named
from segmentation.comparisons import decision_differences, method_comparison, methods_of
from segmentation.exports import (
    CONTENT_TYPES,
    LEAGUE_COLUMNS,
    SEGMENTATION_COLUMNS,
    league_rows,
    segmentation_rows,
    table_csv,
    table_xlsx,
)
from segmentation.forms import PublishForm, add_domain_error
from segmentation.league import league_table
from segmentation.methods import review_method
from segmentation.models import Publication, SegmentationMethod
from segmentation.publication import publication_publish, publication_status
from segmentation.views.common import (
    crumbs,
    domain_page,
    posted,
    querystring,
    region_seen,
    require_national,
)

PAGE_SIZE = 100


@login_required
@require_http_methods(["GET", "POST"])
@domain_page
def publish(request: HttpRequest, period: str, code: str) -> HttpResponse:
    user = request_user(request)
    quarter = period_named(period)
    region = region_seen(user, code)
    form = PublishForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            publication = publication_publish(
                region=region,
                period=quarter,
                user=user,
                accept_missing=form.cleaned_data["accept_missing"],
                note=form.cleaned_data["note"],
            )
        except (NotFound, NotPermitted):
            raise
        except DomainError as refused:
            add_domain_error(form, refused)
        else:
            count = publication.decisions.count()
            messages.success(
                request, f"{count} decision(s) of {region.name} published for {quarter.label}."
            )
            return redirect(request.path)
    return render(
        request,
        "segmentation/publish.html",
        {
            "form": form,
            "region": region,
            "period": quarter,
            "status": publication_status(region=region, period=quarter),
            "publications": list(
                Publication.objects.filter(region=region, period=quarter).select_related(
                    "published_by"
                )
            ),
            "may_publish": regions_visible_to(user, PUBLISH_SEGMENTATION)
            .filter(pk=region.pk)
            .exists(),
            "breadcrumbs": crumbs(
                quarter,
                (
                    f"{region.name} review",
                    f"/segmentation/{quarter.slug}/regions/{region.ods_code}/",
                ),
            ),
        },
        status=400 if request.method == "POST" else 200,
    )


def _method(request: HttpRequest, quarter: Period, name: str = "method") -> SegmentationMethod:
    code = request.GET.get(name)
    if code:
        found = SegmentationMethod.objects.filter(code=code).first()
        if found is None:
            raise NotFound(f"There is no method {code}.")
        return found
    method = review_method(quarter)
    if method is None:
        raise NotFound(f"There are no proposals for {quarter.label} yet.")
    return method


def _league_user_check(request: HttpRequest) -> None:
    """The league table is scoped like the API; someone who oversees nothing gets 404."""
    if not organisations_overseen_by(request_user(request)).exists():
        raise NotFound("No such page.")


@login_required
@require_GET
@domain_page
def national(request: HttpRequest, period: str) -> HttpResponse:
    """The quarter's segmentation and league table: the bodies the user oversees, ranked
    nationally within their peer groups."""
    _league_user_check(request)
    user = request_user(request)
    quarter = period_named(period)
    method = _method(request, quarter)
    table = league_table(user=user, period=quarter, method=method)
    page = Paginator(table, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "segmentation/national.html",
        {
            "period": quarter,
            "method": method,
            "methods": methods_of(quarter),
            "page_obj": page,
            "querystring": querystring(request),
            "publications": list(
                Publication.objects.filter(period=quarter)
                .select_related("region", "published_by")
                .order_by("region__name", "-published_at")
            ),
            "breadcrumbs": crumbs(quarter),
        },
    )


@login_required
@require_GET
@domain_page
def export(request: HttpRequest, period: str, table: str, file_format: str) -> HttpResponse:
    _league_user_check(request)
    if file_format not in CONTENT_TYPES or table not in ("league", "segmentation"):
        raise NotFound("No such export.")
    user = request_user(request)
    quarter = period_named(period)
    method = _method(request, quarter)
    if table == "league":
        columns, rows = LEAGUE_COLUMNS, league_rows(user=user, period=quarter, method=method)
    else:
        columns = SEGMENTATION_COLUMNS
        rows = segmentation_rows(user=user, period=quarter, method=method)
    name = f"{table}-{quarter.slug}-{method.code}-v{method.version}.{file_format}"
    if file_format == "csv":
        content: str | bytes = table_csv(columns, rows)
    else:
        about = [
            ("quarter", quarter.label),
            ("method", method.code),
            ("method_version", method.version),
            ("illustrative", "yes" if method.illustrative else "no"),
            ("runs", " ".join(sorted({str(r[columns.index("run_id")]) for r in rows}))),
        ]
        content = table_xlsx(table, columns, rows, about)
    response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
@domain_page
def differences(request: HttpRequest, period: str) -> HttpResponse:
    require_national(request_user(request))
    quarter = period_named(period)
    return render(
        request,
        "segmentation/differences.html",
        {
            "period": quarter,
            "regions": decision_differences(quarter),
            "breadcrumbs": crumbs(quarter),
        },
    )


@login_required
@require_GET
@domain_page
def compare(request: HttpRequest, period: str) -> HttpResponse:
    require_national(request_user(request))
    quarter = period_named(period)
    methods = methods_of(quarter)
    by_code = {m.code: m for m in methods}
    a = by_code.get(request.GET.get("a", "")) or (methods[0] if methods else None)
    others = [m for m in methods if m != a]
    b = by_code.get(request.GET.get("b", "")) or (others[0] if others else None)
    return render(
        request,
        "segmentation/compare.html",
        {
            "period": quarter,
            "methods": methods,
            "a": a,
            "b": b,
            "x": method_comparison(quarter, a, b) if a and b and a != b else None,
            "breadcrumbs": crumbs(quarter),
        },
    )
