"""A regional lead in Chromium: an organisation's oversight profile and one metric's SPC chart."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from metrics.calculation.runs import run_calculation
from metrics.models.calculation import CalculationRun, SpcRebase
from metrics.models.catalogue import Metric
from tests.browser.conftest import ARTIFACTS, assert_accessible, login, screenshot
from tests.conftest import PASSWORD, Cast, Registry
from tests.factories import OrganisationFactory
from tests.metrics.results_data import build_picture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_regional_lead_reads_a_profile_and_an_spc_chart(
    page: Page, live_server, registry: Registry, cast: Cast
) -> None:
    picture = build_picture(registry, cast.national)
    login(page, live_server, cast.lead_a.email, PASSWORD)

    page.goto(f"{live_server.url}/organisations/RA1/")
    page.get_by_role("link", name="Oversight profile").click()
    expect(page).to_have_url(f"{live_server.url}/organisations/RA1/profile/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Trust A1: oversight profile")
    quality = page.get_by_role("table", name="Quality metrics, 2021-22 Q3")
    row = quality.get_by_role("row").filter(has_text="A&E 4-hour performance")
    expect(row).to_contain_text("Q4 (worst)")
    expect(row).to_contain_text("Down from 81.0% (worse)")
    expect(row).to_contain_text("Special cause concern — low")
    expect(row).to_contain_text("Consistently fail")
    # Flags grouped by kind, concerns first, each kind a heading with its count.
    expect(page.locator("#flags-dramatic_drop")).to_contain_text("Concern Dramatic drop (1)")
    screenshot(page, "profile-regional-lead")
    quality.screenshot(path=str(ARTIFACTS / "profile-quality-table.png"))
    assert_accessible(page)

    page.get_by_label("Quarter").select_option("2021-22-q2")
    page.get_by_role("button", name="Show quarter").click()
    expect(page).to_have_url(f"{live_server.url}/organisations/RA1/profile/?period=2021-22-q2")
    expect(page.get_by_role("main")).to_contain_text("Results for 2021-22 Q2")
    page.go_back()

    row.get_by_role("link", name="A&E 4-hour performance", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/organisations/RA1/metrics/M01/?period=2021-22-q3")
    chart = page.get_by_role("img", name="SPC chart: M01 A&E 4-hour performance")
    expect(chart).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Rank 5 of 5 acute trusts")
    page.get_by_text("Data table: every point of the chart").click()
    data = page.get_by_role("table", name="M01 A&E 4-hour performance: 21 points (%)")
    expect(data).to_be_visible()
    expect(data.get_by_role("row").filter(has_text="December 2021")).to_contain_text("Concern")
    screenshot(page, "spc-chart-regional-lead")
    # The figure alone, at full size, to look at the drawing itself.
    page.locator("figure.app-spc-figure").screenshot(path=str(ARTIFACTS / "spc-chart-figure.png"))
    assert_accessible(page)

    page.get_by_role("link", name=f"calculation run {picture.latest_run.pk}").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Calculation run {picture.latest_run.pk}"
    )
    expect(page.get_by_role("main")).to_contain_text("Finished")
    screenshot(page, "run-regional-lead")
    assert_accessible(page)


def test_region_b_lead_gets_404_on_a_region_a_profile(
    page: Page, live_server, registry: Registry, cast: Cast, console_errors
) -> None:
    build_picture(registry, cast.national, calculated=1)
    login(page, live_server, cast.lead_b.email, PASSWORD)
    response = page.goto(f"{live_server.url}/organisations/RA1/profile/")
    assert response is not None
    assert response.status == 404
    console_errors.clear()  # the browser logs the 404 response itself


def test_numbers_an_analyst_can_defend(
    page: Page, live_server, registry: Registry, cast: Cast
) -> None:
    """The profile and a metric page on the points of issue 10 item 3: a contextual count shown
    and never quartiled or flagged, provisional quartiles with how many are in, the assurance in
    words with the limits it compares, the process-change note, numbers at the metric's
    precision, and a rebase recorded on the form and then drawn as a labelled break."""
    picture = build_picture(registry, cast.national)
    # 52-week waits become contextual (a raw count), and a sixth acute trust is expected but
    # has not returned: the quarter is recalculated as the catalogue now says.
    Metric.objects.filter(pk=picture.metrics["M02"].pk).update(scored=False)
    OrganisationFactory(ods_code="RB9", name="Trust B9", system=registry.system_b1)
    rerun = CalculationRun.objects.create(
        period=picture.latest, edition=picture.edition, reason="catalogue", full_requested=True
    )
    run_calculation(rerun.pk)
    login(page, live_server, cast.lead_a.email, PASSWORD)

    page.goto(f"{live_server.url}/organisations/RA1/profile/")
    quality = page.get_by_role("table", name="Quality metrics, 2021-22 Q3")
    waits = quality.get_by_role("row").filter(has_text="52-week waits")
    expect(waits).to_contain_text("Contextual")
    expect(waits).not_to_contain_text("flag")
    expect(waits).to_contain_text("Not scored")
    ae = quality.get_by_role("row").filter(has_text="A&E 4-hour performance")
    expect(ae).to_contain_text("48.0%")
    expect(ae).to_contain_text("Provisional: 5 of 6 in")
    expect(page.locator("#provisional")).to_contain_text("Provisional quartiles")
    expect(page.locator("#flags")).not_to_contain_text("52-week waits")
    screenshot(page, "profile-defensible-numbers")
    assert_accessible(page)

    ae.get_by_role("link", name="A&E 4-hour performance", exact=True).click()
    main = page.get_by_role("main")
    expect(main).to_contain_text("Target 95.0% lies above the upper process limit")
    expect(page.locator("#spc-m01-change")).to_contain_text("The process may have changed")
    expect(page.locator("#spc-m01-change")).to_contain_text("a rebase may be due")
    chart = page.get_by_role("img", name="SPC chart: M01 A&E 4-hour performance")
    expect(chart).to_contain_text("Lower limit")
    assert "0000" not in (chart.text_content() or "")
    screenshot(page, "metric-assurance-in-words")
    assert_accessible(page)

    page.get_by_role("link", name="Record a rebase").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record an SPC rebase")
    page.get_by_role("button", name="Record the rebase").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Choose the quarter the new process starts from.")
    expect(summary).to_contain_text("Say why the process changed.")
    screenshot(page, "rebase-form-errors")
    assert_accessible(page)
    page.get_by_label("From which quarter did the process change?", exact=True).select_option(
        "2021-22 Q3"
    )
    page.get_by_label("Why did the process change?", exact=True).fill(
        "New streaming model from October"
    )
    page.get_by_role("button", name="Record the rebase").click()
    expect(main).to_contain_text("Rebase from 2021-22 Q3 recorded")
    # The requested run, as the worker would do it; then the chart shows the break.
    (run_id,) = SpcRebase.objects.get().requested_runs
    run_calculation(run_id)
    page.reload()
    expect(chart).to_contain_text("Rebase Oct 2021")
    expect(page.locator("#rebases")).to_contain_text("New streaming model from October")
    expect(main).to_contain_text("Rebased from October 2021")
    page.locator("figure.app-spc-figure").screenshot(
        path=str(ARTIFACTS / "spc-chart-rebased-figure.png")
    )
    screenshot(page, "metric-rebased")
    assert_accessible(page)
