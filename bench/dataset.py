"""The benchmarks' datasets: every body's accepted quarterly returns, years of them.

    .venv/bin/python -m bench.dataset --scale england|stress [--regenerate]

England scale: the real 2021/22 hierarchy (ICSs, CCGs, trusts: ~360 bodies), an edition of 80
metrics applying to all of them, 20 quarters (2017-18 Q1 to 2021-22 Q4) with monthly points.
Stress scale: the same plus the ~6,500 GP practices as bodies, 100 metrics, 40 quarters
(2012-13 Q1 on): ~28 M values, in a database of its own.

Every return is stored as the real services leave an accepted one: a Return, one ReturnVersion
created with accepted=True (the database refuses to change an accepted version afterwards) and
its Values, the Return pointing at it as current and accepted version. Ids are taken from the
sequences first, so a Return can name its version before the version exists (the foreign keys
are deferred to the commit). Values are drawn by metrics.synthetic.series_block, quarter by
quarter in the order a real quarter's returns arrive (body after body), one transaction per
quarter, so an interrupted load resumes at the first missing quarter (bench.quarters).
At both scales the values go in by binary COPY (bench.copy) into the table stripped of its
indexes and foreign keys, which are then rebuilt exactly as the migrations define them
(bench.schema): PostgreSQL's "Populating a Database". Then VACUUM ANALYZE.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.catalogue import THEMES, metric_specs
from bench.common import database_url, load_registry, setup_django
from bench.quarters import blocks_draw, quarter_rows, quarter_store
from bench.schema import RESULTS, bare_table, rebuild_pending
from oversight.clock import Clock

SEED = 2026
USER_EMAIL = "bench.loader@oversight.invalid"


@dataclass(frozen=True)
class Scale:
    name: str
    edition_code: str
    metrics: int
    first_year: int
    years: int
    practices: bool


SCALES = {
    "england": Scale("england", "bench-england", 80, 2017, 5, practices=False),
    "stress": Scale("stress", "bench-stress", 100, 2012, 10, practices=True),
}


@dataclass
class LoadReport:
    values: int = 0
    quarters: int = 0
    seconds: float = 0.0
    generate_seconds: float = 0.0
    copy_seconds: float = 0.0
    index_seconds: float = 0.0
    series_seconds: float = 0.0
    analyze_seconds: float = 0.0

    @property
    def values_per_second(self) -> float:
        return self.values / self.seconds if self.seconds else 0.0


@dataclass
class Dataset:
    """What the benchmarks need to know of a loaded dataset."""

    scale: Scale
    edition: Any  # FrameworkEdition
    periods: list[Any]  # Period, oldest first
    bodies: list[Any]  # Organisation
    values: int
    load: LoadReport | None  # None when the dataset was already there

    @property
    def latest(self) -> Any:
        return self.periods[-1]


def edition_ensure(scale: Scale) -> Any:
    """The scale's framework edition with its themes and metrics (created once)."""
    from metrics.models.catalogue import FrameworkEdition, Methodology, Metric, Theme

    edition, created = FrameworkEdition.objects.get_or_create(
        code=scale.edition_code,
        defaults={
            "name": f"Benchmark edition ({scale.name})",
            "methodology": Methodology.SOF_2021_22,
        },
    )
    if not created and edition.metrics.exists():
        return edition
    themes = {
        slug: Theme.objects.get_or_create(
            edition=edition, slug=slug, defaults={"name": name, "order": order}
        )[0]
        for order, (slug, name) in enumerate(THEMES, start=1)
    }
    specs = metric_specs(scale.metrics, practices=scale.practices)
    Metric.objects.bulk_create(
        Metric(edition=edition, **{**spec, "theme": themes[spec["theme"]]}) for spec in specs
    )
    return edition


def periods_ensure(scale: Scale) -> list[Any]:
    from metrics.catalogue.periods import periods_create
    from metrics.models.catalogue import Period

    for year in range(scale.first_year, scale.first_year + scale.years):
        periods_create(year=year)
    last = scale.first_year + scale.years - 1
    return list(Period.objects.filter(year__gte=scale.first_year, year__lte=last))


def bodies_of(scale: Scale) -> list[Any]:
    from oversight.models import Organisation

    kinds = ["ics", "ccg", "trust", *(["practice"] if scale.practices else [])]
    return list(Organisation.objects.filter(kind__in=kinds, closed_on__isnull=True).order_by("id"))


def dataset_ensure(scale: Scale, *, say: Callable[[str], None] = print) -> Dataset:
    """Load what is missing of the scale's dataset (nothing if it is all there) and describe it."""
    from django.db.models import Sum

    from metrics.models.returns import Return

    load_registry(stress=scale.practices)
    edition = edition_ensure(scale)
    periods = periods_ensure(scale)
    bodies = bodies_of(scale)
    loaded = set(
        Return.objects.filter(edition=edition, accepted_version__isnull=False)
        .values_list("period_id")
        .distinct()
        .values_list("period_id", flat=True)
    )
    missing = [p for p in periods if p.pk not in loaded]
    report = None
    if missing or rebuild_pending("metrics_value"):
        say(f"Loading {len(missing)} of {len(periods)} quarters of the {scale.name} dataset…")
        report = _load(scale, edition, periods, bodies, missing, say)
    if report is not None or series_missing(edition):
        seconds = series_hold(edition, say)
        if report is not None:
            report.series_seconds = seconds
            report.seconds += seconds
    values = (
        Return.objects.filter(edition=edition).aggregate(n=Sum("accepted_version__value_count"))[
            "n"
        ]
        or 0
    )
    if report is not None and report.quarters == len(periods):  # a whole load, not a resumed one
        _save_load(scale, report)
    return Dataset(scale, edition, periods, bodies, values, report)


def series_missing(edition: Any) -> bool:
    """A dataset loaded before the values were held per series (metrics.returns.series)."""
    from metrics.models.returns import AcceptedSeries

    return not AcceptedSeries.objects.filter(edition=edition).exists()


def series_hold(edition: Any, say: Callable[[str], None]) -> float:
    """Hold every body's accepted values per series, as the acceptances would have: one
    INSERT … SELECT with array_agg (metrics.returns.series), then ANALYZE."""
    from django.db import connection, transaction

    from metrics.returns.series import accepted_series_refresh

    tick = Clock()
    with transaction.atomic():
        count = accepted_series_refresh(edition_id=edition.pk)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) metrics_acceptedseries")
    say(f"  values held per series: {count:,} series, {tick.elapsed():.1f} s")
    return tick.elapsed()


def _load_file(scale: Scale) -> Path:
    return RESULTS / f"{database_url(scale.name).rsplit('/', 1)[1]}-load.json"


def _save_load(scale: Scale, report: LoadReport) -> None:
    RESULTS.mkdir(exist_ok=True)
    found = {
        **asdict(report),
        "nproc": os.cpu_count(),
        "loadavg": os.getloadavg()[0],
        "at": time.strftime("%Y-%m-%d %H:%M"),
        "text": describe_load(report),
    }
    _load_file(scale).write_text(json.dumps(found, indent=1))


def saved_load(scale: Scale) -> dict[str, Any] | None:
    """The figures of the scale's last whole load (with nproc and load average), if any."""
    path = _load_file(scale)
    return json.loads(path.read_text()) if path.exists() else None


def _load(
    scale: Scale,
    edition: Any,
    periods: list[Any],
    bodies: list[Any],
    missing: list[Any],
    say: Callable[[str], None],
) -> LoadReport:
    from django.db import connection, transaction

    from accounts.models import User

    user, _ = User.objects.get_or_create(email=USER_EMAIL)
    report = LoadReport()
    started = Clock()
    blocks = blocks_draw(edition, periods, bodies, SEED)
    report.generate_seconds += started.elapsed()
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")  # this session's commits only
    # The values go in without indexes, which are put back afterwards (bench.schema).
    with bare_table("metrics_value", say=say):
        for period in missing:
            tick = Clock()
            rows = quarter_rows(blocks, periods.index(period), period)
            report.generate_seconds += tick.elapsed()
            tick = Clock()
            with transaction.atomic():
                quarter_store(edition, period, bodies, rows, user)
            report.copy_seconds += tick.elapsed()
            report.values += len(rows.value)
            report.quarters += 1
            say(
                f"  {period.label}: {len(rows.value):,} values, "
                f"{tick.elapsed():.1f} s ({report.values:,} so far, "
                f"{started.elapsed():.0f} s)"
            )
        tick = Clock()
    report.index_seconds = tick.elapsed()
    tick = Clock()
    with connection.cursor() as cursor:
        for table in ("metrics_value", "metrics_returnversion", "metrics_return"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        cursor.execute("ANALYZE")  # the small tables too: new metrics, bodies, periods
    report.analyze_seconds = tick.elapsed()
    report.seconds = started.elapsed()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="england")
    parser.add_argument("--regenerate", action="store_true", help="drop the database first")
    args = parser.parse_args()
    if args.regenerate:
        drop_database(args.scale)
    setup_django(scale=args.scale)
    dataset = dataset_ensure(SCALES[args.scale])
    print(
        f"{args.scale}: {len(dataset.bodies):,} bodies, {dataset.edition.metrics.count()} "
        f"metrics, {len(dataset.periods)} quarters, {dataset.values:,} accepted values"
    )
    if dataset.load:
        print(describe_load(dataset.load))


def describe_load(load: LoadReport) -> str:
    return (
        f"bulk load: {load.values:,} values in {load.seconds:.1f} s = "
        f"{load.values_per_second:,.0f} values/s (generate {load.generate_seconds:.1f} s, "
        f"store {load.copy_seconds:.1f} s, indexes {load.index_seconds:.1f} s, "
        f"series {load.series_seconds:.1f} s, "
        f"VACUUM ANALYZE {load.analyze_seconds:.1f} s)"
    )


def drop_database(scale: str) -> None:
    import psycopg

    url = database_url(scale)
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
