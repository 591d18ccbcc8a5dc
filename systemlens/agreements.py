"""ICS agreements: record a version (the whole agreement as agreed, with its local strategic
priorities), add a local metric for a priority, and record the quarterly review.

Each write is one transaction with its audit event; only the ICS's regional team (or national
admins) record; an ICS lead sees but does not record (403); anyone else gets 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Max, Q

from accounts.models import User
from metrics.engine.kinds import Frequency, Polarity, ValueType, stored_values
from metrics.models.catalogue import FrameworkEdition, Metric, Period, Theme
from oversight.errors import ActionRefused, InputRejected
from oversight.models import System
from systemlens.access import require_oversight_of_system
from systemlens.events import event_record
from systemlens.models import (
    Agreement,
    AgreementReview,
    AgreementVersion,
    LensAction,
    Priority,
    ReviewRating,
)

LOCAL_THEME = "local_strategic_priorities"


@dataclass(frozen=True)
class PriorityInput:
    title: str
    owner: str
    metric: Metric | None = None
    target: float | None = None


@dataclass(frozen=True)
class AgreementInput:
    delivery_arrangements: str
    governance_arrangements: str
    agreed_on: date
    agreed_by: str
    places_and_collaboratives: str = ""
    change_note: str = ""


def metrics_for_priorities(system: System) -> Q:
    """The metrics a priority of this ICS may name: national ones and its own local ones."""
    return Q(local_to__isnull=True) | Q(local_to=system)


def _check_agreement(
    terms: AgreementInput, priorities: list[PriorityInput], system: System
) -> None:
    problems: dict[str, list[str]] = {}
    for field in ("delivery_arrangements", "governance_arrangements", "agreed_by"):
        if not getattr(terms, field).strip():
            words = field.replace("_", " ")
            problems[field] = [f"Give the {words}."]
    for n, priority in enumerate(priorities, start=1):
        if not priority.title.strip():
            problems.setdefault("priorities", []).append(f"Priority {n}: give its title.")
        if not priority.owner.strip():
            problems.setdefault("priorities", []).append(f"Priority {n}: give its owner.")
        if priority.target is not None and priority.metric is None:
            problems.setdefault("priorities", []).append(
                f"Priority {n}: a target needs the metric it is measured by."
            )
        if priority.metric is not None and priority.metric.local_to_id not in (None, system.pk):
            problems.setdefault("priorities", []).append(
                f"Priority {n}: {priority.metric.code} is another ICS's local metric."
            )
    if problems:
        raise InputRejected("The agreement is not complete.", problems)


@transaction.atomic
def agreement_version_record(
    *,
    system: System,
    year: int,
    terms: AgreementInput,
    priorities: list[PriorityInput],
    user: User,
) -> AgreementVersion:
    """Record what the ICS and its region agreed for the year: a new, complete version."""
    require_oversight_of_system(user, system)
    _check_agreement(terms, priorities, system)
    agreement, _ = Agreement.objects.select_for_update().get_or_create(system=system, year=year)
    last = agreement.versions.aggregate(n=Max("number"))["n"] or 0
    version = AgreementVersion.objects.create(
        agreement=agreement,
        number=last + 1,
        delivery_arrangements=terms.delivery_arrangements.strip(),
        governance_arrangements=terms.governance_arrangements.strip(),
        places_and_collaboratives=terms.places_and_collaboratives.strip(),
        agreed_on=terms.agreed_on,
        agreed_by=terms.agreed_by.strip(),
        change_note=terms.change_note.strip(),
        recorded_by=user,
    )
    Priority.objects.bulk_create(
        Priority(
            version=version,
            position=n,
            title=p.title.strip(),
            owner=p.owner.strip(),
            metric=p.metric,
            target=p.target,
        )
        for n, p in enumerate(priorities, start=1)
    )
    event_record(
        action=LensAction.AGREEMENT_VERSION,
        actor=user,
        subject_id=version.pk,
        system=system,
        detail={
            "year": agreement.year_label,
            "version": version.number,
            "agreed_on": terms.agreed_on.isoformat(),
            "agreed_by": version.agreed_by,
            "priorities": [p.title for p in priorities],
        },
    )
    return version


def current_version(agreement: Agreement) -> AgreementVersion | None:
    return agreement.versions.order_by("-number").first()


@transaction.atomic
def agreement_review_record(
    *,
    agreement: Agreement,
    period: Period,
    held_on: date,
    rating: str,
    outcome: str,
    next_steps: str,
    user: User,
) -> AgreementReview:
    """Record the quarter's review of the agreement (one per quarter)."""
    require_oversight_of_system(user, agreement.system)
    problems: dict[str, list[str]] = {}
    if rating not in ReviewRating.values:
        problems["rating"] = ["Say whether the agreement is on track."]
    if not outcome.strip():
        problems["outcome"] = ["Give the review's outcome."]
    if not next_steps.strip():
        problems["next_steps"] = ["Give the next steps."]
    if period.year != agreement.year:
        problems["period"] = [f"{period.label} is not a quarter of {agreement.year_label}."]
    if problems:
        raise InputRejected("The review is not complete.", problems)
    version = current_version(agreement)
    if version is None:
        raise ActionRefused("There is no agreed version to review yet.")
    if AgreementReview.objects.filter(agreement=agreement, period=period).exists():
        raise ActionRefused(f"{period.label}'s review of this agreement is recorded already.")
    review = AgreementReview.objects.create(
        agreement=agreement,
        version=version,
        period=period,
        held_on=held_on,
        rating=rating,
        outcome=outcome.strip(),
        next_steps=next_steps.strip(),
        recorded_by=user,
    )
    event_record(
        action=LensAction.AGREEMENT_REVIEW,
        actor=user,
        subject_id=review.pk,
        system=agreement.system,
        detail={"quarter": period.label, "held_on": held_on.isoformat(), "rating": rating},
    )
    return review


@transaction.atomic
def local_metric_add(
    *,
    system: System,
    edition: FrameworkEdition,
    code: str,
    name: str,
    unit: str,
    polarity: str,
    user: User,
) -> Metric:
    """A local metric for one of the ICS's priorities, in the edition's local priorities theme
    (SOF 2021/22's sixth theme), seen only by the ICS, its region and national users."""
    require_oversight_of_system(user, system)
    theme = Theme.objects.filter(edition=edition, slug=LOCAL_THEME).first()
    problems: dict[str, list[str]] = {}
    if theme is None:
        problems["edition"] = [f"{edition.name} has no local strategic priorities theme."]
    if not code.strip() or not name.strip() or not unit.strip():
        problems["non_field_errors"] = ["Give the local metric's code, name and unit."]
    if polarity not in stored_values(Polarity):
        problems["polarity"] = ["Say whether higher or lower is better."]
    if Metric.objects.filter(edition=edition, code=code.strip()).exists():
        problems["code"] = [f"{edition.name} has a metric {code.strip()} already."]
    if problems or theme is None:
        raise InputRejected("The local metric is not complete.", problems)
    metric = Metric.objects.create(
        edition=edition,
        code=code.strip(),
        name=name.strip(),
        theme=theme,
        applies_to="ics",
        polarity=polarity,
        unit=unit.strip(),
        value_type=ValueType.SCORE,
        frequency=Frequency.QUARTERLY,
        scored=False,
        local_to=system,
        definition=f"A local strategic priority metric of {system.name}.",
        source=f"Agreed locally by {system.name} and {system.region.name}",
    )
    event_record(
        action=LensAction.LOCAL_METRIC,
        actor=user,
        subject_id=metric.pk,
        system=system,
        detail={"edition": edition.code, "code": metric.code, "name": metric.name},
    )
    return metric
