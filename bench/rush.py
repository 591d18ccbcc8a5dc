"""The quarter-end rush (issue 12 item 6): 200 trusts upload, sign off and are accepted by their
region through the API while 30 regional users browse the review pages and the league table,
against gunicorn on PostgreSQL with a real Celery worker. Run by hand (bench/README.md):

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/oversight_bench_rush \\
        .venv/bin/python -m bench.rush prepare      # users, tokens, sessions, files: rush.json
    ... gunicorn, a Celery worker, then locust -f bench/rush_locust.py (README) ...
    BENCH_DATABASE_URL=... .venv/bin/python -m bench.rush check --since ISO-TIME

`prepare` (idempotent) loads the England dataset if missing, makes the latest quarter's current
run and proposals (the pages the regions browse), opens a quarter of the next year (2022-23 Q1
by default, `--quarter N` another: each rush needs one nobody has submitted; SOF 2021/22's
catalogue) for upload, and for 200 trusts gives a submitter and an approver, for each
region an analyst who accepts and four or five leads and analysts who browse (30), through
`manage.py grant_role` and `api_token issue`; browsers get a signed-in session as a login would
make.
Each trust's return file (every metric that applies to it, synthetic values inside the valid
ranges) is written beside the plan. `check` counts what the rush stored: versions per return
(each upload exactly once), states, and when the last run finished after the last upload.
"""

from __future__ import annotations

import argparse
import io
import json
import os
from datetime import datetime, timedelta
from typing import Any

from bench.common import REPO, setup_django

TRUSTS = 200
BROWSERS = 30
PLAN = REPO / "bench" / "results" / "rush"
NEXT_YEAR = 2022  # 2022-23: the trusts submit a quarter of it; the dataset ends at 2021-22 Q4


def _command(*args: str) -> str:
    from django.core.management import call_command

    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip()


def _grant(email: str, role: str, scope: str) -> str:
    """The user, made and given the role as `manage.py grant_role` does; their API token."""
    _command("grant_role", email, role, scope)
    return _command("api_token", "issue", email, "--name", "bench rush")


def _session(email: str) -> str:
    """A signed-in session as the login form makes it (the cookie a browser would hold)."""
    from django.test import Client

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=email))
    return client.cookies["sessionid"].value


def _review_ready(dataset: Any) -> None:
    from bench.engine import full_run, history_ensure
    from metrics.models.calculation import CurrentRun
    from segmentation.proposals import proposals_compute

    period = dataset.latest
    if not CurrentRun.objects.filter(period=period, edition=dataset.edition).exists():
        history_ensure(dataset)
        run, seconds = full_run(period, dataset.edition, reason="Benchmark: the rush")
        print(f"  full run {run.pk} of {period.label}: {seconds:.1f} s", flush=True)
    pointer = CurrentRun.objects.get(period=period, edition=dataset.edition)
    proposals_compute(run_id=pointer.run_id)


def _open_quarter(number: int) -> Any:
    from django.utils import timezone

    from metrics.catalogue.loading import load_builtin_catalogues
    from metrics.catalogue.periods import periods_create
    from metrics.models.catalogue import Period

    load_builtin_catalogues()
    periods_create(year=NEXT_YEAR)
    today = timezone.localdate()
    period = Period.objects.get(year=NEXT_YEAR, quarter=number)
    period.opens_on, period.due_on = today - timedelta(days=10), today + timedelta(days=5)
    period.closes_on = today + timedelta(days=30)
    period.save()
    return period


def _return_file(body: Any, period: Any, edition: Any) -> bytes:
    from metrics.models.catalogue import Metric
    from metrics.synthetic import body_values, metric_shape, return_csv

    metrics = [m for m in Metric.objects.filter(edition=edition) if m.applies_to_body(body)]
    codes = {m.pk: m.code for m in metrics}
    shapes = [metric_shape(m) for m in metrics]
    values = body_values(body_id=body.pk, shapes=shapes, periods=[period], seed=2026)[0]
    return return_csv(body.ods_code, [(codes[m], end, v) for m, end, v in values])


def prepare(number: int) -> None:
    from django.db import connection

    from accounts.roles import Role
    from bench.dataset import SCALES, dataset_ensure
    from metrics.catalogue.editions import edition_for
    from oversight.models import Organisation, Region

    dataset = dataset_ensure(SCALES["england"])
    _review_ready(dataset)
    period = _open_quarter(number)
    edition = edition_for(period)
    files = PLAN / "files"
    files.mkdir(parents=True, exist_ok=True)
    trusts = list(
        Organisation.objects.filter(kind="trust", closed_on__isnull=True)
        .select_related("region")
        .order_by("ods_code")[:TRUSTS]
    )
    regions = list(Region.objects.order_by("ods_code"))
    acceptors = {
        r.ods_code: _grant(f"rush.accept.{r.ods_code}@nhs.test", Role.REGIONAL_ANALYST, r.ods_code)
        for r in regions
    }
    plan_trusts = []
    for body in trusts:
        code = body.ods_code.lower()
        path = files / f"{body.ods_code}.csv"
        path.write_bytes(_return_file(body, period, edition))
        plan_trusts.append(
            {
                "ods": body.ods_code,
                "file": str(path),
                "submitter": _grant(
                    f"rush.submit.{code}@nhs.test", Role.ORGANISATION_SUBMITTER, body.ods_code
                ),
                "approver": _grant(
                    f"rush.approve.{code}@nhs.test", Role.ORGANISATION_APPROVER, body.ods_code
                ),
                "acceptor": acceptors[body.region.ods_code],
            }
        )
    browsers = []
    for n in range(BROWSERS):
        region = regions[n % len(regions)]
        role = Role.REGIONAL_LEAD if n % 2 else Role.REGIONAL_ANALYST
        email = f"rush.browse.{n}@nhs.test"
        _grant(email, role, region.ods_code)
        bodies = list(
            Organisation.objects.filter(region=region, closed_on__isnull=True)
            .order_by("ods_code")
            .values_list("ods_code", flat=True)
        )
        browsers.append({"region": region.ods_code, "session": _session(email), "bodies": bodies})
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    plan = {
        "period": period.label,
        "review_quarter": dataset.latest.slug,
        "trusts": plan_trusts,
        "browsers": browsers,
    }
    (PLAN / "rush.json").write_text(json.dumps(plan, indent=1))
    print(f"plan: {len(plan_trusts)} trusts, {len(browsers)} browsers -> {PLAN / 'rush.json'}")


def check(number: int, since: datetime) -> None:
    """What the rush stored: each upload exactly once, every return accepted, the queue drained."""
    from django.db.models import Count, Max

    from metrics.models.calculation import CalculationRun
    from metrics.models.catalogue import Period
    from metrics.models.returns import Return, ReturnVersion

    period = Period.objects.get(year=NEXT_YEAR, quarter=number)
    plan = json.loads((PLAN / "rush.json").read_text())
    codes = [t["ods"] for t in plan["trusts"]]
    records = Return.objects.filter(period=period, organisation__ods_code__in=codes)
    versions = dict(
        records.annotate(n=Count("versions")).values_list("organisation__ods_code", "n")
    )
    states = dict(records.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    uploaded = ReturnVersion.objects.filter(return_record__in=records, uploaded_at__gte=since)
    last_upload = uploaded.aggregate(t=Max("uploaded_at"))["t"]
    last_accept = uploaded.aggregate(t=Max("reviewed_at"))["t"]
    runs = CalculationRun.objects.filter(period=period, requested_at__gte=since)
    pending = runs.exclude(status__in=["finished", "superseded", "failed"]).count()
    by_status = dict(runs.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    last_finish = runs.aggregate(t=Max("finished_at"))["t"]
    once = [c for c in codes if versions.get(c) == 1]
    print(f"returns: {len(versions)} of {len(codes)}; states {states}")
    print(
        f"stored exactly once: {len(once)} of {len(codes)}; not once: "
        f"{ {c: versions.get(c, 0) for c in codes if versions.get(c) != 1} }"
    )
    print(f"runs: {by_status}; pending now: {pending}")
    print(
        f"last upload {last_upload}, last acceptance {last_accept}, last run finished {last_finish}"
    )
    if last_finish and last_upload:
        print(
            f"queue drained {(last_finish - last_upload).total_seconds():.1f} s after the last "
            f"upload, {(last_finish - last_accept).total_seconds():.1f} s after the last acceptance"
        )
    print(f"nproc {os.cpu_count()}, load {os.getloadavg()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("step", choices=["prepare", "check"])
    parser.add_argument("--quarter", type=int, default=1, help="which quarter of 2022-23")
    parser.add_argument("--since", help="ISO time the rush started (check)")
    args = parser.parse_args()
    setup_django(scale="england")
    if args.step == "prepare":
        prepare(args.quarter)
    else:
        check(args.quarter, datetime.fromisoformat(args.since))


if __name__ == "__main__":
    main()
