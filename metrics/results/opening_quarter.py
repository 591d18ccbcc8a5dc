"""Which quarter a body's profile opens on, and why the latest quarter is not it.

A profile asked for no quarter opens on the latest quarter that has results *and* an accepted
return from the body: the latest run's quarter may be one whose return the body has not had
accepted yet, and a page of "No data" would read as if the body had sent nothing. When the
quarter whose window is open (or the latest with results) is not the one shown, the page says
why, from the state of the body's return for it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import timezone

from metrics.models.catalogue import Period
from metrics.models.returns import Return, ReturnState
from metrics.results.selectors import QuarterRun
from oversight.models import Organisation

WHY = {
    None: "{body} has not submitted a return for it yet",
    ReturnState.SUBMITTED: "{body}'s return for it is submitted and awaits sign-off",
    ReturnState.SIGNED_OFF: "{body}'s return for it is signed off and awaits regional review",
    ReturnState.RETURNED: "{body}'s return for it was sent back for correction",
    ReturnState.ACCEPTED: "{body}'s return for it is accepted; its results are being calculated",
}


def opening_quarter(
    organisation: Organisation, quarters: Sequence[QuarterRun]
) -> QuarterRun | None:
    """The latest quarter with results and the body's accepted return (else the latest)."""
    accepted = set(
        Return.objects.filter(
            organisation=organisation, accepted_version__isnull=False
        ).values_list("period_id", flat=True)
    )
    found = next((q for q in quarters if q.period.pk in accepted), None)
    return found or (quarters[0] if quarters else None)


def quarter_shown(
    organisation: Organisation, quarters: Sequence[QuarterRun], asked: str | None
) -> str | None:
    """The quarter a body's page (profile or metric) shows: the one asked for, else the one it
    opens on."""
    if asked:
        return asked
    opening = opening_quarter(organisation, quarters)
    return opening.period.label if opening is not None else None


def latest_quarter_note(
    organisation: Organisation, shown: QuarterRun | None, quarters: Sequence[QuarterRun]
) -> str:
    """Why a later quarter is not the one shown: the latest with results when the profile opened
    on an earlier one, else the latest whose window has opened; "" when there is none."""
    if quarters and shown is not None and shown.period.pk != quarters[0].period.pk:
        latest: Period | None = quarters[0].period
    else:
        latest = (
            Period.objects.filter(opens_on__lte=timezone.localdate())
            .order_by("-year", "-quarter")
            .first()
        )
    if latest is None or (shown is not None and shown.period.pk == latest.pk):
        return ""
    record = (
        Return.objects.filter(organisation=organisation, period=latest)
        .exclude(current_version__isnull=True)
        .order_by("-updated_at")
        .first()
    )
    state = ReturnState(record.state) if record is not None else None
    why = WHY[state].format(body=organisation.name)
    return f"{latest.label} is not shown: {why}. Results come once it is accepted and recalculated."
