"""A quarter's returns, and the completeness dashboard with its chase list."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.models import User
from accounts.roles import REVIEW_RETURN
from accounts.scope import (
    is_national,
    organisations_visible_to,
    regions_visible_to,
    request_user,
)
from metrics.catalogue.editions import edition_for
from metrics.catalogue.periods import window_status
from metrics.models.catalogue import FrameworkEdition, Period
from metrics.models.returns import (
    Return,
    ReturnState,
)
from metrics.returns.access import edition_of, period_named
from metrics.returns.completeness import bodies_expected, completeness
from metrics.returns.forms import NOT_SUBMITTED, STATE_FILTERS, TO_CHASE, PeriodFilterForm
from metrics.returns.policy import (
    next_actions_many,
)
from metrics.returns.views.return_page import PAGE_SIZE
from oversight.errors import NotFound
from oversight.models import Organisation

# --- the quarter's returns -------------------------------------------------------------------


def default_period(periods: list[Period]) -> Period | None:
    """The latest quarter whose window is open today, else the latest whose window has
    opened, else the first."""
    today = timezone.localdate()
    open_now = [p for p in periods if window_status(p, today).accepts_returns]
    opened = [p for p in periods if p.opens_on <= today]
    candidates = open_now or opened or periods[:1]
    return max(candidates, key=lambda p: (p.year, p.quarter)) if candidates else None


@login_required
@require_GET
def returns_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    periods = list(Period.objects.order_by("-year", "-quarter"))
    regions = list(regions_visible_to(user).order_by("name").values_list("ods_code", "name"))
    form = PeriodFilterForm(request.GET or None, periods=periods, regions=regions)
    period = default_period(periods)
    filters = ReturnFilters()
    if form.is_valid():
        if form.cleaned_data["period"]:
            period = next(p for p in periods if p.slug == form.cleaned_data["period"])
        filters = ReturnFilters(
            state=form.cleaned_data["state"], region=form.cleaned_data.get("region") or ""
        )
    context: dict[str, object] = {"form": form, "period": period, "breadcrumbs": []}
    if period is not None:
        context.update(_list_rows(request, user, period, filters))
    return render(request, "metrics/returns/list.html", context)


@dataclass(frozen=True)
class ReturnFilters:
    state: str = ""  # a ReturnState, NOT_SUBMITTED or TO_CHASE (forms.STATE_FILTERS)
    region: str = ""  # a region's ODS code

    @property
    def words(self) -> str:
        return dict(STATE_FILTERS).get(self.state, "") if self.state else ""


def filter_bodies(
    bodies: QuerySet[Organisation],
    period: Period,
    edition: FrameworkEdition,
    filters: ReturnFilters,
) -> QuerySet[Organisation]:
    """The bodies whose quarter's return is in the state asked for (and in the region)."""
    if filters.region:
        bodies = bodies.filter(region__ods_code=filters.region)
    if not filters.state:
        return bodies
    this_quarter = Return.objects.filter(period=period, edition=edition)
    submitted = this_quarter.filter(current_version__isnull=False).values("organisation_id")
    if filters.state == NOT_SUBMITTED:
        return bodies.exclude(id__in=submitted)
    sent_back = this_quarter.filter(state=ReturnState.RETURNED).values("organisation_id")
    if filters.state == TO_CHASE:
        return bodies.filter(~Q(id__in=submitted) | Q(id__in=sent_back))
    return bodies.filter(id__in=submitted.filter(state=filters.state))


@dataclass
class ReturnRow:
    organisation: Organisation
    record: Return | None
    actions: list  # list[NextAction]

    @property
    def allowed(self) -> list:
        return [a for a in self.actions if a.allowed]


def _list_rows(
    request: HttpRequest, user: User, period: Period, filters: ReturnFilters
) -> dict[str, object]:
    try:
        edition = edition_for(period)
    except FrameworkEdition.DoesNotExist:
        return {"edition_missing": True}
    bodies = (
        filter_bodies(bodies_expected(user=user, period=period), period, edition, filters)
        .select_related("region", "system")
        .order_by("region__name", "system__name", "kind", "name")
    )
    page = Paginator(bodies, PAGE_SIZE).get_page(request.GET.get("page"))
    organisations = list(page)
    records = {
        r.organisation_id: r
        for r in Return.objects.filter(
            period=period, edition=edition, organisation__in=organisations
        )
        .select_related("current_version__uploaded_by")
        .defer("current_version__file_content")
    }
    items = [(o, period, records.get(o.pk)) for o in organisations]
    actions = next_actions_many(items=items, user=user)
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "edition": edition,
        "page_obj": page,
        "rows": [
            ReturnRow(organisation=o, record=r, actions=a)
            for (o, _, r), a in zip(items, actions, strict=True)
        ],
        "past_due": timezone.localdate() > period.due_on,
        "can_review": organisations_visible_to(user, REVIEW_RETURN).exists(),
        "querystring": query.urlencode(),
        "filters": filters,
    }


# --- one return ------------------------------------------------------------------------------


@login_required
@require_GET
def returns_completeness(request: HttpRequest, period: str) -> HttpResponse:
    user = request_user(request)
    if not organisations_visible_to(user, REVIEW_RETURN).exists():
        raise NotFound("Completeness is for regional and national teams.")
    the_period = period_named(period)
    edition = edition_of(the_period)
    report = completeness(user=user, period=the_period, edition=edition)
    periods = list(Period.objects.order_by("-year", "-quarter"))
    return render(
        request,
        "metrics/returns/completeness.html",
        {
            "period": the_period,
            "periods": periods,
            "report": report,
            "chase": list(report.chase),
            "national": is_national(user, REVIEW_RETURN),
            "returned_state": ReturnState.RETURNED,
            "breadcrumbs": [("Returns", reverse("returns-list") + f"?period={the_period.slug}")],
        },
    )


# --- shared with the API (metrics/api_returns.py) ---------------------------------------------
