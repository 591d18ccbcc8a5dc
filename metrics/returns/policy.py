"""Who may do what to a return, and when: permissions, the submission window, refusals with
their reasons, and the next actions a page or the API offers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    Count,
)
from django.utils import timezone

from accounts.models import User
from accounts.roles import REOPEN_RETURN, REVIEW_RETURN, SIGN_OFF_RETURN, SUBMIT_RETURN
from accounts.scope import can, organisations_visible_to, require
from metrics.catalogue.periods import WindowStatus, window_status
from metrics.models.catalogue import Period
from metrics.models.returns import (
    Finding,
    Reopening,
    Return,
    ReturnState,
    ReturnVersion,
    Severity,
)
from metrics.returns.context import FindingData
from oversight.errors import ActionRefused
from oversight.models import Organisation

HISTORY_QUARTERS = 12


class ReturnActionRefused(ActionRefused):
    """An action the return's state or window does not allow now; says why (409). What the
    user's role does not allow is ``NotPermitted`` (403), raised by ``require_permission``."""


class ReturnRejected(Exception):
    """The file has blocking findings: nothing was stored."""

    def __init__(self, findings: Sequence[FindingData]) -> None:
        self.findings = list(findings)
        blocking = sum(1 for f in findings if f.severity == Severity.BLOCKING)
        super().__init__(f"The file has {blocking} problem(s) to fix before it can be submitted")


# --- windows and permissions -----------------------------------------------------------------


def active_reopening(return_record: Return | None, now: datetime | None = None) -> Reopening | None:
    if return_record is None:
        return None
    now = now or timezone.now()
    return return_record.reopenings.filter(expires_at__gt=now).order_by("-expires_at").first()


def return_window(return_record: Return | None, period: Period) -> WindowStatus:
    reopening = active_reopening(return_record)
    return window_status(
        period, timezone.localdate(), reopened_until=reopening.expires_at if reopening else None
    )


def require_permission(user: User, action: str, organisation: Organisation, what: str) -> None:
    """The one permission rule of returns, for pages, API, bulk upload and commands alike:
    NotFound outside the user's scope, NotPermitted ("may not <what>") within it."""
    require(user, action, organisation, what)


def upload_refusal(
    return_record: Return | None, period: Period, reopening: Reopening | None
) -> str:
    """Why no version can be uploaded now ("" when one can), given the active reopening."""
    window = window_status(
        period, timezone.localdate(), reopened_until=reopening.expires_at if reopening else None
    )
    if not window.accepts_returns:
        return window.reason
    accepted = return_record is not None and return_record.state == ReturnState.ACCEPTED
    if accepted and reopening is None:
        return (
            f"The {period.label} return has been accepted and is locked. "
            "Ask your regional team to reopen it if a value must change."
        )
    return ""


class SignOffWouldBeCancelled(ReturnActionRefused):
    """A new version over a signed-off return cancels its sign-off: the uploader must say they
    mean it first (the page's confirmation, the API's ``cancel_sign_off``, the bulk command's
    ``--cancel-sign-offs``). Nothing was stored."""

    code = "cancels_sign_off"


def sign_off_cancelling(return_record: Return | None) -> str:
    """What uploading a new version now would cancel, in words ("" when nothing): the one
    warning the preview page, the API and the bulk upload all give."""
    if return_record is None or return_record.state != ReturnState.SIGNED_OFF:
        return ""
    version = return_record.current_version
    if version is None:
        return ""
    by = f" by {version.signed_off_by.email}" if version.signed_off_by else ""
    return (
        f"Version {version.number} of this return was signed off{by}. A new version cancels "
        "that sign-off: the new version must be signed off again before the region can "
        "accept it."
    )


def require_uploadable(return_record: Return | None, period: Period) -> None:
    refusal = upload_refusal(return_record, period, active_reopening(return_record))
    if refusal:
        raise ReturnActionRefused(refusal)


def require_sign_off_cancel_confirmed(return_record: Return | None, confirmed: bool) -> None:
    """A new version over a signed-off return only with the uploader's confirmation that it
    cancels the sign-off (an identical file makes no version and cancels nothing)."""
    cancelling = sign_off_cancelling(return_record)
    if cancelling and not confirmed:
        raise SignOffWouldBeCancelled(cancelling + " Confirm that you want to cancel it.")


def current_version_of(return_record: Return) -> ReturnVersion:
    if return_record.current_version is None:
        raise ReturnActionRefused("This return has no version yet.")
    return return_record.current_version


# --- what may happen next --------------------------------------------------------------------


@dataclass(frozen=True)
class NextAction:
    action: str  # upload | justify | sign_off | accept | send_back | reopen
    label: str
    allowed: bool
    reason: str = ""


@dataclass(frozen=True)
class ActionFacts:
    """What deciding the next actions needs beyond the return: fetched one by one for a page
    about one return (`action_facts`), or for a whole list at once (`next_actions_many`)."""

    may_submit: bool
    may_sign_off: bool
    may_review: bool
    may_reopen: bool
    reopening: Reopening | None
    unjustified: int


def action_facts(
    *, organisation: Organisation, return_record: Return | None, user: User
) -> ActionFacts:
    return ActionFacts(
        may_submit=can(user, SUBMIT_RETURN, organisation),
        may_sign_off=can(user, SIGN_OFF_RETURN, organisation),
        may_review=can(user, REVIEW_RETURN, organisation),
        may_reopen=can(user, REOPEN_RETURN, organisation),
        reopening=active_reopening(return_record),
        unjustified=unjustified_count(return_record),
    )


def next_actions(
    *,
    organisation: Organisation,
    period: Period,
    return_record: Return | None,
    user: User,
    facts: ActionFacts | None = None,
) -> list[NextAction]:
    """What this user may do next on this return, and why not where they may not."""
    if facts is None:
        facts = action_facts(organisation=organisation, return_record=return_record, user=user)
    state = return_record.state if return_record else None
    actions: list[NextAction] = []
    refusal = upload_refusal(return_record, period, facts.reopening)
    if facts.may_submit:
        actions.append(NextAction("upload", "Upload a new version", not refusal, refusal))
    unjustified = facts.unjustified
    if state == ReturnState.SUBMITTED and unjustified and (facts.may_submit or facts.may_sign_off):
        actions.append(NextAction("justify", f"Justify {unjustified} warning(s)", True))
    if facts.may_sign_off and state == ReturnState.SUBMITTED:
        assert return_record is not None
        version = return_record.current_version
        if version is not None and version.uploaded_by_id == user.pk:
            actions.append(NextAction("sign_off", "Sign off", False, "You uploaded this version."))
        elif unjustified:
            actions.append(
                NextAction("sign_off", "Sign off", False, "Justify every warning first.")
            )
        else:
            actions.append(NextAction("sign_off", "Sign off", True))
    if facts.may_review and state == ReturnState.SIGNED_OFF:
        actions += [
            NextAction("accept", "Accept", True),
            NextAction("send_back", "Send back", True),
        ]
    if facts.may_reopen and facts.reopening is None:
        window = window_status(period, timezone.localdate())
        if state == ReturnState.ACCEPTED or not window.accepts_returns:
            actions.append(NextAction("reopen", "Reopen for this body", True))
    return actions


def next_actions_many(
    *, items: Sequence[tuple[Organisation, Period, Return | None]], user: User
) -> list[list[NextAction]]:
    """`next_actions` for many returns in a constant number of queries (list pages, API).

    Each return given should have its `current_version` loaded (select_related).
    """
    organisation_ids = {organisation.pk for organisation, _, _ in items}
    allowed = {
        action: set(
            organisations_visible_to(user, action)
            .filter(id__in=organisation_ids)
            .values_list("id", flat=True)
        )
        for action in (SUBMIT_RETURN, SIGN_OFF_RETURN, REVIEW_RETURN, REOPEN_RETURN)
    }
    records = [r for _, _, r in items if r is not None]
    reopenings: dict[int, Reopening] = {}
    for reopening in Reopening.objects.filter(
        return_record__in=records, expires_at__gt=timezone.now()
    ).order_by("expires_at"):
        reopenings[reopening.return_record_id] = reopening  # the latest expiry wins
    unjustified = dict(
        Finding.objects.filter(
            version_id__in=[r.current_version_id for r in records if r.current_version_id],
            severity=Severity.WARNING,
            justification="",
        )
        .values("version_id")
        .annotate(n=Count("id"))
        .values_list("version_id", "n")
    )
    return [
        next_actions(
            organisation=organisation,
            period=period,
            return_record=record,
            user=user,
            facts=ActionFacts(
                may_submit=organisation.pk in allowed[SUBMIT_RETURN],
                may_sign_off=organisation.pk in allowed[SIGN_OFF_RETURN],
                may_review=organisation.pk in allowed[REVIEW_RETURN],
                may_reopen=organisation.pk in allowed[REOPEN_RETURN],
                reopening=reopenings.get(record.pk) if record else None,
                unjustified=unjustified.get(record.current_version_id or 0, 0) if record else 0,
            ),
        )
        for organisation, period, record in items
    ]


def unjustified_count(return_record: Return | None) -> int:
    if return_record is None or return_record.current_version_id is None:
        return 0
    return Finding.objects.filter(
        version_id=return_record.current_version_id,
        severity=Severity.WARNING,
        justification="",
    ).count()
