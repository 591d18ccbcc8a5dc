"""A flag's evidence in words: the one place a flag's sentences are written.

A run stores each flag's kind with the few facts it was raised on (``metrics.engine.flags``:
values, thresholds, the rule, and the definition of its kind as parameters), never sentences.
Whoever shows a flag — a page, the API, an export — renders its words here, from those facts
and parameters, when it is shown. Pure: mappings in (as JSON gives them back), text out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Facts = Mapping[str, Any]
NO_WORDS = "The run recorded this flag without a worded reason."


def flag_sentences(evidence: Any, parameters: Any) -> list[str]:
    """Every reason of a flag in words, in the order the run found them."""
    reasons = evidence.get("reasons", []) if isinstance(evidence, Mapping) else []
    definition = parameters if isinstance(parameters, Mapping) else {}
    texts = [
        reason_sentence(reason, evidence, definition)
        for reason in reasons
        if isinstance(reason, Mapping)
    ]
    return texts or [NO_WORDS]


def reason_sentence(reason: Facts, evidence: Facts, parameters: Facts) -> str:
    """One reason in words: its rule's sentence over its facts."""
    words = SENTENCES.get(str(reason.get("rule", "")))
    if words is None:
        return NO_WORDS
    try:
        return words(reason, evidence, parameters)
    except (KeyError, TypeError, ValueError):
        return NO_WORDS  # facts missing or of the wrong type: say so, never half a sentence


def _quartile(reason: Facts, evidence: Facts, parameters: Facts) -> str:
    return (
        f"Quarter value {evidence['value']:g} is in quartile {reason['quartile']} of "
        f"{reason['n']} bodies in {reason['peer_group']} (P25 {reason['p25']:g}, "
        f"P50 {reason['p50']:g}, P75 {reason['p75']:g}; "
        f"{reason['polarity'].replace('_', ' ')})."
    )


def _outside_limits(reason: Facts, evidence: Facts, parameters: Facts) -> str:
    return (
        f"The latest point ({reason['latest_value']:g}, {reason['period_end']}) is a "
        f"special-cause concern outside the process limits "
        f"({reason['lcl']:g} to {reason['ucl']:g})."
    )


def _quartile_fall(reason: Facts, evidence: Facts, parameters: Facts) -> str:
    return (
        f"Fell from quartile {reason['previous_quartile']} in {reason['previous_period']} to "
        f"quartile {reason['quartile']} in {evidence['period']}."
    )


def _bottom_sustained(reason: Facts, evidence: Facts, parameters: Facts) -> str:
    bottom = [q["period"] for q in reason["quartiles"] if q["quartile"] == 4]
    return (
        f"Bottom quartile in {len(bottom)} of the last {parameters['of_last_quarters']} "
        f"quarters ({', '.join(bottom)})."
    )


def _run_or_trend(reason: Facts, evidence: Facts, parameters: Facts) -> str:
    return f"The latest point ({reason['period_end']}) is part of a concern-side SPC run or trend."


def _consistently_fail(reason: Facts, evidence: Facts, parameters: Facts) -> str:
    return (
        "SPC assurance is consistently fail: the target lies beyond the process limits "
        f"({reason['lcl']:g} to {reason['ucl']:g}) on the wrong side."
    )


def _latest_point(classification: str) -> Callable[[Facts, Facts, Facts], str]:
    def sentence(reason: Facts, evidence: Facts, parameters: Facts) -> str:
        signals = reason["signals"]
        rule = str(signals[0][0]) if signals else ""
        return (
            f"The latest point ({reason['latest_value']:g}, {reason['period_end']}) shows "
            f"special-cause {classification} ({rule.replace('_', ' ')})."
        )

    return sentence


def _failing_standard(reason: Facts, evidence: Facts, parameters: Facts) -> str:
    side = "below" if reason["polarity"] == "higher_better" else "above"
    return f"Quarter value {evidence['value']:g} is {side} the standard {reason['standard']:g}."


def _negative_variance(reason: Facts, evidence: Facts, parameters: Facts) -> str:
    return (
        f"Variance against the financial plan is {evidence['value']:g}, below "
        f"{reason['below']:g} ({reason['metric_name']})."
    )


def _cqc_rating(reason: Facts, evidence: Facts, parameters: Facts) -> str:
    return f"{reason['metric_name']} is {reason['rating']}, below Good."


SENTENCES: dict[str, Callable[[Facts, Facts, Facts], str]] = {
    "quartile": _quartile,
    "spc_concern_outside_limits": _outside_limits,
    "quartile_fall": _quartile_fall,
    "bottom_quartile_sustained": _bottom_sustained,
    "spc_concern_run_or_trend": _run_or_trend,
    "spc_consistently_fail": _consistently_fail,
    "spc_improvement": _latest_point("improvement"),
    "spc_concern": _latest_point("concern"),
    "failing_standard": _failing_standard,
    "negative_variance": _negative_variance,
    "cqc_rating": _cqc_rating,
}
