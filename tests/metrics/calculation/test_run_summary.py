"""A run's page leads with what it changed against the previous published run of its quarter:
return versions new to it, quartile thresholds moved, bodies' quartiles changed, flags raised
and cleared — counted within the reader's scope, each listed with a link."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client

from accounts.roles import Role
from accounts.scope import role_grant
from metrics.calculation.summary import run_summary
from metrics.models.results import Flag, MetricResult
from tests.conftest import password_login
from tests.factories import RegionFactory, UserFactory
from tests.metrics.calculation.support import National, calculate, new_run, resubmit

pytestmark = pytest.mark.django_db


def national_user():
    user = UserFactory(email="national.summary@nhs.test")
    role_grant(user=user, role=Role.NATIONAL_ADMIN, node=None)
    return user


def flags_of(run, body) -> set[tuple[str, str]]:
    return set(Flag.objects.filter(run=run, organisation=body).values_list("metric__code", "kind"))


def test_the_summary_against_the_previous_published_run(national: National) -> None:
    first = calculate(national.period, national.edition)
    # A body in the top quartile of HB falls to the bottom: its quartile moves 1 → 4.
    top = MetricResult.objects.filter(run=first, metric=national.higher, quartile=1).first()
    assert top is not None
    body = top.organisation
    resubmit(body, national.period, national.edition, {national.higher: 0.0})
    second = calculate(national.period, national.edition)
    user = national_user()

    summary = run_summary(run=second, user=user)
    assert summary is not None
    assert summary.previous == first
    assert summary.new_inputs == 1  # the body's new accepted version
    assert summary.new_inputs_listed[0].return_record.organisation == body
    moved = {(m.metric_code, m.peer_group) for m in summary.thresholds}
    assert ("HB", "trust:acute") in moved
    assert ("LB", "trust:acute") not in moved  # nobody's LB changed
    assert any(
        c.ods_code == body.ods_code and c.metric_code == "HB" and c.what == "quartile 1 → 4"
        for c in summary.quartiles.listed
    )
    # Raised and cleared are exactly the difference of the two runs' flags.
    raised = set()
    cleared = set()
    for trust in national.acute + national.mental:
        after, before = flags_of(second, trust), flags_of(first, trust)
        raised |= {(trust.ods_code, *flag) for flag in after - before}
        cleared |= {(trust.ods_code, *flag) for flag in before - after}
    assert raised, "a body falling from top to bottom raises a flag"
    assert summary.raised.count == len(raised)
    assert summary.cleared.count == len(cleared)
    assert (body.ods_code, "HB", "bottom_quartile") in raised

    # The first run has nothing before it: everything is new, nothing cleared.
    opening = run_summary(run=first, user=user)
    assert opening is not None
    assert opening.previous is None
    assert opening.cleared.count == 0
    assert opening.new_inputs == len(national.acute + national.mental)


def test_the_page_leads_with_the_summary_and_scope_limits_the_bodies(national: National) -> None:
    first = calculate(national.period, national.edition)
    body = national.acute[0]
    resubmit(body, national.period, national.edition, {national.higher: 0.0})
    second = calculate(national.period, national.edition)
    client = Client()
    user = national_user()
    assert password_login(client, user.email)
    html = client.get(f"/runs/{second.pk}/").content.decode()
    assert html.index('id="what-changed"') < html.index('id="parameters"')
    shown = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    assert f"Against run {first.pk} , the previous published run of 2021-22 Q3" in shown
    assert "Return versions new to this run 1" in shown
    assert f'href="/returns/{body.ods_code}/{national.period.slug}/"' in html
    assert f'href="/organisations/{body.ods_code}/profile/?period={national.period.slug}"' in html

    # A regional lead of a region holding none of these trusts: thresholds, but no bodies.
    lead = UserFactory(email="lead.elsewhere@nhs.test")
    role_grant(user=lead, role=Role.REGIONAL_LEAD, node=RegionFactory(ods_code="Y99"))
    summary = run_summary(run=second, user=lead)
    assert summary is not None
    assert summary.scoped
    assert summary.new_inputs == 0
    assert summary.raised.count == summary.cleared.count == summary.quartiles.count == 0
    assert summary.thresholds  # national figures: shown to anyone who may see the run


def test_an_unfinished_run_has_no_summary_yet(national: National) -> None:
    pending = new_run(national.period, national.edition)
    assert run_summary(run=pending, user=national_user()) is None
