"""Regional review list and league table at England scale (issue 8): query counts and page
times for the largest region, on PostgreSQL.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/oversight_bench_seg \\
        .venv/bin/python -m bench.segmentation_pages [--requests 40]

Uses the England dataset (`bench.dataset`, loaded on first use); makes the latest quarter's
current run and its proposals if missing (a full run, ~4 s), half the largest region decided
through the operations, then times each page through Django's test client (the whole request:
middleware, scope, queries, template), after two warm-up requests. Target: p95 < 300 ms.
"""

from __future__ import annotations

import argparse
import statistics
from typing import Any

from bench.common import setup_django
from oversight.clock import Clock

TARGET_MS = 300.0


def _prepare(dataset: Any) -> tuple[Any, Any, Any, Any]:
    from django.db import connection
    from django.db.models import Count

    from accounts.models import User
    from accounts.roles import Role
    from accounts.scope import role_grant
    from bench.engine import full_run, history_ensure
    from metrics.models.calculation import CurrentRun
    from oversight.models import Region
    from segmentation.decisions import Judgement, decision_confirm, decision_record
    from segmentation.methods import review_method
    from segmentation.models import Proposal, SegmentDecision
    from segmentation.proposals import proposals_compute

    period = dataset.latest
    if not CurrentRun.objects.filter(period=period, edition=dataset.edition).exists():
        history_ensure(dataset)
        run, seconds = full_run(period, dataset.edition, reason="Benchmark: segmentation pages")
        print(f"  full run {run.pk} of {period.label}: {seconds:.1f} s")
    pointer = CurrentRun.objects.get(period=period, edition=dataset.edition)
    method = review_method(period)
    started = Clock()
    stored = proposals_compute(run_id=pointer.run_id)  # idempotent: as the run's task does
    print(f"  proposals of run {pointer.run_id}: {stored} in {started.elapsed():.2f} s")
    method = review_method(period)
    largest = Region.objects.annotate(n=Count("organisations")).order_by("-n", "ods_code").first()
    assert largest is not None
    users = {}
    for email, role, node in (
        ("bench.national@nhs.test", Role.NATIONAL_ANALYST, None),
        ("bench.lead@nhs.test", Role.REGIONAL_LEAD, largest),
        ("bench.deputy@nhs.test", Role.REGIONAL_LEAD, largest),
    ):
        user, _ = User.objects.get_or_create(email=email, defaults={"full_name": email})
        role_grant(user=user, role=role, node=node)
        users[email] = user
    if not SegmentDecision.objects.filter(period=period, organisation__region=largest).exists():
        proposals = list(
            Proposal.objects.filter(period=period, method=method, organisation__region=largest)
            .select_related("organisation__region")
            .order_by("organisation__ods_code")
        )
        for n, proposal in enumerate(proposals[: len(proposals) // 2]):
            decision = decision_record(
                organisation=proposal.organisation,
                period=period,
                segment=proposal.segment or 2,
                judgement=Judgement(rationale="Benchmark decision."),
                user=users["bench.deputy@nhs.test"],
            )
            if n % 2:
                decision_confirm(decision=decision, user=users["bench.lead@nhs.test"])
    with connection.cursor() as cursor:
        # Fresh runs and proposals: their sizes for the planner, and the visibility map that
        # index-only scans need (autovacuum's work on a server left running).
        cursor.execute("VACUUM ANALYZE")
    return period, largest, users["bench.lead@nhs.test"], users["bench.national@nhs.test"]


def _time(client: Any, url: str, requests: int) -> tuple[int, list[float], int]:
    from django.db import connection

    for _ in range(2):
        assert client.get(url).status_code == 200
    queries = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    # Counted by an execute wrapper: Django's query log is reset at each request's start.
    with connection.execute_wrapper(count):
        response = client.get(url)
    assert response.status_code == 200
    times = []
    for _ in range(requests):
        started = Clock()
        response = client.get(url)
        times.append((started.elapsed()) * 1000)
        assert response.status_code == 200
    return len(queries), times, len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    setup_django(scale="england")
    import os

    from django.conf import settings
    from django.core import signals
    from django.db import close_old_connections
    from django.test import Client

    from bench.dataset import SCALES, dataset_ensure
    from segmentation.models import Proposal

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False  # as served: no query log, no template debug (set before any render)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # One connection for the whole bench, as a server with persistent connections keeps (and
    # so the captured queries are the request's own, not lost with a closed connection).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    dataset = dataset_ensure(SCALES["england"])
    period, region, lead, national = _prepare(dataset)
    bodies = Proposal.objects.filter(period=period, organisation__region=region).count()
    everyone = Proposal.objects.filter(period=period).count()
    print(
        f"England scale: {everyone} proposals in {period.label}; largest region {region.name} "
        f"({bodies} bodies); nproc {os.cpu_count()}, load {os.getloadavg()[0]:.2f}"
    )
    q = f"/segmentation/{period.slug}/"
    trust = (
        Proposal.objects.filter(period=period, organisation__region=region)
        .order_by("-scored_metrics", "organisation__ods_code")
        .values_list("organisation__ods_code", flat=True)
        .first()
    )
    pages = [
        ("review list, page 1", lead, f"{q}regions/{region.ods_code}/"),
        (
            "review list, sorted by decided, desc",
            lead,
            f"{q}regions/{region.ods_code}/?sort=-decided",
        ),
        (
            "review list, trusts differing, page 2",
            lead,
            f"{q}regions/{region.ods_code}/?kind=trust&differs=on&page=2",
        ),
        ("body review page (largest trust)", lead, f"{q}bodies/{trust}/"),
        ("league table (national user)", national, f"{q}national/"),
        ("league table (regional lead)", lead, f"{q}national/"),
        ("league table CSV (national)", national, f"{q}national/league.csv"),
    ]
    print(f"{'page':42} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8} {'bytes':>8}  target")
    for name, user, url in pages:
        client = Client()
        client.force_login(user)
        queries, times, size = _time(client, url, args.requests)
        p50 = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[18]
        verdict = "met" if p95 < TARGET_MS else "MISSED"
        figures = f"{queries:7d} {p50:8.1f} {p95:8.1f} {size:8d}"
        print(f"{name:42} {figures}  p95 < {TARGET_MS:.0f} ms {verdict}")


if __name__ == "__main__":
    main()
