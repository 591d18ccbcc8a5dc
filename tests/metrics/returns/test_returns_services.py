"""The rules of metrics/returns.py: versions, windows, sign-off, review, freezing, audit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import VIEW, Role
from accounts.scope import can, role_grant
from metrics.catalogue.editions import edition_code_for, edition_for
from metrics.catalogue.loading import load_builtin_catalogues
from metrics.catalogue.periods import periods_create
from metrics.models.catalogue import FrameworkEdition, Period
from metrics.models.returns import (
    AcceptedSeries,
    Finding,
    Reopening,
    Return,
    ReturnDraft,
    ReturnEvent,
    ReturnState,
    ReturnVersion,
    Value,
)
from metrics.returns.completeness import completeness
from metrics.returns.file import FileRejected
from metrics.returns.policy import (
    ReturnActionRefused,
    ReturnRejected,
    next_actions,
    next_actions_many,
)
from metrics.returns.review import (
    findings_justify,
    return_accept,
    return_reopen,
    return_send_back,
    return_sign_off,
)
from metrics.returns.upload import draft_create, draft_submit, return_preview, return_upload
from oversight.errors import InputRejected, NotFound, NotPermitted
from oversight.models import Organisation
from tests.conftest import AuditLines, Cast, Registry
from tests.factories import OrganisationFactory, UserFactory
from tests.metrics.factories import csv_file, full_rows, quarter, window
from tests.queries import assert_constant_queries, counted


def refused(user: User, organisation: Organisation, what: str) -> pytest.RaisesExc[Exception]:
    """A role's refusal: 403 saying what it may not do within the user's scope, and outside
    it the 404 a body that does not exist gets."""
    if can(user, VIEW, organisation):
        return pytest.raises(NotPermitted, match=f"may not {what}")
    return pytest.raises(NotFound, match="No such organisation")


Action = ReturnEvent.Action


@dataclass
class World:
    registry: Registry
    cast: Cast
    period: Period
    edition: FrameworkEdition

    def rows(self, organisation=None, shift: float = 0.0):
        return full_rows(organisation or self.registry.trust_a1, self.period, self.edition, shift)

    def file(self, organisation=None, shift: float = 0.0, extra=()):
        body = organisation or self.registry.trust_a1
        return csv_file(body.ods_code, self.rows(body, shift), extra)

    def upload(self, content: bytes, user=None, organisation=None, name: str = "return.csv"):
        return return_upload(
            organisation=organisation or self.registry.trust_a1,
            period=self.period,
            edition=self.edition,
            file_name=name,
            content=content,
            user=user or self.cast.submitter,
        )

    def record(self, organisation=None) -> Return:
        return Return.objects.get(
            organisation=organisation or self.registry.trust_a1, period=self.period
        )


@pytest.fixture
def world(registry: Registry, cast: Cast) -> World:
    load_builtin_catalogues()
    period = quarter()
    return World(registry, cast, period, edition_for(period))


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Return, ReturnVersion, Value, Finding, ReturnEvent, ReturnDraft)
    }


def signed_off(world: World) -> Return:
    world.upload(world.file())
    return return_sign_off(return_record=world.record(), user=world.cast.approver, declaration=True)


# --- editions ---------------------------------------------------------------------------------


def test_edition_is_sof_before_2025_and_nof_from_2025(db: None) -> None:
    load_builtin_catalogues()
    periods_create(year=2024)
    periods_create(year=2025)
    assert edition_code_for(Period.objects.get(year=2024, quarter=4)) == "sof-2021-22"
    assert edition_for(Period.objects.get(year=2025, quarter=1)).code == "nof-2025-26"


# --- upload, versions, identical files ---------------------------------------------------------


def test_upload_stores_an_immutable_version_with_the_original_file(world: World) -> None:
    content = world.file()
    version, created = world.upload(content, name="Q3 return.csv")
    assert created
    version.refresh_from_db()
    assert version.content == content
    assert version.file_sha256 == hashlib.sha256(content).hexdigest()
    assert version.file_size == len(content)
    assert version.file_name == "Q3 return.csv"
    assert version.uploaded_by == world.cast.submitter
    assert version.number == 1
    assert version.value_count == len(world.rows()) == version.values.count()
    record = world.record()
    assert record.state == ReturnState.SUBMITTED
    assert record.current_version == version
    assert not version.findings.exists()


def test_resubmission_is_a_new_version_and_keeps_the_old_one(world: World) -> None:
    first, _ = world.upload(world.file())
    first_values = sorted(first.values.values_list("metric__code", "period_end", "value"))
    rows = world.rows()
    rows[0] = (rows[0][0], rows[0][1], rows[0][2] + 1)
    second, created = world.upload(csv_file("RA1", rows))
    assert created
    assert (first.number, second.number) == (1, 2)
    assert sorted(first.values.values_list("metric__code", "period_end", "value")) == first_values
    assert world.record().current_version == second
    changed = ReturnEvent.objects.get(action=Action.VALUES_CHANGED)
    assert changed.version == second
    assert changed.detail["changes"] == [
        {
            "metric": rows[0][0],
            "period_end": rows[0][1].isoformat(),
            "old": rows[0][2] - 1,
            "new": rows[0][2],
        }
    ]


def test_an_identical_file_is_recognised_not_duplicated(world: World) -> None:
    content = world.file()
    first, _ = world.upload(content)
    world.upload(world.file(shift=1))  # version 2
    before = counts()
    again, created = world.upload(content)
    assert not created
    assert again == first
    assert counts() == before


def test_blocking_findings_store_nothing(world: World) -> None:
    world.upload(world.file())
    before = counts()
    rows = world.rows()
    code, end, _ = rows.pop()
    bad = csv_file("RA1", rows, [f"RA1,{code},{end},lots,,,", "RA1,NOPE,2021-12-31,1,,,"])
    with pytest.raises(ReturnRejected) as rejected:
        world.upload(bad)
    where = {(f.row, f.column) for f in rejected.value.findings if f.severity == "blocking"}
    last = len(rows) + 1  # the header is line 1
    assert where == {(last + 1, "value"), (last + 2, "metric_code")}
    assert counts() == before
    assert world.record().versions.count() == 1


def test_a_rejected_file_stores_nothing(world: World) -> None:
    before = counts()
    with pytest.raises(FileRejected):
        world.upload(b"")
    with pytest.raises(FileRejected):
        world.upload(b"not,a,return\n1,2,3\n")
    assert counts() == before


def test_preview_is_a_dry_run(world: World) -> None:
    before = counts()
    preview = return_preview(
        organisation=world.registry.trust_a1,
        period=world.period,
        edition=world.edition,
        file_name="r.csv",
        content=world.file(),
        user=world.cast.submitter,
    )
    assert not preview.blocking
    assert preview.count("new") == len(world.rows())
    assert counts() == before


def test_a_draft_is_submitted_only_by_its_uploader(world: World) -> None:
    draft, preview = draft_create(
        organisation=world.registry.trust_a1,
        period=world.period,
        edition=world.edition,
        file_name="r.csv",
        content=world.file(),
        user=world.cast.submitter,
    )
    assert not preview.blocking
    other = UserFactory(email="second.submitter@nhs.test")
    role_grant(user=other, role=Role.ORGANISATION_SUBMITTER, node=world.registry.trust_a1)
    with pytest.raises(ReturnActionRefused, match="Only the person who uploaded"):
        draft_submit(draft=draft, user=other)
    version, created = draft_submit(draft=draft, user=world.cast.submitter)
    assert created
    assert version.number == 1
    assert not ReturnDraft.objects.exists()


def test_only_submitters_of_the_body_upload(world: World) -> None:
    for user in (world.cast.approver, world.cast.lead_a, world.cast.outsider):
        with refused(user, world.registry.trust_a1, "submit its returns"):
            world.upload(world.file(), user=user)
    with pytest.raises(NotFound):
        world.upload(world.file(world.registry.trust_a3), organisation=world.registry.trust_a3)
    assert not Return.objects.exists()


# --- windows and reopening ---------------------------------------------------------------------


def test_a_quarter_not_yet_open_is_locked_with_its_reason(world: World) -> None:
    window(world.period, opens=3, due=20, closes=40)
    with pytest.raises(ReturnActionRefused, match="opens on"):
        world.upload(world.file())


def test_a_closed_quarter_is_locked_with_its_reason(world: World) -> None:
    window(world.period, opens=-60, due=-40, closes=-1)
    with pytest.raises(ReturnActionRefused, match="closed on"):
        world.upload(world.file())
    assert not ReturnVersion.objects.exists()


def test_a_late_return_can_still_be_sent(world: World) -> None:
    window(world.period, opens=-30, due=-1, closes=10)
    _, created = world.upload(world.file())
    assert created


def test_an_accepted_return_is_locked(world: World) -> None:
    return_accept(return_record=signed_off(world), user=world.cast.analyst_a)
    with pytest.raises(ReturnActionRefused, match="accepted and is locked"):
        world.upload(world.file(shift=1))


def test_reopening_lets_one_body_submit_and_is_audited(world: World) -> None:
    window(world.period, opens=-60, due=-40, closes=-1)
    until = timezone.now() + timedelta(days=3)
    reopening = return_reopen(
        organisation=world.registry.trust_a1,
        period=world.period,
        edition=world.edition,
        user=world.cast.lead_a,
        reason="Data system outage in November",
        expires_at=until,
    )
    assert reopening.reopened_by == world.cast.lead_a
    event = ReturnEvent.objects.get(action=Action.REOPENED)
    assert event.actor == world.cast.lead_a
    assert event.detail == {
        "reason": "Data system outage in November",
        "expires_at": until.isoformat(),
    }
    _, created = world.upload(world.file())
    assert created
    # The reopening is for this one body: another is still locked.
    other = UserFactory(email="submitter.a3@nhs.test")
    role_grant(user=other, role=Role.ORGANISATION_SUBMITTER, node=world.registry.trust_a3)
    with pytest.raises(ReturnActionRefused, match="closed on"):
        world.upload(
            world.file(world.registry.trust_a3), user=other, organisation=world.registry.trust_a3
        )


def test_an_expired_reopening_no_longer_unlocks(world: World) -> None:
    window(world.period, opens=-60, due=-40, closes=-2)
    reopening = return_reopen(
        organisation=world.registry.trust_a1,
        period=world.period,
        edition=world.edition,
        user=world.cast.lead_a,
        reason="Late data",
        expires_at=timezone.now() + timedelta(days=1),
    )
    Reopening.objects.filter(pk=reopening.pk).update(expires_at=timezone.now() - timedelta(days=1))
    with pytest.raises(ReturnActionRefused, match="closed on"):
        world.upload(world.file())


def test_reopening_an_accepted_return_allows_a_new_version(world: World) -> None:
    return_accept(return_record=signed_off(world), user=world.cast.analyst_a)
    return_reopen(
        organisation=world.registry.trust_a1,
        period=world.period,
        edition=world.edition,
        user=world.cast.lead_a,
        reason="Correction to S004",
        expires_at=timezone.now() + timedelta(days=2),
    )
    version, created = world.upload(world.file(shift=1))
    assert created
    assert version.number == 2
    record = world.record()
    assert record.state == ReturnState.SUBMITTED
    assert record.accepted_version is not None
    assert record.accepted_version.number == 1  # still feeds national figures until replaced


def test_accepting_holds_the_accepted_values_per_series_in_the_same_transaction(
    world: World,
) -> None:
    first = return_accept(return_record=signed_off(world), user=world.cast.analyst_a).return_record
    assert first.accepted_version is not None
    held = AcceptedSeries.objects.filter(organisation=world.registry.trust_a1)
    values = Value.objects.filter(version=first.accepted_version).order_by("metric", "period_end")
    version_id = first.accepted_version.pk
    assert sorted((s.metric_id, s.values, s.version_ids) for s in held) == sorted(
        (metric, [v.value for v in values if v.metric_id == metric], [version_id] * len(given))
        for metric in {v.metric_id for v in values}
        if (given := [v for v in values if v.metric_id == metric])
    )
    return_reopen(
        organisation=world.registry.trust_a1,
        period=world.period,
        edition=world.edition,
        user=world.cast.lead_a,
        reason="Correction",
        expires_at=timezone.now() + timedelta(days=2),
    )
    world.upload(world.file(shift=1))
    second = return_accept(
        return_record=return_sign_off(
            return_record=world.record(), user=world.cast.approver, declaration=True
        ),
        user=world.cast.analyst_a,
    ).return_record
    assert second.accepted_version is not None
    assert {v for s in held.all() for v in s.version_ids} == {second.accepted_version.pk}
    assert held.count() == len({v.metric_id for v in values})


@pytest.mark.parametrize(
    ("who", "reason", "days", "error", "message"),
    [
        ("analyst_a", "Outage", 2, NotPermitted, "may not reopen its returns"),
        ("lead_b", "Outage", 2, NotFound, "No such organisation"),
        ("submitter", "Outage", 2, NotPermitted, "may not reopen its returns"),
        ("lead_a", "   ", 2, InputRejected, "Say why"),
        ("lead_a", "Outage", -1, InputRejected, "expire in the future"),
    ],
)
def test_reopening_needs_a_regional_lead_a_reason_and_a_future_expiry(
    world: World, who: str, reason: str, days: int, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        return_reopen(
            organisation=world.registry.trust_a1,
            period=world.period,
            edition=world.edition,
            user=getattr(world.cast, who),
            reason=reason,
            expires_at=timezone.now() + timedelta(days=days),
        )
    assert not Reopening.objects.exists()
    assert not ReturnEvent.objects.exists()


# --- warnings, sign-off ------------------------------------------------------------------------


def test_warnings_need_a_justification_before_sign_off(world: World) -> None:
    rows = world.rows()[1:]  # one expected value missing: a warning
    version, _ = world.upload(csv_file("RA1", rows))
    warning = version.findings.get()
    assert warning.severity == "warning"
    assert warning.code == "missing_metric"
    record = world.record()
    with pytest.raises(ReturnActionRefused, match="1 warning"):
        return_sign_off(return_record=record, user=world.cast.approver, declaration=True)
    with pytest.raises(ReturnActionRefused, match="empty"):
        findings_justify(
            return_record=record, justifications={warning.pk: "  "}, user=world.cast.approver
        )
    findings_justify(
        return_record=record,
        justifications={warning.pk: "Not collected this quarter"},
        user=world.cast.submitter,
    )
    warning.refresh_from_db()
    assert warning.justification == "Not collected this quarter"
    assert warning.justified_by == world.cast.submitter
    record = return_sign_off(return_record=record, user=world.cast.approver, declaration=True)
    assert record.state == ReturnState.SIGNED_OFF
    justified = ReturnEvent.objects.get(action=Action.JUSTIFIED)
    assert justified.detail == {"findings": {str(warning.pk): "Not collected this quarter"}}


def test_justifying_refuses_findings_that_are_not_warnings_of_the_current_version(
    world: World,
) -> None:
    version, _ = world.upload(csv_file("RA1", world.rows()[1:]))
    old_warning = version.findings.get()
    world.upload(world.file())
    with pytest.raises(ReturnActionRefused, match="not warnings of the current version"):
        findings_justify(
            return_record=world.record(),
            justifications={old_warning.pk: "Because"},
            user=world.cast.submitter,
        )


def test_sign_off_is_by_someone_other_than_the_uploader(world: World) -> None:
    both = UserFactory(email="both@nhs.test")
    role_grant(user=both, role=Role.ORGANISATION_SUBMITTER, node=world.registry.trust_a1)
    role_grant(user=both, role=Role.ORGANISATION_APPROVER, node=world.registry.trust_a1)
    world.upload(world.file(), user=both)
    with pytest.raises(ReturnActionRefused, match="Someone other than"):
        return_sign_off(return_record=world.record(), user=both, declaration=True)
    record = return_sign_off(
        return_record=world.record(), user=world.cast.approver, declaration=True
    )
    version = record.current_version
    assert version is not None
    assert version.signed_off_by == world.cast.approver
    assert version.signed_off_at is not None


@pytest.mark.parametrize("who", ["submitter", "lead_a", "analyst_a", "ics_lead", "outsider"])
def test_only_the_bodys_approver_signs_off(world: World, who: str) -> None:
    world.upload(world.file())
    user = getattr(world.cast, who)
    with refused(user, world.registry.trust_a1, "sign off its returns"):
        return_sign_off(return_record=world.record(), user=user, declaration=True)


def test_a_signed_off_return_cannot_be_signed_off_again(world: World) -> None:
    record = signed_off(world)
    with pytest.raises(ReturnActionRefused, match="Only a submitted return"):
        return_sign_off(return_record=record, user=world.cast.approver, declaration=True)


# --- review: accept, send back ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["analyst_a", "lead_a", "national"])
def test_regional_and_national_reviewers_accept(world: World, who: str) -> None:
    user = getattr(world.cast, who)
    record = return_accept(return_record=signed_off(world), user=user).return_record
    assert record.state == ReturnState.ACCEPTED
    version = record.current_version
    assert version is not None
    assert record.accepted_version == version
    assert version.accepted
    assert version.reviewed_by == user


@pytest.mark.parametrize("who", ["submitter", "approver", "ics_lead", "lead_b", "observer"])
def test_others_cannot_accept_or_send_back(world: World, who: str) -> None:
    record = signed_off(world)
    user = getattr(world.cast, who)
    with refused(user, record.organisation, "review its returns"):
        return_accept(return_record=record, user=user)
    with refused(user, record.organisation, "review its returns"):
        return_send_back(return_record=record, user=user, reason="Wrong")
    assert world.record().state == ReturnState.SIGNED_OFF


def test_only_a_signed_off_return_is_reviewed(world: World) -> None:
    world.upload(world.file())
    with pytest.raises(ReturnActionRefused, match="Only a signed-off return"):
        return_accept(return_record=world.record(), user=world.cast.analyst_a)


def test_send_back_needs_a_reason_and_the_body_resubmits(world: World) -> None:
    record = signed_off(world)
    with pytest.raises(InputRejected, match="Say why"):
        return_send_back(return_record=record, user=world.cast.analyst_a, reason=" ")
    record = return_send_back(
        return_record=record, user=world.cast.analyst_a, reason="S004 looks doubled"
    )
    assert record.state == ReturnState.RETURNED
    assert record.current_version is not None
    assert record.current_version.review_reason == "S004 looks doubled"
    assert not record.current_version.accepted
    version, created = world.upload(world.file(shift=1))
    assert created
    assert version.number == 2
    assert world.record().state == ReturnState.SUBMITTED


# --- frozen in the database ---------------------------------------------------------------------


def _refused_by_database(statement) -> None:
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        statement()


def test_the_database_refuses_changes_to_an_accepted_version_and_its_values(
    world: World,
) -> None:
    record = return_accept(return_record=signed_off(world), user=world.cast.analyst_a).return_record
    version = record.accepted_version
    assert version is not None
    value = version.values.first()
    assert value is not None

    def sql(query: str, *params: object):
        def run() -> None:
            with connection.cursor() as cursor:
                cursor.execute(query, params)

        return run

    _refused_by_database(
        sql("UPDATE metrics_returnversion SET file_name = 'x' WHERE id = %s", version.pk)
    )
    _refused_by_database(sql("DELETE FROM metrics_returnversion WHERE id = %s", version.pk))
    _refused_by_database(sql("UPDATE metrics_value SET value = value + 1 WHERE id = %s", value.pk))
    _refused_by_database(sql("DELETE FROM metrics_value WHERE id = %s", value.pk))
    _refused_by_database(
        lambda: ReturnVersion.objects.filter(pk=version.pk).update(file_sha256="0" * 64)
    )
    _refused_by_database(lambda: Value.objects.filter(pk=value.pk).update(value=123))
    _refused_by_database(lambda: Value.objects.filter(pk=value.pk).delete())
    value.value = 999
    _refused_by_database(value.save)
    version.refresh_from_db()
    assert version.file_sha256 == hashlib.sha256(version.content).hexdigest()
    assert Value.objects.get(pk=value.pk).value != 999


def test_a_version_not_accepted_is_not_frozen(world: World) -> None:
    version, _ = world.upload(world.file())
    assert Value.objects.filter(version=version).update(comment="checked") == version.value_count


# --- audit --------------------------------------------------------------------------------------


def test_every_action_writes_its_event(world: World) -> None:
    version, _ = world.upload(csv_file("RA1", world.rows()[1:]))
    record = world.record()
    warning = version.findings.get()
    findings_justify(
        return_record=record, justifications={warning.pk: "Not collected"}, user=world.cast.approver
    )
    return_sign_off(return_record=record, user=world.cast.approver, declaration=True)
    return_send_back(return_record=record, user=world.cast.lead_a, reason="Add the missing row")
    second, _ = world.upload(world.file(shift=1))
    return_sign_off(return_record=record, user=world.cast.approver, declaration=True)
    return_accept(return_record=record, user=world.cast.analyst_a)
    return_reopen(
        organisation=world.registry.trust_a1,
        period=world.period,
        edition=world.edition,
        user=world.cast.lead_a,
        reason="Correction",
        expires_at=timezone.now() + timedelta(days=1),
    )
    events = list(record.events.order_by("at", "id"))
    assert [(e.action, e.actor, e.version) for e in events] == [
        (Action.UPLOADED, world.cast.submitter, version),
        (Action.JUSTIFIED, world.cast.approver, version),
        (Action.SIGNED_OFF, world.cast.approver, version),
        (Action.SENT_BACK, world.cast.lead_a, version),
        (Action.UPLOADED, world.cast.submitter, second),
        (Action.VALUES_CHANGED, world.cast.submitter, second),
        (Action.SIGNED_OFF, world.cast.approver, second),
        (Action.ACCEPTED, world.cast.analyst_a, second),
        (Action.REOPENED, world.cast.lead_a, None),
    ]
    uploaded = events[4].detail
    assert uploaded["file_name"] == "return.csv"
    assert uploaded["values"] == second.value_count
    assert uploaded["new"] == 1  # the row missing from version 1
    assert uploaded["sha256"] == second.file_sha256


# --- what may happen next -----------------------------------------------------------------------


def _actions(world: World, user, record=None):
    return {
        a.action: a
        for a in next_actions(
            organisation=world.registry.trust_a1,
            period=world.period,
            return_record=record,
            user=user,
        )
    }


def test_next_actions_say_what_each_role_may_do_and_why_not(world: World) -> None:
    assert _actions(world, world.cast.submitter)["upload"].allowed
    assert _actions(world, world.cast.approver) == {}
    world.upload(csv_file("RA1", world.rows()[1:]))
    record = world.record()
    approver = _actions(world, world.cast.approver, record)
    assert approver["justify"].allowed
    assert not approver["sign_off"].allowed
    assert approver["sign_off"].reason == "Justify every warning first."
    window(world.period, opens=-60, due=-40, closes=-1)
    submitter = _actions(world, world.cast.submitter, record)
    assert not submitter["upload"].allowed
    assert "closed on" in submitter["upload"].reason
    assert _actions(world, world.cast.lead_a, record)["reopen"].allowed
    assert "reopen" not in _actions(world, world.cast.analyst_a, record)


def test_next_actions_many_agrees_in_constant_queries(world: World) -> None:
    signed_off(world)
    record = Return.objects.select_related("current_version").get()
    few = [world.registry.trust_a1, world.registry.trust_a2]
    more = [*few, world.registry.trust_a3, *(OrganisationFactory() for _ in range(5))]
    for user in (world.cast.analyst_a, world.cast.lead_a, world.cast.submitter):
        measured = []
        for bodies in (few, more):
            items = [(b, world.period, record if b == few[0] else None) for b in bodies]
            fresh = User.objects.get(pk=user.pk)  # no permission cache, as each request has
            many = counted(partial(next_actions_many, items=items, user=fresh))
            one = [
                next_actions(organisation=b, period=p, return_record=r, user=user)
                for b, p, r in items
            ]
            assert many.response == one
            assert len(one) == len(bodies)
            measured.append(many)
        assert_constant_queries(*measured, at_most=8)


# --- completeness -------------------------------------------------------------------------------


def test_completeness_counts_over_the_bodies_reviewed(world: World) -> None:
    registry, cast = world.registry, world.cast
    record = signed_off(world)  # RA1 signed off
    return_accept(return_record=record, user=cast.analyst_a)  # … and accepted
    submitter_a2 = UserFactory(email="submitter.a2@nhs.test")
    role_grant(user=submitter_a2, role=Role.ORGANISATION_SUBMITTER, node=registry.trust_a2)
    world.upload(world.file(registry.trust_a2), user=submitter_a2, organisation=registry.trust_a2)
    report = completeness(user=cast.lead_a, period=world.period, edition=world.edition)
    # Region A expects QA1, QA2 (ICSs), RA1, RA2, RA3 (trusts), 0A1 (CCG).
    assert report.totals.expected == 6
    assert report.totals.submitted == 2
    assert report.totals.signed_off == 1
    assert report.totals.accepted == 1
    assert report.totals.sent_back == 0
    assert report.totals.missing == 4
    assert report.totals.late == 0
    assert {b.ods_code for b in report.chase} == {"QA1", "QA2", "RA3", "0A1"}
    assert [code for code, _, _ in report.by_region] == ["Y91"]
    window(world.period, opens=-60, due=-1, closes=10)
    late = completeness(user=cast.national, period=world.period, edition=world.edition)
    assert late.totals.expected == 8  # region B's QB1 and RB1 too
    assert late.totals.late == late.totals.missing == 6
    assert [(code, c.expected) for code, _, c in late.by_region] == [("Y91", 6), ("Y92", 2)]


def test_completeness_leaves_out_bodies_closed_before_the_quarter(world: World) -> None:
    closed = world.registry.ccg_a1
    closed.closed_on = world.period.start - timedelta(days=1)
    closed.save()
    report = completeness(user=world.cast.lead_a, period=world.period, edition=world.edition)
    assert report.totals.expected == 5


def test_an_upload_is_a_line_of_the_audit_log(world: World, audit_lines: AuditLines) -> None:
    version, _ = world.upload(world.file(), name="Q3 return.csv")
    same, created = world.upload(world.file(), name="again.csv")

    assert (same, created) == (version, False)
    assert [
        (line["user"], line["object"], line["outcome"], line["detail"]["file"])
        for line in audit_lines.events("upload")
    ] == [
        (world.cast.submitter.pk, f"return_version:{version.pk}", "success", "Q3 return.csv"),
        (world.cast.submitter.pk, f"return_version:{version.pk}", "success", "again.csv"),
    ]
    assert audit_lines.events("upload")[1]["detail"]["stored"] == "identical to the stored version"
