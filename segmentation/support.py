"""Which bodies are in a support programme: written by rsp, read by the proposals.

A body in the Recovery Support Programme is proposed 4 until it exits (DESIGN.md). The cases
are rsp's, and segmentation never imports rsp; so a case tells segmentation when its body
enters and exits a programme through these two functions, called in the case's own
transaction (rsp imports segmentation: the dependency points the allowed way). The quarter's
proposals are recomputed once that transaction commits.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from functools import partial

from django.db import transaction

from metrics.models.calculation import CurrentRun
from oversight.models import Organisation
from segmentation.criteria import SupportFact
from segmentation.models import SupportEntry, SupportProgramme
from segmentation.proposals_queue import proposals_enqueue


def support_entered(
    *,
    organisation: Organisation,
    programme: str,
    entered_on: date,
    reference: str,
    url: str = "",
) -> SupportEntry:
    """Record that ``organisation`` entered ``programme`` (a SupportProgramme value) on
    ``entered_on``; ``reference`` names the case (e.g. "rsp-case:12"), unique: calling again
    with the same reference updates the entry rather than adding one."""
    entry, _ = SupportEntry.objects.update_or_create(
        reference=reference,
        defaults={
            "organisation": organisation,
            "programme": SupportProgramme(programme),
            "entered_on": entered_on,
            "exited_on": None,
            "url": url,
        },
    )
    _recompute_from(entered_on)
    return entry


def support_exited(*, reference: str, exited_on: date) -> SupportEntry:
    """Record that the case ``reference`` exited its programme on ``exited_on``: from the next
    quarter that ends on or after that day, its body is no longer proposed for the programme."""
    entry = SupportEntry.objects.get(reference=reference)
    entry.exited_on = exited_on
    entry.save(update_fields=["exited_on"])
    _recompute_from(exited_on)
    return entry


def _recompute_from(day: date) -> None:
    """Recompute, after the commit, the proposals of each quarter that ends on or after ``day``."""
    runs = CurrentRun.objects.filter(period__end__gte=day).values_list("run_id", flat=True)
    for run_id in runs:
        transaction.on_commit(partial(proposals_enqueue, run_id))


def support_open(organisation_ids: Collection[int], on: date) -> dict[int, list[SupportFact]]:
    """The support cases of these bodies open at the end of ``on`` (one query)."""
    entries = SupportEntry.objects.filter(
        organisation_id__in=organisation_ids, entered_on__lte=on
    ).exclude(exited_on__lte=on)
    found: dict[int, list[SupportFact]] = {}
    for entry in entries.order_by("entered_on", "pk"):
        found.setdefault(entry.organisation_id, []).append(
            SupportFact(
                programme=entry.programme,
                programme_label=entry.get_programme_display(),
                entered_on=entry.entered_on,
                reference=entry.reference,
            )
        )
    return found
