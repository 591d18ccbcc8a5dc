"""The system lens's models, by what they record. Import from the part's module."""

from systemlens.models.across import ServedSystem
from systemlens.models.agreements import (
    Agreement,
    AgreementReview,
    AgreementVersion,
    Priority,
    ReviewRating,
)
from systemlens.models.concerns import ASSESSMENT, Concern, ConcernOutcome
from systemlens.models.events import LensAction, LensEvent
from systemlens.models.meetings import AgendaItem, Meeting, MeetingAction
from systemlens.models.rollups import Population, SystemRollup

__all__ = [
    "ASSESSMENT",
    "AgendaItem",
    "Agreement",
    "AgreementReview",
    "AgreementVersion",
    "Concern",
    "ConcernOutcome",
    "LensAction",
    "LensEvent",
    "Meeting",
    "MeetingAction",
    "Population",
    "Priority",
    "ReviewRating",
    "ServedSystem",
    "SystemRollup",
]
