"""The user's segmentation notifications in the browser (each also sent once by email): newest
first, unread ones tagged; opening one marks it read (``notification_read``, as the API does)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts.scope import request_user
from segmentation.models import Notification
from segmentation.notifications import notification_read
from segmentation.views.common import domain_page

PAGE_SIZE = 50


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    mine = Notification.objects.filter(recipient_id=request_user(request).pk)
    page = Paginator(mine.order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "segmentation/notifications.html",
        {"page_obj": page, "unread": mine.filter(read_at__isnull=True).count()},
    )


@login_required
@require_POST
@domain_page
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    notification = notification_read(notification_id=pk, user=request_user(request))
    safe = url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None)
    return redirect(notification.url if safe and notification.url else "segmentation-notifications")
