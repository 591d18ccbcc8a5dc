"""National bulk upload of one quarter: every body, every applicable metric, monthly points.

    .venv/bin/python -m bench.bulk_upload

Prints the file's size and rows, the time to read and validate it and the time to store it
(one new version per body, values by COPY), then the largest file the server accepts.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

from bench.common import load_registry, setup_django
from oversight.clock import Clock


def main() -> None:
    setup_django()
    load_registry(stress=False)

    from django.utils import timezone

    from accounts.models import User
    from accounts.roles import Role
    from accounts.scope import role_grant
    from metrics.catalogue.loading import load_builtin_catalogues
    from metrics.models.catalogue import FrameworkEdition, Metric, Period, body_group
    from metrics.returns import file as returnfile
    from metrics.returns.bulk import returns_bulk_upload
    from metrics.synthetic import body_values, metric_shape
    from oversight.models import Organisation

    load_builtin_catalogues()
    edition = FrameworkEdition.objects.get(code="sof-2021-22")
    today = timezone.localdate()
    period, _ = Period.objects.update_or_create(
        year=2021,
        quarter=4,
        defaults={
            "start": date(2022, 1, 1),
            "end": date(2022, 3, 31),
            "opens_on": today - timedelta(days=1),
            "due_on": today + timedelta(days=10),
            "closes_on": today + timedelta(days=30),
        },
    )
    user, _ = User.objects.get_or_create(email="bench.national@oversight.invalid")
    role_grant(user=user, role=Role.NATIONAL_ADMIN, node=None)

    metrics = list(Metric.objects.filter(edition=edition))
    codes = {m.pk: m.code for m in metrics}
    bodies = list(
        Organisation.objects.filter(kind__in=("ics", "ccg", "trust"), closed_on__isnull=True)
    )
    lines = ["organisation_code,metric_code,period_end,value,numerator,denominator,comment"]
    for body in bodies:
        shapes = [metric_shape(m) for m in metrics if body_group(body) in m.applicable_groups]
        for metric_id, end, value in body_values(
            body_id=body.pk, shapes=shapes, periods=[period], seed=int(time.time())
        )[0]:
            lines.append(f"{body.ods_code},{codes[metric_id]},{end.isoformat()},{value:g},,,")
    content = ("\n".join(lines) + "\n").encode()
    print(f"England scale: {len(bodies)} bodies, {len(lines) - 1:,} rows, {len(content):,} bytes")

    started = Clock()
    report = returns_bulk_upload(
        period=period, edition=edition, file_name="national.csv", content=content, user=user
    )
    elapsed = started.elapsed()
    print(
        f"  validated and stored {report.values:,} values for {report.bodies} bodies "
        f"in {elapsed:.2f} s ({report.values / elapsed:,.0f} values/s); "
        f"{report.warning_count} warnings"
    )
    largest_file(returnfile, lines)


def largest_file(returnfile, lines: list[str]) -> None:
    """Grow the national file to the limits (bytes and rows): it is read; one more is refused."""
    limit = returnfile.MAX_FILE_BYTES
    rows = (lines[1:] * (returnfile.MAX_ROWS // (len(lines) - 1) + 1))[: returnfile.MAX_ROWS]
    content = ("\n".join([lines[0], *rows]) + "\n").encode()
    while len(content) > limit:
        rows = rows[: len(rows) * 9 // 10]
        content = ("\n".join([lines[0], *rows]) + "\n").encode()
    started = Clock()
    parsed = returnfile.read_return_file("largest.csv", content)
    elapsed = started.elapsed()
    print(
        f"Largest file accepted: {len(content):,} bytes (limit {limit:,} = "
        f"{limit // 1024 // 1024} MiB), {len(parsed.rows):,} rows read in {elapsed:.2f} s"
    )
    try:
        returnfile.read_return_file("too-large.csv", content + b"x" * (limit - len(content) + 1))
    except returnfile.FileRejected as refused:
        print(f"  one byte over: refused: {refused.message}")


if __name__ == "__main__":
    main()
