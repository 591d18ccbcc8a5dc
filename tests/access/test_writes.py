"""Every write of the app (page form posts and API operations) x the cast x objects in and out
of scope: whoever the reference policy does not let do it is refused — 404 where they cannot
see the object, 403 or 404 where they see it — and the database is unchanged; every cookie
write without a CSRF token is 403; fields a caller may not set are ignored or refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from metrics.models.returns import Return
from segmentation.models import DecisionState, SegmentDecision
from tests.access.policy import (
    API,
    NONE,
    POLICY,
    POST_ONLY,
    Audience,
    Entry,
    in_region,
    may_act,
    national_only,
    nobody,
    oversees_body,
    sees_body,
    sees_meeting,
    sees_system,
)
from tests.access.world import Side, World

pytestmark = pytest.mark.django_db

# The body of an API write that names its object in the body rather than its URL, and who
# (by the reference) may reach that object; other writes name it in the URL.
Body = Callable[[Any], dict[str, Any]]
NAMED_IN_BODY: dict[str, tuple[Body, Audience]] = {
    "api-decision-list": (
        lambda s: {"organisation": s.body.ods, "period": s.period.label, "segment": 2},
        oversees_body,
    ),
    "api-system-view-list": (
        lambda s: {"organisation": s.body.ods, "period": s.period.label, "text": "A view"},
        oversees_body,
    ),
    "api-view-request-list": (
        lambda s: {"system": s.body.system, "period": s.period.label},
        sees_system,
    ),
    "api-publication-list": (
        lambda s: {"region": s.body.region, "period": s.period.label},
        in_region,
    ),
    "api-concern-list": (lambda s: {"organisation": s.body.ods, "title": "Waits"}, sees_body),
    "api-meeting-list": (
        lambda s: {"organisation": s.body.ods, "held_on": "2021-11-01", "attendees": "Board"},
        sees_meeting,
    ),
    "api-agreement-versions": (
        lambda s: {
            "system": s.body.system,
            "year": 2021,
            "delivery_arrangements": "x",
            "governance_arrangements": "x",
            "agreed_on": "2021-05-01",
            "agreed_by": "Board",
        },
        sees_system,
    ),
    "api-local-metric-list": (lambda s: {"system": s.body.system, "name": "Local"}, sees_system),
    "api-served-system-list": (
        lambda s: {"organisation": s.body.ods, "system": s.body.system},
        sees_body,
    ),
    "api-case-list": (lambda s: {"system": s.body.system, "reason": "x"}, national_only),
    "api-return-upload": (
        lambda s: {"organisation": s.body.ods, "period": s.period.label},
        sees_body,
    ),
}
# Those who try each write: on region A's objects, the region's members who lack the action
# and outsiders; on region B's, region A's members and region B's observer.
WRITERS_A = ("analyst_a", "ics_lead", "submitter", "approver", "sid", "lead_b", "outsider")
WRITERS_B = ("lead_a", "submitter", "sid", "observer", "outsider")
# A write about an object that does not exist answers everyone alike: two are enough.
WRITERS_NONE = ("lead_a", "outsider")
# Tables a refused request may write: sessions, tokens' use, sign-in throttling, the audit and
# security logs (a denial may be recorded: that is the log's job, not a change of the data).
SKIPPED = ("django_session", "authtoken", "axes", "audit")
LOGS = ("log", "logentry")


def recorded(table: str) -> bool:
    """Is this a table of the data (not of sessions, tokens or logs)?"""
    return not any(part in table for part in SKIPPED) and not table.endswith(LOGS)


def table_digests() -> dict[str, str]:
    """Every application table's content, as one digest per table."""
    tables = [t for t in connection.introspection.table_names() if recorded(t)]
    parts = " UNION ALL ".join(
        f"SELECT '{t}', md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM \"{t}\" t"  # noqa: S608 - our own table names
        for t in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(parts)
        return dict(cursor.fetchall())


def writes() -> list[tuple[str, Entry]]:
    return sorted(
        (name, entry)
        for name, entry in POLICY.items()
        if (entry.act or entry.get == POST_ONLY) and name not in {"login", "logout"}
    )


def poster(world: World, member: str, api: bool) -> Client:
    client: Client
    if api:
        client = APIClient()
        client.force_authenticate(world.users[member])
    else:
        client = Client()
        client.force_login(world.users[member])
    return client


def aimed_at_nothing(entry: Entry, side: Side, data: dict[str, Any]) -> tuple[dict, dict]:
    """The same request about an object that does not exist: the URL's id, the body's codes."""
    args = {k: NONE if k == "pk" else v for k, v in entry.args(side).items()}
    codes = {side.body.ods, side.body.system, side.body.region}
    return args, {k: "ZZ9" if v in codes else v for k, v in data.items()}


def send(client: Client, url: str, data: dict[str, Any], api: bool, upload: bool) -> Any:
    if api:
        return client.post(url, data, format="multipart" if upload else "json")
    return client.post(url, data)


def test_no_one_the_reference_refuses_changes_anything(world: World) -> None:
    """A refusal is 404 for what the member cannot see, 403 (or 404) for what they see; or a
    400 that is word for word the answer about an object that does not exist (the body is
    checked before the object is looked up, so it tells nothing about the object)."""
    clients = {
        (member, api): poster(world, member, api) for member in world.users for api in (False, True)
    }
    before = table_digests()
    wrong: list[str] = []
    sent = 0
    for name, entry in writes():
        api, upload = name in API, name == "api-return-upload"
        body, audience = NAMED_IN_BODY.get(name, (lambda s: {}, entry.see))
        named = Entry(entry.args, audience, entry.act, entry.get)
        for side, members in ((world.a, WRITERS_A), (world.b, WRITERS_B)):
            url = reverse(name, kwargs=entry.args(side))
            for member in WRITERS_NONE if entry.see is nobody else members:
                if may_act(named, member, side):
                    continue
                client, data = clients[(member, api)], body(side)
                response = send(client, url, data, api, upload)
                sent += 1
                # One who sees the object may hear first what is wrong with the request (400).
                allowed = {400, 403, 404} if audience(member, side) else {404}
                if response.status_code == 400:
                    args, nothing = aimed_at_nothing(entry, side, data)
                    twin = send(client, reverse(name, kwargs=args), nothing, api, upload)
                    if (twin.status_code, twin.content) == (400, response.content):
                        continue
                if response.status_code not in allowed:
                    status = response.status_code
                    wrong.append(f"{member:>10} POST {url}: {status}, reference {sorted(allowed)}")
    changed = {t for t, digest in table_digests().items() if before.get(t) != digest}
    print(f"write matrix: {len(writes())} writes, {sent} refused requests")
    assert wrong == [], "\n".join(wrong)
    assert changed == set(), f"a refused write changed {sorted(changed)}"


def test_every_cookie_write_without_its_csrf_token_is_refused(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["national"])
    before = table_digests()
    wrong = []
    for name, entry in [*writes(), ("logout", POLICY["logout"])]:
        url = reverse(name, kwargs=entry.args(world.a))
        for method in (client.post, client.put, client.patch, client.delete):
            status = method(url).status_code
            if status != 403:  # the CSRF check comes before the view, whatever its methods
                wrong.append(f"{method.__name__.upper()} {url}: {status}")
    assert wrong == []
    assert table_digests() == before


# --- mass assignment -----------------------------------------------------------------------------


def test_a_return_cannot_be_sent_for_another_organisation(world: World) -> None:
    client = APIClient()
    client.force_authenticate(world.users["submitter"])
    before = Return.objects.count(), table_digests()
    csv = SimpleUploadedFile("return.csv", b"organisation_code,metric_code,period_end,value\n")
    upload = {"organisation": "RB1", "period": world.a.period.label, "file": csv}
    response = client.post(reverse("api-return-upload"), upload, format="multipart")
    assert response.status_code == 404
    assert (Return.objects.count(), table_digests()) == before


def test_a_decision_takes_no_state_author_or_id_from_its_caller(world: World) -> None:
    client = APIClient()
    client.force_authenticate(world.users["lead_a"])
    RA3 = world.registry.trust_a3
    proposal = world.a.proposal.__class__.objects.get(organisation=RA3, run=world.a.run)
    response = client.post(
        reverse("api-decision-list"),
        {
            "organisation": "RA3",
            "period": world.a.period.label,
            "segment": proposal.segment,
            "rationale": "As proposed.",
            "id": world.a.decision.pk,
            "state": "published",
            "recorded_by": world.users["national"].pk,
            "confirmed_by": world.users["lead_b"].pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    made = SegmentDecision.objects.get(organisation=RA3, period=world.a.period)
    assert made.pk != world.a.decision.pk
    assert (made.state, made.recorded_by_id, made.confirmed_by_id) == (
        DecisionState.RECORDED,
        world.users["lead_a"].pk,
        None,
    )


def test_a_cases_details_take_no_body_state_or_lead_from_their_caller(world: World) -> None:
    client = APIClient()
    client.force_authenticate(world.users["lead_a"])
    case = world.a.case
    response = client.post(
        reverse("api-case-details", kwargs={"pk": case.pk}),
        {
            "indicative_exit_on": None,
            "cqc_recommended_entry": False,
            "reason": "Reviewed.",
            "organisation": world.b.organisation.pk,
            "state": "closed",
            "lead": world.users["sid_b"].pk,
            "id": world.b.case.pk,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert (case.organisation_id, case.state, case.lead_id) == (
        world.registry.trust_a3.pk,
        "open",
        world.users["sid"].pk,
    )
    world.b.case.refresh_from_db()
    assert world.b.case.organisation_id == world.b.organisation.pk
