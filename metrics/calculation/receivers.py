"""The calculation's answers to what happens to returns: an accepted version asks for a run."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from metrics.calculation.runs import calculation_request
from metrics.models.returns import Return, ReturnVersion
from metrics.returns.signals import version_accepted


@receiver(version_accepted, dispatch_uid="metrics.calculation.request_after_acceptance")
def request_after_acceptance(
    sender: object, *, return_record: Return, version: ReturnVersion, **kwargs: Any
) -> None:
    """Record a pending run of the quarter in the accepting transaction (sent on commit)."""
    calculation_request(
        period=return_record.period,
        edition=return_record.edition,
        reason=f"Accepted {return_record.organisation.ods_code} v{version.number}",
    )
