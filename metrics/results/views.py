"""Results pages: an organisation's profile, and one metric's SPC chart and explanation.

Every page reads the quarter's current run (through `CurrentRun`) and answers 404 for a body
outside the user's scope; the queries per page are a fixed handful whatever the data size."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from accounts.scope import organisation_for
from metrics.calculation.rebases import rebases_of
from metrics.models.catalogue import Metric
from metrics.results.explain import (
    CONCERN_KINDS,
    STRENGTH_KINDS,
    metric_explanation,
    profile_themes,
    quarter_choices,
    quartile_tag,
)
from metrics.results.flag_groups import CONCERN, STRENGTH, flag_groups
from metrics.results.opening_quarter import latest_quarter_note, quarter_shown
from metrics.results.provisional import provisional_note
from metrics.results.rebasing import may_record_rebase
from metrics.results.selectors import quarter_pick, quarters_with_results
from oversight.models import Organisation

PAGE_SIZE = 50


def _organisation(request: HttpRequest, code: str) -> Organisation:
    return organisation_for(request.user, code)


@login_required
@require_GET
def profile(request: HttpRequest, code: str) -> HttpResponse:
    organisation = _organisation(request, code)
    quarters = quarters_with_results()
    asked = quarter_shown(organisation, quarters, request.GET.get("period"))
    current, previous = quarter_pick(quarters, asked)
    themes, flags = profile_themes(organisation, current, previous) if current else ([], [])
    groups = flag_groups(flags)
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
            "flag_groups": groups,
            "provisional_rows": sum(1 for t in themes for row in t.rows if row.provisional),
            "latest_note": latest_quarter_note(organisation, current, quarters),
            "concerns": sum(g.count for g in groups if g.nature == CONCERN),
            "strengths": sum(g.count for g in groups if g.nature == STRENGTH),
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
    current, _ = quarter_pick(
        quarters, quarter_shown(organisation, quarters, request.GET.get("period"))
    )
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
            "provisional": provisional_note(
                explanation.result, explanation.thresholds, current.period
            ),
            "quartile_tag": quartile_tag(
                explanation.result.quartile if explanation.result else None
            ),
            "latest_note": latest_quarter_note(organisation, current, quarters),
            "rebases": rebases_of(organisation, metric),
            "may_rebase": may_record_rebase(request.user, organisation),
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
