"""Making Data Count's palette, its variation and assurance icons, and the words of each."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from metrics.engine.spc.kinds import AssuranceIcon, SpcRule, VariationIcon

# Making Data Count's palette, darkened where needed for 3:1 contrast on white.
COLOURS = {
    "improvement": "#0072ce",
    "concern": "#ed8b00",
    "high": "#7c2855",  # neutral metrics: special cause, neither improvement nor concern
    "low": "#7c2855",
    None: "#768692",  # common cause
}
INK = "#212b32"


LINE = "#425563"
LIMIT = "#4c6272"
TARGET = "#d5281b"
BAND = "#e8f1f8"  # the 2σ band, pale NHS blue

RULE_LABELS = {
    SpcRule.OUTSIDE_LIMITS: "Outside the process limits",
    SpcRule.TREND: "Trend",
    SpcRule.TWO_IN_THREE: "Two of three beyond 2σ",
    SpcRule.RUN: "Run on one side of the mean",
}

CLASSIFICATION_LABELS = {
    "improvement": "Improvement",
    "concern": "Concern",
    "high": "Neither improvement nor concern (high)",
    "low": "Neither improvement nor concern (low)",
}

VARIATION_LABELS = {
    VariationIcon.COMMON_CAUSE: "Common cause variation",
    VariationIcon.IMPROVEMENT_HIGH: "Special cause improvement — high",
    VariationIcon.IMPROVEMENT_LOW: "Special cause improvement — low",
    VariationIcon.CONCERN_HIGH: "Special cause concern — high",
    VariationIcon.CONCERN_LOW: "Special cause concern — low",
    VariationIcon.NEITHER_HIGH: "Special cause variation — high (neither improvement nor concern)",
    VariationIcon.NEITHER_LOW: "Special cause variation — low (neither improvement nor concern)",
}
ASSURANCE_LABELS = {
    AssuranceIcon.CONSISTENTLY_PASS: "Consistently pass — the target is always met",
    AssuranceIcon.CONSISTENTLY_FAIL: "Consistently fail — the target is never met",
    AssuranceIcon.HIT_AND_MISS: "Hit and miss — the target lies within the limits",
}
NO_TARGET_LABEL = "No assurance — no target"


# --- Making Data Count icons ---------------------------------------------------------------------


def _icon(colour: str, letter: str, arrow: str | None = None) -> str:
    if letter == "~":  # common cause: a flat, jittering line of points
        inner = (
            f'<polyline points="8,19 13,16 18,20 23,16 28,18" fill="none" stroke="{colour}"'
            ' stroke-width="2"/>'
        )
        return (
            '<svg class="app-mdc-icon__svg" width="36" height="36" viewBox="0 0 36 36"'
            ' aria-hidden="true" focusable="false">'
            f'<circle cx="18" cy="18" r="16" fill="#fff" stroke="{colour}" stroke-width="3"/>'
            f"{inner}</svg>"
        )
    arrow_path = ""
    if arrow == "up":
        arrow_path = f'<path d="M26 6 L31 12 L21 12 Z" fill="{colour}"/>'
    elif arrow == "down":
        arrow_path = f'<path d="M26 30 L31 24 L21 24 Z" fill="{colour}"/>'
    return (
        '<svg class="app-mdc-icon__svg" width="36" height="36" viewBox="0 0 36 36"'
        ' aria-hidden="true" focusable="false">'
        f'<circle cx="18" cy="18" r="16" fill="#fff" stroke="{colour}" stroke-width="3"/>'
        f'<text x="{14 if arrow else 18}" y="23.5" text-anchor="middle" font-size="15"'
        f' font-weight="bold" font-family="Arial, sans-serif" fill="{INK}">{letter}</text>'
        f"{arrow_path}</svg>"
    )


_VARIATION_DRAWING = {
    VariationIcon.COMMON_CAUSE: (COLOURS[None], "~", None),
    VariationIcon.IMPROVEMENT_HIGH: (COLOURS["improvement"], "H", "up"),
    VariationIcon.IMPROVEMENT_LOW: (COLOURS["improvement"], "L", "down"),
    VariationIcon.CONCERN_HIGH: (COLOURS["concern"], "H", "up"),
    VariationIcon.CONCERN_LOW: (COLOURS["concern"], "L", "down"),
    VariationIcon.NEITHER_HIGH: (COLOURS["high"], "H", "up"),
    VariationIcon.NEITHER_LOW: (COLOURS["low"], "L", "down"),
}
_ASSURANCE_DRAWING = {
    AssuranceIcon.CONSISTENTLY_PASS: (COLOURS["improvement"], "P"),
    AssuranceIcon.CONSISTENTLY_FAIL: (COLOURS["concern"], "F"),
    AssuranceIcon.HIT_AND_MISS: (COLOURS[None], "?"),
}


def variation_label(icon: str | None) -> str:
    return VARIATION_LABELS.get(VariationIcon(icon), icon) if icon else "No SPC analysis"


def assurance_label(icon: str | None) -> str:
    return ASSURANCE_LABELS[AssuranceIcon(icon)] if icon else NO_TARGET_LABEL


def _labelled(svg: str, label: str, modifier: str) -> SafeString:
    return format_html(
        '<span class="app-mdc-icon app-mdc-icon--{}">{}<span class="app-mdc-icon__label">{}'
        "</span></span>",
        modifier,
        mark_safe(svg),  # noqa: S308 - built from constants
        label,
    )


def variation_icon(icon: str | None) -> SafeString:
    """The variation icon with its words beside it (the words carry the meaning)."""
    if not icon:
        return _labelled("", variation_label(None), "none")
    colour, letter, arrow = _VARIATION_DRAWING[VariationIcon(icon)]
    return _labelled(_icon(colour, letter, arrow), variation_label(icon), icon)


def assurance_icon(icon: str | None) -> SafeString:
    """The assurance icon with its words; no target gives words alone."""
    if not icon:
        return _labelled("", NO_TARGET_LABEL, "none")
    colour, letter = _ASSURANCE_DRAWING[AssuranceIcon(icon)]
    return _labelled(_icon(colour, letter), assurance_label(icon), icon)
