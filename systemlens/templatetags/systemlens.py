"""Template words of the system lens: quartiles as tagged words, not colour alone."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from metrics.results.explain import quartile_tag

register = template.Library()


@register.filter
def quartile(quartile_number: int | None) -> SafeString:
    return quartile_tag(quartile_number)


@register.filter
def number(value: float | None) -> str:
    """A value as people read it: up to 2 decimals, no trailing zeros; a dash when none."""
    if value is None:
        return "–"
    return f"{value:,.2f}".rstrip("0").rstrip(".")
