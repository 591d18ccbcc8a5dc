"""Panels that apps above segmentation add to a body's regional review page, as evidence
beside the proposal (DESIGN.md "Regional review": the evidence): segmentation knows none of
them, as the home page knows none of its sections (accounts.home).

    # <app>/review_panels.py — imported once by `review_panels` (autodiscover_modules)
    from segmentation.review_panels import ReviewPanel, review_panel

    @review_panel(order=10)
    def concerns(*, user, organisation, period) -> ReviewPanel | None:
        ...                                   # scoped like the API; a constant query count
        return ReviewPanel(heading="Specific concerns", template="<app>/_panel.html", data=...)

The body page renders each with ``{% include panel.template with panel=panel %}``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.module_loading import autodiscover_modules

from accounts.scope import AnyUser
from metrics.models.catalogue import Period
from oversight.models import Organisation


@dataclass(frozen=True)
class ReviewPanel:
    heading: str
    template: str
    data: Any = None


PanelFunction = Callable[..., "ReviewPanel | None"]
PANELS: list[tuple[int, PanelFunction]] = []


def review_panel(order: int) -> Callable[[PanelFunction], PanelFunction]:
    def register(function: PanelFunction) -> PanelFunction:
        if all(existing is not function for _, existing in PANELS):
            PANELS.append((order, function))
        return function

    return register


def review_panels(
    *, user: AnyUser, organisation: Organisation, period: Period | None
) -> list[ReviewPanel]:
    """Every registered panel that has something on this body for this user, in order."""
    autodiscover_modules("review_panels")
    ordered = sorted(PANELS, key=lambda each: each[0])
    found = (f(user=user, organisation=organisation, period=period) for _, f in ordered)
    return [panel for panel in found if panel is not None]
