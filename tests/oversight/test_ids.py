"""Ids out of the database's range: a 400 naming the query parameter, a 404 in a path, never 500.

A 25-digit number is no record's id; handing it to the database fails (SQLite cannot bind it),
so query parameters go through ``oversight.ids.id_from`` and path ids meet Django's integer
lookups, which answer "no such row". The path test walks every URL pattern that takes an id.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from oversight.errors import InputRejected
from oversight.ids import ID_MAX, id_from
from tests.conftest import Cast

HUGE = "9" * 25


@pytest.mark.parametrize("text", ["1", "42", str(ID_MAX), " 7 "])
def test_an_id_in_range_is_read(text: str) -> None:
    assert id_from(text, name="run") == int(text)


def test_an_absent_parameter_is_none() -> None:
    assert id_from(None, name="run") is None


@pytest.mark.parametrize("text", [HUGE, str(ID_MAX + 1), "0", "-1", "x", "1e3", "", "٣"])
def test_anything_else_is_refused_naming_the_parameter(text: str) -> None:
    with pytest.raises(InputRejected) as refused:
        id_from(text, name="run")
    assert list(refused.value.problems) == ["run"]
    assert "whole number" in refused.value.problems["run"][0]


# --- every path with an id ---------------------------------------------------------------------

ID_IN_PATH = re.compile(r"<int:\w+>|\(\?P<(?!format\b)\w+>[^)]*\)")


def _routes(resolver: URLResolver, prefix: str = "") -> Iterator[str]:
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def _url_with_huge_ids(route: str) -> str:
    """The route's URL with every id a 25-digit number (and any code a real body's)."""
    url = ID_IN_PATH.sub(HUGE, route)
    url = re.sub(r"<(str|slug):\w+>", "RA1", url)
    return "/" + url.replace("^", "").replace("$", "")


def routes_with_ids() -> list[str]:
    """Every route with an id, but the admin's (Django's own) and DRF's ``.json`` twins."""
    routes = [
        r
        for r in _routes(get_resolver())
        if ID_IN_PATH.search(r) and "(?P<format>" not in r and not r.startswith("admin/")
    ]
    return sorted({_url_with_huge_ids(r) for r in routes})


def test_the_walk_finds_the_routes_with_ids() -> None:
    routes = routes_with_ids()
    assert f"/cases/{HUGE}/" in routes
    assert f"/runs/{HUGE}/" in routes
    assert f"/api/v1/cases/{HUGE}/" in routes
    assert len(routes) > 40


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["national", "outsider"])
def test_a_huge_id_in_any_path_is_not_found(cast: Cast, who: str) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(getattr(cast, who))
    answers = {url: client.get(url).status_code for url in routes_with_ids()}
    assert {url: s for url, s in answers.items() if s not in (404, 405)} == {}
    assert 404 in answers.values()
