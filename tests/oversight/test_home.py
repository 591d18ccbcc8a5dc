"""The home page per role: what needs each member of the cast this quarter, as task lists whose
counts link to filtered lists; the returns list filters by state and region; a constant number
of queries per home page whatever the number of bodies."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from accounts.home import SECTIONS, HomeContext, HomeSection, Status, Task, home_section
from metrics.catalogue.editions import edition_for
from metrics.catalogue.loading import load_builtin_catalogues
from metrics.models.returns import Return
from metrics.returns.review import return_sign_off
from metrics.returns.upload import return_upload
from oversight.models import OrganisationKind
from tests.conftest import Cast, Registry
from tests.factories import OrganisationFactory
from tests.metrics.factories import csv_file, full_rows, quarter
from tests.queries import assert_constant_queries, counted

pytestmark = pytest.mark.django_db


def text(response) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(registry: Registry, cast: Cast):
    """2021-22 Q3 open now; Trust A1 submitted by its submitter, Trust A3 by the national admin."""
    load_builtin_catalogues()
    period = quarter()
    edition = edition_for(period)
    for body in (registry.trust_a1, registry.trust_a3):
        return_upload(
            organisation=body,
            period=period,
            edition=edition,
            file_name="return.csv",
            content=csv_file(body.ods_code, full_rows(body, period, edition)),
            user=cast.submitter if body == registry.trust_a1 else cast.national,
        )
    return period


def test_home_is_the_landing_page_not_a_redirect(world, cast: Cast) -> None:
    response = client_for(cast.observer).get("/")
    assert response.status_code == 200
    assert "<title>Home – Oversight – NHS England</title>" in response.content.decode()


def test_the_submitter_sees_their_return_and_its_next_step(world, cast: Cast) -> None:
    page = text(client_for(cast.submitter).get("/"))
    assert "Your 2021-22 Q3 return" in page
    assert "Trust A1: 2021-22 Q3 return" in page
    assert "Submitted" in page
    assert "Next step: sign-off by the body's approver." in page


def test_the_submitter_is_asked_to_upload_a_return_not_yet_sent(
    world, cast: Cast, registry: Registry
) -> None:
    from accounts.roles import Role
    from accounts.scope import role_grant

    role_grant(user=cast.submitter, role=Role.ORGANISATION_SUBMITTER, node=registry.trust_a2)
    page = text(client_for(cast.submitter).get("/"))
    assert "Trust A2: 2021-22 Q3 return Next step: upload a new version. Not submitted" in page


def test_the_approver_is_asked_to_sign_off(world, cast: Cast) -> None:
    response = client_for(cast.approver).get("/")
    page = text(response)
    assert "Trust A1: 2021-22 Q3 return" in page
    assert "Next step: sign off." in page
    assert reverse("return-detail", kwargs={"ods_code": "RA1", "period": world.slug}) in (
        response.content.decode()
    )


def test_the_regional_lead_sees_returns_to_accept_and_bodies_to_chase(
    world, cast: Cast, registry: Registry
) -> None:
    record = Return.objects.get(organisation=registry.trust_a1)
    return_sign_off(return_record=record, user=cast.approver, declaration=True)
    response = client_for(cast.lead_a).get("/")
    page = text(response)
    html = response.content.decode()
    assert "2021-22 Q3 returns to review" in page
    assert (
        "Returns to accept or send back Signed off by the body and waiting for your review. 1 to do"
        in page
    )
    # Region A expects QA1, QA2, RA1, RA2, RA3, 0A1: RA1 signed off, RA3 submitted.
    assert "Bodies to chase 4 not submitted, 0 sent back. 4 to chase" in page
    assert f"?period={world.slug}&amp;state=signed_off" in html
    assert f"?period={world.slug}&amp;state=to_chase" in html
    assert "completeness by region" not in page


def test_the_ics_lead_sees_their_system_at_a_glance(world, cast: Cast) -> None:
    page = text(client_for(cast.ics_lead).get("/"))
    assert "System A1 at a glance" in page
    assert "Trust A1 2021-22 Q3 return Submitted Concerns flagged in 2021-22 Q3 0" in page
    assert re.search(r"Returns not submitted Due by [^.]*\. 3 not submitted", page)
    assert "Trust A2" in page
    assert "Trust A3" not in page  # in System A2


def test_the_national_team_sees_completeness_by_region(world, cast: Cast) -> None:
    response = client_for(cast.national).get("/")
    page = text(response)
    assert "2021-22 Q3 completeness by region" in page
    assert "Region A" in page
    assert "Region B" in page
    assert f"?period={world.slug}&amp;region=Y92" in response.content.decode()


def test_someone_without_a_role_is_told_nothing_needs_them(world, cast: Cast) -> None:
    page = text(client_for(cast.outsider).get("/"))
    assert "Nothing needs you this quarter." in page
    assert "Trust" not in page


def test_runs_are_in_the_navigation(world, cast: Cast) -> None:
    html = client_for(cast.lead_a).get("/").content.decode()
    assert f'href="{reverse("runs-list")}">Runs</a>' in html


# --- the returns list's filters ------------------------------------------------------------


def shown_bodies(response) -> list[str]:
    return [row.organisation.ods_code for row in response.context["rows"]]


def test_the_returns_list_filters_by_state(world, cast: Cast) -> None:
    client = client_for(cast.lead_a)
    url = reverse("returns-list")
    submitted = client.get(url, {"period": world.slug, "state": "submitted"})
    assert sorted(shown_bodies(submitted)) == ["RA1", "RA3"]
    assert "expected to return: submitted, awaiting sign-off" in text(submitted)
    missing = client.get(url, {"period": world.slug, "state": "not_submitted"})
    assert sorted(shown_bodies(missing)) == ["0A1", "QA1", "QA2", "RA2"]


def test_the_returns_list_filters_by_region_for_the_national_team(world, cast: Cast) -> None:
    response = client_for(cast.national).get(
        reverse("returns-list"), {"period": world.slug, "region": "Y92"}
    )
    assert sorted(shown_bodies(response)) == ["QB1", "RB1"]


def test_a_regional_user_has_no_region_to_choose_and_sees_only_theirs(world, cast: Cast) -> None:
    response = client_for(cast.lead_a).get(
        reverse("returns-list"), {"period": world.slug, "region": "Y92"}
    )
    assert "region" not in response.context["form"].fields
    assert "RB1" not in shown_bodies(response)


# --- the hook other apps use -----------------------------------------------------------------


def test_an_app_adds_a_section_through_the_hook(world, cast: Cast) -> None:
    @home_section(order=55)
    def decisions(context: HomeContext) -> HomeSection | None:
        if not context.holds("regional_lead"):
            return None
        return HomeSection("Segment decisions", [Task("Decisions to make", Status.count(2), "/x/")])

    try:
        assert "Segment decisions Decisions to make 2 to do" in text(
            client_for(cast.lead_a).get("/")
        )
        assert "Segment decisions" not in text(client_for(cast.submitter).get("/"))
    finally:
        SECTIONS[:] = [(o, f) for o, f in SECTIONS if f is not decisions]


# --- a constant number of queries ------------------------------------------------------------


@pytest.mark.parametrize("who", ["national", "lead_a", "ics_lead", "submitter", "approver"])
def test_each_home_page_takes_the_same_queries_for_many_bodies(
    world, cast: Cast, registry: Registry, who: str
) -> None:
    client = client_for(getattr(cast, who))
    client.get("/")
    small = counted(lambda: client.get("/"))
    assert small.response.status_code == 200
    assert small.response.context["sections"]
    for n in range(20):
        OrganisationFactory(ods_code=f"RY{n:02d}", system=registry.system_a1)
        OrganisationFactory(
            ods_code=f"0Y{n:02d}", system=registry.system_b1, kind=OrganisationKind.CCG, sector=""
        )
    large = counted(lambda: client.get("/"))
    assert large.response.status_code == 200
    assert large.response.context["sections"]
    assert_constant_queries(small, large, at_most=40)
