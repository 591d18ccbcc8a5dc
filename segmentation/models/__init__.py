"""The models of segmentation; Django loads this module. Import from the part's module."""

from segmentation.models.decisions import (
    OPEN_STATES,
    DecisionState,
    Publication,
    SegmentationEvent,
    SegmentDecision,
    SystemView,
    ViewRequest,
)
from segmentation.models.methods import SegmentationMethod, SupportProgramme
from segmentation.models.notifications import Notification, NotificationKind
from segmentation.models.proposals import CriterionStatus, Proposal, SupportEntry

__all__ = [
    "OPEN_STATES",
    "CriterionStatus",
    "DecisionState",
    "Notification",
    "NotificationKind",
    "Proposal",
    "Publication",
    "SegmentDecision",
    "SegmentationEvent",
    "SegmentationMethod",
    "SupportEntry",
    "SupportProgramme",
    "SystemView",
    "ViewRequest",
]
