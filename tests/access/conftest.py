"""The access matrix's world, built once for the package inside one transaction that is rolled
back at the end; each test runs in a savepoint of it (pytest-django), so nothing leaks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import Client

from tests.access.world import World, world_build


@pytest.fixture(scope="package")
def world(django_db_setup: None, django_db_blocker: object) -> Iterator[World]:
    with django_db_blocker.unblock(), transaction.atomic():  # type: ignore[attr-defined]
        built = world_build()
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def clients(world: World) -> dict[str, Client]:
    """A signed-in browser per member of the cast (and "anonymous")."""
    signed_in = {}
    for member, user in world.users.items():
        client = Client()
        client.force_login(user)
        signed_in[member] = client
    return {**signed_in, "anonymous": Client()}
