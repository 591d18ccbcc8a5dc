"""Returns pages: a quarter's returns, one return with its upload, preview and review steps,
its history, and the completeness dashboard. Thin: each handler calls `metrics.returns`.

Every page looks the body up within the user's scope first, so a body outside it (or a
quarter that does not exist) is a 404 whatever the action.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Literal, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from accounts.roles import REVIEW_RETURN
from accounts.scope import is_national, organisations_visible_to
from metrics.forms_returns import (
    ConfirmForm,
    JustifyForm,
    PeriodFilterForm,
    ReopenForm,
    SendBackForm,
    UploadForm,
)
from metrics.models import (
    Finding,
    FrameworkEdition,
    Period,
    Return,
    ReturnDraft,
    ReturnEvent,
    ReturnState,
    ReturnVersion,
    Severity,
    Value,
)
from metrics.periods import PeriodLabelError, period_from_label, window_status
from metrics.returnfile import FileRejected
from metrics.returns import (
    ReturnActionRefused,
    ReturnRejected,
    active_reopening,
    bodies_expected,
    completeness,
    draft_create,
    draft_preview,
    draft_submit,
    edition_for,
    findings_justify,
    next_actions,
    next_actions_many,
    return_accept,
    return_reopen,
    return_send_back,
    return_sign_off,
    return_window,
    validation_context,
)
from metrics.validation import FindingData, findings_csv, template_csv, template_xlsx
from oversight.models import Organisation

PAGE_SIZE = 50
# The columns a version list needs: never the stored file itself.
VERSION_LIST_DEFER = ("file_content",)


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required has run
    return request.user


# --- the quarter's returns -------------------------------------------------------------------


def default_period(periods: list[Period]) -> Period | None:
    """The latest quarter whose window is open today, else the latest whose window has
    opened, else the first."""
    today = timezone.localdate()
    open_now = [p for p in periods if window_status(p, today).accepts_returns]
    opened = [p for p in periods if p.opens_on <= today]
    candidates = open_now or opened or periods[:1]
    return max(candidates, key=lambda p: (p.year, p.quarter)) if candidates else None


@login_required
@require_GET
def returns_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    periods = list(Period.objects.order_by("-year", "-quarter"))
    form = PeriodFilterForm(request.GET or None, periods=periods)
    period = default_period(periods)
    if form.is_valid() and form.cleaned_data["period"]:
        period = next(p for p in periods if p.slug == form.cleaned_data["period"])
    context: dict[str, object] = {"form": form, "period": period, "breadcrumbs": []}
    if period is not None:
        context.update(_list_rows(request, user, period))
    return render(request, "metrics/returns/list.html", context)


@dataclass
class ReturnRow:
    organisation: Organisation
    record: Return | None
    actions: list  # list[NextAction]

    @property
    def allowed(self) -> list:
        return [a for a in self.actions if a.allowed]


def _list_rows(request: HttpRequest, user: User, period: Period) -> dict[str, object]:
    try:
        edition = edition_for(period)
    except FrameworkEdition.DoesNotExist:
        return {"edition_missing": True}
    bodies = (
        bodies_expected(user=user, period=period)
        .select_related("region", "system")
        .order_by("region__name", "system__name", "kind", "name")
    )
    page = Paginator(bodies, PAGE_SIZE).get_page(request.GET.get("page"))
    organisations = list(page)
    records = {
        r.organisation_id: r
        for r in Return.objects.filter(
            period=period, edition=edition, organisation__in=organisations
        )
        .select_related("current_version__uploaded_by")
        .defer("current_version__file_content")
    }
    items = [(o, period, records.get(o.pk)) for o in organisations]
    actions = next_actions_many(items=items, user=user)
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "edition": edition,
        "page_obj": page,
        "rows": [
            ReturnRow(organisation=o, record=r, actions=a)
            for (o, _, r), a in zip(items, actions, strict=True)
        ],
        "past_due": timezone.localdate() > period.due_on,
        "can_review": organisations_visible_to(user, REVIEW_RETURN).exists(),
        "querystring": query.urlencode(),
    }


# --- one return ------------------------------------------------------------------------------


@dataclass
class ReturnPage:
    organisation: Organisation
    period: Period
    edition: FrameworkEdition
    record: Return | None

    @property
    def version(self) -> ReturnVersion | None:
        return self.record.current_version if self.record else None

    def url(self, name: str = "return-detail", **kwargs: object) -> str:
        return reverse(
            name,
            kwargs={"ods_code": self.organisation.ods_code, "period": self.period.slug, **kwargs},
        )


def _period_or_404(text: str) -> Period:
    try:
        return period_from_label(text)
    except PeriodLabelError as unknown:
        raise Http404(unknown) from unknown


def _load(request: HttpRequest, ods_code: str, period_slug: str) -> ReturnPage:
    """The return of a body in the user's scope for a quarter (it may have none yet)."""
    organisation = get_object_or_404(
        organisations_visible_to(_user(request)).select_related("region", "system"),
        ods_code=ods_code,
    )
    period = _period_or_404(period_slug)
    try:
        edition = edition_for(period)
    except FrameworkEdition.DoesNotExist as missing:
        raise Http404("The framework edition of this quarter is not loaded") from missing
    record = (
        Return.objects.filter(organisation=organisation, period=period, edition=edition)
        .select_related(
            "current_version__uploaded_by",
            "current_version__signed_off_by",
            "current_version__reviewed_by",
        )
        .defer("current_version__file_content")
        .first()
    )
    return ReturnPage(organisation=organisation, period=period, edition=edition, record=record)


def _render_return(
    request: HttpRequest,
    page: ReturnPage,
    *,
    form: object = None,
    status: int = 200,
    **forms: object,
) -> HttpResponse:
    """The return page; `form` is the form whose errors the error summary shows."""
    user = _user(request)
    version = page.version
    actions = next_actions(
        organisation=page.organisation, period=page.period, return_record=page.record, user=user
    )
    allowed = {a.action for a in actions if a.allowed}
    warnings: list[Finding] = []
    if version is not None and "justify" in allowed:
        warnings = list(
            version.findings.filter(severity=Severity.WARNING, justification="").order_by(
                "row", "column"
            )
        )
    context = {
        "page": page,
        "organisation": page.organisation,
        "period": page.period,
        "record": page.record,
        "version": version,
        "window": return_window(page.record, page.period),
        "reopening": active_reopening(page.record),
        "actions": actions,
        "allowed": allowed,
        "form": form,
        "upload_form": forms.get("upload_form") or UploadForm(),
        "justify_form": forms.get("justify_form") or JustifyForm(warnings=warnings),
        "send_back_form": forms.get("send_back_form") or SendBackForm(),
        "reopen_form": forms.get("reopen_form") or ReopenForm(),
        "versions": _versions(page.record),
        "findings": list(version.findings.all()) if version else [],
        "values": _values(version),
        "breadcrumbs": [("Returns", reverse("returns-list") + f"?period={page.period.slug}")],
    }
    return render(request, "metrics/returns/detail.html", context, status=status)


def _versions(record: Return | None) -> list[ReturnVersion]:
    if record is None:
        return []
    return list(
        record.versions.defer(*VERSION_LIST_DEFER)
        .select_related("uploaded_by")
        .annotate(
            findings_count=Count("findings"),
            blocking_count=Count("findings", filter=Q(findings__severity=Severity.BLOCKING)),
        )
        .order_by("-number")
    )


def _values(version: ReturnVersion | None) -> QuerySet[Value] | list[Value]:
    if version is None:
        return []
    return (
        Value.objects.filter(version=version)
        .select_related("metric")
        .order_by("metric__code", "period_end")
    )


@login_required
@require_GET
def return_detail(request: HttpRequest, ods_code: str, period: str) -> HttpResponse:
    return _render_return(request, _load(request, ods_code, period))


@login_required
@require_POST
def return_upload(request: HttpRequest, ods_code: str, period: str) -> HttpResponse:
    """Keep the file as a draft and show its preview; nothing is submitted yet."""
    page = _load(request, ods_code, period)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_return(request, page, form=form, upload_form=form, status=400)
    upload = form.cleaned_data["file"]
    try:
        draft, _ = draft_create(
            organisation=page.organisation,
            period=page.period,
            edition=page.edition,
            file_name=upload.name or "return",
            content=upload.read(),
            user=_user(request),
        )
    except (FileRejected, ReturnActionRefused) as problem:
        form.add_error("file", problem.message)
        return _render_return(request, page, form=form, upload_form=form, status=400)
    return redirect(page.url("return-preview", draft=draft.pk))


def _draft(request: HttpRequest, page: ReturnPage, draft_id: int) -> ReturnDraft:
    """A draft is seen only by the person who uploaded it."""
    return get_object_or_404(
        ReturnDraft,
        pk=draft_id,
        organisation=page.organisation,
        period=page.period,
        edition=page.edition,
        uploaded_by=_user(request),
    )


@login_required
def return_preview(request: HttpRequest, ods_code: str, period: str, draft: int) -> HttpResponse:
    """GET: what the file would do; POST: submit it as a new version."""
    page = _load(request, ods_code, period)
    the_draft = _draft(request, page, draft)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            version, created = draft_submit(draft=the_draft, user=_user(request))
        except (ReturnActionRefused, FileRejected) as refused:
            form.add_error(None, refused.message)
        except ReturnRejected:
            form.add_error(None, "The file has problems to fix before it can be submitted.")
        else:
            if created:
                messages.success(request, f"Version {version.number} submitted.")
            else:
                messages.info(
                    request,
                    f"This file is identical to version {version.number}, already stored: "
                    "no new version was made.",
                )
            return redirect(page.url())
    preview = draft_preview(the_draft, _user(request))
    findings = preview.result.findings
    context = {
        "page": page,
        "organisation": page.organisation,
        "period": page.period,
        "draft": the_draft,
        "preview": preview,
        "form": form,
        "blocking": [f for f in findings if f.severity == Severity.BLOCKING],
        "warnings": [f for f in findings if f.severity == Severity.WARNING],
        "counts": {k: preview.count(k) for k in ("new", "changed", "unchanged", "removed")},
        "changed": [c for c in preview.changes if c.kind in ("changed", "removed")],
        "has_previous": page.version is not None,
        "breadcrumbs": [
            ("Returns", reverse("returns-list") + f"?period={page.period.slug}"),
            (f"{page.organisation.name} {page.period.label}", page.url()),
        ],
    }
    return render(
        request,
        "metrics/returns/preview.html",
        context,
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def return_justify(request: HttpRequest, ods_code: str, period: str) -> HttpResponse:
    page = _load(request, ods_code, period)
    version = page.version
    warnings = (
        list(version.findings.filter(severity=Severity.WARNING, justification=""))
        if version
        else []
    )
    form = JustifyForm(request.POST, warnings=warnings)
    if form.is_valid() and page.record is not None:
        try:
            done = findings_justify(
                return_record=page.record,
                justifications=form.justifications(),
                user=_user(request),
            )
        except ReturnActionRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, f"{len(done)} warning(s) justified.")
            return redirect(page.url())
    elif page.record is None:
        form.add_error(None, "This return has no version yet.")
    return _render_return(request, page, form=form, justify_form=form, status=400)


def _one_step(request: HttpRequest, page: ReturnPage, step: object, done: str) -> HttpResponse:
    """Run a review step without fields; a refusal is shown in the error summary."""
    form = ConfirmForm(request.POST)
    if page.record is None:
        form.add_error(None, "This return has no version yet.")
        return _render_return(request, page, form=form, status=400)
    try:
        step(return_record=page.record, user=_user(request))  # type: ignore[operator]
    except ReturnActionRefused as refused:
        form.add_error(None, refused.message)
        return _render_return(request, page, form=form, status=400)
    messages.success(request, done)
    return redirect(page.url())


@login_required
@require_POST
def return_sign_off_view(request: HttpRequest, ods_code: str, period: str) -> HttpResponse:
    page = _load(request, ods_code, period)
    return _one_step(request, page, return_sign_off, "Return signed off.")


@login_required
@require_POST
def return_accept_view(request: HttpRequest, ods_code: str, period: str) -> HttpResponse:
    page = _load(request, ods_code, period)
    return _one_step(request, page, return_accept, "Return accepted.")


@login_required
@require_POST
def return_send_back_view(request: HttpRequest, ods_code: str, period: str) -> HttpResponse:
    page = _load(request, ods_code, period)
    form = SendBackForm(request.POST)
    if form.is_valid():
        if page.record is None:
            form.add_error(None, "This return has no version yet.")
        else:
            try:
                return_send_back(
                    return_record=page.record,
                    user=_user(request),
                    reason=form.cleaned_data["reason"],
                )
            except ReturnActionRefused as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, "Return sent back.")
                return redirect(page.url())
    return _render_return(request, page, form=form, send_back_form=form, status=400)


@login_required
@require_POST
def return_reopen_view(request: HttpRequest, ods_code: str, period: str) -> HttpResponse:
    page = _load(request, ods_code, period)
    form = ReopenForm(request.POST)
    if form.is_valid():
        until = timezone.make_aware(datetime.combine(form.cleaned_data["expires_on"], time.max))
        try:
            return_reopen(
                organisation=page.organisation,
                period=page.period,
                edition=page.edition,
                user=_user(request),
                reason=form.cleaned_data["reason"],
                expires_at=until,
            )
        except ReturnActionRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, f"Return reopened until the end of {until:%-d %B %Y}.")
            return redirect(page.url())
    return _render_return(request, page, form=form, reopen_form=form, status=400)


# --- files -----------------------------------------------------------------------------------


def _attachment(content: bytes | str, file_name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, file_name) or "attachment"
    return response


def _version(page: ReturnPage, number: int) -> ReturnVersion:
    if page.record is None:
        raise Http404("This return has no versions")
    return get_object_or_404(page.record.versions, number=number)


@login_required
@require_GET
def version_file(request: HttpRequest, ods_code: str, period: str, number: int) -> HttpResponse:
    """The original file of a version, byte for byte as it was uploaded."""
    version = _version(_load(request, ods_code, period), number)
    suffix = version.file_name.rsplit(".", 1)[-1].lower()
    content_type = CONTENT_TYPES.get(suffix, "application/octet-stream")
    return _attachment(bytes(version.file_content), version.file_name, content_type)


@login_required
@require_GET
def version_findings(request: HttpRequest, ods_code: str, period: str, number: int) -> HttpResponse:
    page = _load(request, ods_code, period)
    version = _version(page, number)
    name = f"{page.organisation.ods_code}-{page.period.slug}-v{version.number}-findings.csv"
    return _attachment(findings_report(version.findings.all()), name, CONTENT_TYPES["csv"])


@login_required
@require_GET
def return_template(
    request: HttpRequest, ods_code: str, period: str, file_format: str
) -> HttpResponse:
    if file_format not in CONTENT_TYPES:
        raise Http404("Templates come as CSV or XLSX")
    page = _load(request, ods_code, period)
    content, name = template_download(
        organisation=page.organisation,
        period=page.period,
        edition=page.edition,
        file_format=file_format,
        user=_user(request),
    )
    return _attachment(content, name, CONTENT_TYPES[file_format])


# --- history ---------------------------------------------------------------------------------


@login_required
@require_GET
def return_history(request: HttpRequest, ods_code: str, period: str) -> HttpResponse:
    page = _load(request, ods_code, period)
    events: list[ReturnEvent] = []
    if page.record is not None:
        events = list(
            page.record.events.select_related("actor", "version")
            .defer("version__file_content")
            .order_by("-at", "-id")
        )
    return render(
        request,
        "metrics/returns/history.html",
        {
            "page": page,
            "organisation": page.organisation,
            "period": page.period,
            "events": [(e, event_description(e), event_changes(e)) for e in events],
            "breadcrumbs": [
                ("Returns", reverse("returns-list") + f"?period={page.period.slug}"),
                (f"{page.organisation.name} {page.period.label}", page.url()),
            ],
        },
    )


# --- completeness ----------------------------------------------------------------------------


@login_required
@require_GET
def returns_completeness(request: HttpRequest, period: str) -> HttpResponse:
    user = _user(request)
    if not organisations_visible_to(user, REVIEW_RETURN).exists():
        raise Http404("Completeness is for regional and national teams")
    the_period = _period_or_404(period)
    try:
        edition = edition_for(the_period)
    except FrameworkEdition.DoesNotExist as missing:
        raise Http404("The framework edition of this quarter is not loaded") from missing
    report = completeness(user=user, period=the_period, edition=edition)
    periods = list(Period.objects.order_by("-year", "-quarter"))
    return render(
        request,
        "metrics/returns/completeness.html",
        {
            "period": the_period,
            "periods": periods,
            "report": report,
            "chase": list(report.chase),
            "national": is_national(user, REVIEW_RETURN),
            "returned_state": ReturnState.RETURNED,
            "breadcrumbs": [("Returns", reverse("returns-list") + f"?period={the_period.slug}")],
        },
    )


# --- shared with the API (metrics/api_returns.py) ---------------------------------------------


def _number(value: object) -> str:
    return "blank" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def event_description(event: ReturnEvent) -> str:
    """What happened, in words, e.g. "Uploaded version 2 (returns.csv): 240 values, 3 new,
    5 changed, 232 unchanged"."""
    detail = event.detail or {}
    number = f"version {event.version.number}" if event.version else "the return"
    action = event.action
    if action == ReturnEvent.Action.UPLOADED:
        parts = [f"{detail.get('values', 0)} values"]
        parts += [
            f"{detail[k]} {k}"
            for k in ("new", "changed", "unchanged", "removed")
            if detail.get(k) or k in ("new", "changed", "unchanged")
        ]
        if detail.get("warnings"):
            parts.append(f"{detail['warnings']} warning(s)")
        return f"Uploaded {number} ({detail.get('file_name', 'file')}): " + ", ".join(parts)
    if action == ReturnEvent.Action.VALUES_CHANGED:
        count = len(detail.get("changes", []))
        return f"{count} value(s) changed or removed in {number}"
    if action == ReturnEvent.Action.JUSTIFIED:
        return f"Justified {len(detail.get('findings', {}))} warning(s) of {number}"
    if action == ReturnEvent.Action.SIGNED_OFF:
        return f"Signed off {number}"
    if action == ReturnEvent.Action.ACCEPTED:
        return f"Accepted {number}"
    if action == ReturnEvent.Action.SENT_BACK:
        return f"Sent back {number}: {detail.get('reason', '')}"
    if action == ReturnEvent.Action.REOPENED:
        until = detail.get("expires_at", "")
        with contextlib.suppress(TypeError, ValueError):
            until = timezone.localtime(datetime.fromisoformat(until)).strftime("%-d %B %Y %H:%M")
        return f"Reopened until {until}: {detail.get('reason', '')}"
    return event.get_action_display()


def event_changes(event: ReturnEvent) -> list[str]:
    """Each value change of an event, old → new; each justification given."""
    detail = event.detail or {}
    if event.action == ReturnEvent.Action.VALUES_CHANGED:
        return [
            f"{c.get('metric')} {c.get('period_end')}: "
            f"{_number(c.get('old'))} → {_number(c.get('new'))}"
            for c in detail.get("changes", [])
        ]
    if event.action == ReturnEvent.Action.JUSTIFIED:
        return [str(text) for text in detail.get("findings", {}).values()]
    return []


def template_download(
    *,
    organisation: Organisation,
    period: Period,
    edition: FrameworkEdition,
    file_format: str,
    user: User,
) -> tuple[bytes | str, str]:
    """A return file pre-filled for the body and quarter: (content, file name)."""
    context = validation_context(
        organisation=organisation, period=period, edition=edition, user=user
    )
    name = f"{organisation.ods_code}-{period.slug}-return.{file_format}"
    if file_format == "xlsx":
        return template_xlsx(context), name
    return template_csv(context), name


def findings_report(findings: Iterable[Finding]) -> str:
    """The findings CSV of a stored version."""
    return findings_csv(
        [
            FindingData(
                row=f.row,
                column=f.column,
                code=f.code,
                severity=cast(Literal["blocking", "warning"], f.severity),
                message=f.message,
                metric_code=f.metric_code,
            )
            for f in findings
        ]
    )
