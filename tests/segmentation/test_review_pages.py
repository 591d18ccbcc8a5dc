"""The regional review's pages: scoped for the fixed cast (outsider 404), the same writes as
the API with refusals in the error summary, and constant query counts on the review list and
the league table."""

from __future__ import annotations

from typing import cast

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from oversight.models import Organisation
from segmentation.methods import review_method
from segmentation.models import DecisionState, Proposal, SegmentDecision, SystemView
from tests.conftest import Cast, Registry
from tests.factories import OrganisationFactory
from tests.metrics.results_data import Picture

pytestmark = pytest.mark.django_db

Q = "/segmentation/2021-22-q3/"
PAGES = {
    "region": Q + "regions/Y91/",
    "body": Q + "bodies/RA1/",
    "decide": Q + "bodies/RA1/decide/",
    "view": Q + "bodies/RA1/view/",
    "system": Q + "systems/QA1/",
    "publish": Q + "regions/Y91/publish/",
    "national": Q + "national/",
    "league_csv": Q + "national/league.csv",
    "segmentation_xlsx": Q + "national/segmentation.xlsx",
    "differences": Q + "differences/",
    "compare": Q + "compare/",
}
# Who gets what on each page: 200, 403 (sees the body, may not do this) or 404 (outside scope).
EXPECTED = {
    "national": dict.fromkeys(PAGES, 200),
    "lead_a": dict.fromkeys(PAGES, 200) | {"view": 403, "differences": 404, "compare": 404},
    "analyst_a": dict.fromkeys(PAGES, 200)
    | {"decide": 403, "view": 403, "differences": 404, "compare": 404},
    "ics_lead": dict.fromkeys(PAGES, 404)
    | {"body": 200, "view": 200, "system": 200, "decide": 403}
    | {"national": 200, "league_csv": 200, "segmentation_xlsx": 200},
    "lead_b": dict.fromkeys(PAGES, 404)
    | {"national": 200, "league_csv": 200, "segmentation_xlsx": 200},
    "submitter": dict.fromkeys(PAGES, 404),
    "outsider": dict.fromkeys(PAGES, 404),
}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("member", list(EXPECTED))
def test_every_page_is_scoped_for_the_cast(picture: Picture, cast: Cast, member):
    client = client_for(getattr(cast, member))
    answers = {name: client.get(url).status_code for name, url in PAGES.items()}
    assert answers == EXPECTED[member]


def test_index_links_each_role_to_its_pages(picture: Picture, cast: Cast):
    lead = client_for(cast.lead_a).get("/segmentation/").content.decode()
    assert Q + "regions/Y91/" in lead
    assert Q + "national/" not in lead.replace("league", "")
    ics = client_for(cast.ics_lead).get("/segmentation/").content.decode()
    assert Q + "systems/QA1/" in ics
    own = client_for(cast.submitter).get("/segmentation/").content.decode()
    assert "/organisations/RA1/profile/" in own
    outsider = client_for(cast.outsider).get("/segmentation/").content.decode()
    assert "/regions/" not in outsider
    assert "/systems/" not in outsider


def test_review_list_filters_and_sorts(picture: Picture, cast: Cast, registry: Registry):
    client = client_for(cast.analyst_a)
    everyone = client.get(PAGES["region"]).content.decode()
    assert "Trust A1" in everyone
    assert "Trust A3" in everyone
    assert "Trust B1" not in everyone
    only_a2 = client.get(PAGES["region"] + "?system=QA2").content.decode()
    assert "Trust A3" in only_a2
    assert "Trust A1" not in only_a2
    trusts = client.get(PAGES["region"] + "?kind=trust:acute&differs=on&sort=-proposed")
    assert trusts.status_code == 200
    page = trusts.content.decode()
    assert "Trust A1" in page
    assert "CCG A1" not in page
    assert page.index("Trust A1") < page.index("Trust A3")  # proposed 3 before 2, descending


def test_body_page_follows_a_reason_down_to_the_value_and_its_upload(picture: Picture, cast: Cast):
    page = client_for(cast.analyst_a).get(PAGES["body"]).content.decode()
    assert "Why this segment is proposed" in page
    assert "Met" in page
    assert "Not met" in page
    assert "/organisations/RA1/metrics/M01/?period=2021-22-q3" in page
    assert "/returns/RA1/2021-22-q3/" in page  # the return version the value came from
    assert f"/runs/{picture.latest_run.pk}/" in page or "calculation run" in page


def test_decision_pages_record_confirm_and_show_refusals(picture: Picture, cast: Cast, lead_a2):
    lead = client_for(cast.lead_a)
    refused = lead.post(PAGES["decide"], {"segment": "2"})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "nhsuk-error-summary" in text
    assert "Give the rationale" in text
    assert not SegmentDecision.objects.exists()
    done = lead.post(PAGES["decide"], {"segment": "2", "rationale": "Recovering fast."})
    assert done.status_code == 302
    decision = SegmentDecision.objects.get()
    own = lead.post(Q + f"decisions/{decision.pk}/confirm/")
    assert own.status_code == 400
    assert "four eyes" in own.content.decode()
    second = client_for(lead_a2).post(Q + f"decisions/{decision.pk}/confirm/")
    assert second.status_code == 302
    decision.refresh_from_db()
    assert (decision.state, decision.confirmed_by) == (DecisionState.CONFIRMED, lead_a2)
    assert client_for(cast.lead_b).post(Q + f"decisions/{decision.pk}/confirm/").status_code == 404


def test_send_back_page_needs_a_reason(picture: Picture, cast: Cast, lead_a2):
    client_for(cast.lead_a).post(PAGES["decide"], {"segment": "3"})
    decision = SegmentDecision.objects.get()
    url = Q + f"decisions/{decision.pk}/send-back/"
    assert client_for(lead_a2).get(url).status_code == 200
    assert client_for(cast.analyst_a).get(url).status_code == 403
    assert client_for(cast.lead_b).get(url).status_code == 404
    assert client_for(cast.outsider).get(url).status_code == 404
    assert client_for(cast.outsider).post(url, {"reason": "x"}).status_code == 404
    empty = client_for(lead_a2).post(url, {"reason": ""})
    assert empty.status_code == 400
    assert "Give the reason" in empty.content.decode()
    assert client_for(lead_a2).post(url, {"reason": "Wait for Q4."}).status_code == 302
    decision.refresh_from_db()
    assert decision.state == DecisionState.SENT_BACK


def test_ics_lead_view_shows_to_the_reviewer(picture: Picture, cast: Cast):
    ics = client_for(cast.ics_lead)
    assert ics.post(PAGES["view"], {"text": ""}).status_code == 400
    assert ics.post(PAGES["view"], {"text": "Leadership is new.", "suggested_segment": "3"})
    assert SystemView.objects.filter(organisation__ods_code="RA1").count() == 1
    page = client_for(cast.lead_a).get(PAGES["body"]).content.decode()
    assert "Leadership is new." in page
    assert "suggests segment 3" in page
    deciding = client_for(cast.lead_a).get(PAGES["decide"]).content.decode()
    assert "Leadership is new." in deciding
    system = client_for(cast.lead_a).get(PAGES["system"]).content.decode()
    assert "Given" in system


def test_publish_page_lists_missing_and_needs_them_accepted(picture: Picture, cast: Cast, lead_a2):
    client_for(cast.lead_a).post(PAGES["decide"], {"segment": "3"})
    decision = SegmentDecision.objects.get()
    client_for(lead_a2).post(Q + f"decisions/{decision.pk}/confirm/")
    page = client_for(cast.lead_a).get(PAGES["publish"]).content.decode()
    assert "Missing a confirmed decision" in page
    assert "Trust A3" in page
    refused = client_for(cast.lead_a).post(PAGES["publish"], {})
    assert refused.status_code == 400
    assert "accepting that explicitly" in refused.content.decode()
    assert (
        client_for(cast.analyst_a).post(PAGES["publish"], {"accept_missing": "on"}).status_code
        == 403
    )
    done = client_for(cast.lead_a).post(PAGES["publish"], {"accept_missing": "on"})
    assert done.status_code == 302
    decision.refresh_from_db()
    assert decision.state == DecisionState.PUBLISHED
    profile = client_for(cast.submitter).get("/organisations/RA1/profile/?period=2021-22-q3")
    assert "Segment 3" in profile.content.decode()


def test_exports_carry_codes_run_and_method_and_no_formula(picture: Picture, cast: Cast, lead_a2):
    client_for(cast.lead_a).post(
        PAGES["decide"], {"segment": "2", "rationale": '=HYPERLINK("http://x")'}
    )
    csv_text = client_for(cast.national).get(Q + "national/segmentation.csv").content.decode()
    header, *rows = csv_text.splitlines()
    assert header.startswith("ods_code,name,kind,region_code")
    assert "run_id,method,method_version" in header
    ra1 = next(r for r in rows if r.startswith("RA1,"))
    assert "'=HYPERLINK" in ra1
    assert f",{picture.latest_run.pk},sof-2021-22,1" in ra1
    league = client_for(cast.national).get(Q + "national/league.csv").content.decode()
    assert league.splitlines()[0].startswith("rank,peer_group,ods_code")
    import io

    import openpyxl

    content = client_for(cast.national).get(Q + "national/segmentation.xlsx").content
    book = openpyxl.load_workbook(io.BytesIO(content))
    cells = [c for row in book["segmentation"].iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert any(c.value == '\'=HYPERLINK("http://x")' for c in cells)
    about: dict = dict(book["about"].iter_rows(values_only=True))
    assert about["method"] == "sof-2021-22"
    assert str(picture.latest_run.pk) in about["runs"]


def _more_bodies(picture: Picture, registry: Registry, how_many: int) -> None:
    """Bodies in region A with proposals, to grow the review list and the league table."""
    method = review_method(picture.latest)
    assert method is not None
    run = picture.latest_run
    for n in range(how_many):
        body = cast(
            Organisation,
            OrganisationFactory(
                ods_code=f"RX{n:03d}", name=f"Extra Trust {n:03d}", system=registry.system_a2
            ),
        )
        Proposal.objects.create(
            organisation=body,
            period=picture.latest,
            method=method,
            method_version=1,
            run=run,
            peer_group="trust:acute",
            segment=2 + n % 2,
            basis="default",
            summary="Default segment 2.",
            criteria=[],
        )


def _count(client: Client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_review_list_and_league_table_queries_stay_constant(
    picture: Picture, cast: Cast, registry: Registry
):
    client = client_for(cast.lead_a)
    national = client_for(cast.national)
    small, page = _count(client, PAGES["region"])
    league_small, table = _count(national, PAGES["national"])
    assert "Trust A1" in page
    assert "Trust A1" in table
    _more_bodies(picture, registry, 30)
    large, page = _count(client, PAGES["region"])
    league_large, table = _count(national, PAGES["national"])
    assert "Extra Trust 029" in page
    assert "Extra Trust 029" in table
    assert large == small
    assert league_large == league_small


def test_league_table_api_is_scoped_like_the_page(picture: Picture, cast: Cast):
    from tests.segmentation.conftest import api_for

    url = "/api/v1/segmentation/league-table/?period=2021-22%20Q3"
    everyone = api_for(cast.national).get(url)
    assert everyone.status_code == 200
    codes = {row["ods_code"] for row in everyone.json()}
    assert {"RA1", "RB1"} <= codes
    ra1 = next(row for row in everyone.json() if row["ods_code"] == "RA1")
    assert ra1["method"] == "sof-2021-22"
    assert ra1["run_id"] == picture.latest_run.pk
    region_a = {row["ods_code"] for row in api_for(cast.lead_a).get(url).json()}
    assert "RA1" in region_a
    assert "RB1" not in region_a
    assert api_for(cast.outsider).get(url).json() == []
    assert api_for(cast.national).get("/api/v1/segmentation/league-table/").status_code == 400


def test_home_page_links_each_role_to_its_segmentation_work(picture: Picture, cast: Cast):
    lead = client_for(cast.lead_a).get("/").content.decode()
    assert "Region A: decisions to make" in lead
    assert Q + "regions/Y91/" in lead
    ics = client_for(cast.ics_lead).get("/").content.decode()
    assert "System A1: views to give" in ics
    own = client_for(cast.submitter).get("/").content.decode()
    assert "Trust A1: segment and reasons" in own
    national = client_for(cast.national).get("/").content.decode()
    assert Q + "national/" in national
    assert "decisions to make" not in client_for(cast.outsider).get("/").content.decode()


def test_differences_count_direction_criteria_and_rationale(picture: Picture, cast: Cast, lead_a2):
    lead = client_for(cast.lead_a)
    lead.post(PAGES["decide"], {"segment": "4", "rationale": "Needs intensive support."})
    lead.post(Q + "bodies/RA3/decide/", {"segment": "2"})
    page = client_for(cast.national).get(PAGES["differences"]).content.decode()
    region_a = page[page.index("Region A") :]
    row = region_a[: region_a.index("</tr>")]
    cells = [c.split(">")[-1].strip() for c in row.split("</td>")[:-1]]
    assert cells[:4] == ["2", "1 (50%)", "1", "0"]
    assert "Needs intensive support." in page


def test_compare_lists_the_bodies_whose_segment_differs(picture: Picture, cast: Cast):
    from decimal import Decimal

    from segmentation.models import SegmentationMethod
    from segmentation.proposals import proposals_compute

    primary = review_method(picture.latest)
    assert primary is not None
    SegmentationMethod.objects.create(
        edition=primary.edition,
        code="cut-at-two",
        name="Cut at two (illustrative)",
        rules="nof_2025_26",
        illustrative=True,
        segmented_kinds="trust",
        cut_point_1=Decimal("1.00"),
        cut_point_2=Decimal("2.00"),
        cut_point_3=Decimal("3.00"),
    )
    proposals_compute(run_id=picture.latest_run.pk)
    response = client_for(cast.national).get(PAGES["compare"] + "?a=sof-2021-22&b=cut-at-two")
    page = response.content.decode()
    assert "Cut at two (illustrative) is illustrative" in page
    differing = [
        p.organisation.name
        for p in Proposal.objects.filter(method__code="cut-at-two").select_related("organisation")
        if p.segment != Proposal.objects.get(organisation=p.organisation, method=primary).segment
    ]
    assert differing
    assert f'id="differ-count">{len(differing)}<' in page
    for name in differing:
        assert name in page


def test_notifications_page_opens_and_marks_read(picture: Picture, cast: Cast, lead_a2):
    from segmentation.models import Notification

    client_for(cast.lead_a).post(PAGES["decide"], {"segment": "3"})
    notification = Notification.objects.get(recipient=lead_a2)
    second = client_for(lead_a2)
    assert "Segmentation notifications" in second.get("/").content.decode()
    page = second.get("/segmentation/notifications/").content.decode()
    assert "Decision awaiting confirmation: Trust A1" in page
    assert "New" in page
    url = f"/segmentation/notifications/{notification.pk}/open/"
    assert client_for(cast.lead_b).post(url).status_code == 404
    opened = second.post(url)
    assert opened.status_code == 302
    assert opened["Location"] == Q + "bodies/RA1/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert client_for(cast.outsider).get("/segmentation/notifications/").status_code == 200
