"""Building calculation data straight into the tables, for the calculation tests.

Returns, versions and values are written directly, accepted by setting `accepted` and
`Return.accepted_version` once the values are in (the database refuses changes to an accepted
version's values). Runs are done by calling `run_calculation` as the task does."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from typing import Any, cast

from accounts.models import User
from metrics.calculation.runs import (
    run_calculation,
)
from metrics.catalogue.periods import default_window, quarter_dates
from metrics.engine.kinds import Frequency, Polarity
from metrics.models.calculation import CalculationRun, RunStatus
from metrics.models.catalogue import FrameworkEdition, Metric, Period, Theme
from metrics.models.results import Flag, MetricResult, QuartileThreshold, SpcSeries
from metrics.models.returns import Return, ReturnState, ReturnVersion, Value, sha256_of
from metrics.returns.series import accepted_series_refresh
from oversight.models import Organisation, Sector
from tests.factories import OrganisationFactory, UserFactory

# --- building data ---------------------------------------------------------------------------


def build_edition(code: str = "sof-calc") -> tuple[FrameworkEdition, Theme]:
    edition = FrameworkEdition.objects.create(
        code=code, name=f"Test edition {code}", methodology="sof_2021_22"
    )
    theme = Theme.objects.create(edition=edition, slug="quality", name="Quality")
    return edition, theme


def build_period(year: int, quarter: int) -> Period:
    start, end = quarter_dates(year, quarter)
    opens_on, due_on, closes_on = default_window(end)
    period, _ = Period.objects.get_or_create(
        year=year,
        quarter=quarter,
        defaults={
            "start": start,
            "end": end,
            "opens_on": opens_on,
            "due_on": due_on,
            "closes_on": closes_on,
        },
    )
    return period


def build_metric(edition: FrameworkEdition, theme: Theme, code: str, **fields: Any) -> Metric:
    defaults: dict[str, Any] = {
        "name": f"Metric {code}",
        "applies_to": "acute mental_health",
        "polarity": Polarity.HIGHER_BETTER,
        "unit": "%",
        "value_type": "percentage",
        "frequency": Frequency.QUARTERLY,
        "quarter_basis": "",
    }
    return Metric.objects.create(edition=edition, theme=theme, code=code, **(defaults | fields))


def build_trusts(count: int, *, prefix: str, sector: str = Sector.ACUTE) -> list[Organisation]:
    return [
        cast(
            Organisation,
            OrganisationFactory(
                ods_code=f"{prefix}{n:02d}", name=f"Trust {prefix}{n:02d}", sector=sector
            ),
        )
        for n in range(count)
    ]


def submit(
    organisation: Organisation,
    period: Period,
    edition: FrameworkEdition,
    values: Mapping[Metric, float | Sequence[float]],
    *,
    accept: bool = True,
) -> ReturnVersion:
    """A new version of the body's return holding ``values`` (monthly metrics: one per month),
    accepted unless told otherwise."""
    user = cast(User, UserFactory(email="calculation@nhs.test"))
    record, _ = Return.objects.get_or_create(
        organisation=organisation,
        period=period,
        edition=edition,
        defaults={"state": ReturnState.SUBMITTED},
    )
    number = record.versions.count() + 1
    content = f"{organisation.ods_code} {period.slug} v{number}".encode()
    version = ReturnVersion.objects.create(
        return_record=record,
        number=number,
        file_name="return.csv",
        file_content=content,
        file_sha256=sha256_of(content),
        file_size=len(content),
        uploaded_by=user,
        value_count=len(values),
    )
    rows: list[Value] = []
    for metric, given in values.items():
        if metric.frequency == Frequency.MONTHLY:
            assert isinstance(given, Sequence)
            cells = list(zip(period.month_ends(), given, strict=False))
        else:
            assert not isinstance(given, Sequence)
            cells = [(period.end, given)]
        rows += [
            Value(
                version=version,
                organisation=organisation,
                metric=metric,
                period_end=end,
                value=value,
                row=len(rows) + 2,
            )
            for end, value in cells
        ]
    Value.objects.bulk_create(rows)
    if accept:
        # Values first: once a version is accepted, the database refuses changes to them.
        ReturnVersion.objects.filter(pk=version.pk).update(accepted=True)
        Return.objects.filter(pk=record.pk).update(
            accepted_version=version, current_version=version, state=ReturnState.ACCEPTED
        )
        accepted_series_refresh(edition_id=edition.pk, organisation_ids=[organisation.pk])
    else:
        Return.objects.filter(pk=record.pk).update(current_version=version)
    return version


def resubmit(
    organisation: Organisation,
    period: Period,
    edition: FrameworkEdition,
    changes: Mapping[Metric, float | Sequence[float]],
) -> ReturnVersion:
    """A new accepted version: the accepted one's values with ``changes``."""
    record = Return.objects.get(organisation=organisation, period=period, edition=edition)
    values: dict[Metric, Any] = {}
    for value in Value.objects.filter(version=record.accepted_version).order_by("period_end"):
        metric = value.metric
        if metric.frequency == Frequency.MONTHLY:
            values.setdefault(metric, []).append(value.value)
        else:
            values[metric] = value.value
    return submit(organisation, period, edition, values | dict(changes))


def new_run(period: Period, edition: FrameworkEdition, **fields: Any) -> CalculationRun:
    """A pending run, as `calculation_request` records it, without sending it anywhere."""
    return CalculationRun.objects.create(period=period, edition=edition, reason="test", **fields)


def calculate(period: Period, edition: FrameworkEdition, **fields: Any) -> CalculationRun:
    run = new_run(period, edition, **fields)
    run_calculation(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FINISHED, run.error
    return run


def snapshot(run: CalculationRun) -> dict[str, Any]:
    """Everything a run produced, keyed by codes, without ids: what "identical" compares."""
    results = MetricResult.objects.filter(run=run).values_list(
        "organisation__ods_code",
        "metric__code",
        "peer_group",
        "value",
        "rank",
        "percentile",
        "quartile",
        "score",
        "version_id",
        "months",
    )
    thresholds = QuartileThreshold.objects.filter(run=run).values_list(
        "metric__code", "peer_group", "n", "p25", "p50", "p75"
    )
    series = SpcSeries.objects.filter(run=run).values_list(
        "organisation__ods_code", "metric__code", "points", "mean", "ucl", "lcl", "result"
    )
    flags = Flag.objects.filter(run=run).values_list(
        "organisation__ods_code", "metric__code", "kind", "evidence", "parameters"
    )
    return {
        "results": sorted(results),
        "thresholds": sorted(thresholds),
        "series": sorted(series, key=lambda row: row[:2]),
        "flags": sorted(flags, key=lambda row: row[:3]),
    }


# --- the national world: 9 acute and 3 mental health trusts, one quarter ---------------------

SCORE_MAP = "..50=1.00; 50..80=2.50; 80..=4.00"


class National:
    def __init__(self) -> None:
        self.edition, theme = build_edition()
        self.period = build_period(2021, 3)
        self.acute = build_trusts(9, prefix="RAC")
        self.mental = build_trusts(3, prefix="RMH", sector=Sector.MENTAL_HEALTH)
        self.higher = build_metric(self.edition, theme, "HB")
        self.lower = build_metric(
            self.edition, theme, "LB", polarity=Polarity.LOWER_BETTER, standard=20.0, floor=80.0
        )
        self.neutral = build_metric(self.edition, theme, "NE", polarity=Polarity.NEUTRAL)
        self.bespoke = build_metric(self.edition, theme, "BS", score_map=SCORE_MAP)
        self.contextual = build_metric(self.edition, theme, "CX", scored=False)
        chance = random.Random(2021)
        for n, trust in enumerate(self.acute + self.mental):
            values = {
                # Awkward floats and a tie (trusts 2 and 3), so interpolation is really tested.
                self.higher: 7.0 if n in (2, 3) else chance.uniform(0, 100),
                self.lower: round(chance.uniform(0, 100), 1),
                self.neutral: chance.uniform(-5, 5),
                self.bespoke: float(n * 11),
                self.contextual: chance.uniform(0, 1),
            }
            if n == 8:
                del values[self.higher]  # missing data: no value, no result, no score
            submit(trust, self.period, self.edition, values)


def values_of(run: CalculationRun, metric: Metric, group: str) -> dict[int, float]:
    return dict(
        MetricResult.objects.filter(run=run, metric=metric, peer_group=group).values_list(
            "organisation_id", "value"
        )
    )


class History:
    """Five acute trusts A–E over six quarters (2021-22 Q1 to 2022-23 Q2), one run a quarter.

    - SPC (monthly, mean): A ends far above its limits (improvement), B far below (concern,
      a dramatic drop), C ends with a run of 7 below its mean (sustained very poor);
    - SPC2 (monthly, standard 100 beyond D's limits): D consistently fails;
    - QH (quarterly): D is bottom in 3 of the last 4 quarters, E falls from top to bottom;
    - in the last quarter: S054 (variance to plan) A −1.5; S001 (CQC) A 3 and B 4; STD
      (standard 90) B 80.
    """

    def __init__(self) -> None:
        self.edition, theme = build_edition()
        self.periods = [build_period(2021, q) for q in (1, 2, 3, 4)] + [
            build_period(2022, q) for q in (1, 2)
        ]
        self.trusts = dict(zip("ABCDE", build_trusts(5, prefix="RHI"), strict=True))
        monthly = {"frequency": Frequency.MONTHLY, "quarter_basis": "mean"}
        self.spc = build_metric(self.edition, theme, "SPC", **monthly)
        self.spc2 = build_metric(self.edition, theme, "SPC2", standard=100.0, **monthly)
        self.qh = build_metric(self.edition, theme, "QH")
        self.s054 = build_metric(
            self.edition, theme, "S054", frequency=Frequency.MONTHLY, quarter_basis="latest"
        )
        self.s001 = build_metric(
            self.edition,
            theme,
            "S001",
            polarity=Polarity.LOWER_BETTER,
            score_map="1=1.00;2=2.00;3=3.00;4=4.00",
        )
        self.std = build_metric(self.edition, theme, "STD", standard=90.0)
        self.series = {
            "A": [50.0 if i % 2 == 0 else 52.0 for i in range(17)] + [80.0],
            "B": [50.0 if i % 2 == 0 else 52.0 for i in range(17)] + [20.0],
            "C": [55.0 if i % 2 == 0 else 57.0 for i in range(11)]
            + [54.5 if i % 2 == 0 else 54.0 for i in range(7)],
            "D": [50.0 if i % 2 == 0 else 53.0 for i in range(18)],
            "E": [40.0 + (i * 7) % 5 for i in range(18)],
        }
        qh = {"A": 10.0, "B": 20.0, "C": 30.0, "D": 1.0, "E": 40.0}
        for number, period in enumerate(self.periods):
            for name, trust in self.trusts.items():
                values: dict[Metric, Any] = {
                    self.spc: self.series[name][number * 3 : number * 3 + 3],
                    self.qh: qh[name],
                }
                if name == "D":
                    values[self.spc2] = values[self.spc]
                    values[self.qh] = {3: 35.0, 5: 2.0}.get(number, 1.0)  # top in the 4th
                if name == "E" and number == 5:
                    values[self.qh] = 0.0
                if number == 5:
                    values[self.s054] = [1.0, 1.0, {"A": -1.5}.get(name, 0.5)]
                    values[self.s001] = {"A": 3.0, "B": 4.0, "C": 2.0, "D": 1.0, "E": 2.0}[name]
                    values[self.std] = {"B": 80.0}.get(name, 95.0)
                submit(trust, period, self.edition, values)
        self.runs = [calculate(period, self.edition) for period in self.periods]
        self.last = self.runs[-1]

    def flags(self, name: str) -> dict[tuple[str, str], dict[str, Any]]:
        found = Flag.objects.filter(run=self.last, organisation=self.trusts[name])
        return {(flag.metric.code, flag.kind): flag.evidence for flag in found if flag.metric}


def portable(run: CalculationRun) -> Any:
    """`snapshot` without database ids, as JSON text: comparable across databases."""
    found = snapshot(run)
    found["results"] = [row[:8] + row[9:] for row in found["results"]]  # no version id
    return json.loads(json.dumps(found, default=str))
