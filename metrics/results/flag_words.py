"""A flag's evidence in words at the metric's own precision and with its unit.

The run stores each reason's facts (metrics.engine.flags) and metrics.engine.flag_words words
them for every reader without knowing how the metric is published ("48", "66.956 to 85.044").
Where the page knows the metric, the reasons with figures are worded from the same facts as
the analyst reads the metric ("48.0%", "67.0% to 85.0%"); the others as the engine says them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from metrics.engine.flag_words import flag_sentences, reason_sentence
from metrics.models.catalogue import Metric
from metrics.models.results import Flag
from metrics.results.numbers import metric_value
from metrics.results.selectors import peer_group_name


def flag_texts(flag: Flag, metric: Metric | None) -> list[str]:
    """Each reason of a flag in words: at the metric's precision where the pages know how to
    say it (WORDING), else as metrics.engine.flag_words says it for every reader."""
    evidence, parameters = flag.evidence, flag.parameters
    reasons = evidence.get("reasons", []) if isinstance(evidence, Mapping) else []
    definition = parameters if isinstance(parameters, Mapping) else {}
    texts = []
    for reason in reasons:
        if not isinstance(reason, Mapping):
            continue
        words = WORDING.get(str(reason.get("rule"))) if metric is not None else None
        text = None
        if words is not None and metric is not None:
            try:
                text = words(reason, evidence, metric)
            except (KeyError, TypeError, ValueError):
                text = None  # facts missing or of the wrong type: the engine's words say so
        texts.append(text or reason_sentence(reason, evidence, definition))
    return texts or flag_sentences(evidence, parameters)


def _v(value: Any, metric: Metric) -> str:
    return metric_value(float(value), metric)


def _when(reason: Mapping[str, Any]) -> str:
    return f"{date.fromisoformat(str(reason['period_end'])[:10]):%B %Y}"


def _limits(reason: Mapping[str, Any], metric: Metric) -> str:
    return f"{_v(reason['lcl'], metric)} to {_v(reason['ucl'], metric)}"


def _quartile(reason: Mapping[str, Any], evidence: Mapping[str, Any], metric: Metric) -> str:
    return (
        f"Quarter value {_v(evidence['value'], metric)} is in quartile {reason['quartile']} of "
        f"{reason['n']} {peer_group_name(reason['peer_group'])} (P25 {_v(reason['p25'], metric)}, "
        f"P50 {_v(reason['p50'], metric)}, P75 {_v(reason['p75'], metric)}; "
        f"{metric.get_polarity_display().lower()})."
    )


def _outside(reason: Mapping[str, Any], evidence: Mapping[str, Any], metric: Metric) -> str:
    return (
        f"The latest point ({_v(reason['latest_value'], metric)}, {_when(reason)}) is a "
        f"special-cause concern outside the process limits ({_limits(reason, metric)})."
    )


def _latest(kind: str) -> Callable[[Mapping[str, Any], Mapping[str, Any], Metric], str]:
    def words(reason: Mapping[str, Any], evidence: Mapping[str, Any], metric: Metric) -> str:
        rule = reason["signals"][0][0].replace("_", " ") if reason.get("signals") else ""
        return (
            f"The latest point ({_v(reason['latest_value'], metric)}, {_when(reason)}) shows "
            f"special-cause {kind}" + (f" ({rule})." if rule else ".")
        )

    return words


def _fails(reason: Mapping[str, Any], evidence: Mapping[str, Any], metric: Metric) -> str:
    return (
        "SPC assurance is consistently fail: the target lies beyond the process limits "
        f"({_limits(reason, metric)}) on the wrong side."
    )


def _standard(reason: Mapping[str, Any], evidence: Mapping[str, Any], metric: Metric) -> str:
    side = "below" if reason["polarity"] == "higher_better" else "above"
    return (
        f"Quarter value {_v(evidence['value'], metric)} is {side} the standard "
        f"{_v(reason['standard'], metric)}."
    )


WORDING: dict[str, Callable[[Mapping[str, Any], Mapping[str, Any], Metric], str]] = {
    "quartile": _quartile,
    "spc_concern_outside_limits": _outside,
    "spc_improvement": _latest("improvement"),
    "spc_concern": _latest("concern"),
    "spc_consistently_fail": _fails,
    "failing_standard": _standard,
}
