"""Quarterly returns: preview, upload, justify, sign off, accept, send back, reopen.

Every state change is one transaction that writes the change and its audit event
(`ReturnEvent`); the recalculation an acceptance asks for is enqueued on commit. Nothing a body
sends is lost: each upload is a new immutable `ReturnVersion` keeping the original file.

States (DESIGN.md "Return"): submitted → signed off → accepted, or sent back → submitted again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Max,
    Q,
    QuerySet,
)
from django.utils import timezone

from accounts.models import User
from accounts.roles import REOPEN_RETURN, REVIEW_RETURN, SIGN_OFF_RETURN, SUBMIT_RETURN, VIEW
from accounts.scope import can, organisations_visible_to
from metrics.models import (
    Finding,
    FrameworkEdition,
    Metric,
    Period,
    Reopening,
    Return,
    ReturnDraft,
    ReturnEvent,
    ReturnState,
    ReturnVersion,
    Severity,
    Value,
    sha256_of,
)
from metrics.periods import WindowStatus, window_status
from metrics.returnfile import read_return_file
from metrics.validation import (
    FindingData,
    MetricRule,
    ValidationContext,
    ValidationResult,
    validate_return,
)
from metrics.valuestore import value_rows, values_insert
from oversight.models import Organisation, OrganisationKind

HISTORY_QUARTERS = 12


class ReturnActionRefused(Exception):
    """An action the return's state, window or the user's role does not allow; says why."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class ReturnRejected(Exception):
    """The file has blocking findings: nothing was stored."""

    def __init__(self, findings: Sequence[FindingData]) -> None:
        self.findings = list(findings)
        blocking = sum(1 for f in findings if f.severity == Severity.BLOCKING)
        super().__init__(f"The file has {blocking} problem(s) to fix before it can be submitted")


# --- which framework a quarter is returned against ------------------------------------------

# The NHS Oversight Framework 2025/26 replaced SOF 2021/22 from the 2025-26 financial year;
# the SOF 2021/22 edition carries every year before it (no separate 2022-25 editions exist).
NOF_FROM_YEAR = 2025


def edition_code_for(period: Period) -> str:
    """The code of the framework edition a quarter's returns are made against."""
    return "nof-2025-26" if period.year >= NOF_FROM_YEAR else "sof-2021-22"


def edition_for(period: Period) -> FrameworkEdition:
    """The framework edition active for a quarter (raises DoesNotExist if it is not loaded)."""
    return FrameworkEdition.objects.get(code=edition_code_for(period))


# --- reading what a body's return looks like ------------------------------------------------


def body_group(organisation: Organisation) -> str:
    """The catalogue's applicability word for a body: its kind, or a trust's sector."""
    return organisation.sector if organisation.kind == OrganisationKind.TRUST else organisation.kind


def metric_rules(edition: FrameworkEdition) -> dict[str, MetricRule]:
    return {m.code: MetricRule.from_metric(m) for m in Metric.objects.filter(edition=edition)}


def body_history(
    organisation: Organisation, edition: FrameworkEdition, before: date
) -> dict[str, list[float]]:
    """The body's accepted values before the quarter, oldest first, per metric code."""
    rows = (
        Value.objects.filter(
            organisation=organisation,
            metric__edition=edition,
            period_end__lt=before,
            version__return_record__accepted_version=F("version"),
        )
        .order_by("metric__code", "period_end")
        .values_list("metric__code", "value")
    )
    history: dict[str, list[float]] = {}
    for code, value in rows:
        history.setdefault(code, []).append(value)
    return history


def validation_context(
    *, organisation: Organisation, period: Period, edition: FrameworkEdition, user: User
) -> ValidationContext:
    return ValidationContext(
        organisation_code=organisation.ods_code,
        organisation_group=body_group(organisation),
        period_start=period.start,
        period_end=period.end,
        metrics=metric_rules(edition),
        history=body_history(organisation, edition, period.start),
        codes_in_scope=frozenset(
            organisations_visible_to(user, SUBMIT_RETURN).values_list("ods_code", flat=True)
        ),
        known_organisation_codes=frozenset(Organisation.objects.values_list("ods_code", flat=True)),
    )


# --- preview ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValueChange:
    metric_code: str
    period_end: date
    old: float | None
    new: float | None

    @property
    def kind(self) -> str:
        if self.old is None:
            return "new"
        if self.new is None:
            return "removed"
        return "unchanged" if self.old == self.new else "changed"


@dataclass
class Preview:
    """What an upload would do, without storing anything (a dry run)."""

    file_name: str
    sha256: str
    result: ValidationResult
    changes: list[ValueChange] = field(default_factory=list)
    duplicate_of: ReturnVersion | None = None

    @property
    def blocking(self) -> bool:
        return self.result.blocking

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)


def _changes_against(previous: ReturnVersion | None, result: ValidationResult) -> list[ValueChange]:
    before: dict[tuple[str, date], float] = {}
    if previous is not None:
        before = {
            (code, end): value
            for code, end, value in previous.values.values_list(
                "metric__code", "period_end", "value"
            )
        }
    after = {(v.metric_code, v.period_end): v.value for v in result.values}
    keys = sorted(before.keys() | after.keys())
    return [
        ValueChange(code, end, before.get((code, end)), after.get((code, end)))
        for code, end in keys
    ]


def return_preview(
    *,
    organisation: Organisation,
    period: Period,
    edition: FrameworkEdition,
    file_name: str,
    content: bytes,
    user: User,
) -> Preview:
    """Validate a file and compare it with the last version. Raises FileRejected for bad files."""
    parsed = read_return_file(file_name, content)
    context = validation_context(
        organisation=organisation, period=period, edition=edition, user=user
    )
    result = validate_return(parsed, context)
    existing = Return.objects.filter(
        organisation=organisation, period=period, edition=edition
    ).first()
    sha = sha256_of(content)
    previous = existing.current_version if existing else None
    duplicate = (
        ReturnVersion.objects.filter(return_record=existing, file_sha256=sha).first()
        if existing
        else None
    )
    return Preview(
        file_name=file_name,
        sha256=sha,
        result=result,
        changes=_changes_against(previous, result),
        duplicate_of=duplicate,
    )


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


def _require(user: User, action: str, organisation: Organisation, what: str) -> None:
    if not can(user, action, organisation):
        raise ReturnActionRefused(f"You do not have permission to {what} for {organisation.name}.")


def _upload_refusal(
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


def _require_uploadable(return_record: Return | None, period: Period) -> None:
    refusal = _upload_refusal(return_record, period, active_reopening(return_record))
    if refusal:
        raise ReturnActionRefused(refusal)


# --- state changes ---------------------------------------------------------------------------


def _event(
    return_record: Return,
    action: str,
    actor: User,
    version: ReturnVersion | None = None,
    **detail: object,
) -> ReturnEvent:
    return ReturnEvent.objects.create(
        return_record=return_record, version=version, action=action, actor=actor, detail=detail
    )


@transaction.atomic
def return_upload(
    *,
    organisation: Organisation,
    period: Period,
    edition: FrameworkEdition,
    file_name: str,
    content: bytes,
    user: User,
) -> tuple[ReturnVersion, bool]:
    """Store a new version; returns (version, created). An identical file is recognised.

    Raises FileRejected (bad file), ReturnRejected (blocking findings) or ReturnActionRefused
    (role, window or state); in each case nothing is stored.
    """
    _require(user, SUBMIT_RETURN, organisation, "submit returns")
    return_record = (
        Return.objects.select_for_update()
        .filter(organisation=organisation, period=period, edition=edition)
        .first()
    )
    _require_uploadable(return_record, period)
    preview = return_preview(
        organisation=organisation,
        period=period,
        edition=edition,
        file_name=file_name,
        content=content,
        user=user,
    )
    if preview.duplicate_of is not None:
        return preview.duplicate_of, False
    if preview.blocking:
        raise ReturnRejected(preview.result.findings)
    if return_record is None:
        return_record = Return.objects.create(
            organisation=organisation, period=period, edition=edition, state=ReturnState.SUBMITTED
        )
    version = _store_version(return_record, preview, content, user)
    return_record.current_version = version
    return_record.state = ReturnState.SUBMITTED
    return_record.save(update_fields=["current_version", "state", "updated_at"])
    _event(
        return_record,
        ReturnEvent.Action.UPLOADED,
        user,
        version,
        file_name=file_name,
        sha256=preview.sha256,
        values=len(preview.result.values),
        warnings=len(preview.result.findings),
        new=preview.count("new"),
        changed=preview.count("changed"),
        unchanged=preview.count("unchanged"),
        removed=preview.count("removed"),
    )
    changed = [c for c in preview.changes if c.kind in ("changed", "removed")]
    if changed and return_record.versions.count() > 1:
        _event(
            return_record,
            ReturnEvent.Action.VALUES_CHANGED,
            user,
            version,
            changes=[
                {
                    "metric": c.metric_code,
                    "period_end": c.period_end.isoformat(),
                    "old": c.old,
                    "new": c.new,
                }
                for c in changed
            ],
        )
    return version, True


def _store_version(
    return_record: Return, preview: Preview, content: bytes, user: User
) -> ReturnVersion:
    number = (return_record.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ReturnVersion.objects.create(
        return_record=return_record,
        number=number,
        file_name=preview.file_name[:255],
        file_content=content,
        file_sha256=preview.sha256,
        file_size=len(content),
        uploaded_by=user,
        value_count=len(preview.result.values),
    )
    metric_ids = dict(
        Metric.objects.filter(edition=return_record.edition).values_list("code", "id")
    )
    values_insert(
        value_rows(
            version_id=version.pk,
            organisation_id=return_record.organisation_id,
            metric_ids=metric_ids,
            values=preview.result.values,
        )
    )
    Finding.objects.bulk_create(
        Finding(
            version=version,
            row=f.row,
            column=f.column,
            code=f.code,
            severity=f.severity,
            message=f.message,
            metric_code=f.metric_code,
        )
        for f in preview.result.findings
    )
    return version


@transaction.atomic
def draft_create(
    *,
    organisation: Organisation,
    period: Period,
    edition: FrameworkEdition,
    file_name: str,
    content: bytes,
    user: User,
) -> tuple[ReturnDraft, Preview]:
    """Keep an uploaded file for its preview; the user's earlier drafts of it are replaced.

    Raises FileRejected for a file that cannot be read at all (nothing is kept then).
    """
    _require(user, SUBMIT_RETURN, organisation, "submit returns")
    preview = return_preview(
        organisation=organisation,
        period=period,
        edition=edition,
        file_name=file_name,
        content=content,
        user=user,
    )
    ReturnDraft.objects.filter(
        organisation=organisation, period=period, edition=edition, uploaded_by=user
    ).delete()
    draft = ReturnDraft.objects.create(
        organisation=organisation,
        period=period,
        edition=edition,
        uploaded_by=user,
        file_name=file_name[:255],
        file_content=content,
    )
    return draft, preview


def draft_preview(draft: ReturnDraft, user: User) -> Preview:
    return return_preview(
        organisation=draft.organisation,
        period=draft.period,
        edition=draft.edition,
        file_name=draft.file_name,
        content=bytes(draft.file_content),
        user=user,
    )


@transaction.atomic
def draft_submit(*, draft: ReturnDraft, user: User) -> tuple[ReturnVersion, bool]:
    """Submit a previewed draft: it becomes a version (validated again) and is deleted."""
    if draft.uploaded_by_id != user.pk:
        raise ReturnActionRefused("Only the person who uploaded a draft can submit it.")
    result = return_upload(
        organisation=draft.organisation,
        period=draft.period,
        edition=draft.edition,
        file_name=draft.file_name,
        content=bytes(draft.file_content),
        user=user,
    )
    draft.delete()
    return result


def _current(return_record: Return) -> ReturnVersion:
    if return_record.current_version is None:
        raise ReturnActionRefused("This return has no version yet.")
    return return_record.current_version


@transaction.atomic
def findings_justify(
    *, return_record: Return, justifications: dict[int, str], user: User
) -> list[Finding]:
    """Record why each warning is right as it is; needed before sign-off."""
    organisation = return_record.organisation
    if not (can(user, SUBMIT_RETURN, organisation) or can(user, SIGN_OFF_RETURN, organisation)):
        raise ReturnActionRefused(f"You cannot justify warnings for {organisation.name}.")
    if return_record.state != ReturnState.SUBMITTED:
        raise ReturnActionRefused("Warnings can only be justified before the return is signed off.")
    version = _current(return_record)
    findings = list(version.findings.filter(id__in=justifications, severity=Severity.WARNING))
    if len(findings) != len(justifications):
        raise ReturnActionRefused("Some warnings named are not warnings of the current version.")
    for finding in findings:
        text = justifications[finding.id].strip()
        if not text:
            raise ReturnActionRefused(f"Row {finding.row}: the justification is empty.")
        finding.justification, finding.justified_by = text, user
    Finding.objects.bulk_update(findings, ["justification", "justified_by"])
    _event(
        return_record,
        ReturnEvent.Action.JUSTIFIED,
        user,
        version,
        findings={f.id: f.justification for f in findings},
    )
    return findings


@transaction.atomic
def return_sign_off(*, return_record: Return, user: User) -> Return:
    return_record = Return.objects.select_for_update().get(pk=return_record.pk)
    _require(user, SIGN_OFF_RETURN, return_record.organisation, "sign off returns")
    if return_record.state != ReturnState.SUBMITTED:
        raise ReturnActionRefused(
            "Only a submitted return can be signed off; this one is "
            f"{return_record.get_state_display().lower()}."
        )
    version = _current(return_record)
    if version.uploaded_by_id == user.pk:
        raise ReturnActionRefused("Someone other than the person who uploaded it must sign it off.")
    unjustified = version.findings.filter(severity=Severity.WARNING, justification="").count()
    if unjustified:
        raise ReturnActionRefused(
            f"{unjustified} warning(s) need a justification before the return can be signed off."
        )
    version.signed_off_by, version.signed_off_at = user, timezone.now()
    version.save(update_fields=["signed_off_by", "signed_off_at"])
    return_record.state = ReturnState.SIGNED_OFF
    return_record.save(update_fields=["state", "updated_at"])
    _event(return_record, ReturnEvent.Action.SIGNED_OFF, user, version)
    return return_record


def _require_review(return_record: Return, user: User) -> ReturnVersion:
    _require(user, REVIEW_RETURN, return_record.organisation, "review returns")
    if return_record.state != ReturnState.SIGNED_OFF:
        raise ReturnActionRefused(
            "Only a signed-off return can be accepted or sent back; this one is "
            f"{return_record.get_state_display().lower()}."
        )
    return _current(return_record)


@transaction.atomic
def return_accept(*, return_record: Return, user: User) -> Return:
    """Accept the current version: it is frozen and feeds the national figures."""
    from metrics.calculation import calculation_request

    return_record = Return.objects.select_for_update().get(pk=return_record.pk)
    version = _require_review(return_record, user)
    version.reviewed_by, version.reviewed_at, version.accepted = user, timezone.now(), True
    version.save(update_fields=["reviewed_by", "reviewed_at", "accepted"])
    return_record.accepted_version = version
    return_record.state = ReturnState.ACCEPTED
    return_record.save(update_fields=["accepted_version", "state", "updated_at"])
    Reopening.objects.filter(return_record=return_record, expires_at__gt=timezone.now()).update(
        expires_at=timezone.now()
    )
    _event(return_record, ReturnEvent.Action.ACCEPTED, user, version)
    calculation_request(
        period=return_record.period,
        edition=return_record.edition,
        reason=f"Accepted {return_record.organisation.ods_code} v{version.number}",
    )
    return return_record


@transaction.atomic
def return_send_back(*, return_record: Return, user: User, reason: str) -> Return:
    return_record = Return.objects.select_for_update().get(pk=return_record.pk)
    version = _require_review(return_record, user)
    if not reason.strip():
        raise ReturnActionRefused("Say why the return is being sent back.")
    version.reviewed_by, version.reviewed_at = user, timezone.now()
    version.review_reason = reason.strip()
    version.save(update_fields=["reviewed_by", "reviewed_at", "review_reason"])
    return_record.state = ReturnState.RETURNED
    return_record.save(update_fields=["state", "updated_at"])
    _event(return_record, ReturnEvent.Action.SENT_BACK, user, version, reason=reason.strip())
    return return_record


@transaction.atomic
def return_reopen(
    *,
    organisation: Organisation,
    period: Period,
    edition: FrameworkEdition,
    user: User,
    reason: str,
    expires_at: datetime,
) -> Reopening:
    """Let one body submit outside the window (or change an accepted return) until expiry."""
    _require(user, REOPEN_RETURN, organisation, "reopen returns")
    if not reason.strip():
        raise ReturnActionRefused("Say why the return is being reopened.")
    if expires_at <= timezone.now():
        raise ReturnActionRefused("The reopening must expire in the future.")
    return_record, _ = Return.objects.get_or_create(
        organisation=organisation,
        period=period,
        edition=edition,
        defaults={"state": ReturnState.RETURNED},
    )
    reopening = Reopening.objects.create(
        return_record=return_record, reason=reason.strip(), expires_at=expires_at, reopened_by=user
    )
    _event(
        return_record,
        ReturnEvent.Action.REOPENED,
        user,
        reason=reason.strip(),
        expires_at=expires_at.isoformat(),
    )
    return reopening


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
        unjustified=_unjustified(return_record),
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
    upload_refusal = _upload_refusal(return_record, period, facts.reopening)
    if facts.may_submit:
        actions.append(
            NextAction("upload", "Upload a new version", not upload_refusal, upload_refusal)
        )
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


def _unjustified(return_record: Return | None) -> int:
    if return_record is None or return_record.current_version_id is None:
        return 0
    return Finding.objects.filter(
        version_id=return_record.current_version_id,
        severity=Severity.WARNING,
        justification="",
    ).count()


def returns_visible_to(user: User) -> QuerySet[Return]:
    return Return.objects.filter(organisation__in=organisations_visible_to(user))


# --- who is expected to return, and who has --------------------------------------------------

# The bodies that make a quarterly return; GP practices exist only at stress scale.
RETURNING_KINDS = (OrganisationKind.ICS, OrganisationKind.CCG, OrganisationKind.TRUST)


def bodies_expected(*, user: User, period: Period, action: str = VIEW) -> QuerySet[Organisation]:
    """The bodies within the user's scope (for `action`) expected to return for the quarter:
    ICSs, CCGs and trusts open at some time during it."""
    return (
        organisations_visible_to(user, action)
        .filter(kind__in=RETURNING_KINDS)
        .filter(Q(opened_on__isnull=True) | Q(opened_on__lte=period.end))
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=period.start))
    )


@dataclass(frozen=True)
class CompletenessCounts:
    """Counts are cumulative: an accepted return is also submitted and signed off."""

    expected: int
    submitted: int
    signed_off: int
    accepted: int
    sent_back: int
    missing: int
    late: int


@dataclass
class Completeness:
    period: Period
    totals: CompletenessCounts
    by_region: list[tuple[str, str, CompletenessCounts]]  # (region ODS code, name, counts)
    # Nothing submitted yet, or sent back; annotated with return_state and has_version.
    chase: QuerySet[Organisation]
    past_due: bool


def _completeness_counts() -> dict[str, Count]:
    has_version = Q(this_return__current_version__isnull=False)
    return {
        "expected": Count("id"),
        "submitted": Count("id", filter=has_version),
        "signed_off": Count(
            "id",
            filter=Q(this_return__state__in=[ReturnState.SIGNED_OFF, ReturnState.ACCEPTED]),
        ),
        "accepted": Count("id", filter=Q(this_return__state=ReturnState.ACCEPTED)),
        "sent_back": Count("id", filter=has_version & Q(this_return__state=ReturnState.RETURNED)),
        "missing": Count("id", filter=~has_version),
    }


def completeness(
    *, user: User, period: Period, edition: FrameworkEdition, today: date | None = None
) -> Completeness:
    """Who has returned for a quarter, over the bodies the user reviews: three queries,
    whatever the number of bodies (a filtered LEFT JOIN to the quarter's return)."""
    today = today or timezone.localdate()
    bodies = bodies_expected(user=user, period=period, action=REVIEW_RETURN).annotate(
        this_return=FilteredRelation(
            "returns", condition=Q(returns__period=period, returns__edition=edition)
        )
    )
    counts = _completeness_counts()
    past_due = today > period.due_on

    def tally(row: dict[str, int]) -> CompletenessCounts:
        # Late: nothing submitted and the due date has passed.
        return CompletenessCounts(**row, late=row["missing"] if past_due else 0)

    totals = tally(bodies.aggregate(**counts))
    by_region = [
        (row.pop("region__ods_code"), row.pop("region__name"), tally(row))
        for row in bodies.values("region__ods_code", "region__name")
        .annotate(**counts)
        .order_by("region__name")
    ]
    chase = (
        bodies.filter(
            Q(this_return__current_version__isnull=True)
            | Q(this_return__state=ReturnState.RETURNED)
        )
        .annotate(
            return_state=F("this_return__state"),
            has_version=ExpressionWrapper(
                Q(this_return__current_version__isnull=False), output_field=BooleanField()
            ),
        )
        .select_related("region", "system")
        .order_by("region__name", "system__name", "name")
    )
    return Completeness(
        period=period, totals=totals, by_region=by_region, chase=chase, past_due=past_due
    )
