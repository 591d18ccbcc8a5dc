"""A small national picture with finished calculation runs, for the results API and pages.

Built on the fixed cast's registry, plus two acute trusts in region B so the acute peer group
has five bodies (quartiles need at least four). Accepted returns for seven quarters (2020-21 Q1
to 2021-22 Q3) are stored directly, then each quarter is calculated by the engine itself
(`metrics.calculation.run_calculation`), oldest first, so every result row is the engine's;
by default only the last two quarters are calculated (each run takes a moment), which is
enough for a trend against the previous quarter.

Metrics (edition "sof-test"), all for acute trusts:
- M01 A&E 4-hour performance: monthly (latest month), higher is better, standard 95 (the
  SPC target); RA1 falls sharply in the last three months (an SPC concern).
- M02 52-week waits: quarterly, lower is better, no standard or floor.
- M03 Bed occupancy: monthly (mean), neutral.
- M04 Variance to financial plan: quarterly, higher is better, scored, another theme.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from metrics.calculation.runs import run_calculation
from metrics.catalogue.periods import periods_create
from metrics.models.calculation import CalculationRun
from metrics.models.catalogue import FrameworkEdition, Methodology, Metric, Period, Theme
from metrics.models.returns import Return, ReturnState, ReturnVersion, Value, sha256_of
from metrics.returns.series import accepted_series_refresh
from oversight.models import Organisation
from tests.conftest import Registry
from tests.factories import OrganisationFactory

ACUTE = ("RA1", "RA3", "RB1", "RB2", "RB3")
BASE = {"RA1": 80.0, "RA3": 90.0, "RB1": 70.0, "RB2": 85.0, "RB3": 75.0}


@dataclass
class Picture:
    edition: FrameworkEdition
    periods: list[Period]  # the calculated quarters, oldest first
    runs: list[CalculationRun]  # one finished run per calculated quarter, same order
    metrics: dict[str, Metric]
    bodies: dict[str, Organisation]

    @property
    def latest(self) -> Period:
        return self.periods[-1]

    @property
    def latest_run(self) -> CalculationRun:
        return self.runs[-1]


def _metrics(edition: FrameworkEdition) -> dict[str, Metric]:
    quality = Theme.objects.create(edition=edition, slug="quality", name="Quality", order=1)
    finance = Theme.objects.create(edition=edition, slug="finance", name="Finance", order=2)
    common = {"edition": edition, "applies_to": "acute", "value_type": "percentage"}
    return {
        "M01": Metric.objects.create(
            code="M01",
            name="A&E 4-hour performance",
            theme=quality,
            polarity="higher_better",
            unit="%",
            frequency="monthly",
            quarter_basis="latest",
            standard=95.0,
            **common,
        ),
        "M02": Metric.objects.create(
            code="M02",
            name="52-week waits",
            theme=quality,
            polarity="lower_better",
            unit="patients",
            frequency="quarterly",
            quarter_basis="",
            **{**common, "value_type": "count"},
        ),
        "M03": Metric.objects.create(
            code="M03",
            name="Bed occupancy",
            theme=quality,
            polarity="neutral",
            unit="%",
            frequency="monthly",
            quarter_basis="mean",
            **common,
        ),
        "M04": Metric.objects.create(
            code="M04",
            name="Variance to financial plan",
            theme=finance,
            polarity="higher_better",
            unit="£m",
            frequency="quarterly",
            quarter_basis="",
            **{**common, "value_type": "count"},
        ),
    }


def _values(code: str, q: int, period: Period) -> list[tuple[str, object, float]]:
    """(metric, period end, value) of one body's return for the q-th quarter (0 = oldest)."""
    base = BASE[code]
    wiggle = [0.0, 1.5, -1.0, 2.0, -0.5, 1.0]
    rows = []
    for m, end in enumerate(period.month_ends()):
        month = q * 3 + m
        value = base + wiggle[month % 6]
        if code == "RA1" and q == 6:
            value = 50.0 - m  # a sharp fall in the latest quarter: outside the limits
        rows.append(("M01", end, value))
        rows.append(("M03", end, 88.0 + wiggle[(month + 2) % 6]))
    rows.append(
        ("M02", period.end, 100.0 + ACUTE.index(code) * 40 + q * (5 if code == "RA1" else -3))
    )
    rows.append(("M04", period.end, 1.0 - ACUTE.index(code) * 0.75))
    return rows


def _store(
    body: Organisation,
    period: Period,
    edition: FrameworkEdition,
    user: User,
    rows: list,
    metrics: dict[str, Metric],
) -> None:
    content = "\n".join(f"{c},{e},{v}" for c, e, v in rows).encode()
    when = timezone.now() - timedelta(days=1)
    record = Return.objects.create(
        organisation=body, period=period, edition=edition, state=ReturnState.ACCEPTED
    )
    version = ReturnVersion.objects.create(
        return_record=record,
        number=1,
        file_name=f"{body.ods_code}-{period.slug}.csv",
        file_content=content,
        file_sha256=sha256_of(content),
        file_size=len(content),
        uploaded_by=user,
        uploaded_at=when,
        value_count=len(rows),
        signed_off_by=user,
        signed_off_at=when,
        reviewed_by=user,
        reviewed_at=when,
        accepted=True,
    )
    Value.objects.bulk_create(
        Value(
            version=version,
            organisation=body,
            metric=metrics[code],
            period_end=end,
            value=value,
            row=line,
        )
        for line, (code, end, value) in enumerate(rows, start=2)
    )
    record.current_version = version
    record.accepted_version = version
    record.save(update_fields=["current_version", "accepted_version"])
    accepted_series_refresh(edition_id=record.edition_id, organisation_ids=[body.pk])


def build_picture(
    registry: Registry, user: User, *, calculated: int = 2, edition_code: str = "sof-test"
) -> Picture:
    """Returns for seven quarters; the last ``calculated`` quarters calculated, oldest first.

    ``edition_code="sof-2021-22"`` makes it the edition the return pages use for these
    quarters (``metrics.catalogue.editions.edition_for``), so they open too.
    """
    edition = FrameworkEdition.objects.create(
        code=edition_code, name="SOF test", methodology=Methodology.SOF_2021_22
    )
    metrics = _metrics(edition)
    periods = [*periods_create(year=2020), *periods_create(year=2021)[:3]]
    bodies = {
        "RA1": registry.trust_a1,
        "RA3": registry.trust_a3,
        "RB1": registry.trust_b1,
        "RB2": OrganisationFactory(ods_code="RB2", name="Trust B2", system=registry.system_b1),
        "RB3": OrganisationFactory(ods_code="RB3", name="Trust B3", system=registry.system_b1),
    }
    for q, period in enumerate(periods):
        for code, body in bodies.items():
            _store(body, period, edition, user, _values(code, q, period), metrics)
    runs = []
    for period in periods[-calculated:]:
        run = CalculationRun.objects.create(
            period=period, edition=edition, reason="Accepted RA1 v1"
        )
        run_calculation(run.pk)
        run.refresh_from_db()
        assert run.status == "finished", run.error
        runs.append(run)
    return Picture(edition, periods[-calculated:], runs, metrics, bodies)
