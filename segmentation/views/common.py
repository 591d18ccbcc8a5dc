"""What every segmentation page shares: domain errors as pages, and the nodes in the URL."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from accounts.scope import AnyUser, is_national, region_for
from metrics.models.catalogue import Period
from oversight.errors import NotFound, NotPermitted
from oversight.models import Region
from segmentation.access import period_named

View = Callable[..., HttpResponse]


def domain_page(view: View) -> View:
    """Outside scope or not there → the 404 page; seen but not allowed → the 403 page. Other
    refusals are shown by the view itself, in its form's error summary."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as missing:
            raise Http404(missing.message) from None
        except NotPermitted as refused:
            raise PermissionDenied(refused.message) from None

    return wrapped


def quarter(slug: str) -> Period:
    return period_named(slug)


def region_seen(user: AnyUser, code: str) -> Region:
    return region_for(user, code)


def require_national(user: AnyUser) -> None:
    """National pages: everyone else, as for anything outside their scope, gets 404."""
    if not is_national(user):
        raise NotFound("National segmentation is for national users.")


def posted(request: HttpRequest) -> Any:
    """The POST data of a POST (even empty, so the form is bound and says what is missing)."""
    return request.POST if request.method == "POST" else None


def querystring(request: HttpRequest, *drop: str) -> str:
    params = request.GET.copy()
    for name in ("page", *drop):
        params.pop(name, None)
    return params.urlencode()


def crumbs(period: Period, *more: tuple[str, str]) -> list[tuple[str, str]]:
    return [("Segmentation", f"/segmentation/?period={period.slug}"), *more]
