"""The models of rsp; Django loads this module. Import from the part's module."""

from rsp.models.cases import (
    Case,
    CaseGroupObjectPermission,
    CaseRoute,
    CaseState,
    CaseUserObjectPermission,
)
from rsp.models.criteria import Comparator, CriterionStatus, ExitCriterion
from rsp.models.events import CaseDocument, CaseEvent, CaseNote, DocumentKind
from rsp.models.plan import Action, ActionStatus, Milestone, Rag, Workstream
from rsp.models.programmes import LeadKind, Programme
from rsp.models.reviews import ReviewKind, ReviewMeeting
from rsp.models.stocktake import RootCause, Stocktake, Theme

__all__ = [
    "Action",
    "ActionStatus",
    "Case",
    "CaseDocument",
    "CaseEvent",
    "CaseGroupObjectPermission",
    "CaseNote",
    "CaseRoute",
    "CaseState",
    "CaseUserObjectPermission",
    "Comparator",
    "CriterionStatus",
    "DocumentKind",
    "ExitCriterion",
    "LeadKind",
    "Milestone",
    "Programme",
    "Rag",
    "ReviewKind",
    "ReviewMeeting",
    "RootCause",
    "Stocktake",
    "Theme",
    "Workstream",
]
