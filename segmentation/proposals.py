"""Proposals: computed and stored for every body of a quarter when its calculation run is
published (issue 8 item 2), under every method of the run's edition.

``metrics.calculation`` sends ``run_published`` after the commit that makes a run current;
``segmentation.receivers`` enqueues ``segmentation.tasks.compute_proposals`` with the run id,
which calls ``proposals_compute``. Safe to run twice and in any order: a run that is no longer
its quarter's current run computes nothing (the newer run's own task will), and the rows are
written by upsert, one quarter's proposals at a time (an advisory lock per quarter), after
checking the pointer: a newer run published meanwhile has its own task waiting on that lock,
which then writes over these. The pointer row itself is never locked: the next run's
publication, which switches it, never waits for proposals (it waited up to 0.8 s at England
scale, most of the p95 of acceptance to flags readable).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from metrics.models.calculation import CalculationRun, CurrentRun
from metrics.models.catalogue import Methodology
from oversight.bulk import is_postgres
from segmentation.criteria import BodyFacts, Outcome
from segmentation.facts import quarter_facts
from segmentation.methods import method_ensure, nof_parameters, sof_parameters
from segmentation.models import Proposal, SegmentationEvent, SegmentationMethod
from segmentation.nof import nof_proposals
from segmentation.sof import sof_proposal

UPDATED = (
    "method_version",
    "run",
    "peer_group",
    "segment",
    "basis",
    "summary",
    "average_score",
    "scored_metrics",
    "criteria",
    "domain_scores",
    "flag_counts",
    "computed_at",
)


def outcomes_of(method: SegmentationMethod, bodies: dict[int, BodyFacts]) -> dict[int, Outcome]:
    """The method's pure steps over a quarter's facts."""
    if method.rules == Methodology.SOF_2021_22:
        parameters = sof_parameters(method)
        return {pk: sof_proposal(facts, parameters) for pk, facts in bodies.items()}
    return nof_proposals(bodies, nof_parameters(method))


def proposals_compute(*, run_id: int) -> dict[str, int]:
    """Store the quarter's proposals of run ``run_id`` under each method of its edition.

    Returns how many proposals each method stored ({} when the run is not, or no longer, its
    quarter's current run).
    """
    run = CalculationRun.objects.select_related("period", "edition").filter(pk=run_id).first()
    if run is None:
        return {}
    method_ensure(run.edition)
    methods = list(SegmentationMethod.objects.filter(edition_id=run.edition_id))
    kinds = frozenset().union(*(m.kinds for m in methods))
    facts = quarter_facts(run, kinds)
    stored: dict[str, int] = {}
    with transaction.atomic():
        _quarter_lock(run)
        pointer = CurrentRun.objects.filter(
            period_id=run.period_id, edition_id=run.edition_id
        ).first()
        if pointer is None or pointer.run_id != run.pk:
            return {}
        for method in methods:
            bodies = {pk: f for pk, f in facts.items() if f.kind in method.kinds}
            stored[method.code] = _store(run, method, outcomes_of(method, bodies), bodies)
    return stored


# Namespace of the proposals' advisory locks (beside metrics.calculation.sql's quarter locks).
PROPOSALS_LOCK_NAMESPACE = 0x5E6 << 40


def _quarter_lock(run: CalculationRun) -> None:
    """Until the transaction ends, the quarter's proposals are this task's to write (PostgreSQL;
    the embedded default runs tasks one at a time)."""
    if not is_postgres():
        return
    key = PROPOSALS_LOCK_NAMESPACE | (run.edition_id << 24) | run.period_id
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _store(
    run: CalculationRun,
    method: SegmentationMethod,
    outcomes: dict[int, Outcome],
    bodies: dict[int, BodyFacts],
) -> int:
    now = timezone.now()
    rows = [
        Proposal(
            organisation_id=pk,
            period_id=run.period_id,
            method=method,
            method_version=method.version,
            run=run,
            peer_group=bodies[pk].peer_group,
            segment=outcome.segment,
            basis=outcome.basis,
            summary=outcome.summary[:500],
            average_score=outcome.average_score,
            scored_metrics=outcome.scored_metrics,
            criteria=[c.as_json() for c in outcome.criteria],
            domain_scores=[
                {"theme": d.theme, "name": d.name, "average": _text(d.average)}
                for d in outcome.domain_scores
            ],
            flag_counts=dict(Counter(flag.kind for flag in bodies[pk].flags)),
            computed_at=now,
        )
        for pk, outcome in outcomes.items()
    ]
    Proposal.objects.bulk_create(
        rows,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["organisation", "period", "method"],
        update_fields=list(UPDATED),
    )
    # Bodies no longer segmented this quarter (closed, or kinds changed) keep no proposal.
    Proposal.objects.filter(period_id=run.period_id, method=method).exclude(
        organisation_id__in=list(outcomes)
    ).delete()
    SegmentationEvent.objects.create(
        action=SegmentationEvent.Action.PROPOSALS_COMPUTED,
        period_id=run.period_id,
        run=run,
        detail={
            "method": method.label,
            "run": run.pk,
            "bodies": len(rows),
            "segments": _counts(o.segment for o in outcomes.values()),
        },
    )
    return len(rows)


def _counts(segments: Any) -> dict[str, int]:
    counted = Counter("none" if s is None else str(s) for s in segments)
    return dict(sorted(counted.items()))


def _text(value: object) -> str | None:
    return None if value is None else str(value)
