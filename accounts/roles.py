"""The roles of DESIGN.md "Tenancy and permissions": what each may do, and at which level."""

from __future__ import annotations

from dataclasses import dataclass
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


def roles_with(action: str) -> tuple[str, ...]:
    """The roles whose holders may do `action` (over their scope), in the order of `Role`."""
    return tuple(role for role in Role.values if action in ROLE_ACTIONS[role])


# --- the policy as people read it: every operation, the action it needs ------------------------


@dataclass(frozen=True)
class Operation:
    """One thing a user does in the service, the action (above) it needs over the body, and the
    rule about the particular object that applies on top, if any."""

    name: str
    action: str
    also: str = ""


OPERATIONS: tuple[Operation, ...] = (
    Operation("See bodies, returns, results, runs and published segments", VIEW),
    Operation("Upload a return (submit a version)", SUBMIT_RETURN),
    Operation("Sign off a return", SIGN_OFF_RETURN, "not the version's uploader"),
    Operation("Accept a return", REVIEW_RETURN),
    Operation("Send a return back", REVIEW_RETURN),
    Operation("Reopen a return or a closed quarter for a body", REOPEN_RETURN),
    Operation("Record an SPC rebase of a body's series", REVIEW_RETURN),
    Operation("Edit the metric catalogue, create quarters", EDIT_CATALOGUE, "national"),
    Operation("Record a segment decision", DECIDE_SEGMENT),
    Operation("Confirm or send back a segment decision", DECIDE_SEGMENT, "not its recorder"),
    Operation("Publish a region's segmentation", PUBLISH_SEGMENTATION),
    Operation("Record an ICS lead's view on a segment", RECORD_SYSTEM_VIEW),
    Operation("Open a support case, appoint its lead, exit it", OPEN_CASE),
    Operation(
        "Work a case (stocktake, plan, criteria, reviews, notes)",
        OPEN_CASE,
        "and the case's own lead (a SID)",
    ),
    Operation("Record ICS agreements, reviews, concerns, meetings", RUN_OVERSIGHT),
    Operation("Edit the registry, give and take roles", EDIT_REGISTRY, "national"),
)

YES, NO = "yes", "no"


def may(role: str, action: str) -> bool:
    """Does the role carry the action? The one question every operation asks (through
    `accounts.scope.can`/`require`, which add where the role is held)."""
    return action in ROLE_ACTIONS[role]


def policy_rows() -> list[tuple[Operation, tuple[bool, ...]]]:
    """The table of operation x role, in the order of `OPERATIONS` and `Role`."""
    return [(op, tuple(may(role, op.action) for role in Role.values)) for op in OPERATIONS]


def policy_markdown() -> str:
    """The table as Markdown, as the README's "Who may do what" prints it."""
    head = ["operation", *(Role(role).label for role in Role.values), "also"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for op, allowed in policy_rows():
        cells = [op.name, *(YES if each else NO for each in allowed), op.also]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
