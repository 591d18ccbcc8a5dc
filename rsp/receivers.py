"""rsp's answers to what segmentation and the calculation tell it (signals, after commit).

- a confirmed segment 3, 4 or 5 decision opens the case its edition's programme gives;
- a decision sent back after confirmation withdraws the case it opened;
- a published calculation run re-evaluates the measured exit criteria of open cases.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from metrics.calculation.signals import run_published
from segmentation.signals import decision_confirmed, decision_sent_back


@receiver(decision_confirmed, dispatch_uid="rsp.case_on_confirmation")
def case_on_confirmation(sender: object, *, decision_id: int, **kwargs: Any) -> None:
    from rsp.cases import case_open_from_decision
    from segmentation.models import SegmentDecision

    decision = (
        SegmentDecision.objects.select_related("method__edition", "organisation", "period")
        .filter(pk=decision_id)
        .first()
    )
    if decision is not None:
        case_open_from_decision(decision=decision, user=decision.confirmed_by)


@receiver(decision_sent_back, dispatch_uid="rsp.withdraw_on_send_back")
def withdraw_on_send_back(
    sender: object, *, decision_id: int, was_confirmed: bool, **kwargs: Any
) -> None:
    from rsp.cases import case_withdraw
    from rsp.models import Case, CaseState

    if not was_confirmed:
        return
    for case in Case.objects.filter(decision_id=decision_id, state=CaseState.OPEN):
        case_withdraw(case=case, reason="The decision that opened it was sent back.", user=None)


@receiver(run_published, dispatch_uid="rsp.criteria_after_publication")
def criteria_after_publication(sender: object, *, run_id: int, **kwargs: Any) -> None:
    from rsp.tasks import criteria_enqueue

    criteria_enqueue(run_id)
