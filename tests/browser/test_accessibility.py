"""axe-core on every main page of every role's journey: no serious or critical WCAG 2.x A/AA
violation (issue 12 item 8).

Nine journeys, one per role, in one Chromium, each in a fresh signed-in session, over data
built once (a live-server test flushes the database after it, so one test per role would build
it nine times). Each visits the main pages of that role's journey in its own scope (home,
lists, a return, the review list and a body's review, the profile and a metric page, league
table, case file, ICS page, runs, catalogue) and the forms that role fills in, submitted empty
or wrong so that their error summary shows. Every violation on every page is collected first,
then listed together, so one run shows them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from accounts.roles import Role
from accounts.scope import role_grant
from metrics.models.catalogue import Period
from rsp.models import Case
from rsp.programmes import programmes_ensure
from segmentation.decisions import Judgement, decision_record
from tests.browser.conftest import ConsoleError, axe_violations, login, open_tab
from tests.conftest import PASSWORD, Cast, Registry
from tests.factories import UserFactory
from tests.metrics.factories import quarter
from tests.metrics.results_data import Picture
from tests.rsp.conftest import open_case
from tests.segmentation.conftest import picture  # noqa: F401 - the fixture used below

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@dataclass(frozen=True)
class Form:
    """A form page, submitted with the named button as it stands, to show its error summary."""

    path: str
    button: str
    check: str = ""  # a radio or checkbox to tick first (a choice the form must question)


@dataclass(frozen=True)
class Journey:
    user: User
    pages: list[str]
    forms: list[Form]


@dataclass(frozen=True)
class Scene:
    """The data every journey walks through."""

    picture: Picture
    case: Case
    national_analyst: User
    open_quarter: Period  # the next quarter, open for upload


@pytest.fixture
def scene(registry: Registry, cast: Cast, picture: Picture) -> Scene:  # noqa: F811
    programmes_ensure()
    case = open_case(registry.trust_a3, lead=cast.sid)
    decision_record(
        organisation=registry.trust_a1,
        period=picture.latest,
        segment=3,
        judgement=Judgement(rationale="As proposed: bottom quartile on A&E."),
        user=cast.lead_a,
    )
    analyst = UserFactory(email="analyst.national@nhs.test")
    role_grant(user=analyst, role=Role.NATIONAL_ANALYST, node=None)
    return Scene(picture, case, analyst, quarter(year=2021, number=4))


ROLES = [
    "admin",
    "national analyst",
    "observer",
    "regional lead",
    "regional analyst",
    "ICS lead",
    "submitter",
    "approver",
    "SID",
]


def journeys(scene: Scene, cast: Cast) -> dict[str, Journey]:
    q = scene.picture.latest.slug
    run = scene.picture.latest_run.pk
    case = scene.case.pk
    national = [
        "/",
        "/organisations/",
        "/organisations/regions/Y91/",
        "/organisations/RA1/",
        "/organisations/RA1/profile/",
        "/organisations/RA1/metrics/M01/",
        f"/returns/?period={q}",
        f"/returns/RA1/{q}/",
        f"/returns/completeness/{q}/",
        "/segmentation/",
        f"/segmentation/{q}/regions/Y91/",
        f"/segmentation/{q}/bodies/RA1/",
        f"/segmentation/{q}/national/",
        "/runs/",
        f"/runs/{run}/",
        "/catalogue/",
        "/periods/",
        "/cases/",
        f"/cases/{case}/",
        "/ics/QA1/",
    ]
    regional = [
        "/",
        "/organisations/regions/Y91/",
        "/organisations/systems/QA1/",
        "/organisations/RA1/profile/",
        "/organisations/RA1/metrics/M01/",
        f"/returns/?period={q}",
        f"/returns/RA1/{q}/",
        f"/returns/completeness/{q}/",
        "/segmentation/",
        f"/segmentation/{q}/regions/Y91/",
        f"/segmentation/{q}/bodies/RA1/",
        "/runs/",
        "/cases/",
        f"/cases/{case}/",
        "/ics/QA1/",
        "/bodies/RA1/oversight/",
    ]
    trust = [
        "/",
        "/organisations/RA1/",
        "/organisations/RA1/profile/",
        "/organisations/RA1/metrics/M01/",
        f"/returns/?period={q}",
        f"/returns/RA1/{q}/",
        f"/returns/RA1/{q}/history/",
        "/catalogue/",
    ]
    upload = Form(f"/returns/RA1/{scene.open_quarter.slug}/", "Check file")
    return {
        "admin": Journey(cast.national, national, [Form("/catalogue/upload/", "Upload and check")]),
        "national analyst": Journey(scene.national_analyst, national, []),
        "observer": Journey(
            cast.observer,
            [
                "/",
                "/organisations/regions/Y92/",
                "/organisations/RB1/profile/",
                "/organisations/RB1/metrics/M01/",
                f"/returns/?period={q}",
                f"/returns/RB1/{q}/",
                "/segmentation/",
                f"/segmentation/{q}/regions/Y92/",
                f"/segmentation/{q}/bodies/RB1/",
                "/ics/QB1/",
            ],
            [],
        ),
        "regional lead": Journey(
            cast.lead_a,
            regional,
            [
                Form(f"/segmentation/{q}/bodies/RA3/decide/", "Record decision", "Segment 4"),
                Form("/ics/QA1/meetings/new/", "Record the meeting"),
            ],
        ),
        "regional analyst": Journey(cast.analyst_a, regional, []),
        "ICS lead": Journey(
            cast.ics_lead,
            [
                "/",
                "/organisations/systems/QA1/",
                "/organisations/RA1/profile/",
                "/organisations/RA1/metrics/M01/",
                f"/returns/?period={q}",
                f"/returns/RA1/{q}/",
                "/segmentation/",
                f"/segmentation/{q}/systems/QA1/",
                f"/segmentation/{q}/bodies/RA1/",
                "/ics/QA1/",
            ],
            [Form(f"/segmentation/{q}/bodies/RA1/view/", "Record your view")],
        ),
        "submitter": Journey(cast.submitter, trust, [upload]),
        "approver": Journey(cast.approver, trust, []),
        "SID": Journey(
            cast.sid,
            [
                "/",
                "/cases/",
                f"/cases/{case}/",
                f"/cases/{case}/print/",
                f"/cases/{case}/criteria/",
                "/organisations/RA3/profile/",
                "/organisations/RA3/metrics/M01/",
            ],
            [Form(f"/cases/{case}/workstreams/new/", "Add")],
        ),
    }


def violations_on(page: Page) -> list[str]:
    where = page.url.split("/", 3)[-1]
    return [
        f"  /{where}: {v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(" ".join(map(str, node["target"])) for node in v["nodes"][:5])
        for v in axe_violations(page)
    ]


def visit(page: Page, url: str, role: str) -> None:
    response = page.goto(url)
    assert response is not None, url
    assert response.status == 200, f"{role}: {url} answered {response.status}"


def walk(page: Page, live_server: Any, role: str, journey: Journey) -> list[str]:
    """Every page and form of one journey, signed in as its user; the violations found."""
    login(page, live_server, journey.user.email, PASSWORD)
    found: list[str] = []
    for path in journey.pages:
        visit(page, f"{live_server.url}{path}", role)
        found += violations_on(page)
    for form in journey.forms:
        visit(page, f"{live_server.url}{form.path}", role)
        if form.check:
            page.get_by_label(form.check, exact=True).check()
        page.get_by_role("button", name=form.button, exact=True).click()
        expect(page.locator(".nhsuk-error-summary")).to_be_visible()
        found += violations_on(page)
    return found


def test_every_main_page_of_every_roles_journey_passes_axe(
    browser: Browser,
    live_server: Any,
    cast: Cast,
    scene: Scene,
    console_errors: list[ConsoleError],
    offsite_requests: list[str],
) -> None:
    """One Chromium, one fresh session per role; the data built once for all nine."""
    found: dict[str, list[str]] = {}
    for role, journey in journeys(scene, cast).items():
        context, page = open_tab(browser, console_errors, offsite_requests)
        try:
            found[role] = walk(page, live_server, role, journey)
        finally:
            context.close()
        # A refused form answers 400 on purpose, which Chromium logs as a failed resource.
        refused = [e for e in console_errors if "status of 400" in e.text]
        others = [str(e) for e in console_errors if e not in refused]
        assert len(refused) <= len(journey.forms), f"{role}: {refused}"
        assert others == [], role
        console_errors.clear()
    assert offsite_requests == []
    assert list(found) == ROLES
    checked = sum(len(j.pages) + len(j.forms) for j in journeys(scene, cast).values())
    print(f"axe: {checked} pages x roles checked, {len(found)} roles")
    report = [f"as {role}:\n" + "\n".join(lines) for role, lines in found.items() if lines]
    assert not report, "axe found serious or critical violations\n" + "\n".join(report)
