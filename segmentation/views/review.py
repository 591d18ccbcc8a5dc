"""The regional review pages: where to start, the region's bodies in one table, and one body's
review page (the proposal's reasons down to the values, metrics by theme, the ICS lead's views,
the decision history and what the user may do next)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.roles import DECIDE_SEGMENT, PUBLISH_SEGMENTATION, RECORD_SYSTEM_VIEW
from accounts.scope import (
    NO_SUCH_ORGANISATION,
    is_national,
    organisation_for,
    organisations_overseen_by,
    organisations_visible_to,
    regions_visible_to,
    request_user,
    systems_visible_to,
)
from metrics.results.explain import profile_themes
from metrics.results.selectors import quarter_pick, quarters_with_results
from oversight.errors import NotFound
from oversight.models import OrganisationKind
from segmentation.access import decisions_visible, oversees, period_named
from segmentation.actions import body_actions, decision_actions
from segmentation.forms import ConfirmForm, ReasonForm, ReviewFilterForm
from segmentation.methods import review_method
from segmentation.models import OPEN_STATES, Proposal, SystemView
from segmentation.review import annotated_proposals, review_list
from segmentation.review_panels import review_panels
from segmentation.standing import standing_of
from segmentation.trace import proposal_trace
from segmentation.views.common import crumbs, domain_page, querystring, region_seen


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Where each role starts: its regions, its systems, and the national pages."""
    user = request_user(request)
    quarters = quarters_with_results()
    chosen, _ = quarter_pick(quarters, request.GET.get("period")) if quarters else (None, None)
    period = chosen.period if chosen else None
    return render(
        request,
        "segmentation/index.html",
        {
            "period": period,
            "quarters": [(q.slug, q.period.label) for q in quarters],
            "regions": list(regions_visible_to(user).order_by("name")),
            "publishing": set(
                regions_visible_to(user, PUBLISH_SEGMENTATION).values_list("pk", flat=True)
            ),
            "systems": list(
                systems_visible_to(user, RECORD_SYSTEM_VIEW).order_by("name")
                if not is_national(user)
                else []
            ),
            "national": is_national(user),
            # A body's own users: where they see their published segment.
            "own": list(
                organisations_visible_to(user)
                .exclude(pk__in=organisations_overseen_by(user))
                .order_by("name")[:5]
            ),
        },
    )


@login_required
@require_GET
@domain_page
def region_review(request: HttpRequest, period: str, code: str) -> HttpResponse:
    user = request_user(request)
    quarter = period_named(period)
    region = region_seen(user, code)
    systems = [(s.ods_code, s.name) for s in region.systems.order_by("name")]
    form = ReviewFilterForm(request.GET or None, systems=systems)
    listing = review_list(
        user=user,
        region=region,
        period=quarter,
        filters=form.filters(),
        page_number=request.GET.get("page"),
    )
    return render(
        request,
        "segmentation/region.html",
        {
            "x": listing,
            "form": form,
            "period": quarter,
            "region": region,
            "page_obj": listing.page,
            "querystring": querystring(request),
            "sort_query": querystring(request, "sort"),
            "sort": request.GET.get("sort", "name"),
            "may_publish": regions_visible_to(user, PUBLISH_SEGMENTATION)
            .filter(pk=region.pk)
            .exists(),
            "breadcrumbs": crumbs(quarter),
        },
    )


def body_context(request: HttpRequest, period: str, ods: str) -> dict[str, Any]:
    """Everything the body's review page shows (a fixed handful of queries)."""
    user = request_user(request)
    quarter = period_named(period)
    organisation = organisation_for(user, ods)
    if not oversees(user, organisation):
        raise NotFound(NO_SUCH_ORGANISATION)
    method = review_method(quarter)
    proposal = (
        Proposal.objects.filter(organisation=organisation, period=quarter, method=method)
        .select_related("run", "method")
        .first()
        if method
        else None
    )
    traced = proposal_trace(proposal) if proposal else None
    quarters = quarters_with_results()
    chosen, previous = quarter_pick(quarters, quarter.slug) if quarters else (None, None)
    themes, _ = profile_themes(organisation, chosen, previous) if chosen else ([], [])
    history = list(
        decisions_visible(user)
        .filter(organisation=organisation)
        .select_related("period", "recorded_by", "confirmed_by", "sent_back_by", "publication")
        .order_by("-period__end", "-recorded_at", "-pk")
    )
    deciding = organisations_visible_to(user, DECIDE_SEGMENT).filter(pk=organisation.pk).exists()
    viewing = organisations_visible_to(user, RECORD_SYSTEM_VIEW).filter(pk=organisation.pk).exists()
    this_quarter = [d for d in history if d.period_id == quarter.pk]
    open_decision = next((d for d in this_quarter if d.state in OPEN_STATES), None)
    standing = standing_of(organisation, quarter)
    return {
        "organisation": organisation,
        "period": quarter,
        "method": method,
        "proposal": proposal,
        # Evidence that apps above segmentation add (systemlens: concerns, the lead ICS).
        "panels": review_panels(user=user, organisation=organisation, period=quarter),
        "traced": traced,
        "themes": themes,
        "quarter_run": chosen,
        "views": list(
            SystemView.objects.filter(organisation=organisation, period=quarter).select_related(
                "author"
            )
        ),
        "history": [
            (d, decision_actions(d, user_id=user.pk, may_decide=deciding)) for d in history
        ],
        "open_decision": open_decision,
        "standing": standing,
        "actions": body_actions(
            kind=organisation.kind,
            has_proposal=proposal is not None,
            open_decision=open_decision,
            published=standing.published is not None,
            may_decide=deciding,
            may_view=viewing,
        ),
        "system_rows": _system_rows(user, organisation, quarter, method),
        "confirm_form": ConfirmForm(),
        "reason_form": ReasonForm(),
        "breadcrumbs": crumbs(
            quarter,
            (
                f"{organisation.region.name} review",
                f"/segmentation/{quarter.slug}/regions/{organisation.region.ods_code}/",
            ),
        ),
    }


def _system_rows(user: Any, organisation: Any, quarter: Any, method: Any) -> list[Proposal]:
    """For an ICS: its organisations' proposals beside its own segment."""
    if organisation.kind != OrganisationKind.ICS or method is None:
        return []
    return list(
        annotated_proposals(user=user, period=quarter, method=method, previous=None)
        .filter(organisation__system_id=organisation.system_id)
        .exclude(organisation=organisation)
        .order_by("organisation__kind", "organisation__name")
    )


@login_required
@require_GET
@domain_page
def body_review(request: HttpRequest, period: str, ods: str) -> HttpResponse:
    return render(request, "segmentation/body.html", body_context(request, period, ods))
