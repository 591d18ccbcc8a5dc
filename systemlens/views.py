"""The system lens's pages: the ICS page (agreement, reviews, meetings, concerns, roll-ups and
the grid of its organisations against national quartiles) and the agreement's page. Thin:
scope through ``access``/``selectors``, writes through the operations (see ``forms_views``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from oversight.errors import NotFound
from oversight.models import System
from systemlens.access import (
    may_run_oversight_of_system,
    sees_internal_notes,
    system_visible,
)
from systemlens.models import ASSESSMENT, Meeting
from systemlens.selectors import (
    agreement_of,
    latest_quarter,
    lead_systems,
    system_concerns,
    system_events,
    system_grid,
    system_meetings,
    system_rollups,
)


def financial_year() -> int:
    """The first calendar year of today's financial year (April to March)."""
    today = timezone.localdate()
    return today.year if today.month >= 4 else today.year - 1


def visible_system(request: HttpRequest, code: str) -> System:
    try:
        return system_visible(request.user, code)
    except NotFound as missing:
        raise Http404(missing.message) from None


@login_required
def system_page(request: HttpRequest, code: str) -> HttpResponse:
    system = visible_system(request, code)
    quarter = latest_quarter()
    grid = system_grid(request.user, system, quarter) if quarter else None
    meetings = list(system_meetings(request.user, system)[:10])
    concerns = list(system_concerns(request.user, system))
    leads = lead_systems([c.organisation for c in concerns])
    return render(
        request,
        "systemlens/system.html",
        {
            "system": system,
            "agreement": agreement_of(request.user, system),
            "quarter": quarter,
            "rollups": system_rollups(system, quarter.period) if quarter else [],
            "grid": grid,
            "meetings": meetings,
            "concerns": [(c, leads.get(c.organisation_id)) for c in concerns],
            "events": system_events(system),
            "may_record": may_run_oversight_of_system(request.user, system),
            "default_year": quarter.period.year if quarter else financial_year(),
            "breadcrumbs": [("Organisations", "/organisations/")],
        },
    )


@login_required
def agreement_page(request: HttpRequest, code: str, year: int) -> HttpResponse:
    system = visible_system(request, code)
    agreement = agreement_of(request.user, system, year)
    if agreement is None:
        raise Http404("No agreement for that year.")
    return render(
        request,
        "systemlens/agreement.html",
        {
            "system": system,
            "agreement": agreement,
            "versions": list(agreement.versions.all()),
            "reviews": list(agreement.reviews.all()),
            "may_record": may_run_oversight_of_system(request.user, system),
            "breadcrumbs": [(system.name, f"/ics/{system.ods_code}/")],
        },
    )


def meeting_context(request: HttpRequest, meeting: Meeting) -> dict[str, object]:
    body = meeting.organisation
    return {
        "meeting": meeting,
        "agenda": list(meeting.agenda.select_related("metric", "proposal")),
        "actions": list(meeting.actions.select_related("owner")),
        "internal": sees_internal_notes(request.user, body),
        "assessment": ASSESSMENT,
    }
