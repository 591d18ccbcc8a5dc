"""Regional decisions (four eyes), ICS leads' views, publications and the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from metrics.models.calculation import CalculationRun
from metrics.models.catalogue import Period
from oversight.models import Organisation, Region, System
from segmentation.models.methods import SegmentationMethod
from segmentation.models.proposals import Proposal

USER = settings.AUTH_USER_MODEL


class DecisionState(models.TextChoices):
    RECORDED = "recorded", "Awaiting confirmation"
    CONFIRMED = "confirmed", "Confirmed"
    SENT_BACK = "sent_back", "Sent back"
    PUBLISHED = "published", "Published"


OPEN_STATES = (DecisionState.RECORDED, DecisionState.CONFIRMED)


class SystemView(models.Model):
    """An ICS lead's view on the segmentation of one of their system's organisations."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    suggested_segment = models.PositiveSmallIntegerField(null=True, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["period", "organisation"])]

    def __str__(self) -> str:
        return f"View on body {self.organisation_id}, quarter {self.period_id}"


class ViewRequest(models.Model):
    """A region's request to an ICS lead for views on their organisations' proposals."""

    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["system", "period"], name="one_view_request")
        ]

    def __str__(self) -> str:
        return f"Views asked of system {self.system_id}, quarter {self.period_id}"


class Publication(models.Model):
    """A region's confirmed decisions for a quarter, published together by a regional lead."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    published_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)
    missing = models.JSONField(
        default=list,
        blank=True,
        help_text="Bodies without a confirmed decision, accepted explicitly: [{ods_code, name}]",
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return f"Publication {self.pk} of region {self.region_id}, quarter {self.period_id}"


class SegmentDecision(models.Model):
    """The region's decided segment of a body for a quarter (DESIGN.md "Regional review").

    Recorded by a regional lead, confirmed by another (never the recorder: four eyes), or sent
    back by either with a reason; published with the region's other confirmed decisions, and
    locked from then on: a change is a new decision that ``supersedes`` it, with its reason.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    method = models.ForeignKey(SegmentationMethod, on_delete=models.PROTECT, related_name="+")
    # The proposal in front of the reviewer, as it was: proposals are recomputed in place.
    proposal = models.ForeignKey(
        Proposal, on_delete=models.SET_NULL, null=True, blank=True, related_name="decisions"
    )
    proposed_segment = models.PositiveSmallIntegerField(null=True, blank=True)
    proposal_run = models.ForeignKey(
        CalculationRun, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    proposal_criteria_met = models.JSONField(default=list, blank=True)
    segment = models.PositiveSmallIntegerField()
    rationale = models.TextField(blank=True)
    capability = models.TextField(blank=True, help_text="Capability and capacity to improve")
    system_context = models.TextField(blank=True)
    tackling_variation = models.BooleanField(
        null=True, blank=True, help_text="ICSs: tackles unwarranted variation (judgement)"
    )
    four_purposes = models.BooleanField(
        null=True, blank=True, help_text="ICSs: capability against the four purposes (judgement)"
    )
    system_view = models.ForeignKey(
        SystemView, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    state = models.CharField(
        max_length=12, choices=DecisionState.choices, default=DecisionState.RECORDED
    )
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    sent_back_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_back_at = models.DateTimeField(null=True, blank=True)
    sent_back_reason = models.TextField(blank=True)
    publication = models.ForeignKey(
        Publication, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions"
    )
    supersedes = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    change_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["period", "organisation", "state"])]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "period"],
                condition=Q(state__in=["recorded", "confirmed"]),
                name="one_open_decision",
            ),
            models.CheckConstraint(
                name="four_eyes",
                condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=F("recorded_by")),
            ),
            models.CheckConstraint(
                name="decided_segment_1_to_5", condition=Q(segment__gte=1, segment__lte=5)
            ),
            models.CheckConstraint(
                name="published_with_publication",
                condition=~Q(state="published") | Q(publication__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Decision {self.pk}: segment {self.segment} ({self.get_state_display()})"

    @property
    def differs_from_proposal(self) -> bool:
        return self.proposed_segment != self.segment


class SegmentationEvent(models.Model):
    """The audit trail: who did what to segmentation, when, with what detail."""

    class Action(models.TextChoices):
        PROPOSALS_COMPUTED = "proposals_computed", "Proposals computed"
        DECISION_RECORDED = "decision_recorded", "Decision recorded"
        DECISION_CONFIRMED = "decision_confirmed", "Decision confirmed"
        DECISION_SENT_BACK = "decision_sent_back", "Decision sent back"
        VIEW_RECORDED = "view_recorded", "ICS lead's view recorded"
        VIEWS_REQUESTED = "views_requested", "ICS lead's views asked for"
        PUBLISHED = "published", "Segmentation published"
        METHOD_CHANGED = "method_changed", "Method parameters changed"

    action = models.CharField(max_length=30, choices=Action.choices)
    actor = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision = models.ForeignKey(
        SegmentDecision, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    run = models.ForeignKey(
        CalculationRun, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["period", "organisation"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"
