"""The system lens's forms as pages: record an agreement version, a quarterly review, a
meeting (its action owners see their actions on their home page), a concern and its
assessment. Each view reads the form, calls one operation and shows its refusals."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from metrics.models.catalogue import Metric
from metrics.models.results import Flag
from oversight.errors import DomainError, NotFound, NotPermitted
from oversight.models import Organisation, System
from segmentation.models import Proposal
from systemlens.access import (
    concerns_visible,
    may_run_oversight,
    may_run_oversight_of_system,
    meetings_visible,
    system_body,
)
from systemlens.agreements import (
    AgreementInput,
    PriorityInput,
    agreement_review_record,
    agreement_version_record,
    current_version,
    metrics_for_priorities,
)
from systemlens.concerns import concern_assess, concern_close, concern_open, concern_open_from_flag
from systemlens.forms import (
    ACTION_ROWS,
    AGENDA_ROWS,
    PRIORITY_ROWS,
    AgreementVersionForm,
    AssessmentForm,
    ConcernForm,
    MeetingForm,
    ReviewForm,
)
from systemlens.meetings import (
    ActionInput,
    AgendaInput,
    MeetingInput,
    meeting_action_done,
    meeting_record,
)
from systemlens.models import ASSESSMENT, Agreement, MeetingAction
from systemlens.page_errors import form_error
from systemlens.selectors import agreement_of, latest_quarter, system_bodies
from systemlens.views import meeting_context, visible_system


def recording_system(request: HttpRequest, code: str) -> System:
    """The ICS a form page records for: 404 outside scope, 403 for those who only see it."""
    system = visible_system(request, code)
    if not may_run_oversight_of_system(request.user, system):
        raise PermissionDenied(f"Only the {system.region.name} regional team records this.")
    return system


def _back(system: System) -> list[tuple[str, str]]:
    return [(system.name, f"/ics/{system.ods_code}/")]


# --- agreements ----------------------------------------------------------------------------------


def _initial(agreement: Agreement | None) -> dict[str, object]:
    version = current_version(agreement) if agreement else None
    if version is None:
        return {}
    initial: dict[str, object] = {
        name: getattr(version, name)
        for name in (
            "delivery_arrangements",
            "governance_arrangements",
            "places_and_collaboratives",
            "agreed_by",
        )
    }
    for n, priority in enumerate(version.priorities.all()[:PRIORITY_ROWS], start=1):
        initial |= {
            f"priority_{n}_title": priority.title,
            f"priority_{n}_owner": priority.owner,
            f"priority_{n}_metric": priority.metric_id,
            f"priority_{n}_target": priority.target,
        }
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def agreement_version_new(request: HttpRequest, code: str, year: int) -> HttpResponse:
    system = recording_system(request, code)
    metrics = Metric.objects.filter(metrics_for_priorities(system)).order_by("edition", "code")
    agreement = agreement_of(request.user, system, year)
    form = AgreementVersionForm(request.POST or None, metrics=metrics, initial=_initial(agreement))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        priorities = [
            PriorityInput(
                title=data[f"priority_{n}_title"],
                owner=data[f"priority_{n}_owner"],
                metric=data[f"priority_{n}_metric"],
                target=data[f"priority_{n}_target"],
            )
            for n in range(1, PRIORITY_ROWS + 1)
            if data[f"priority_{n}_title"] or data[f"priority_{n}_owner"]
        ]
        terms = AgreementInput(**{name: data[name] for name in AgreementInput.__dataclass_fields__})
        try:
            version = agreement_version_record(
                system=system,
                year=year,
                terms=terms,
                priorities=priorities,
                user=request.user,  # type: ignore[arg-type]
            )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, f"Version {version.number} of the agreement recorded.")
            return redirect("system-lens-agreement", code=system.ods_code, year=year)
    return render(
        request,
        "systemlens/agreement_form.html",
        {"system": system, "year": year, "form": form, "breadcrumbs": _back(system)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_new(request: HttpRequest, code: str, year: int) -> HttpResponse:
    system = recording_system(request, code)
    agreement = agreement_of(request.user, system, year)
    if agreement is None:
        raise Http404("No agreement for that year.")
    form = ReviewForm(request.POST or None, year=year)
    if request.method == "POST" and form.is_valid():
        try:
            agreement_review_record(agreement=agreement, user=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, f"{form.cleaned_data['period'].label} review recorded.")
            return redirect("system-lens-agreement", code=system.ods_code, year=year)
    return render(
        request,
        "systemlens/review_form.html",
        {"system": system, "agreement": agreement, "form": form, "breadcrumbs": _back(system)},
    )


# --- meetings ------------------------------------------------------------------------------------


def _owners(system: System) -> QuerySet[User]:
    """Who may own an action: those whose roles cover the ICS or one of its bodies."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(role_assignments__system=system)
            | Q(role_assignments__region=system.region_id)
            | Q(role_assignments__organisation__system=system)
            | Q(
                role_assignments__region__isnull=True,
                role_assignments__system__isnull=True,
                role_assignments__organisation__isnull=True,
            )
        )
        .distinct()
        .order_by("email")
    )


def _links(system: System, bodies: list[Organisation]) -> list[tuple[str, str]]:
    """What an agenda item may be about: the latest quarter's flags and proposals of the ICS's
    bodies, and the metrics with their roll-ups."""
    quarter = latest_quarter()
    if quarter is None:
        return []
    flags = Flag.objects.filter(run_id=quarter.run.pk, organisation__in=bodies).select_related(
        "organisation", "metric"
    )
    proposals = Proposal.objects.filter(
        period=quarter.period, organisation__in=bodies
    ).select_related("organisation")
    metrics = Metric.objects.filter(edition_id=quarter.run.edition_id, local_to__isnull=True)
    return [
        *(
            (
                f"flag:{f.pk}",
                f"Flag: {f.get_kind_display()}, {f.metric or ''} – {f.organisation.name}",
            )
            for f in flags
        ),
        *(
            (f"proposal:{p.pk}", f"Proposal: segment {p.segment} – {p.organisation.name}")
            for p in proposals
        ),
        *((f"metric:{m.pk}", f"Metric: {m.code} {m.name}") for m in metrics.order_by("code")),
    ]


def _agenda_item(title: str, about: str) -> AgendaInput:
    kind, _, key = about.partition(":")
    if kind == "flag":
        return AgendaInput(title=title, flag_id=int(key))
    if kind == "proposal":
        return AgendaInput(title=title, proposal=Proposal.objects.filter(pk=key).first())
    if kind == "metric":
        return AgendaInput(title=title, metric=Metric.objects.filter(pk=key).first())
    return AgendaInput(title=title)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest, code: str) -> HttpResponse:
    system = recording_system(request, code)
    ics = system_body(system)
    bodies = Organisation.objects.filter(
        Q(pk=ics.pk) | Q(pk__in=system_bodies(system).values("pk"))
    ).order_by("kind", "name")
    form = MeetingForm(
        request.POST or None,
        bodies=bodies,
        owners=_owners(system),
        links=_links(system, list(bodies)),
        initial={"organisation": ics.pk},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        details = MeetingInput(**{name: data[name] for name in MeetingInput.__dataclass_fields__})
        agenda = [
            _agenda_item(data[f"agenda_{n}_title"], data[f"agenda_{n}_about"])
            for n in range(1, AGENDA_ROWS + 1)
            if data[f"agenda_{n}_title"]
        ]
        actions = [
            ActionInput(
                data[f"action_{n}_description"],
                data[f"action_{n}_owner"],
                data[f"action_{n}_due_on"],
            )
            for n in range(1, ACTION_ROWS + 1)
            if data[f"action_{n}_description"]
        ]
        try:
            meeting = meeting_record(
                organisation=data["organisation"],
                details=details,
                agenda=agenda,
                actions=actions,
                user=request.user,  # type: ignore[arg-type]
            )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, "Meeting recorded.")
            return redirect("system-lens-meeting", pk=meeting.pk)
    return render(
        request,
        "systemlens/meeting_form.html",
        {"system": system, "form": form, "breadcrumbs": _back(system)},
    )


@login_required
def meeting_page(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = (
        meetings_visible(request.user)
        .select_related("organisation", "organisation__system", "recorded_by")
        .filter(pk=pk)
        .first()
    )
    if meeting is None:
        raise Http404("No such meeting.")
    context = meeting_context(request, meeting)
    system = meeting.organisation.system
    context["breadcrumbs"] = _back(system) if system else []
    context["user_id"] = request.user.pk
    context["may_record"] = may_run_oversight(request.user, meeting.organisation)
    return render(request, "systemlens/meeting.html", context)


@login_required
@require_POST
def action_done(request: HttpRequest, pk: int) -> HttpResponse:
    action = MeetingAction.objects.filter(pk=pk).first()
    if action is None:
        raise Http404("No such action.")
    try:
        meeting_action_done(action=action, user=request.user)  # type: ignore[arg-type]
    except (NotFound, NotPermitted):
        raise Http404("No such action.") from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Action done: {action.description}")
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/") and not back.startswith("//") else "home")


# --- concerns ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def concern_new(request: HttpRequest, code: str) -> HttpResponse:
    system = recording_system(request, code)
    bodies = Organisation.objects.filter(
        Q(pk=system_body(system).pk) | Q(pk__in=system_bodies(system).values("pk"))
    ).order_by("kind", "name")
    flag_id = request.GET.get("flag") or request.POST.get("flag")
    form = ConcernForm(request.POST or None, bodies=bodies)
    if flag_id:  # the flag names the body, and the title unless one is given
        form.fields["organisation"].required = False
        form.fields["title"].required = False
    if request.method == "POST" and form.is_valid():
        try:
            if flag_id and flag_id.isdigit():
                concern = concern_open_from_flag(
                    flag_id=int(flag_id),
                    title=form.cleaned_data["title"],
                    user=request.user,  # type: ignore[arg-type]
                )
            else:
                concern = concern_open(
                    organisation=form.cleaned_data["organisation"],
                    title=form.cleaned_data["title"],
                    user=request.user,  # type: ignore[arg-type]
                )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, "Concern opened: record its assessment next.")
            return redirect("system-lens-concern", pk=concern.pk)
    return render(
        request,
        "systemlens/concern_form.html",
        {"system": system, "form": form, "flag_id": flag_id, "breadcrumbs": _back(system)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def concern_page(request: HttpRequest, pk: int) -> HttpResponse:
    concern = (
        concerns_visible(request.user)
        .select_related("organisation", "organisation__system", "metric", "period", "assessed_by")
        .filter(pk=pk)
        .first()
    )
    if concern is None:
        raise Http404("No such concern.")
    initial = {name: getattr(concern, name) for name in [*ASSESSMENT, "outcome", "outcome_reason"]}
    form = AssessmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and request.POST.get("close"):
        try:
            concern_close(concern=concern, user=request.user)  # type: ignore[arg-type]
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, "Concern closed.")
            return redirect("system-lens-concern", pk=concern.pk)
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            concern_assess(
                concern=concern,
                assessment={name: data[name] for name in ASSESSMENT},
                outcome=data["outcome"],
                outcome_reason=data["outcome_reason"],
                user=request.user,  # type: ignore[arg-type]
            )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, "Assessment recorded.")
            return redirect("system-lens-concern", pk=concern.pk)
    system = concern.organisation.system
    return render(
        request,
        "systemlens/concern.html",
        {
            "concern": concern,
            "form": form,
            "assessment": [(ASSESSMENT[n], getattr(concern, n)) for n in ASSESSMENT],
            "may_record": may_run_oversight(request.user, concern.organisation),
            "breadcrumbs": _back(system) if system else [],
        },
    )
