"""Shared set-up for the benchmarks: a PostgreSQL database of their own, the real hierarchy.

Run by hand, never by `make test`: `.venv/bin/python -m bench.<name> [--scale england|stress]`.
The database is `oversight_bench` (override with BENCH_DATABASE_URL); it is migrated and
loaded on first use and reused afterwards. The stress scale has a database of its own,
`oversight_bench_stress`: its ~28 M values would otherwise sit in the England benchmarks' tables
and indexes and change their figures.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from oversight.clock import Clock

REPO = Path(__file__).resolve().parent.parent
ODS = REPO.parent / "shared" / "data" / "ods-2022"
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/oversight_bench"
)


def database_url(scale: str = "england") -> str:
    return DATABASE_URL if scale == "england" else f"{DATABASE_URL}_{scale}"


def setup_django(*, scale: str = "england") -> None:
    url = database_url(scale)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oversight.settings")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
    # The settings fail closed; the benchmarks bring their own development values.
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("SECRET_KEY", "bench-only-never-used-for-signing")
    os.environ.setdefault("OVERSIGHT_ENV_FILE", "")
    sys.path.insert(0, str(REPO))
    _ensure_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def load_registry(*, stress: bool) -> None:
    """The real 2021/22 hierarchy; with `stress`, its ~6,500 GP practices as bodies too."""
    from oversight.models import Organisation
    from oversight.registry import registry_import_folder

    if not ODS.exists():
        sys.exit(f"The reference data is not at {ODS}; the benchmarks need it.")
    wants_practices = stress and not Organisation.objects.filter(kind="practice").exists()
    if wants_practices or not Organisation.objects.exists():
        registry_import_folder(ODS, include_practices=stress)


@contextmanager
def timed(label: str, results: dict[str, float]) -> Iterator[None]:
    start = Clock()
    yield
    results[label] = start.elapsed()
    print(f"  {label}: {results[label]:.3f} s", flush=True)
