"""Segments and decision states as NHS.UK tags with words (the colour only repeats the words),
and a body's own published segment for its profile page."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from metrics.engine.kinds import FlagKind
from segmentation.criteria import deciding_labels
from segmentation.models import DecisionState
from segmentation.standing import published_in

register = template.Library()

SEGMENT_COLOURS = {1: "green", 2: "aqua-green", 3: "yellow", 4: "red", 5: "purple"}
STATE_COLOURS = {
    DecisionState.RECORDED: "blue",
    DecisionState.CONFIRMED: "green",
    DecisionState.SENT_BACK: "orange",
    DecisionState.PUBLISHED: "purple",
}


@register.filter
def segment_tag(segment: int | None) -> SafeString:
    if segment is None:
        return mark_safe('<span class="app-table__cell--missing">None</span>')
    colour = SEGMENT_COLOURS.get(int(segment), "grey")
    return format_html(
        '<strong class="nhsuk-tag nhsuk-tag--{}">Segment {}</strong>', colour, segment
    )


@register.filter
def state_tag(state: str | None) -> SafeString:
    if not state:
        return mark_safe('<span class="app-table__cell--missing">No decision</span>')
    label = DecisionState(state).label
    colour = STATE_COLOURS.get(DecisionState(state), "grey")
    return format_html('<strong class="nhsuk-tag nhsuk-tag--{}">{}</strong>', colour, label)


@register.filter
def flag_label(kind: str) -> str:
    try:
        return FlagKind(kind).label
    except ValueError:
        return kind


@register.filter
def change_words(now: int | None, before: int | None) -> str:
    """The proposed segment against last quarter's, in words."""
    if now is None or before is None:
        return "No proposal last quarter" if before is None else "No proposal"
    if now == before:
        return f"No change ({before})"
    direction = "better" if now < before else "worse"
    return f"{before} → {now} ({direction})"


@register.inclusion_tag("segmentation/_published_segment.html")
def published_segment(organisation: Any, period: Any) -> dict[str, Any]:
    """The body's published segment of the quarter and its reasons, where there is one."""
    decision = (
        published_in(period)
        .filter(organisation=organisation)
        .select_related("publication", "proposal")
        .first()
        if period is not None
        else None
    )
    because = (
        deciding_labels(
            decision.proposal.criteria, decision.proposal_criteria_met, decision.proposed_segment
        )
        if decision is not None and decision.proposal is not None
        else []
    )
    return {
        "decision": decision,
        "because": because,
        "organisation": organisation,
        "period": period,
    }
