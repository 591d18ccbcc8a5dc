"""Results pages: organisation profile, metric page with its SPC chart, and runs.

The data is the engine's own (tests.metrics.results_data): 2021-22 Q2 and Q3 calculated; RA1's
A&E performance falls to 48% in the last quarter (SPC concern outside the limits).
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client

from accounts.models import User
from metrics.models.calculation import CalculationRun, RunStatus
from tests.conftest import Cast, Registry
from tests.factories import OrganisationFactory
from tests.metrics.results_data import Picture, build_picture
from tests.queries import Counted, assert_constant_queries, counted

pytestmark = pytest.mark.django_db


@pytest.fixture
def picture(registry: Registry, cast: Cast) -> Picture:
    return build_picture(registry, cast.national)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(user: User, url: str, status: int = 200) -> str:
    response = client_for(user).get(url)
    assert response.status_code == status
    return response.content.decode()


def text(html: str) -> str:
    """The page's words, tags stripped and spaces collapsed, for phrases split by markup."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- profile -----------------------------------------------------------------------------------


def test_profile_shows_every_metric_by_theme(cast: Cast, picture: Picture) -> None:
    html = page(cast.lead_a, "/organisations/RA1/profile/")
    words = text(html)
    assert "Trust A1: oversight profile" in words
    assert "Results for 2021-22 Q3" in words
    quality, finance = html.index('id="theme-quality"'), html.index('id="theme-finance"')
    assert quality < html.index("A&amp;E 4-hour performance") < finance
    assert finance < html.index("Variance to financial plan")
    assert 'href="/organisations/RA1/metrics/M01/?period=2021-22-q3"' in html


def test_profile_row_in_words(cast: Cast, picture: Picture) -> None:
    words = text(page(cast.lead_a, "/organisations/RA1/profile/"))
    # A&E: value 48, bottom quartile, score 4.00, down from 81, SPC concern, never meets 95.
    assert "Q4 (worst)" in words
    assert "4.00" in words
    assert "Down from 81.0% (worse)" in words
    assert "Special cause concern — low" in words
    assert "Consistently fail — the target is never met" in words
    # 52-week waits: lower is better, RA1 is second best: quartile 1, up from 125 is worse.
    assert "Q1 (best)" in words
    assert "Up from 125 patients (worse)" in words
    # Bed occupancy is neutral: no quartile, no score, no better or worse.
    assert "No quartile" in words
    assert "Not scored" in words


def test_profile_flags_with_evidence_and_run(cast: Cast, picture: Picture) -> None:
    html = page(cast.lead_a, "/organisations/RA1/profile/")
    words = text(html)
    assert "Dramatic drop" in words
    assert "is a special-cause concern outside the process limits" in words
    assert "Fell from quartile 2 in 2021-22 Q2 to quartile 4 in 2021-22 Q3." in words
    assert f'href="/runs/{picture.latest_run.pk}/"' in html


def test_profile_period_selector(cast: Cast, picture: Picture) -> None:
    html = page(cast.lead_a, "/organisations/RA1/profile/?period=2021-22 Q2")
    assert '<option value="2021-22-q2" selected>2021-22 Q2</option>' in html
    assert '<option value="2021-22-q3">2021-22 Q3</option>' in html
    words = text(html)
    assert "Results for 2021-22 Q2" in words
    assert "No previous quarter to compare" in words  # 2021-22 Q1 was never calculated
    page(cast.lead_a, "/organisations/RA1/profile/?period=2019-20 Q1", status=404)
    page(cast.lead_a, "/organisations/RA1/profile/?period=rubbish", status=404)


def test_profile_without_any_run(cast: Cast, registry: Registry) -> None:
    words = text(page(cast.lead_a, "/organisations/RA1/profile/"))
    assert "No calculation run has finished yet" in words


@pytest.mark.parametrize(
    ("member", "code", "status"),
    [
        ("outsider", "RA1", 404),
        ("lead_b", "RA1", 404),
        ("lead_b", "RB1", 200),
        ("lead_a", "RB1", 404),
        ("submitter", "RA3", 404),
        ("submitter", "RA1", 200),
        ("national", "RB2", 200),
        ("lead_a", "NOPE", 404),
    ],
)
def test_pages_are_scoped(cast: Cast, picture: Picture, member: str, code: str, status) -> None:
    user = getattr(cast, member)
    page(user, f"/organisations/{code}/profile/", status=status)
    page(user, f"/organisations/{code}/metrics/M01/", status=status)


def test_anonymous_is_sent_to_log_in(picture: Picture) -> None:
    response = Client().get("/organisations/RA1/profile/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_organisation_detail_links_to_its_profile(cast: Cast, picture: Picture) -> None:
    assert 'href="/organisations/RA1/profile/"' in page(cast.lead_a, "/organisations/RA1/")


# --- metric page -------------------------------------------------------------------------------


def test_metric_page_chart_and_its_text_alternative(cast: Cast, picture: Picture) -> None:
    html = page(cast.lead_a, "/organisations/RA1/metrics/M01/")
    assert '<svg class="app-spc-chart"' in html
    assert 'role="img"' in html
    assert 'aria-labelledby="spc-m01-title spc-m01-desc"' in html
    words = text(html)
    assert "SPC chart: M01 A&amp;E 4-hour performance" in words
    assert "21 points from April 2020 to December 2021" in words
    # The data table: each month, its value and its special cause in words.
    assert "December 2021 48.0 Outside the process limits (low) Concern" in words
    assert "April 2020 80.0 Run on one side of the mean (high) Improvement" in words


def test_metric_page_explains_rank_quartile_and_score(cast: Cast, picture: Picture) -> None:
    words = text(page(cast.lead_a, "/organisations/RA1/metrics/M01/"))
    assert "Rank 5 of 5 acute trusts" in words
    assert "percentile rank (5 − 1)/(5 − 1) = 1.000" in words
    assert "Value 48.0% is at or below P25 (69.0%) → quartile 4, Q4 (worst)." in words
    # Standard 95, met by nobody: the five are spread between 2.00 and 4.00.
    assert "Score 4.00 = 2.00 + 2.00 × (5 − 1)/(5 − 1) = 4.0000" in words
    assert "neither meeting the standard nor failing the floor" in words
    assert "P25 P50 (median) P75 Bodies (n) Method 69.0 74.0 84.0 5" in words
    assert "Linear interpolation between closest ranks" in words


def test_metric_page_score_without_standard(cast: Cast, picture: Picture) -> None:
    words = text(page(cast.lead_a, "/organisations/RA1/metrics/M02/"))
    # 52-week waits, lower is better: RA1 (130) is second of five: 1.00 + 3.00 × 1/4 = 1.75.
    assert "Rank 2 of 5 acute trusts" in words
    assert "Value 130 patients is at or below P25 (130 patients) → quartile 1, Q1 (best)." in words
    assert "Score 1.75 = 1.00 + 3.00 × (2 − 1)/(5 − 1) = 1.7500" in words


def test_metric_page_neutral(cast: Cast, picture: Picture) -> None:
    words = text(page(cast.lead_a, "/organisations/RA1/metrics/M03/"))
    assert "A neutral metric has no better or worse, so it is not ranked." in words
    assert "Neutral metrics get no quartile." in words
    assert "Special cause: neither improvement nor concern" in words  # the chart's key


def test_metric_page_links_to_run_and_versions(cast: Cast, picture: Picture) -> None:
    html = page(cast.lead_a, "/organisations/RA1/metrics/M01/")
    assert f'href="/runs/{picture.latest_run.pk}/"' in html
    assert 'href="/returns/RA1/2021-22-q3/"' in html
    assert 'href="/returns/RA1/2020-21-q1/"' in html
    assert "The quarter value and SPC points" in text(html)


def test_metric_page_flags(cast: Cast, picture: Picture) -> None:
    words = text(page(cast.lead_a, "/organisations/RA1/metrics/M01/"))
    assert "SPC concern" in words
    assert "Failing standard" in words
    assert "Quarter value 48.0% is below the standard 95.0%." in words


def test_metric_page_unknown_metric(cast: Cast, picture: Picture) -> None:
    page(cast.lead_a, "/organisations/RA1/metrics/NOPE/", status=404)


# --- runs --------------------------------------------------------------------------------------


def test_runs_list(cast: Cast, picture: Picture) -> None:
    html = page(cast.lead_b, "/runs/")
    assert picture.runs
    for run in picture.runs:
        assert f'href="/runs/{run.pk}/"' in html
    assert "Current results of 2021-22 Q3" in text(html)
    page(cast.outsider, "/runs/", status=404)


def test_finished_run_page(cast: Cast, picture: Picture) -> None:
    run = picture.latest_run
    html = page(cast.lead_a, f"/runs/{run.pk}/")
    words = text(html)
    assert "Calculation run" in words
    assert "Finished" in words
    assert f'<progress id="run-progress" max="{run.steps_total}" value="{run.steps_total}">' in html
    assert 'http-equiv="refresh"' not in html
    assert run.method_version in words
    assert "quartiles.min_bodies 4" in words
    assert "The accepted return versions the run read, of the bodies you can see: 14." in words
    assert "Trust B1" not in words  # region B's inputs are not lead A's to see
    assert "Accepted RA1 v1" not in words  # the reason names an input: national only
    assert "Accepted RA1 v1" in text(page(cast.national, f"/runs/{run.pk}/"))


def test_running_run_page_refreshes(cast: Cast, picture: Picture) -> None:
    latest = picture.latest_run
    run = CalculationRun.objects.create(
        period=latest.period,
        edition=latest.edition,
        reason="test",
        status=RunStatus.RUNNING,
        steps_done=2,
        steps_total=5,
    )
    html = page(cast.lead_a, f"/runs/{run.pk}/")
    assert '<meta http-equiv="refresh" content="3">' in html
    assert '<progress id="run-progress" max="5" value="2">40%</progress>' in html
    assert "Step 2 of 5 done" in text(html)


def test_run_pages_404(cast: Cast, picture: Picture) -> None:
    page(cast.outsider, f"/runs/{picture.latest_run.pk}/", status=404)
    page(cast.lead_a, "/runs/999999/", status=404)


# --- query counts ------------------------------------------------------------------------------


def _page(user: User, url: str) -> Counted:
    """A page as a newly loaded user asks for it (no permission cache), with its queries."""
    client = client_for(User.objects.get(pk=user.pk))
    page = counted(lambda: client.get(url))
    assert page.response.status_code == 200, url
    return page


def test_page_query_counts_are_fixed(cast: Cast, picture: Picture) -> None:
    # Session and user (2), permissions (2), scope label (1), then each page's own reads.
    # RA1 has many flags and RB2 few: same counts. The profile reads the body's published
    # segment too (segmentation's published_segment tag): one query; and which quarter to open
    # on (the body's accepted quarters), the latest quarter and the body's return for it (the
    # note on why it is not shown): three. A metric page counts its peer group's expected
    # bodies (whether its quartiles are provisional): one, and so does the profile; a metric
    # page reads the body's recorded SPC rebases of the metric: one; and opens on a quarter
    # and says why not a later one as the profile does: three.
    for path, at_most in (("profile/", 17), ("metrics/M01/", 18), ("metrics/M02/", 17)):
        # M01 has a standard: one more query ranks the body among those scored by rank.
        many, few = (_page(cast.national, f"/organisations/{c}/{path}") for c in ("RA1", "RB2"))
        assert "Trust A1" in many.response.content.decode()
        assert "Trust B2" in few.response.content.decode()
        assert_constant_queries(few, many, at_most=at_most)
    # The runs: the first run read fewer inputs than the latest, in as many queries.
    runs = _page(cast.lead_a, "/runs/")
    assert f"/runs/{picture.latest_run.pk}/" in runs.response.content.decode()
    assert runs.queries <= 8
    first, latest = (
        _page(cast.lead_a, f"/runs/{r.pk}/") for r in (picture.runs[0], picture.latest_run)
    )
    # A run's page leads with what it changed against the quarter's previous published run:
    # that run, and each kind of change counted and listed in the database (six more).
    assert_constant_queries(first, latest, at_most=15)


def test_the_profile_opens_on_the_latest_quarter_the_body_has_accepted_data_for(
    cast: Cast, picture: Picture
) -> None:
    from metrics.models.returns import Return

    latest = picture.latest
    Return.objects.filter(organisation__ods_code="RA1", period=latest).update(
        accepted_version=None, state="signed_off"
    )
    page = client_for(cast.national).get("/organisations/RA1/profile/")
    assert page.context["quarter"].period == picture.periods[-2]
    words = unescape(text(page.content.decode()))
    assert (
        f"{latest.label} is not shown: Trust A1's return for it is signed off and awaits "
        "regional review. Results come once it is accepted and recalculated."
    ) in words
    other = client_for(cast.national).get("/organisations/RB2/profile/")
    assert other.context["quarter"].period == latest
    assert f"{latest.label} is not shown" not in text(other.content.decode())

    metric = client_for(cast.national).get("/organisations/RA1/metrics/M01/")
    assert metric.context["quarter"].period == picture.periods[-2]  # the same rule
    assert f"{latest.label} is not shown: Trust A1's return" in unescape(
        text(metric.content.decode())
    )


def test_the_profile_groups_flags_by_kind_concerns_first(cast: Cast, picture: Picture) -> None:
    page = client_for(cast.national).get("/organisations/RA1/profile/")
    groups = page.context["flag_groups"]
    assert groups
    natures = [g.nature for g in groups]
    assert natures == sorted(natures, key=["concern", "strength", "other"].index)
    words = text(page.content.decode())
    first = groups[0]
    assert f"{first.label} ({first.count})" in words
    assert words.count("Raised by calculation run") == 0
    assert f"raised by calculation run {picture.latest_run.pk}" in words


def test_the_profile_states_each_quarter_values_basis(cast: Cast, picture: Picture) -> None:
    words = text(client_for(cast.national).get("/organisations/RA1/profile/").content.decode())
    assert "M01 · Higher is better · quarter value: latest month in the quarter" in words
    assert "M03 · Neutral · quarter value: mean of the months" in words
    assert "M02 · Lower is better · quarterly" in words


def test_quartiles_say_they_are_provisional_while_a_peer_is_missing(
    cast: Cast, picture: Picture, registry: Registry
) -> None:
    url = f"/organisations/RA1/metrics/M01/?period={picture.latest.slug}"
    complete = text(client_for(cast.national).get(url).content.decode())
    assert "Provisional" not in complete
    OrganisationFactory(ods_code="RB9", name="Trust B9", system=registry.system_b1)
    words = text(client_for(cast.national).get(url).content.decode())
    assert (
        f"Provisional: 5 of the 6 acute trusts expected to return for {picture.latest.label} "
        "have an accepted value"
    ) in words
