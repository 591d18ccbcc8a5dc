"""Fetch-and-authorise for returns, one helper per way of naming one, for pages and API alike.

A return is named by its id (the API) or by its body's ODS code and its quarter (pages). Either
way, "not yours" and "does not exist" are the same ``NotFound``; what the user may then do with
it is decided by the operations (``metrics.returns.policy.require_permission``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.scope import AnyUser, organisation_for, organisations_visible_to
from metrics.catalogue.editions import edition_for
from metrics.catalogue.periods import PeriodLabelError, period_from_label
from metrics.models.catalogue import FrameworkEdition, Period
from metrics.models.returns import Return
from oversight.errors import NotFound
from oversight.models import Organisation


@dataclass(frozen=True)
class ReturnSlot:
    """A body's return for a quarter: the record may not exist yet (nothing uploaded)."""

    organisation: Organisation
    period: Period
    edition: FrameworkEdition
    record: Return | None


def period_named(text: str) -> Period:
    """The quarter a label or slug names ("2021-22 Q3", "2021-22-q3"); NotFound otherwise."""
    try:
        return period_from_label(text)
    except PeriodLabelError as unknown:
        raise NotFound(str(unknown)) from unknown


def edition_of(period: Period) -> FrameworkEdition:
    try:
        return edition_for(period)
    except FrameworkEdition.DoesNotExist as missing:
        raise NotFound(f"The framework edition of {period.label} is not loaded.") from missing


def return_slot_for(
    user: AnyUser, ods_code: str, period_text: str, records: QuerySet[Return] | None = None
) -> ReturnSlot:
    """The return of a body the user may see, for a quarter; ``records`` may add the
    select_related a page needs."""
    organisation = organisation_for(user, ods_code)
    period = period_named(period_text)
    edition = edition_of(period)
    record = (
        (records if records is not None else Return.objects)
        .filter(organisation=organisation, period=period, edition=edition)
        .first()
    )
    return ReturnSlot(organisation=organisation, period=period, edition=edition, record=record)


def return_for(user: AnyUser, return_id: int, records: QuerySet[Return] | None = None) -> Return:
    """The return with this id if the user may see its body; NotFound for "not yours" and
    "does not exist" alike. ``records`` may add the select_related a caller needs."""
    records = records if records is not None else Return.objects.all()
    found = records.filter(pk=return_id, organisation__in=organisations_visible_to(user)).first()
    if found is None:
        raise NotFound("No such return.")
    return found
