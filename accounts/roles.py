"""The roles of DESIGN.md "Tenancy and permissions": what each may do, and at which level."""

from __future__ import annotations

from enum import StrEnum

from django.db import models


class Level(StrEnum):
    NATIONAL = "national"
    REGION = "region"
    SYSTEM = "system"
    ORGANISATION = "organisation"


class Role(models.TextChoices):
    NATIONAL_ADMIN = "national_admin", "National admin"
    NATIONAL_ANALYST = "national_analyst", "National analyst"
    REGIONAL_LEAD = "regional_lead", "Regional lead"
    REGIONAL_ANALYST = "regional_analyst", "Regional analyst"
    ICS_LEAD = "ics_lead", "ICS lead"
    ORGANISATION_SUBMITTER = "organisation_submitter", "Organisation submitter"
    ORGANISATION_APPROVER = "organisation_approver", "Organisation approver"
    SID = "sid", "System Improvement Director"
    OBSERVER = "observer", "Read-only observer"


# Actions are permission codenames on every scope node (see oversight.models.ScopeNode);
# "view" stands for the model's own view_<model> permission.
VIEW = "view"
SUBMIT_RETURN = "submit_return"
SIGN_OFF_RETURN = "sign_off_return"
REVIEW_RETURN = "review_return"
REOPEN_RETURN = "reopen_return"
DECIDE_SEGMENT = "decide_segment"
PUBLISH_SEGMENTATION = "publish_segmentation"
RECORD_SYSTEM_VIEW = "record_system_view"
OPEN_CASE = "open_case"
RUN_OVERSIGHT = "run_oversight"
EDIT_REGISTRY = "edit_registry"
EDIT_CATALOGUE = "edit_catalogue"
ACTIONS = (
    VIEW,
    SUBMIT_RETURN,
    SIGN_OFF_RETURN,
    REVIEW_RETURN,
    REOPEN_RETURN,
    DECIDE_SEGMENT,
    PUBLISH_SEGMENTATION,
    RECORD_SYSTEM_VIEW,
    OPEN_CASE,
    RUN_OVERSIGHT,
    EDIT_REGISTRY,
    EDIT_CATALOGUE,
)

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.NATIONAL_ADMIN: frozenset(ACTIONS),
    Role.NATIONAL_ANALYST: frozenset({VIEW, REVIEW_RETURN}),
    Role.REGIONAL_LEAD: frozenset(
        {
            VIEW,
            REVIEW_RETURN,
            REOPEN_RETURN,
            DECIDE_SEGMENT,
            PUBLISH_SEGMENTATION,
            OPEN_CASE,
            RUN_OVERSIGHT,
        }
    ),
    Role.REGIONAL_ANALYST: frozenset({VIEW, REVIEW_RETURN, RUN_OVERSIGHT}),
    Role.ICS_LEAD: frozenset({VIEW, RECORD_SYSTEM_VIEW}),
    Role.ORGANISATION_SUBMITTER: frozenset({VIEW, SUBMIT_RETURN}),
    Role.ORGANISATION_APPROVER: frozenset({VIEW, SIGN_OFF_RETURN}),
    Role.SID: frozenset({VIEW}),
    Role.OBSERVER: frozenset({VIEW}),
}

ROLE_LEVELS: dict[str, frozenset[Level]] = {
    Role.NATIONAL_ADMIN: frozenset({Level.NATIONAL}),
    Role.NATIONAL_ANALYST: frozenset({Level.NATIONAL}),
    Role.REGIONAL_LEAD: frozenset({Level.REGION}),
    Role.REGIONAL_ANALYST: frozenset({Level.REGION}),
    Role.ICS_LEAD: frozenset({Level.SYSTEM}),
    Role.ORGANISATION_SUBMITTER: frozenset({Level.ORGANISATION}),
    Role.ORGANISATION_APPROVER: frozenset({Level.ORGANISATION}),
    Role.SID: frozenset({Level.ORGANISATION, Level.SYSTEM}),
    Role.OBSERVER: frozenset(Level),
}
