"""Provenance, one step each way (issue 8 item 3).

Down: a proposal → its criteria → the flags, quartiles and scores each read → the values →
the accepted return version and its upload → the run (``proposal_trace``). Up: a body's value
of a metric in a quarter → every flag it raised and every proposal (and the criteria of it)
that read it (``value_trace``). Both read the stored rows of the proposal's run — never
recomputed — in a fixed handful of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from accounts.scope import AnyUser
from metrics.models.calculation import CalculationRun, CurrentRun
from metrics.models.catalogue import Metric, Period
from metrics.models.results import Flag, MetricResult
from metrics.models.returns import Value
from metrics.results.selectors import with_thresholds
from oversight.errors import NotFound
from oversight.models import Organisation
from segmentation.access import proposals_visible
from segmentation.models import Proposal, SegmentDecision


@dataclass
class CriterionTrace:
    criterion: dict[str, Any]
    results: list[MetricResult] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # metric codes with no result in the run


@dataclass
class ProposalTrace:
    proposal: Proposal
    criteria: list[CriterionTrace]


def _results_of(run_id: int, organisation_id: int, codes: set[str]) -> dict[str, MetricResult]:
    rows = with_thresholds(
        MetricResult.objects.filter(
            run_id=run_id, organisation_id=organisation_id, metric__code__in=codes
        )
    ).select_related(
        "metric",
        "version__return_record__period",
        "version__return_record__organisation",
    )
    # The uploaded file itself is not needed to name the version: leave its bytes unread.
    return {row.metric.code: row for row in rows.defer("version__file_content")}


def proposal_trace(proposal: Proposal) -> ProposalTrace:
    """Each criterion with the results and flags it read (two queries)."""
    codes = {code for c in proposal.criteria for code in c.get("metrics", [])}
    results = _results_of(proposal.run_id, proposal.organisation_id, codes)
    flags = list(
        Flag.objects.filter(run_id=proposal.run_id, organisation_id=proposal.organisation_id)
        .select_related("metric")
        .order_by("metric__code", "kind")
    )
    traced = []
    for criterion in proposal.criteria:
        wanted = {(f["metric"], f["kind"]) for f in criterion.get("flags", [])}
        mine = [r for code in criterion.get("metrics", []) if (r := results.get(code))]
        traced.append(
            CriterionTrace(
                criterion=criterion,
                results=mine,
                flags=[f for f in flags if (f.metric.code if f.metric else "", f.kind) in wanted],
                missing=[c for c in criterion.get("metrics", []) if c not in results],
            )
        )
    return ProposalTrace(proposal, traced)


@dataclass
class ProposalUse:
    """A proposal that read the value, with the criteria that did, and the decisions on it."""

    proposal: Proposal
    criteria: list[dict[str, Any]]
    decisions: list[SegmentDecision]


@dataclass
class ValueTrace:
    organisation: Organisation
    metric: Metric
    period: Period
    run: CalculationRun
    result: MetricResult | None
    values: list[Value]
    flags: list[Flag]
    proposals: list[ProposalUse]


def _reads(criterion: dict[str, Any], code: str) -> bool:
    return code in criterion.get("metrics", []) or any(
        f.get("metric") == code for f in criterion.get("flags", [])
    )


def value_trace(
    *, user: AnyUser, organisation: Organisation, metric_code: str, period: Period
) -> ValueTrace:
    """Up from one value: its result, the submitted values, its flags and the proposals it fed.

    ``organisation`` must already be one the user may see; proposals are shown only to those
    who oversee it. NotFound when the quarter has no run or the edition no such metric.
    """
    pointer = (
        CurrentRun.objects.filter(period=period, edition__metrics__code=metric_code)
        .select_related("run", "edition")
        .order_by("edition__code")
        .first()
    )
    if pointer is None:
        raise NotFound(f"No calculation run of {period.label} has a metric {metric_code}.")
    metric = Metric.objects.select_related("theme", "edition").get(
        edition=pointer.edition, code=metric_code
    )
    run = pointer.run
    result = _results_of(run.pk, organisation.pk, {metric_code}).get(metric_code)
    values = (
        list(
            Value.objects.filter(version_id=result.version_id, metric=metric).order_by("period_end")
        )
        if result is not None
        else []
    )
    flags = list(
        Flag.objects.filter(run=run, organisation=organisation, metric=metric).order_by("kind")
    )
    proposals = list(
        proposals_visible(user)
        .filter(organisation=organisation, period=period, run=run)
        .select_related("method")
        .prefetch_related("decisions")
    )
    uses = [
        ProposalUse(
            proposal,
            [c for c in proposal.criteria if _reads(c, metric_code)],
            list(proposal.decisions.all()),
        )
        for proposal in proposals
    ]
    return ValueTrace(
        organisation, metric, period, run, result, values, flags, [u for u in uses if u.criteria]
    )
