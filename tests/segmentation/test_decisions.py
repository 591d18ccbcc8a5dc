"""Regional decisions: record, four eyes, send back, ICS leads' views, publication and its lock,
notifications once — the operations every route calls (segmentation.decisions and friends)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from oversight.errors import ActionRefused, InputRejected, NotFound, NotPermitted
from segmentation.decisions import Judgement, decision_confirm, decision_record, decision_send_back
from segmentation.models import Notification, Publication, SegmentationEvent, SegmentDecision
from segmentation.notifications import notifications_email
from segmentation.publication import publication_publish, publication_status
from segmentation.signals import decision_confirmed, decision_sent_back, segmentation_published
from segmentation.system_views import system_view_record, views_request
from tests.conftest import AuditLines, Cast, Registry
from tests.metrics.results_data import Picture

pytestmark = pytest.mark.django_db

AGREE = Judgement()


def record(picture: Picture, user, code: str = "RA1", segment: int = 3, **judgement):
    return decision_record(
        organisation=picture.bodies.get(code) or _body(code),
        period=picture.latest,
        segment=segment,
        judgement=Judgement(**judgement),
        user=user,
    )


def _body(code: str):
    from oversight.models import Organisation

    return Organisation.objects.get(ods_code=code)


class Received:
    """Collects what a signal carried (connected for one test)."""

    def __init__(self, signal) -> None:
        self.calls: list[dict] = []
        self.signal = signal
        signal.connect(self, weak=False)

    def __call__(self, sender, **kwargs) -> None:
        kwargs.pop("signal", None)
        self.calls.append(kwargs)

    def close(self) -> None:
        self.signal.disconnect(self)


@pytest.fixture
def confirmed_signal():
    received = Received(decision_confirmed)
    yield received
    received.close()


# --- record --------------------------------------------------------------------------------


def test_a_lead_records_the_proposed_segment_and_the_other_lead_is_told(
    picture: Picture, cast: Cast, lead_a2, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        decision = record(picture, cast.lead_a, capability="Strong board", system_context="ICS")
    assert (decision.state, decision.segment, decision.proposed_segment) == ("recorded", 3, 3)
    assert decision.proposal_run_id == picture.latest_run.pk
    assert "dramatic_drop" in decision.proposal_criteria_met
    assert not decision.differs_from_proposal
    notes = Notification.objects.filter(event=f"decision:{decision.pk}:recorded")
    assert [n.recipient for n in notes] == [lead_a2]  # never the recorder
    assert notes[0].kind == "awaiting_confirmation"
    assert notes[0].url == "/segmentation/2021-22-q3/bodies/RA1/"
    event = SegmentationEvent.objects.get(decision=decision)
    assert (event.action, event.actor) == ("decision_recorded", cast.lead_a)


def test_a_segment_other_than_the_proposal_needs_a_rationale(picture: Picture, cast: Cast):
    with pytest.raises(InputRejected) as refused:
        record(picture, cast.lead_a, segment=2)
    assert refused.value.problems == {
        "rationale": ["Give the rationale: the decision differs from the proposed segment (3)."]
    }
    decision = record(picture, cast.lead_a, segment=2, rationale="Recovering: new A&E lead.")
    assert decision.differs_from_proposal


@pytest.mark.parametrize(
    ("segment", "problem"),
    [(0, "Choose a segment from 1 to 4."), (5, "Choose a segment from 1 to 4.")],
)
def test_segments_outside_the_method_are_refused(picture, cast, segment, problem):
    with pytest.raises(InputRejected) as refused:
        record(picture, cast.lead_a, segment=segment, rationale="x")
    assert refused.value.problems["segment"] == [problem]


def test_an_ics_in_segment_1_needs_both_judgement_items(picture: Picture, cast: Cast):
    with pytest.raises(InputRejected) as refused:
        record(picture, cast.lead_a, "QA1", segment=1, rationale="Strong", tackling_variation=True)
    assert set(refused.value.problems) == {"four_purposes"}
    decision = record(
        picture,
        cast.lead_a,
        "QA1",
        segment=1,
        rationale="Strong",
        tackling_variation=True,
        four_purposes=True,
    )
    assert decision.four_purposes is True


@pytest.mark.parametrize(
    ("member", "error"),
    [
        ("analyst_a", NotPermitted),  # oversees region A, may not decide
        ("ics_lead", NotPermitted),
        ("observer", NotFound),  # region B
        ("lead_b", NotFound),
        ("submitter", NotFound),  # RA1's own user: not an overseer
        ("outsider", NotFound),
    ],
)
def test_only_the_regions_leads_record(picture: Picture, cast: Cast, member, error):
    with pytest.raises(error):
        record(picture, getattr(cast, member))
    assert not SegmentDecision.objects.exists()


def test_one_open_decision_per_body_and_quarter(picture: Picture, cast: Cast, lead_a2):
    record(picture, cast.lead_a)
    with pytest.raises(ActionRefused, match="is awaiting confirmation: send it back"):
        record(picture, lead_a2)
    # The database holds the rule too.
    first = SegmentDecision.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        SegmentDecision.objects.create(
            organisation=first.organisation,
            period=first.period,
            method=first.method,
            segment=2,
            recorded_by=lead_a2,
        )


# --- four eyes -------------------------------------------------------------------------------


def test_the_recorder_cannot_confirm_a_second_lead_does(
    picture: Picture, cast: Cast, lead_a2, confirmed_signal, django_capture_on_commit_callbacks
):
    decision = record(picture, cast.lead_a)
    with pytest.raises(ActionRefused, match="four eyes"):
        decision_confirm(decision=decision, user=cast.lead_a)
    with pytest.raises(NotPermitted):
        decision_confirm(decision=decision, user=cast.analyst_a)
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = decision_confirm(decision=decision, user=lead_a2)
    assert (confirmed.state, confirmed.confirmed_by) == ("confirmed", lead_a2)
    assert confirmed_signal.calls == [
        {
            "decision_id": decision.pk,
            "organisation_id": decision.organisation_id,
            "period_id": picture.latest.pk,
            "segment": 3,
            "previous_segment": None,
        }
    ]
    with pytest.raises(ActionRefused, match="only a decision awaiting confirmation"):
        decision_confirm(decision=decision, user=cast.national)


def test_the_database_refuses_a_self_confirmed_decision(picture: Picture, cast: Cast):
    decision = record(picture, cast.lead_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        SegmentDecision.objects.filter(pk=decision.pk).update(
            state="confirmed", confirmed_by=cast.lead_a
        )


def test_either_lead_sends_back_with_a_reason(
    picture: Picture, cast: Cast, lead_a2, django_capture_on_commit_callbacks
):
    decision = record(picture, cast.lead_a)
    with pytest.raises(InputRejected):
        decision_send_back(decision=decision, reason=" ", user=lead_a2)
    received = Received(decision_sent_back)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            back = decision_send_back(
                decision=decision, reason="Check the finance data.", user=lead_a2
            )
    finally:
        received.close()
    assert (back.state, back.sent_back_reason) == ("sent_back", "Check the finance data.")
    assert received.calls == [{"decision_id": decision.pk, "was_confirmed": False}]
    (note,) = Notification.objects.filter(kind="sent_back")
    assert note.recipient == cast.lead_a
    assert "Check the finance data." in note.body
    with pytest.raises(ActionRefused, match="sent back already"):
        decision_send_back(decision=decision, reason="again", user=cast.lead_a)
    # A new decision may now be recorded; the recorder may withdraw their own.
    again = record(picture, lead_a2)
    decision_send_back(decision=again, reason="Recorded too early.", user=lead_a2)
    assert Notification.objects.filter(kind="sent_back").count() == 1  # told nobody: own


# --- ICS leads' views ------------------------------------------------------------------------


def test_the_ics_lead_records_views_before_the_decision(picture: Picture, cast: Cast, lead_a2):
    ra1 = picture.bodies["RA1"]
    view = system_view_record(
        organisation=ra1,
        period=picture.latest,
        text="Agree: A&E needs support.",
        suggested_segment=3,
        user=cast.ics_lead,
    )
    decision = record(picture, cast.lead_a)
    assert decision.system_view == view  # the view in front of the reviewer
    decision_confirm(decision=decision, user=lead_a2)
    with pytest.raises(ActionRefused, match="views are recorded before the regional decision"):
        system_view_record(
            organisation=ra1,
            period=picture.latest,
            text="Late",
            suggested_segment=None,
            user=cast.ics_lead,
        )


@pytest.mark.parametrize(
    ("member", "code", "error"),
    [
        ("ics_lead", "QA1", ActionRefused),  # the ICS itself
        ("ics_lead", "RA3", NotFound),  # system A2: not theirs
        ("lead_a", "RA1", NotPermitted),  # regional leads decide; ICS leads give views
        ("outsider", "RA1", NotFound),
    ],
)
def test_views_are_the_ics_leads_on_their_organisations(picture, cast, member, code, error):
    with pytest.raises(error):
        system_view_record(
            organisation=_body(code),
            period=picture.latest,
            text="View",
            suggested_segment=None,
            user=getattr(cast, member),
        )


def test_a_view_needs_words_and_a_segment_of_the_method(picture: Picture, cast: Cast):
    with pytest.raises(InputRejected) as refused:
        system_view_record(
            organisation=picture.bodies["RA1"],
            period=picture.latest,
            text=" ",
            suggested_segment=7,
            user=cast.ics_lead,
        )
    assert set(refused.value.problems) == {"text", "suggested_segment"}


def test_asking_for_views_tells_the_ics_lead_once(
    picture: Picture, cast: Cast, registry: Registry, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = views_request(system=registry.system_a1, period=picture.latest, user=cast.lead_a)
        again = views_request(system=registry.system_a1, period=picture.latest, user=cast.lead_a)
    assert again == first
    (note,) = Notification.objects.filter(kind="views_requested")
    assert note.recipient == cast.ics_lead
    with pytest.raises(NotPermitted):
        views_request(system=registry.system_a1, period=picture.latest, user=cast.analyst_a)
    with pytest.raises(NotFound):
        views_request(system=registry.system_a1, period=picture.latest, user=cast.lead_b)


# --- publication -----------------------------------------------------------------------------


def decide_all(
    picture: Picture, recorder, confirmer, codes=("0A1", "QA1", "QA2", "RA1", "RA2", "RA3")
):
    decisions = []
    for code in codes:
        proposed = _proposed(picture, code)
        judgement = (
            {"tackling_variation": True, "four_purposes": True} if code.startswith("Q") else {}
        )
        decision = record(picture, recorder, code, segment=proposed, **judgement)
        decisions.append(decision_confirm(decision=decision, user=confirmer))
    return decisions


def _proposed(picture: Picture, code: str) -> int:
    from segmentation.models import Proposal

    return Proposal.objects.get(organisation__ods_code=code, period=picture.latest).segment


def test_publication_needs_every_body_or_the_missing_accepted(
    picture: Picture, cast: Cast, registry: Registry, lead_a2, django_capture_on_commit_callbacks
):
    decide_all(picture, cast.lead_a, lead_a2, codes=("RA1", "RA3"))
    status = publication_status(region=registry.region_a, period=picture.latest)
    assert [d.organisation.ods_code for d in status.ready] == ["RA1", "RA3"]
    assert [o.ods_code for o, _ in status.missing] == ["0A1", "QA1", "QA2", "RA2"]
    with pytest.raises(ActionRefused, match="4 bodies have no confirmed decision"):
        publication_publish(region=registry.region_a, period=picture.latest, user=cast.lead_a)
    received = Received(segmentation_published)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            publication = publication_publish(
                region=registry.region_a,
                period=picture.latest,
                user=cast.lead_a,
                accept_missing=True,
                note="Two bodies' data still under query.",
            )
    finally:
        received.close()
    assert [m["ods_code"] for m in publication.missing] == ["0A1", "QA1", "QA2", "RA2"]
    assert set(publication.decisions.values_list("state", flat=True)) == {"published"}
    assert received.calls[0]["publication_id"] == publication.pk
    told = set(
        Notification.objects.filter(kind="published").values_list("recipient__email", flat=True)
    )
    # Region A's team (not the publisher), its ICS lead, and the published bodies' own users.
    assert told == {
        "lead.a2@nhs.test",
        "analyst.a@nhs.test",
        "ics.a1@nhs.test",
        "submitter.a1@nhs.test",
        "approver.a1@nhs.test",
        "sid.a3@nhs.test",
    }


@pytest.mark.parametrize(
    ("member", "error"), [("analyst_a", NotPermitted), ("lead_b", NotFound), ("outsider", NotFound)]
)
def test_only_the_regions_leads_publish(picture, cast, registry, lead_a2, member, error):
    decide_all(picture, cast.lead_a, lead_a2)
    with pytest.raises(error):
        publication_publish(
            region=registry.region_a, period=picture.latest, user=getattr(cast, member)
        )


def test_nothing_confirmed_nothing_to_publish(picture: Picture, cast: Cast, registry: Registry):
    record(picture, cast.lead_a)
    with pytest.raises(ActionRefused, match="no confirmed decision"):
        publication_publish(
            region=registry.region_a, period=picture.latest, user=cast.lead_a, accept_missing=True
        )


def test_published_decisions_are_locked_a_change_is_a_new_decision(
    picture: Picture, cast: Cast, registry: Registry, lead_a2
):
    decide_all(picture, cast.lead_a, lead_a2)
    publication_publish(region=registry.region_a, period=picture.latest, user=lead_a2)
    published = SegmentDecision.objects.get(organisation__ods_code="RA1")
    with pytest.raises(ActionRefused, match="Published decisions are locked"):
        decision_send_back(decision=published, reason="Oops", user=cast.lead_a)
    with pytest.raises(InputRejected) as refused:
        record(picture, cast.lead_a, segment=3)
    assert refused.value.problems == {
        "change_reason": ["Segment 3 is published for 2021-22 Q3: say why it changes."]
    }
    change = record(
        picture,
        cast.lead_a,
        segment=2,
        rationale="Turnaround confirmed by CQC.",
        change_reason="New CQC report after publication.",
    )
    assert change.supersedes == published
    decision_confirm(decision=change, user=lead_a2)
    status = publication_status(region=registry.region_a, period=picture.latest)
    assert [d.pk for d in status.ready] == [change.pk]
    second = publication_publish(region=registry.region_a, period=picture.latest, user=lead_a2)
    assert second.missing == []
    assert Publication.objects.count() == 2
    published.refresh_from_db()
    assert published.state == "published"  # history kept; the latest publication stands


# --- notifications ---------------------------------------------------------------------------


def test_each_notification_is_emailed_once(
    picture: Picture, cast: Cast, lead_a2, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://oversight.example"
    decision = record(picture, cast.lead_a)
    event = f"decision:{decision.pk}:recorded"
    assert notifications_email(event=event) == 1
    assert notifications_email(event=event) == 0  # a repeated task sends nothing again
    (mail,) = mailoutbox
    assert mail.to == ["lead.a2@nhs.test"]
    assert mail.subject == "Decision awaiting confirmation: Trust A1, 2021-22 Q3"
    assert "https://oversight.example/segmentation/2021-22-q3/bodies/RA1/" in mail.body
    assert Notification.objects.get(event=event).emailed_at is not None


def test_an_event_is_never_told_twice(picture: Picture, cast: Cast, lead_a2):
    from segmentation.notifications import notify

    args = {
        "kind": "published",
        "event": "publication:test",
        "subject": "S",
        "body": "B",
        "url": "/",
    }
    assert notify(recipients={lead_a2.pk, cast.lead_a.pk}, **args) == 2
    assert notify(recipients={lead_a2.pk, cast.lead_a.pk, cast.national.pk}, **args) == 1
    assert Notification.objects.filter(event="publication:test").count() == 3


def test_a_failed_email_is_retried_not_lost(picture: Picture, cast: Cast, lead_a2, monkeypatch):
    decision = record(picture, cast.lead_a)
    event = f"decision:{decision.pk}:recorded"

    def broken(**kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr("segmentation.notifications.send_mail", broken)
    with pytest.raises(OSError, match="SMTP down"):
        notifications_email(event=event)
    assert Notification.objects.get(event=event).emailed_at is None  # claim undone


def test_each_step_of_a_decision_is_a_line_of_the_audit_log(
    picture: Picture, cast: Cast, lead_a2, audit_lines: AuditLines
) -> None:
    decision = record(picture, cast.lead_a)
    decision_confirm(decision=decision, user=lead_a2)

    assert [
        (line["user"], line["object"], line["detail"]["action"])
        for line in audit_lines.events("decision")
    ] == [
        (cast.lead_a.pk, f"segment_decision:{decision.pk}", "decision_recorded"),
        (lead_a2.pk, f"segment_decision:{decision.pk}", "decision_confirmed"),
    ]
