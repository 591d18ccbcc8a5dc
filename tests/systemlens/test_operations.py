"""The system lens's operations: each write with its audit event, refusals in words, scope."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from metrics.models.catalogue import FrameworkEdition, Methodology, Metric, Theme
from oversight.errors import ActionRefused, InputRejected, NotFound, NotPermitted
from systemlens.access import (
    actions_of,
    agreements_visible,
    bodies_overseen,
    concerns_visible,
    meetings_visible,
    sees_internal_notes,
)
from systemlens.across import lead_system, oversight_across_set
from systemlens.agreements import (
    PriorityInput,
    agreement_review_record,
    agreement_version_record,
    local_metric_add,
)
from systemlens.concerns import concern_assess, concern_close, concern_open
from systemlens.meetings import (
    ActionInput,
    AgendaInput,
    MeetingInput,
    meeting_action_done,
    meeting_record,
)
from systemlens.models import (
    AgreementVersion,
    ConcernOutcome,
    LensAction,
    LensEvent,
    MeetingAction,
    ReviewRating,
)
from tests.systemlens.conftest import TERMS, priorities

ASSESSED = {
    "seriousness": "Long waits across two sites.",
    "risk_and_impact": "Harm from delayed treatment.",
    "body_understanding": "The board knows and has a plan.",
    "maturity": "Leadership stable; improvement capability developing.",
    "action_taken": "Validation of the waiting list; extra theatre lists.",
}


def _edition() -> FrameworkEdition:
    edition = FrameworkEdition.objects.create(
        code="sof-lens", name="SOF lens", methodology=Methodology.SOF_2021_22
    )
    Theme.objects.create(edition=edition, slug="local_strategic_priorities", name="Local")
    return edition


# --- agreements --------------------------------------------------------------------------------


def test_a_regional_lead_records_versions_and_each_keeps_what_was_agreed(registry, cast):
    first = agreement_version_record(
        system=registry.system_a1,
        year=2021,
        terms=TERMS,
        priorities=priorities("Elective recovery", "Mental health access"),
        user=cast.lead_a,
    )
    second = agreement_version_record(
        system=registry.system_a1,
        year=2021,
        terms=replace(TERMS, agreed_on=date(2021, 10, 1), change_note="Added cancer."),
        priorities=priorities("Elective recovery", "Mental health access", "Cancer"),
        user=cast.analyst_a,
    )
    assert (first.number, second.number) == (1, 2)
    assert first.agreement_id == second.agreement_id
    assert [p.title for p in first.priorities.all()] == [
        "Elective recovery",
        "Mental health access",
    ]
    assert second.priorities.count() == 3
    events = LensEvent.objects.filter(action=LensAction.AGREEMENT_VERSION).order_by("id")
    assert [(e.actor, e.detail["version"]) for e in events] == [
        (cast.lead_a, 1),
        (cast.analyst_a, 2),
    ]
    assert events[1].detail["agreed_on"] == "2021-10-01"


def test_an_ics_lead_sees_the_agreement_but_may_not_record_it(registry, cast):
    with pytest.raises(NotPermitted):
        agreement_version_record(
            system=registry.system_a1, year=2021, terms=TERMS, priorities=[], user=cast.ics_lead
        )
    agreement_version_record(
        system=registry.system_a1, year=2021, terms=TERMS, priorities=[], user=cast.lead_a
    )
    assert agreements_visible(cast.ics_lead).count() == 1
    for user in (cast.lead_b, cast.submitter, cast.outsider, cast.observer):
        assert agreements_visible(user).count() == 0


@pytest.mark.parametrize("who", ["lead_b", "outsider", "submitter"])
def test_outside_the_ics_recording_an_agreement_is_not_found(registry, cast, who):
    with pytest.raises(NotFound):
        agreement_version_record(
            system=registry.system_a1,
            year=2021,
            terms=TERMS,
            priorities=[],
            user=getattr(cast, who),
        )
    assert not AgreementVersion.objects.exists()


def test_an_incomplete_agreement_names_each_field_and_stores_nothing(registry, cast):
    with pytest.raises(InputRejected) as refused:
        agreement_version_record(
            system=registry.system_a1,
            year=2021,
            terms=replace(TERMS, delivery_arrangements=" ", agreed_by=""),
            priorities=[PriorityInput(title="", owner="x", target=5.0)],
            user=cast.lead_a,
        )
    assert set(refused.value.problems) == {"delivery_arrangements", "agreed_by", "priorities"}
    assert refused.value.problems["priorities"] == [
        "Priority 1: give its title.",
        "Priority 1: a target needs the metric it is measured by.",
    ]
    assert not AgreementVersion.objects.exists()
    assert not LensEvent.objects.exists()


def test_a_local_metric_is_seen_only_by_its_ics_region_and_national(registry, cast):
    from metrics.catalogue.visibility import metrics_visible_to

    edition = _edition()
    metric = local_metric_add(
        system=registry.system_a1,
        edition=edition,
        code="A1-L1",
        name="Same-day emergency care use",
        unit="%",
        polarity="higher_better",
        user=cast.lead_a,
    )
    assert metric.local_to == registry.system_a1
    for user in (cast.ics_lead, cast.lead_a, cast.national):
        assert metrics_visible_to(user).filter(pk=metric.pk).exists()
    for user in (cast.lead_b, cast.submitter, cast.outsider):
        assert not metrics_visible_to(user).filter(pk=metric.pk).exists()
    version = agreement_version_record(
        system=registry.system_a1,
        year=2021,
        terms=TERMS,
        priorities=[PriorityInput("Urgent care", "COO", metric=metric, target=40.0)],
        user=cast.lead_a,
    )
    assert version.priorities.get().metric == metric
    with pytest.raises(InputRejected, match="not complete"):
        agreement_version_record(
            system=registry.system_b1,
            year=2021,
            terms=TERMS,
            priorities=[PriorityInput("Urgent care", "COO", metric=metric)],
            user=cast.lead_b,
        )


def test_the_quarterly_review_is_recorded_once_per_quarter(registry, cast, quarters):
    version = agreement_version_record(
        system=registry.system_a1, year=2021, terms=TERMS, priorities=[], user=cast.lead_a
    )
    review = agreement_review_record(
        agreement=version.agreement,
        period=quarters[1],
        held_on=date(2021, 10, 14),
        rating=ReviewRating.SOME_CONCERNS,
        outcome="Electives behind plan.",
        next_steps="Recovery trajectory by November.",
        user=cast.lead_a,
    )
    assert review.version == version
    assert LensEvent.objects.get(action=LensAction.AGREEMENT_REVIEW).detail["quarter"] == (
        "2021-22 Q2"
    )
    with pytest.raises(ActionRefused, match="recorded already"):
        agreement_review_record(
            agreement=version.agreement,
            period=quarters[1],
            held_on=date(2021, 10, 15),
            rating=ReviewRating.ON_TRACK,
            outcome="x",
            next_steps="y",
            user=cast.lead_a,
        )
    with pytest.raises(NotPermitted):
        agreement_review_record(
            agreement=version.agreement,
            period=quarters[2],
            held_on=date(2022, 1, 14),
            rating=ReviewRating.ON_TRACK,
            outcome="x",
            next_steps="y",
            user=cast.ics_lead,
        )


# --- concerns ------------------------------------------------------------------------------------


def test_a_concern_is_opened_assessed_and_closed_with_its_events(registry, cast):
    concern = concern_open(
        organisation=registry.trust_a1, title="52-week waits rising", user=cast.analyst_a
    )
    with pytest.raises(ActionRefused, match="before closing"):
        concern_close(concern=concern, user=cast.lead_a)
    with pytest.raises(InputRejected) as refused:
        concern_assess(
            concern=concern,
            assessment={**ASSESSED, "maturity": ""},
            outcome="",
            outcome_reason="",
            user=cast.lead_a,
        )
    assert set(refused.value.problems) == {"maturity", "outcome", "outcome_reason"}
    concern = concern_assess(
        concern=concern,
        assessment=ASSESSED,
        outcome=ConcernOutcome.ICS_SUPPORT,
        outcome_reason="The ICS's elective programme covers it.",
        user=cast.lead_a,
    )
    assert concern.get_outcome_display() == "Support through the ICS"
    concern_close(concern=concern, user=cast.lead_a)
    actions = list(
        LensEvent.objects.filter(subject_id=concern.pk)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["concern_opened", "concern_assessed", "concern_closed"]


def test_concerns_are_seen_by_overseers_only(registry, cast):
    concern_open(organisation=registry.trust_a1, title="Finance", user=cast.lead_a)
    for user in (cast.national, cast.lead_a, cast.analyst_a, cast.ics_lead):
        assert concerns_visible(user).count() == 1
    for user in (cast.lead_b, cast.submitter, cast.approver, cast.sid, cast.outsider):
        assert concerns_visible(user).count() == 0
    with pytest.raises(NotPermitted):
        concern_open(organisation=registry.trust_a1, title="x", user=cast.ics_lead)
    with pytest.raises(NotFound):
        concern_open(organisation=registry.trust_a1, title="x", user=cast.lead_b)


# --- meetings ------------------------------------------------------------------------------------


def _meeting(registry, cast, **overrides):
    ics_body = registry.system_a1.organisations.get(kind="ics")
    return meeting_record(
        organisation=overrides.pop("organisation", ics_body),
        details=MeetingInput(
            held_on=date(2021, 11, 3),
            attendees="Regional director; ICS chief executive",
            notes="Agreed elective recovery trajectory.",
            internal_notes="Consider mandated support if no progress by Q4.",
        ),
        agenda=[AgendaInput(title="Elective recovery"), AgendaInput(title="Finance")],
        actions=overrides.pop(
            "actions",
            [ActionInput("Send revised trajectory", cast.ics_lead, date(2021, 11, 30))],
        ),
        user=overrides.pop("user", cast.lead_a),
    )


def test_a_meeting_is_recorded_with_agenda_and_actions_for_their_owner(registry, cast):
    meeting = _meeting(registry, cast)
    assert [item.title for item in meeting.agenda.all()] == ["Elective recovery", "Finance"]
    assert [a.description for a in actions_of(cast.ics_lead)] == ["Send revised trajectory"]
    assert actions_of(cast.lead_a).count() == 0
    event = LensEvent.objects.get(action=LensAction.MEETING)
    assert event.detail["actions"][0]["owner"] == cast.ics_lead.email


def test_internal_notes_are_for_the_oversight_team_only(registry, cast):
    meeting = _meeting(registry, cast)
    body = meeting.organisation
    assert sees_internal_notes(cast.lead_a, body)
    assert sees_internal_notes(cast.national, body)
    assert not sees_internal_notes(cast.ics_lead, body)
    assert meetings_visible(cast.ics_lead).count() == 1
    for user in (cast.lead_b, cast.submitter, cast.outsider):
        assert meetings_visible(user).count() == 0


def test_an_action_owner_must_see_the_meeting(registry, cast):
    with pytest.raises(InputRejected, match="not complete") as refused:
        _meeting(registry, cast, actions=[ActionInput("x", cast.lead_b, date(2021, 12, 1))])
    assert refused.value.problems["actions"] == [
        f"Action 1: {cast.lead_b.email} cannot see meetings with System A1."
    ]


def test_an_action_is_done_by_its_owner_once(registry, cast):
    _meeting(
        registry,
        cast,
        organisation=registry.trust_a1,
        actions=[ActionInput("Board paper on waits", cast.submitter, date(2021, 12, 1))],
    )
    action = MeetingAction.objects.get()
    assert meetings_visible(cast.submitter).count() == 1
    with pytest.raises(NotFound):
        meeting_action_done(action=action, user=cast.lead_b)
    with pytest.raises(NotPermitted):
        meeting_action_done(action=action, user=cast.ics_lead)
    meeting_action_done(action=action, user=cast.submitter)
    assert actions_of(cast.submitter).count() == 0
    with pytest.raises(ActionRefused):
        meeting_action_done(action=action, user=cast.submitter)


# --- across ICSs ---------------------------------------------------------------------------------


def test_each_ics_a_trust_serves_sees_it_and_its_lead_is_named(registry, cast):
    from accounts.roles import Role
    from accounts.scope import role_grant
    from tests.factories import UserFactory

    ics_b1 = UserFactory(email="ics.b1@nhs.test")
    role_grant(user=ics_b1, role=Role.ICS_LEAD, node=registry.system_b1)
    assert not bodies_overseen(ics_b1).filter(pk=registry.trust_a1.pk).exists()
    oversight_across_set(
        organisation=registry.trust_a1,
        lead=registry.system_a1,
        served=[registry.system_b1, registry.system_a1],
        user=cast.lead_a,
    )
    assert bodies_overseen(ics_b1).filter(pk=registry.trust_a1.pk).exists()
    assert lead_system(registry.trust_a1) == registry.system_a1
    concern_open(organisation=registry.trust_a1, title="Handover delays", user=cast.lead_a)
    assert concerns_visible(ics_b1).count() == 1
    assert LensEvent.objects.get(action=LensAction.ACROSS_SYSTEMS).detail == {
        "lead": "QA1",
        "served": ["QB1"],
    }


def test_a_local_metric_is_never_removed_by_a_catalogue_load(registry, cast):
    from metrics.catalogue.loading import catalogue_load

    edition = _edition()
    local_metric_add(
        system=registry.system_a1,
        edition=edition,
        code="A1-L1",
        name="Local",
        unit="%",
        polarity="higher_better",
        user=cast.lead_a,
    )
    header = (
        "code,name,theme,applies_to,polarity,unit,value_type,frequency,quarter_basis,valid_min,"
        "valid_max,standard,floor,score_map,weight,scored,definition,source\n"
    )
    row = (
        "X1,Thing,local_strategic_priorities,ics,higher_better,%,percentage,quarterly,"
        ",,,,,,1,yes,,\n"
    )
    catalogue_load(edition_code="sof-lens", csv_text=header + row, actor=cast.national)
    assert Metric.objects.filter(edition=edition, code="A1-L1").exists()
