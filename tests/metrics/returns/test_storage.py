"""One path stores every version: the same file with warnings, uploaded singly (the API's and
the page's operation) and in a national bulk file, gets the same values, findings and events,
its warnings block sign-off the same way, and its history opens as a page and in the API."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import Role
from accounts.scope import role_grant
from metrics.catalogue.editions import edition_for
from metrics.catalogue.loading import load_builtin_catalogues
from metrics.models.catalogue import FrameworkEdition, Metric, Period
from metrics.models.returns import Return, ReturnEvent, ReturnVersion
from metrics.returns.bulk import returns_bulk_upload
from metrics.returns.contexts import OUTLIER_HISTORY_YEARS, body_histories, history_start
from metrics.returns.policy import ReturnActionRefused
from metrics.returns.review import return_accept, return_sign_off
from metrics.returns.upload import return_upload
from oversight.models import Organisation
from tests.conftest import Cast, Registry, password_login
from tests.factories import UserFactory
from tests.metrics.factories import HEADER, full_rows, quarter

pytestmark = pytest.mark.django_db

# A year of months: enough for the outlier check (metrics.engine.outliers.MIN_POINTS).
HISTORY = (100.0, 104.0, 98.0, 101.0, 97.0, 103.0, 99.0, 102.0, 100.0, 98.0, 103.0, 101.0)


def noisy_metric(edition: FrameworkEdition) -> Metric:
    """A monthly count with no upper bound, for acute trusts: room for a wild value."""
    metric = (
        Metric.objects.filter(
            edition=edition, frequency="monthly", value_type="count", valid_max__isnull=True
        )
        .order_by("code")
        .first()
    )
    assert metric is not None
    assert "acute" in metric.applicable_groups
    return metric


def rows_for(body: Organisation, period: Period, edition: FrameworkEdition, noisy: list[float]):
    """Every metric of the body's quarter; the noisy metric's three months take ``noisy``."""
    metric = noisy_metric(edition)
    rows = full_rows(body, period, edition)
    months = iter(noisy)
    return [(code, end, next(months) if code == metric.code else v) for code, end, v in rows]


def national_file(bodies: list[Organisation], rows) -> bytes:
    lines = [HEADER]
    for body in bodies:
        lines += [
            f"{body.ods_code},{code},{end.isoformat()},{value:g},,," for code, end, value in rows
        ]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def world(registry: Registry, cast: Cast) -> dict:
    """Trusts A1 and A3 (both acute) with the same four accepted quarters of history."""
    load_builtin_catalogues()
    history = [
        quarter(year=2020, number=3),
        quarter(year=2020, number=4),
        quarter(number=1),
        quarter(number=2),
    ]
    period = quarter(number=3)
    edition = edition_for(period)
    reviewer = UserFactory(email="second.national@nhs.test")
    role_grant(user=reviewer, role=Role.NATIONAL_ADMIN, node=None)
    bodies = [registry.trust_a1, registry.trust_a3]
    chunks = [HISTORY[start : start + 3] for start in range(0, len(HISTORY), 3)]
    for past, noisy in zip(history, chunks, strict=True):
        rows = rows_for(registry.trust_a1, past, edition, list(noisy))
        returns_bulk_upload(
            period=past,
            edition=edition,
            file_name="history.csv",
            content=national_file(bodies, rows),
            user=cast.national,
        )
        for record in Return.objects.filter(period=past):
            return_sign_off(return_record=record, user=reviewer, declaration=True)
            return_accept(return_record=record, user=reviewer)
    return {"period": period, "edition": edition, "bodies": bodies, "reviewer": reviewer}


def quarter_file(world: dict, body: Organisation, wild: float) -> bytes:
    """The quarter's file: one wild value (an outlier) and one metric left out."""
    rows = rows_for(body, world["period"], world["edition"], [wild, 101.0, 99.0])
    return national_file([body], rows[:-1])


def singly(world: dict, cast: Cast, content: bytes) -> ReturnVersion:
    version, created = return_upload(
        organisation=world["bodies"][0],
        period=world["period"],
        edition=world["edition"],
        file_name="RA1.csv",
        content=content,
        user=cast.submitter,
    )
    assert created
    return version


def in_bulk(world: dict, cast: Cast, content: bytes) -> ReturnVersion:
    report = returns_bulk_upload(
        period=world["period"],
        edition=world["edition"],
        file_name="national.csv",
        content=content,
        user=cast.national,
    )
    assert (report.bodies, report.identical) == (1, 0)
    record = Return.objects.get(organisation=world["bodies"][1], period=world["period"])
    assert record.current_version is not None
    return record.current_version


def findings(version: ReturnVersion) -> list[tuple]:
    return list(
        version.findings.order_by("id").values_list(
            "row", "column", "code", "severity", "message", "metric_code", "justification"
        )
    )


def values(version: ReturnVersion) -> list[tuple]:
    return list(
        version.values.order_by("metric__code", "period_end").values_list(
            "metric__code", "period_end", "value", "row"
        )
    )


def events(version: ReturnVersion) -> list[tuple[str, dict]]:
    """The version's events; the file's own name and hash aside, which differ by route."""
    found = []
    for event in ReturnEvent.objects.filter(version=version).order_by("id"):
        detail = dict(event.detail)
        if event.action == ReturnEvent.Action.UPLOADED:
            assert detail.pop("file_name") == version.file_name
            assert detail.pop("sha256") == version.file_sha256
        found.append((event.action, detail))
    return found


def test_the_same_file_singly_and_in_bulk_is_stored_alike(world: dict, cast: Cast) -> None:
    a1, a3 = world["bodies"]
    single = singly(world, cast, quarter_file(world, a1, wild=1000.0))
    bulk = in_bulk(world, cast, quarter_file(world, a3, wild=1000.0))

    codes = sorted(f[2] for f in findings(single))
    assert codes == ["missing_metric", "outlier_against_history"]
    assert findings(bulk) == findings(single)
    # The outlier says, in words, what history it compared with: the year of accepted months.
    (outlier,) = [f[4] for f in findings(single) if f[2] == "outlier_against_history"]
    metric = noisy_metric(world["edition"]).code
    assert (
        f"1,000 for {metric} is far above this trust's 12 accepted months from October 2020 "
        in (outlier)
    )
    assert "to September 2021 (97 to 104, median 100.5): further outside" in outlier
    assert values(bulk) == values(single)
    assert values(single)[0][3] == 2  # the line of the version's own file
    uploaded = {
        "values": len(values(single)),
        "warnings": 2,
        "new": len(values(single)),
        "changed": 0,
        "unchanged": 0,
        "removed": 0,
    }
    assert events(single) == events(bulk) == [("uploaded", uploaded)]

    # Warnings, however they came, need a justification before anyone signs the version off.
    for version in (single, bulk):
        with pytest.raises(ReturnActionRefused, match="2 warning"):
            return_sign_off(
                return_record=version.return_record, user=world["reviewer"], declaration=True
            )

    # A corrected file: the same second version and "values changed" event by either route.
    second_single = singly(world, cast, quarter_file(world, a1, wild=102.0))
    second_bulk = in_bulk(world, cast, quarter_file(world, a3, wild=102.0))
    assert (second_single.number, second_bulk.number) == (2, 2)
    assert findings(second_bulk) == findings(second_single)
    metric = noisy_metric(world["edition"]).code
    month = world["period"].month_ends()[0].isoformat()
    changed = {"changes": [{"metric": metric, "period_end": month, "old": 1000.0, "new": 102.0}]}
    assert events(second_single) == events(second_bulk)
    assert events(second_bulk)[1] == ("values_changed", changed)
    assert events(second_bulk)[0][1]["changed"] == 1


def test_each_history_opens_as_a_page_and_in_the_api(world: dict, cast: Cast) -> None:
    a1, a3 = world["bodies"]
    singly(world, cast, quarter_file(world, a1, wild=1000.0))
    in_bulk(world, cast, quarter_file(world, a3, wild=1000.0))
    page = Client()
    assert password_login(page, cast.lead_a.email)
    api = APIClient()
    api.force_authenticate(cast.lead_a)
    for body, file_name in ((a1, "RA1.csv"), (a3, "RA3 from national.csv")):
        url = reverse(
            "return-history", kwargs={"ods_code": body.ods_code, "period": world["period"].slug}
        )
        response = page.get(url)
        assert response.status_code == 200, body.ods_code
        expected = f"Uploaded version 1 ({file_name}): "
        assert expected in response.content.decode()
        record = Return.objects.get(organisation=body, period=world["period"])
        history = api.get(f"/api/v1/returns/{record.pk}/history/")
        assert history.status_code == 200
        [uploaded] = history.json()
        assert uploaded["description"].startswith(expected)
        assert "new" in uploaded["description"]
        assert "2 warning(s)" in uploaded["description"]


def test_the_outlier_check_reads_its_span_of_history_only(world: dict, cast: Cast) -> None:
    """Values older than OUTLIER_HISTORY_YEARS before the quarter are not its history."""
    a1 = world["bodies"][0]
    old = quarter(year=2021 - OUTLIER_HISTORY_YEARS - 1, number=3)
    rows = rows_for(a1, old, world["edition"], [5.0, 6.0, 7.0])
    returns_bulk_upload(
        period=old,
        edition=world["edition"],
        file_name="old.csv",
        content=national_file([a1], rows),
        user=cast.national,
    )
    record = Return.objects.get(organisation=a1, period=old)
    return_sign_off(return_record=record, user=cast.approver, declaration=True)
    return_accept(return_record=record, user=cast.lead_a)
    period = world["period"]
    assert history_start(period.start) == date(2021 - OUTLIER_HISTORY_YEARS, 10, 1)

    histories = body_histories(
        organisation_ids=[a1.pk], edition=world["edition"], before=period.start
    )

    points = histories[a1.pk][noisy_metric(world["edition"]).code]
    assert sorted(value for _, value in points) == sorted(HISTORY)
