"""The system lens's panel on the regional review page (segmentation.review_panels): a body's
concerns with their outcomes and its lead ICS, for those who oversee it."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client

from segmentation.review_panels import review_panels
from systemlens.across import oversight_across_set
from systemlens.concerns import concern_open
from tests.segmentation.conftest import picture  # noqa: F401 (the fixture)


def test_the_review_shows_open_concerns_and_names_the_lead_ics(registry, cast):
    concern_open(organisation=registry.trust_a1, title="Handover delays", user=cast.lead_a)
    oversight_across_set(
        organisation=registry.trust_a1,
        lead=registry.system_a1,
        served=[registry.system_b1],
        user=cast.lead_a,
    )
    panels = review_panels(user=cast.lead_a, organisation=registry.trust_a1, period=None)
    lens = [p for p in panels if p.template == "systemlens/_review_panel.html"]
    assert len(lens) == 1
    html = render_to_string(lens[0].template, {"panel": lens[0]})
    assert "Handover delays" in html
    assert "Open, not yet assessed" in html
    assert "lead ICS <strong>System A1</strong>" in html
    assert "/bodies/RA1/oversight/" in html


def test_outside_its_oversight_the_panel_shows_no_concern(registry, cast):
    concern_open(organisation=registry.trust_a1, title="Handover delays", user=cast.lead_a)
    panels = review_panels(user=cast.lead_b, organisation=registry.trust_a1, period=None)
    html = "".join(render_to_string(p.template, {"panel": p}) for p in panels)
    assert "Handover delays" not in html


@pytest.mark.usefixtures("picture")  # 2021-22 Q3 calculated, its proposals computed
def test_the_body_review_page_carries_the_panel(registry, cast):
    concern_open(organisation=registry.trust_a1, title="Handover delays", user=cast.lead_a)
    oversight_across_set(
        organisation=registry.trust_a1,
        lead=registry.system_a1,
        served=[registry.system_b1],
        user=cast.lead_a,
    )
    client = Client()
    client.force_login(cast.lead_a)

    page = client.get("/segmentation/2021-22-q3/bodies/RA1/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Specific concerns and oversight across ICSs" in html
    assert "Handover delays" in html
    assert "lead ICS <strong>System A1</strong>" in html
