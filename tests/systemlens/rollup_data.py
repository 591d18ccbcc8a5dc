"""A hand-worked quarter for the system roll-ups (2021-22 Q3), calculated by the engine.

System A1 holds acute trusts RA1, RA4 and RA5 (RA5 sends nothing: missing) besides the mental
health trust RA2 and CCG A1, to which the metrics do not apply; A2 holds RA3; B1 holds RB1.

| body | C01 count | P01 num/den (%) | L01 months' num/den, latest last | W01 | population |
|------|-----------|-----------------|----------------------------------|-----|------------|
| RA1  | 10        | 45/50 (90)      | 5/10, 6/10, 9/10 (90)            | 2.0 | 100,000    |
| RA4  | 25        | 150/200 (75)    | 10/40, 20/40, 30/40 (75)         | 4.0 | 300,000    |
| RA3  | 7         | 80, no parts    | 8/10 each month (80)             | 3.0 | —          |
| RB1  | 100       | 9/10 (90)       | 1/2 each month (50)              | 1.0 | 50,000     |

The ICS A1 body returns its own C01: 36. C01 applies to CCGs too, and CCG A1 returns 1000: an
ICS's roll-up counts its trusts only (their patients are the CCG's too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from accounts.models import User
from metrics.calculation.runs import run_calculation
from metrics.catalogue.periods import periods_create
from metrics.models.calculation import CalculationRun
from metrics.models.catalogue import FrameworkEdition, Methodology, Metric, Period, Theme
from metrics.models.returns import Return, ReturnState, ReturnVersion, Value, sha256_of
from metrics.returns.series import accepted_series_refresh
from oversight.models import Organisation
from systemlens.models import Population
from tests.conftest import Registry
from tests.factories import OrganisationFactory

Row = tuple[str, date, float, float | None, float | None]  # metric, end, value, num, den


@dataclass
class RollupPicture:
    period: Period
    run: CalculationRun
    metrics: dict[str, Metric]
    bodies: dict[str, Organisation]


def _metrics(edition: FrameworkEdition) -> dict[str, Metric]:
    theme = Theme.objects.create(edition=edition, slug="quality", name="Quality", order=1)
    common = {"edition": edition, "theme": theme, "applies_to": "acute", "unit": "%"}
    quarterly = {"frequency": "quarterly", "quarter_basis": ""}
    return {
        "C01": Metric.objects.create(
            code="C01",
            name="52-week waiters",
            polarity="lower_better",
            value_type="count",
            rollup="sum",
            **{**common, "applies_to": "ics ccg acute", "unit": "patients"},
            **quarterly,
        ),
        "P01": Metric.objects.create(
            code="P01",
            name="Seen within 18 weeks",
            polarity="higher_better",
            value_type="percentage",
            rollup="ratio",
            **common,
            **quarterly,
        ),
        "L01": Metric.objects.create(
            code="L01",
            name="Diagnostics within 6 weeks",
            polarity="higher_better",
            value_type="percentage",
            rollup="ratio",
            frequency="monthly",
            quarter_basis="latest",
            **common,
        ),
        "W01": Metric.objects.create(
            code="W01",
            name="Patient experience score",
            polarity="higher_better",
            value_type="score",
            rollup="weighted_mean",
            **{**common, "unit": "score"},
            **quarterly,
        ),
    }


def _rows(period: Period) -> dict[str, list[Row]]:
    m1, m2, m3 = period.month_ends()
    end = period.end

    def months(parts: list[tuple[float, float]]) -> list[Row]:
        return [
            ("L01", month, n / d * 100, n, d)
            for month, (n, d) in zip((m1, m2, m3), parts, strict=True)
        ]

    return {
        "RA1": [
            ("C01", end, 10, None, None),
            ("P01", end, 90, 45, 50),
            *months([(5, 10), (6, 10), (9, 10)]),
            ("W01", end, 2.0, None, None),
        ],
        "RA4": [
            ("C01", end, 25, None, None),
            ("P01", end, 75, 150, 200),
            *months([(10, 40), (20, 40), (30, 40)]),
            ("W01", end, 4.0, None, None),
        ],
        "RA3": [
            ("C01", end, 7, None, None),
            ("P01", end, 80, None, None),
            *months([(8, 10), (8, 10), (8, 10)]),
            ("W01", end, 3.0, None, None),
        ],
        "RB1": [
            ("C01", end, 100, None, None),
            ("P01", end, 90, 9, 10),
            *months([(1, 2), (1, 2), (1, 2)]),
            ("W01", end, 1.0, None, None),
        ],
        "QA1": [("C01", end, 36, None, None)],
        "0A1": [("C01", end, 1000, None, None)],
    }


def store_return(
    body: Organisation,
    period: Period,
    edition: FrameworkEdition,
    user: User,
    rows: list[Row],
    metrics: dict[str, Metric],
) -> None:
    """An accepted return stored directly (the returns' own tests cover the upload path)."""
    content = "\n".join(",".join(str(c) for c in row) for row in rows).encode()
    now = timezone.now()
    record = Return.objects.create(
        organisation=body, period=period, edition=edition, state=ReturnState.ACCEPTED
    )
    version = ReturnVersion.objects.create(
        return_record=record,
        number=1,
        file_name=f"{body.ods_code}.csv",
        file_content=content,
        file_sha256=sha256_of(content),
        file_size=len(content),
        uploaded_by=user,
        value_count=len(rows),
        signed_off_by=user,
        signed_off_at=now,
        reviewed_by=user,
        reviewed_at=now,
        accepted=True,
    )
    Value.objects.bulk_create(
        Value(
            version=version,
            organisation=body,
            metric=metrics[code],
            period_end=end,
            value=value,
            numerator=numerator,
            denominator=denominator,
            row=line,
        )
        for line, (code, end, value, numerator, denominator) in enumerate(rows, start=2)
    )
    record.current_version = record.accepted_version = version
    record.save(update_fields=["current_version", "accepted_version"])
    accepted_series_refresh(edition_id=record.edition_id, organisation_ids=[body.pk])


def build_rollup_picture(registry: Registry, user: User) -> RollupPicture:
    edition = FrameworkEdition.objects.create(
        code="sof-lens", name="SOF lens", methodology=Methodology.SOF_2021_22
    )
    metrics = _metrics(edition)
    period = periods_create(year=2021)[2]
    bodies = {
        "RA1": registry.trust_a1,
        "RA4": OrganisationFactory(ods_code="RA4", name="Trust A4", system=registry.system_a1),
        "RA5": OrganisationFactory(ods_code="RA5", name="Trust A5", system=registry.system_a1),
        "RA3": registry.trust_a3,
        "RB1": registry.trust_b1,
        "QA1": Organisation.objects.get(ods_code="QA1"),
        "0A1": registry.ccg_a1,
    }
    for code, rows in _rows(period).items():
        store_return(bodies[code], period, edition, user, rows, metrics)
    for code, population in (("RA1", 100_000), ("RA4", 300_000), ("RB1", 50_000)):
        body = Organisation.objects.get(ods_code=code)
        Population.objects.create(organisation=body, year=2021, population=population)
    run = CalculationRun.objects.create(period=period, edition=edition, reason="test")
    run_calculation(run.pk)
    run.refresh_from_db()
    assert run.status == "finished", run.error
    return RollupPicture(period, run, metrics, bodies)
