"""Recording an SPC rebase (page and API), the chart that then shows it, the assurance in words,
and provisional quartiles on the profile — on the engine's own picture (results_data: RA1's A&E
performance falls to 48% in 2021-22 Q3, far below its limits)."""

from __future__ import annotations

import pytest

from metrics.calculation.runs import run_calculation
from metrics.models.calculation import CalculationRun, SpcRebase
from tests.conftest import Cast, Registry
from tests.factories import OrganisationFactory
from tests.metrics.results.test_results_pages import client_for, page, text
from tests.metrics.results_data import Picture, build_picture

pytestmark = pytest.mark.django_db

FORM = "/organisations/RA1/metrics/M01/rebases/new/"
API = "/api/v1/organisations/RA1/spc/M01/rebases/"


@pytest.fixture
def picture(registry: Registry, cast: Cast) -> Picture:
    return build_picture(registry, cast.national)


def test_the_metric_page_says_what_the_assurance_compares_and_that_the_process_may_have_changed(
    cast: Cast, picture: Picture
) -> None:
    words = text(page(cast.lead_a, "/organisations/RA1/metrics/M01/"))
    assert "Target 95.0% lies above the upper process limit" in words
    assert "(consistently fail)" in words
    assert "The process may have changed" in words
    assert "The latest point (48.0%, December 2021) lies below the lower process limit" in words
    assert "a rebase may be due" in words
    assert "Record a rebase" in words  # a regional lead of RA1's region may record one
    # The flags' evidence at the metric's precision, not the run's raw figures.
    assert (
        "The latest point (48.0%, December 2021) is a special-cause concern outside the "
        "process limits (67.0% to 85.0%)."
    ) in words
    assert (
        "Quarter value 48.0% is in quartile 4 of 5 acute trusts (P25 69.0%, P50 74.0%, "
        "P75 84.0%; higher is better)."
    ) in words
    assert "66.956" not in words


def test_who_may_open_the_rebase_form(cast: Cast, picture: Picture) -> None:
    page(cast.lead_a, FORM)
    page(cast.analyst_a, FORM)
    page(cast.lead_b, FORM, status=404)  # another region's trust: as if it did not exist
    page(cast.outsider, FORM, status=404)
    page(cast.submitter, FORM, status=403)  # sees RA1, may not rebase its charts
    assert "Record a rebase" not in text(page(cast.submitter, "/organisations/RA1/metrics/M01/"))


def test_the_form_refuses_bad_input_in_its_error_summary_and_writes_nothing(
    cast: Cast, picture: Picture
) -> None:
    response = client_for(cast.lead_a).post(FORM, {"starts": "", "reason": " "})
    assert response.status_code == 200
    words = text(response.content.decode())
    assert "There is a problem" in words
    assert "Choose the quarter the new process starts from." in words
    assert "Say why the process changed." in words
    assert "{#" not in words  # no template comment written out on the form
    assert not SpcRebase.objects.exists()


def test_a_recorded_rebase_asks_for_runs_and_then_shows_on_the_chart(
    cast: Cast, picture: Picture
) -> None:
    quarter = picture.latest.label
    response = client_for(cast.lead_a).post(
        FORM, {"starts": quarter, "reason": "New streaming model from October"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/organisations/RA1/metrics/M01/"
    rebase = SpcRebase.objects.get()
    assert (rebase.recorded_by, rebase.starts) == (cast.lead_a, picture.latest)
    (run_id,) = rebase.requested_runs
    run = CalculationRun.objects.get(pk=run_id)
    assert run.requested_organisation_ids == [picture.bodies["RA1"].pk]
    run_calculation(run_id)
    html = page(cast.lead_a, "/organisations/RA1/metrics/M01/")
    words = text(html)
    assert "Rebase Oct 2021" in html  # the break's label on the chart
    assert "Rebased from October 2021: each segment has its own mean and limits" in words
    assert "New streaming model from October" in words  # the recorded reason, with who
    # Three months since the rebase: trial limits, no SPC flag on the new segment.
    assert "trial limits" in words


def test_the_api_records_and_lists_rebases_in_scope(cast: Cast, picture: Picture) -> None:
    body = {"starts": picture.latest.label, "reason": "New pathway"}
    assert client_for(cast.lead_b).post(API, body).status_code == 404
    assert client_for(cast.outsider).get(API).status_code == 404
    refused = client_for(cast.submitter).post(API, body)
    assert refused.status_code == 403
    assert "may not record an SPC rebase" in refused.json()["detail"]
    blank = client_for(cast.lead_a).post(API, {"starts": picture.latest.label, "reason": ""})
    assert blank.status_code == 400
    assert "reason" in blank.json()
    unknown = client_for(cast.lead_a).post(API, {"starts": "2019-20 Q5", "reason": "x"})
    assert unknown.status_code == 400
    assert "starts" in unknown.json()
    assert not SpcRebase.objects.exists()
    made = client_for(cast.analyst_a).post(API, body)
    assert made.status_code == 201, made.json()
    assert made.json()["starts"] == picture.latest.label
    assert made.json()["recorded_by"] == cast.analyst_a.email
    again = client_for(cast.lead_a).post(API, body)
    assert again.status_code == 400
    assert again.json()["starts"] == [
        f"A rebase from {picture.latest.label} is already recorded for this metric."
    ]
    listed = client_for(cast.submitter).get(API)  # anyone who sees the body reads them
    assert [r["reason"] for r in listed.json()] == ["New pathway"]


def test_the_profile_says_which_quartiles_are_provisional(
    cast: Cast, picture: Picture, registry: Registry
) -> None:
    url = "/organisations/RA1/profile/"
    assert "Provisional" not in text(page(cast.national, url))
    OrganisationFactory(ods_code="RB9", name="Trust B9", system=registry.system_b1)
    words = text(page(cast.national, url))
    assert "Provisional quartiles" in words
    assert "Provisional: 5 of 6 in" in words
    assert "The thresholds, and so the quartiles, may move" in words
