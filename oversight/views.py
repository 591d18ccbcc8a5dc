"""Registry pages: the directory region → ICS → organisations, always within the user's scope."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.home import home_sections
from accounts.registry import organisation_sector_set
from accounts.roles import EDIT_REGISTRY, Role, policy_rows
from accounts.scope import can, organisation_for, region_for, request_user, system_for
from oversight.errors import NotFound
from oversight.forms import DirectoryFilterForm, SectorForm
from oversight.models import OrganisationKind
from oversight.selectors import organisation_list, region_list, system_list

PAGE_SIZE = 50


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What needs the user now: the sections each app gives (accounts/home.py)."""
    return render(
        request, "oversight/home.html", {"sections": home_sections(request_user(request))}
    )


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET or None)
    organisations = organisation_list(user=request.user).order_by("kind", "name")
    if form.is_valid():
        q, kind, sector = (form.cleaned_data[k] for k in ("q", "kind", "sector"))
        if q:
            organisations = organisations.filter(Q(name__icontains=q) | Q(ods_code__iexact=q))
        if kind:
            organisations = organisations.filter(kind=kind)
        if sector:
            organisations = organisations.filter(sector=sector)
    page = Paginator(organisations, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "oversight/directory.html",
        {
            "form": form,
            "regions": list(region_list(user=request.user)),
            "systems": list(system_list(user=request.user).order_by("region__name", "name")),
            "page_obj": page,
            "querystring": query.urlencode(),
        },
    )


@login_required
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    region = region_for(request.user, code)
    systems = system_list(user=request.user).filter(region=region).order_by("name")
    return render(
        request,
        "oversight/region_detail.html",
        {
            "region": region,
            "systems": systems,
            "breadcrumbs": [("Organisations", "/organisations/")],
        },
    )


@login_required
def system_detail(request: HttpRequest, code: str) -> HttpResponse:
    system = system_for(request.user, code)
    organisations = (
        organisation_list(user=request.user)
        .filter(system=system)
        .exclude(kind=OrganisationKind.ICS)
        .order_by("kind", "name")
    )
    return render(
        request,
        "oversight/system_detail.html",
        {"system": system, "organisations": organisations},
    )


@login_required
def organisation_detail(request: HttpRequest, code: str) -> HttpResponse:
    organisation = organisation_for(request.user, code)
    return render(
        request,
        "oversight/organisation_detail.html",
        {
            "organisation": organisation,
            "can_edit_sector": organisation.kind == OrganisationKind.TRUST
            and can(request.user, EDIT_REGISTRY, organisation),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def organisation_sector(request: HttpRequest, code: str) -> HttpResponse:
    user = request_user(request)
    organisation = organisation_for(user, code, EDIT_REGISTRY, "change its sector")
    if organisation.kind != OrganisationKind.TRUST:
        raise NotFound("Only trusts have a sector page.")
    form = SectorForm(request.POST or None, initial={"sector": organisation.sector})
    if request.method == "POST" and form.is_valid():
        organisation = organisation_sector_set(
            organisation=organisation, sector=form.cleaned_data["sector"], user=user
        )
        messages.success(
            request, f"Sector of {organisation.name} set to {organisation.get_sector_display()}."
        )
        return redirect("organisation-detail", code=organisation.ods_code)
    return render(
        request, "oversight/organisation_sector.html", {"organisation": organisation, "form": form}
    )


@login_required
def role_policy(request: HttpRequest) -> HttpResponse:
    """Who may do what: the role policy's own table (accounts.roles), as the README prints it."""
    return render(
        request,
        "oversight/role_policy.html",
        {"roles": [Role(role).label for role in Role.values], "rows": policy_rows()},
    )


# The pages the footer and the phase banner link to; open to everyone, signed in or not.
INFO_PAGES = ("accessibility", "privacy", "cookies", "feedback")


def info_page(request: HttpRequest, slug: str) -> HttpResponse:
    if slug not in INFO_PAGES:
        raise NotFound("No such page.")
    return render(
        request,
        f"oversight/info/{slug}.html",
        {
            "session_cookie": settings.SESSION_COOKIE_NAME,
            "session_days": max(1, settings.SESSION_COOKIE_AGE // 86400),
            "csrf_cookie": settings.CSRF_COOKIE_NAME,
        },
    )


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the load balancer and docker-compose: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
