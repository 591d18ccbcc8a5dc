"""The evidence the segmentation review links to: a body's concerns and outcomes and its lead
ICS (systemlens.evidence), on the body's oversight page; a concern opened from a flag there."""

from __future__ import annotations

import pytest
from django.test import Client

from metrics.models.results import Flag
from systemlens.across import oversight_across_set
from systemlens.concerns import concern_open
from systemlens.evidence import body_oversight_url, evidence_for
from systemlens.models import Concern
from tests.systemlens.rollup_data import build_rollup_picture


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_evidence_names_open_concerns_outcomes_and_the_lead_ics(registry, cast):
    concern_open(organisation=registry.trust_a1, title="Waits", user=cast.lead_a)
    oversight_across_set(
        organisation=registry.trust_a1,
        lead=registry.system_a1,
        served=[registry.system_b1],
        user=cast.lead_a,
    )
    ids = [registry.trust_a1.pk, registry.trust_a2.pk]
    evidence = evidence_for(user=cast.lead_a, organisation_ids=ids)
    mine = evidence[registry.trust_a1.pk]
    assert [c.title for c in mine.open_concerns] == ["Waits"]
    assert (mine.lead_system, mine.served_systems) == (registry.system_a1, [registry.system_b1])
    assert evidence[registry.trust_a2.pk].concerns == []
    assert (
        evidence_for(user=cast.outsider, organisation_ids=ids)[registry.trust_a1.pk].concerns == []
    )


def test_evidence_takes_the_same_queries_for_more_bodies(registry, cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    concern_open(organisation=registry.trust_a1, title="x", user=cast.lead_a)
    with CaptureQueriesContext(connection) as few:
        one = evidence_for(user=cast.lead_a, organisation_ids=[registry.trust_a1.pk])
    for body in (registry.trust_a2, registry.trust_a3):
        concern_open(organisation=body, title="x", user=cast.lead_a)
    ids = [registry.trust_a1.pk, registry.trust_a2.pk, registry.trust_a3.pk]
    with CaptureQueriesContext(connection) as many:
        found = evidence_for(user=cast.lead_a, organisation_ids=ids)
    assert len(one[registry.trust_a1.pk].concerns) == 1
    assert sum(len(e.concerns) for e in found.values()) == 3
    assert len(many.captured_queries) == len(few.captured_queries) <= 4


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("national", 200),
        ("lead_a", 200),
        ("analyst_a", 200),
        ("ics_lead", 200),
        ("lead_b", 404),
        ("submitter", 404),
        ("approver", 404),
        ("sid", 404),
        ("observer", 404),
        ("outsider", 404),
    ],
)
def test_the_body_page_is_for_those_who_oversee_it(registry, cast, who, status):
    response = client_for(getattr(cast, who)).get(body_oversight_url("RA1"))
    assert response.status_code == status


def test_a_concern_is_opened_from_a_flag_on_the_body_page(registry, cast):
    picture = build_rollup_picture(registry, cast.national)
    flag = Flag.objects.filter(run=picture.run, organisation=registry.trust_a1).first()
    assert flag is not None
    client = client_for(cast.lead_a)
    page = client.get(body_oversight_url("RA1")).content.decode()
    link = f"/ics/QA1/concerns/new/?flag={flag.pk}"
    assert link in page
    assert client.get(link).status_code == 200
    response = client.post(link, {"flag": flag.pk, "title": ""})
    assert response.status_code == 302
    concern = Concern.objects.get()
    assert (concern.flag_id, concern.flag_kind, concern.metric_id) == (
        flag.pk,
        flag.kind,
        flag.metric_id,
    )
    assert concern.title.endswith(picture.period.label)
    assert client_for(cast.ics_lead).get(link).status_code == 403


def test_the_body_page_sets_the_icss_it_is_overseen_across(registry, cast):
    client = client_for(cast.lead_a)
    response = client.post(
        body_oversight_url("RA1"),
        {"lead": registry.system_a1.pk, "served": [registry.system_b1.pk]},
    )
    assert response.status_code == 302
    page = client.get(body_oversight_url("RA1")).content.decode()
    assert "System B1" in page
    response = client.post(body_oversight_url("RA1"), {"lead": ""})
    assert "There is a problem" in response.content.decode()
