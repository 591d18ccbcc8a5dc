"""Template filters of the case pages: RAG and statuses as words on NHS.UK tags (the colour
only repeats the words), and the SPC icons of a measured exit criterion."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from metrics.results.mdc import assurance_icon, variation_icon
from rsp.models import Rag

register = template.Library()

RAG_COLOURS = {"red": "red", "amber": "orange", "green": "green", "complete": "grey"}
STATE_COLOURS = {"open": "blue", "exited": "green", "withdrawn": "grey"}
STATUS_COLOURS = {
    "met": "green",
    "not_met": "orange",
    "not_started": "grey",
    "in_progress": "blue",
    "closure_proposed": "yellow",
    "closed": "green",
}


@register.filter
def rag_tag(value: str) -> SafeString:
    if not value:
        return format_html("{}", "")
    return format_html(
        '<strong class="nhsuk-tag nhsuk-tag--{}">{}</strong>',
        RAG_COLOURS.get(value, "grey"),
        Rag(value).label,
    )


@register.filter
def state_tag(case: object) -> SafeString:
    state = getattr(case, "state", "")
    label = getattr(case, "get_state_display", lambda: state)()
    return format_html(
        '<strong class="nhsuk-tag nhsuk-tag--{}">{}</strong>',
        STATE_COLOURS.get(state, "grey"),
        label,
    )


@register.filter
def status_tag(value: str, label: str) -> SafeString:
    return format_html(
        '<strong class="nhsuk-tag nhsuk-tag--{}">{}</strong>',
        STATUS_COLOURS.get(value, "grey"),
        label,
    )


@register.filter
def spc_variation(icon: str) -> SafeString:
    return variation_icon(icon or None)


@register.filter
def spc_assurance(icon: str) -> SafeString:
    return assurance_icon(icon or None)
