"""The regional review list and the league table at England scale: queries and page times.

usage: .venv/bin/python -m bench.segmentation [--requests 40]

On the England dataset (bench.dataset): the latest quarter's current run (made if missing), its
proposals (segmentation.proposals.proposals_compute, as the worker would after publication),
then each page fetched through Django's test client as the user who reads it: the largest
region's review list (first page, "proposal differs" filter, sorted by ICS) as its regional
lead, the league table page and its API as a national analyst. For each: the queries of one
request (counted, every one: ORM and raw cursor), the rows it shows, and p50/p95 of the server
time over ``--requests`` requests. Target (issue 8): p95 < 300 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.common import setup_django

TARGET_P95 = 0.300  # seconds


@dataclass(frozen=True)
class PageFigure:
    page: str
    queries: int
    rows: int
    p50: float
    p95: float

    def line(self) -> str:
        verdict = "meets" if self.p95 < TARGET_P95 else "MISSES"
        return (
            f"| {self.page} | {self.rows} | {self.queries} | {self.p50 * 1000:.0f} ms "
            f"| {self.p95 * 1000:.0f} ms | {verdict} < 300 ms |"
        )


def published_quarter(dataset: Any) -> Any:
    """The latest quarter's current run, made by a full run if there is none yet."""
    from bench.engine import full_run, history_ensure
    from metrics.models.calculation import CurrentRun

    history_ensure(dataset)
    pointer = CurrentRun.objects.filter(period=dataset.latest, edition=dataset.edition).first()
    if pointer is not None:
        return pointer.run
    run, seconds = full_run(dataset.latest, dataset.edition, reason="Benchmark: segmentation")
    print(f"  ran {dataset.latest.label} (run {run.pk}) in {seconds:.1f} s")
    return run


def proposals_ensure(run: Any) -> Any:
    """The run's proposals under its edition's primary method (computed once)."""
    from segmentation.methods import method_ensure
    from segmentation.models import Proposal
    from segmentation.proposals import proposals_compute

    method = method_ensure(run.edition)
    if not Proposal.objects.filter(run=run, method=method).exists():
        started = time.perf_counter()
        stored = proposals_compute(run_id=run.pk)
        print(f"  proposals: {stored} in {time.perf_counter() - started:.1f} s")
    return method


def largest_region(run: Any, method: Any) -> Any:
    from django.db.models import Count

    from oversight.models import Region
    from segmentation.models import Proposal

    counts = (
        Proposal.objects.filter(run=run, method=method)
        .values("organisation__system__region")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    top = counts.first()
    if top is None:
        raise SystemExit("No proposals were stored: nothing to measure.")
    return Region.objects.get(pk=top["organisation__system__region"])


def reader(email: str, role: str, node: Any) -> Any:
    from accounts.models import User
    from accounts.scope import role_grant

    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email)
        role_grant(user=user, role=role, node=node)
    return user


def measure(
    page: str, client: Any, url: str, rows: Callable[[Any], int], requests: int
) -> PageFigure:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    queries = len(captured)  # now: the log it reads is cleared by the next request
    if response.status_code != 200:
        raise SystemExit(f"{page}: {url} answered {response.status_code}")
    shown = rows(response)
    if shown == 0:
        raise SystemExit(f"{page}: {url} showed no rows; the figure would mean nothing")
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - started)
    p95 = statistics.quantiles(times, n=20)[-1]
    return PageFigure(page, queries, shown, statistics.median(times), p95)


def table_rows(response: Any) -> int:
    """Body rows of the page's table (not its head, nor a "no bodies match" row)."""
    html = response.content.decode()
    if "No bodies match" in html:
        return 0
    return html.count('<tr class="nhsuk-table__row"') - 1


def api_rows(response: Any) -> int:
    body = response.json()
    return len(body["results"] if isinstance(body, dict) else body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    setup_django(scale="england")
    from django.test import Client
    from django.test.utils import setup_test_environment

    from accounts.roles import Role
    from bench.dataset import SCALES, dataset_ensure

    setup_test_environment()  # the test client's host, and mail kept in memory
    print(f"nproc {os.cpu_count()}, load average {os.getloadavg()}")
    dataset = dataset_ensure(SCALES["england"])
    run = published_quarter(dataset)
    method = proposals_ensure(run)
    region = largest_region(run, method)
    slug = dataset.latest.slug
    lead = reader("bench.region.lead@oversight.invalid", Role.REGIONAL_LEAD, region)
    national = reader("bench.national@oversight.invalid", Role.NATIONAL_ANALYST, None)
    lead_client, national_client = Client(), Client()
    lead_client.force_login(lead)
    national_client.force_login(national)
    review = f"/segmentation/{slug}/regions/{region.ods_code}/"
    figures = [
        measure("review list", lead_client, review, table_rows, args.requests),
        measure(
            "review list, proposal differs, by ICS",
            lead_client,
            review + "?differs=on&sort=system",
            table_rows,
            args.requests,
        ),
        measure(
            "league table page",
            national_client,
            f"/segmentation/{slug}/national/?method={method.code}",
            table_rows,
            args.requests,
        ),
        measure(
            "league table API",
            national_client,
            f"/api/v1/segmentation/league-table/?period={slug}&method={method.code}",
            api_rows,
            args.requests,
        ),
    ]
    print(f"\n{region.name}: {run.period.label}, run {run.pk}, method {method.code}")
    print("| page | rows shown | queries | p50 | p95 | target |\n|---|---|---|---|---|---|")
    for figure in figures:
        print(figure.line())
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
