"""One return's page: what it holds, its upload and preview, its files and history."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import SUBMIT_RETURN
from accounts.scope import request_user
from metrics.models.catalogue import FrameworkEdition, Period
from metrics.models.returns import (
    Finding,
    Return,
    ReturnDraft,
    ReturnEvent,
    ReturnVersion,
    Severity,
    Value,
)
from metrics.returns.access import return_slot_for
from metrics.returns.changes import KINDS, changes_since_accepted
from metrics.returns.downloads import CONTENT_TYPES, findings_report, template_download
from metrics.returns.events import event_changes, event_description
from metrics.returns.file import FileRejected, too_large_message
from metrics.returns.forms import (
    JustifyForm,
    ReopenForm,
    SendBackForm,
    SubmitDraftForm,
    UploadForm,
)
from metrics.returns.policy import (
    ReturnActionRefused,
    ReturnRejected,
    SignOffWouldBeCancelled,
    active_reopening,
    next_actions,
    require_permission,
    return_window,
    sign_off_cancelling,
)
from metrics.returns.upload import draft_create, draft_preview, draft_submit
from oversight.errors import NotFound
from oversight.models import Organisation
from oversight.uploads import body_check

PAGE_SIZE = 50
# The columns a version list needs: never the stored file itself.
VERSION_LIST_DEFER = ("file_content",)


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


def return_page_load(request: HttpRequest, ods_code: str, period_slug: str) -> ReturnPage:
    """The return of a body in the user's scope for a quarter (it may have none yet)."""
    slot = return_slot_for(
        request_user(request),
        ods_code,
        period_slug,
        Return.objects.select_related(
            "current_version__uploaded_by",
            "current_version__signed_off_by",
            "current_version__reviewed_by",
            "accepted_version",
        ).defer("current_version__file_content", "accepted_version__file_content"),
    )
    return ReturnPage(
        organisation=slot.organisation, period=slot.period, edition=slot.edition, record=slot.record
    )


def return_page_render(
    request: HttpRequest,
    page: ReturnPage,
    *,
    form: object = None,
    status: int = 200,
    **forms: object,
) -> HttpResponse:
    """The return page; `form` is the form whose errors the error summary shows."""
    user = request_user(request)
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
        "since_accepted": changes_since_accepted(page.record) if page.record else None,
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
    return return_page_render(request, return_page_load(request, ods_code, period))


def upload_check(
    request: HttpRequest, caller: object, length: int, *, ods_code: str, period: str
) -> HttpResponse | None:
    """Before the body is read (``oversight.uploads``): 404 outside the user's scope, 403 for
    a role that may not submit, and a post too large for any return file refused in the error
    summary of the return's page."""
    page = return_page_load(request, ods_code, period)
    require_permission(
        request_user(request), SUBMIT_RETURN, page.organisation, "submit its returns"
    )
    if length <= settings.REQUEST_MAX_BYTES:
        return None
    form = UploadForm.refusing(too_large_message(length, what="This upload"))
    return return_page_render(request, page, form=form, upload_form=form, status=413)


@body_check(upload_check)
@login_required
@require_POST
def return_upload(request: HttpRequest, ods_code: str, period: str) -> HttpResponse:
    """Keep the file as a draft and show its preview; nothing is submitted yet."""
    page = return_page_load(request, ods_code, period)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return return_page_render(request, page, form=form, upload_form=form, status=400)
    upload = form.cleaned_data["file"]
    try:
        draft, _ = draft_create(
            organisation=page.organisation,
            period=page.period,
            edition=page.edition,
            file_name=upload.name or "return",
            content=upload.read(),
            user=request_user(request),
        )
    except (FileRejected, ReturnActionRefused) as problem:
        form.add_error("file", problem.message)
        return return_page_render(request, page, form=form, upload_form=form, status=400)
    return redirect(page.url("return-preview", draft=draft.pk))


def _draft(request: HttpRequest, page: ReturnPage, draft_id: int) -> ReturnDraft:
    """A draft is seen only by the person who uploaded it."""
    return get_object_or_404(
        ReturnDraft,
        pk=draft_id,
        organisation=page.organisation,
        period=page.period,
        edition=page.edition,
        uploaded_by=request_user(request),
    )


@login_required
def return_preview(request: HttpRequest, ods_code: str, period: str, draft: int) -> HttpResponse:
    """GET: what the file would do; POST: submit it as a new version."""
    page = return_page_load(request, ods_code, period)
    the_draft = _draft(request, page, draft)
    cancelling = sign_off_cancelling(page.record)
    form = SubmitDraftForm(
        request.POST if request.method == "POST" else None, cancelling=bool(cancelling)
    )
    if request.method == "POST" and form.is_valid():
        try:
            version, created = draft_submit(
                draft=the_draft,
                user=request_user(request),
                cancel_sign_off=form.confirms_cancel(),
            )
        except SignOffWouldBeCancelled as refused:
            form.add_error("cancel_sign_off", refused.message)
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
    preview = draft_preview(the_draft, request_user(request))
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
        "counts": {k: preview.count(k) for k in KINDS},
        "changed": [c for c in preview.changes if c.kind in ("changed", "removed", "refused")],
        "has_previous": page.version is not None,
        "cancelling": cancelling,
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


def _attachment(content: bytes | str, file_name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, file_name) or "attachment"
    return response


def _version(page: ReturnPage, number: int) -> ReturnVersion:
    version = page.record.versions.filter(number=number).first() if page.record else None
    if version is None:
        raise NotFound(f"This return has no version {number}.")
    return version


@login_required
@require_GET
def version_file(request: HttpRequest, ods_code: str, period: str, number: int) -> HttpResponse:
    """The original file of a version, byte for byte as it was uploaded."""
    version = _version(return_page_load(request, ods_code, period), number)
    suffix = version.file_name.rsplit(".", 1)[-1].lower()
    content_type = CONTENT_TYPES.get(suffix, "application/octet-stream")
    return _attachment(version.content, version.file_name, content_type)


@login_required
@require_GET
def version_findings(request: HttpRequest, ods_code: str, period: str, number: int) -> HttpResponse:
    page = return_page_load(request, ods_code, period)
    version = _version(page, number)
    name = f"{page.organisation.ods_code}-{page.period.slug}-v{version.number}-findings.csv"
    return _attachment(findings_report(version.findings.all()), name, CONTENT_TYPES["csv"])


@login_required
@require_GET
def return_template(
    request: HttpRequest, ods_code: str, period: str, file_format: str
) -> HttpResponse:
    if file_format not in CONTENT_TYPES:
        raise NotFound("Templates come as CSV or XLSX.")
    page = return_page_load(request, ods_code, period)
    content, name = template_download(
        organisation=page.organisation,
        period=page.period,
        edition=page.edition,
        file_format=file_format,
        user=request_user(request),
    )
    return _attachment(content, name, CONTENT_TYPES[file_format])


# --- history ---------------------------------------------------------------------------------


@login_required
@require_GET
def return_history(request: HttpRequest, ods_code: str, period: str) -> HttpResponse:
    page = return_page_load(request, ods_code, period)
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
