"""National bulk upload: one file, every body's return, all or nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from metrics.catalogue.loading import load_builtin_catalogues
from metrics.models.catalogue import FrameworkEdition, Metric, Period, body_group
from metrics.models.returns import Return, ReturnVersion, Value
from metrics.returns.bulk import returns_bulk_upload
from metrics.returns.policy import ReturnRejected
from metrics.synthetic import body_values, metric_shape, return_csv
from oversight.models import Organisation
from tests.conftest import Cast, Registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def quarter(db: None) -> Period:
    load_builtin_catalogues()
    today = timezone.localdate()
    return Period.objects.create(
        year=2021,
        quarter=3,
        start=date(2021, 10, 1),
        end=date(2021, 12, 31),
        opens_on=today - timedelta(days=3),
        due_on=today + timedelta(days=10),
        closes_on=today + timedelta(days=30),
    )


def national_file(bodies: list[Organisation], quarter: Period) -> bytes:
    edition = FrameworkEdition.objects.get(code="sof-2021-22")
    metrics = list(Metric.objects.filter(edition=edition))
    codes = {m.pk: m.code for m in metrics}
    lines: list[bytes] = []
    for body in bodies:
        shapes = [metric_shape(m) for m in metrics if body_group(body) in m.applicable_groups]
        values = body_values(body_id=body.pk, shapes=shapes, periods=[quarter], seed=1)[0]
        rows = return_csv(body.ods_code, [(codes[m], end, v) for m, end, v in values])
        lines += rows.splitlines(keepends=True)[0 if not lines else 1 :]
    return b"".join(lines)


def test_one_file_gives_each_body_a_version(cast: Cast, registry: Registry, quarter: Period):
    bodies = [registry.trust_a1, registry.trust_a2, registry.trust_b1]
    content = national_file(bodies, quarter)
    edition = FrameworkEdition.objects.get(code="sof-2021-22")

    report = returns_bulk_upload(
        period=quarter,
        edition=edition,
        file_name="national.csv",
        content=content,
        user=cast.national,
    )

    assert report.bodies == 3
    assert report.values == Value.objects.count() > 0
    assert len(bodies) == 3
    for body in bodies:
        record = Return.objects.get(organisation=body, period=quarter)
        version = record.current_version
        assert record.state == "submitted"
        assert version is not None
        assert version.values.count() == version.value_count > 0
        assert version.content.startswith(b"organisation_code,")

    again = returns_bulk_upload(
        period=quarter,
        edition=edition,
        file_name="national.csv",
        content=content,
        user=cast.national,
    )
    assert (again.bodies, again.identical) == (0, 3)
    assert ReturnVersion.objects.count() == 3


def test_one_bad_cell_stores_nothing(cast: Cast, registry: Registry, quarter: Period):
    content = national_file([registry.trust_a1, registry.trust_b1], quarter)
    lines = content.decode().splitlines()
    fields = lines[5].split(",")
    fields[3] = "about ninety"
    lines[5] = ",".join(fields)
    edition = FrameworkEdition.objects.get(code="sof-2021-22")

    with pytest.raises(ReturnRejected) as rejected:
        returns_bulk_upload(
            period=quarter,
            edition=edition,
            file_name="national.csv",
            content="\n".join(lines).encode(),
            user=cast.national,
        )

    blocking = [f for f in rejected.value.findings if f.severity == "blocking"]
    assert [(f.row, f.column) for f in blocking] == [(6, "value")]
    assert "about ninety" in blocking[0].message
    assert (Return.objects.count(), ReturnVersion.objects.count(), Value.objects.count()) == (
        0,
        0,
        0,
    )


def test_bodies_outside_the_uploaders_scope_are_refused(
    cast: Cast, registry: Registry, quarter: Period
):
    content = national_file([registry.trust_a1, registry.trust_b1], quarter)
    edition = FrameworkEdition.objects.get(code="sof-2021-22")
    with pytest.raises(ReturnRejected) as rejected:
        returns_bulk_upload(
            period=quarter,
            edition=edition,
            file_name="national.csv",
            content=content,
            user=cast.submitter,
        )
    refused = {f.row for f in rejected.value.findings if f.severity == "blocking"}
    rb1_rows = {
        n for n, line in enumerate(content.decode().splitlines(), start=1) if line.startswith("RB1")
    }
    assert refused == rb1_rows
    assert Value.objects.count() == 0
