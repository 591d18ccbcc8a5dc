"""Every URL of the app x every member of the cast x an object in and out of their scope,
against the reference policy (tests/access/policy.py): who reads what, and that a URL or an API
operation without a policy entry fails the build."""

from __future__ import annotations

import os
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from drf_spectacular.generators import SchemaGenerator

from tests.access.policy import PAGES, POLICY, POST_ONLY, Entry, may_act, nobody, sees_case
from tests.access.world import Side, World

pytestmark = pytest.mark.django_db

UNSAFE = {"post", "put", "patch", "delete"}
# Writes on what is the user's own, whatever their role: their notifications.
OWN = {"api-notification-read"}


def url_names(patterns: list, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # Django's own admin: staff only, its own checks (s12c)
            names |= url_names(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(pattern.name)
    return names


def test_every_url_has_a_policy_entry_and_every_entry_a_url() -> None:
    names = url_names(get_resolver().url_patterns)
    assert names - set(POLICY) == set(), "new URLs: give each an entry in tests/access/policy.py"
    assert set(POLICY) - names == set(), "entries for URLs that are gone"


def test_every_api_operation_has_a_policy_entry_and_writes_name_their_action() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    checked, missing = 0, []
    for path, operations in schema["paths"].items():
        name = resolve(re.sub(r"\{[^}]+\}", "1", path)).url_name
        for method in operations:
            checked += 1
            if name not in POLICY:
                missing.append(f"{method.upper()} {path}: no entry in tests/access/policy.py")
            elif method in UNSAFE and not POLICY[name].act and name not in OWN:
                missing.append(f"{method.upper()} {path}: which action does it need?")
    assert checked > 90
    assert missing == [], "\n".join(missing)


def expected_get(name: str, entry: Entry, member: str, side: Side) -> set[int]:
    if member == "anonymous":
        if not entry.signed_in:
            return {entry.get}
        return {302} if name in PAGES and name not in {"schema"} else {401, 403}
    if not entry.see(member, side):
        return {404, POST_ONLY} if entry.get == POST_ONLY else {404}
    if entry.act and not may_act(entry, member, side):
        if entry.get == POST_ONLY:
            return {403, POST_ONLY}
        if name in PAGES and name not in STATUS_PAGES:  # a form: for those who may send it
            return {403}
    return {entry.get}


# Who reads, on region A's objects and on region B's: one member per distinct scope (the approver
# reads as the submitter, region B's lead as its observer; on B, an ICS lead or a SID of A as
# region A's submitter); the analyst where a form is at stake, the other SID where a case is.
# Everyone is in the write matrix.
READERS_A = ("national", "lead_a", "ics_lead", "submitter", "sid", "outsider", "anonymous")
READERS_B = ("lead_a", "submitter", "observer", "outsider")
# A page that shows its write's form only to those who may (and its status to the others).
STATUS_PAGES = {"segmentation-publish"}


def readers(entry: Entry, side: Side, world: World) -> tuple[str, ...]:
    if entry.see is nobody or entry.get == POST_ONLY:
        return ("national", "outsider", "anonymous")  # the same answer for all: 404 or 405
    members = READERS_A if side is world.a else READERS_B
    if entry.act:
        members = (*members, "analyst_a")
    if entry.see is sees_case:
        members = (*members, "sid_b")
    return members


def sides(world: World, entry: Entry) -> tuple[Side, ...]:
    """Both regions' objects; one when the URL names none."""
    return (world.a, world.b) if entry.args(world.a) != entry.args(world.b) else (world.a,)


def test_each_member_reads_exactly_what_the_reference_says(
    world: World, clients: dict[str, Client]
) -> None:
    wrong: list[str] = []
    checked = 0
    only = set(filter(None, os.environ.get("MATRIX_ONLY", "").split(",")))
    for name, entry in sorted(POLICY.items()):
        if only and name not in only:
            continue
        for side in sides(world, entry):
            url = reverse(name, kwargs=entry.args(side))
            for member in readers(entry, side, world):
                status = clients[member].get(url).status_code
                checked += 1
                if status not in expected_get(name, entry, member, side):
                    want = sorted(expected_get(name, entry, member, side))
                    wrong.append(f"{member:>10} GET {url}: {status}, reference {want}")
    print(f"GET matrix: {len(POLICY)} URLs, {checked} requests")
    assert wrong == [], "\n".join(wrong)
