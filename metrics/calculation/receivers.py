"""The calculation's answers to what happens elsewhere: an accepted version asks for a run of its
quarter; a body moving peer group asks for a full run of every quarter with results."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django.urls import reverse

from metrics.calculation.runs import calculation_request
from metrics.models.calculation import CurrentRun
from metrics.models.returns import Return, ReturnVersion
from metrics.returns.signals import FollowUp, version_accepted
from oversight.models import Organisation
from oversight.signals import peer_group_changed


@receiver(version_accepted, dispatch_uid="metrics.calculation.request_after_acceptance")
def request_after_acceptance(
    sender: object, *, return_record: Return, version: ReturnVersion, **kwargs: Any
) -> FollowUp:
    """Record a pending run of the quarter in the accepting transaction (sent on commit); the
    acceptance says which run it started and links to it."""
    run = calculation_request(
        period=return_record.period,
        edition=return_record.edition,
        reason=f"Accepted {return_record.organisation.ods_code} v{version.number}",
    )
    return FollowUp(
        kind="calculation_run",
        id=run.pk,
        label=f"Calculation run {run.pk}",
        url=reverse("run-detail", args=[run.pk]),
        api_url=reverse("api-run-detail", args=[run.pk]),
    )


@receiver(peer_group_changed, dispatch_uid="metrics.calculation.request_after_peer_group_change")
def request_after_peer_group_change(
    sender: object, *, organisation: Organisation, before: str, **kwargs: Any
) -> None:
    """A body compared with other peers changes every published quarter's quartiles and scores:
    ask for a full run of each quarter that has results (recorded in the edit's transaction)."""
    reason = f"{organisation.ods_code} moved from peer group {before} to {organisation.peer_group}"
    for current in CurrentRun.objects.select_related("period", "edition"):
        calculation_request(
            period=current.period, edition=current.edition, reason=reason, full=True
        )
