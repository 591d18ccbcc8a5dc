"""Segmentation methods: each edition's primary method, its parameters for the pure steps, and
which method a quarter's regional review uses.

An edition names its methodology (``FrameworkEdition.methodology``); its primary method holds
that methodology's parameters, created with DESIGN.md's defaults the first time the edition
is segmented (``method_ensure``), and changed only through ``method_update`` (segmentation/
method_admin.py), which raises the method's version.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from metrics.catalogue.editions import edition_code_for
from metrics.models.calculation import CurrentRun
from metrics.models.catalogue import FrameworkEdition, Methodology, Period
from segmentation.models import SegmentationMethod, SupportProgramme
from segmentation.nof import NofParameters
from segmentation.sof import SofParameters

# What a new edition's primary method starts with, by its methodology (DESIGN.md).
DEFAULTS: dict[str, dict[str, Any]] = {
    Methodology.SOF_2021_22: {
        "segmented_kinds": "ics ccg trust",
        "highest_segment": 4,
        "support_programme": SupportProgramme.RSP,
        "support_segment": 4,
        "note": 'The defaults of DESIGN.md "Proposed segment (SOF 2021/22)".',
    },
    Methodology.NOF_2025_26: {
        "segmented_kinds": "trust",
        "highest_segment": 5,
        "support_programme": SupportProgramme.PIP,
        "support_segment": 5,
        "deficit_metrics": "OF0079",
        "note": (
            "NHS Oversight Framework 2025/26 methodology manual: trusts only (ICBs are not "
            "segmented), quartiles of the average metric score, financial override on a "
            "planned deficit (OF0079 below 0)."
        ),
    },
}


def method_name(edition: FrameworkEdition) -> str:
    """ "System Oversight Framework 2021/22 rules", or the edition's name and the rules it
    borrows ("Bench edition: NHS Oversight Framework 2025/26 rules") — never the name twice."""
    rules = Methodology(edition.methodology).label
    return f"{edition.name} rules" if rules in edition.name else f"{edition.name}: {rules} rules"


def method_ensure(edition: FrameworkEdition) -> SegmentationMethod:
    """The edition's primary method, created with its methodology's defaults if it has none."""
    method = SegmentationMethod.objects.filter(edition=edition, primary=True).first()
    if method is not None:
        return method
    try:
        with transaction.atomic():
            return SegmentationMethod.objects.create(
                edition=edition,
                code=edition.code,
                name=method_name(edition),
                rules=edition.methodology,
                primary=True,
                **DEFAULTS[edition.methodology],
            )
    except IntegrityError:  # created meanwhile by another worker
        return SegmentationMethod.objects.get(edition=edition, primary=True)


def review_method(period: Period) -> SegmentationMethod | None:
    """The method whose proposals the regions review for a quarter: the primary method of the
    edition of the quarter's current run (the edition the quarter belongs to, where a quarter
    was calculated under two); None before any run of the quarter has finished."""
    editions = [
        pointer.edition
        for pointer in CurrentRun.objects.filter(period=period).select_related("edition")
    ]
    if not editions:
        return None
    preferred = edition_code_for(period)
    edition = min(editions, key=lambda e: (e.code != preferred, e.code))
    return method_ensure(edition)


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.replace(",", " ").split())


def sof_parameters(method: SegmentationMethod) -> SofParameters:
    return SofParameters(
        top_quartile_share=method.top_quartile_share,
        top_quartile_most_bottom=method.top_quartile_most_bottom,
        cqc_overall_metrics=_codes(method.cqc_overall_metrics),
        cqc_well_led_metrics=_codes(method.cqc_well_led_metrics),
        cqc_good_at_most=method.cqc_good_at_most,
        ics_improvements_at_least=method.ics_improvements_at_least,
        ics_concerns_at_most=method.ics_concerns_at_most,
        bottom_theme_share=method.bottom_theme_share,
        bottom_theme_min_metrics=method.bottom_theme_min_metrics,
        cqc_poor_at_least=method.cqc_poor_at_least,
        include_contextual=method.include_contextual,
        support_programme=method.support_programme,
        support_programme_label=_programme_label(method),
        support_segment=method.support_segment,
    )


def nof_parameters(method: SegmentationMethod) -> NofParameters:
    return NofParameters(
        min_bodies=method.min_bodies,
        cut_points=method.defined_thresholds,
        deficit_metrics=_codes(method.deficit_metrics),
        deficit_below=method.deficit_below,
        support_programme=method.support_programme,
        support_programme_label=_programme_label(method),
        support_segment=method.support_segment,
    )


def _programme_label(method: SegmentationMethod) -> str:
    if not method.support_programme:
        return ""
    return str(SupportProgramme(method.support_programme).label)


# The parameters each methodology reads, in the order a page lists them.
COMMON_FIELDS = ("segmented_kinds", "highest_segment", "support_programme", "support_segment")
SOF_FIELDS = (
    "top_quartile_share",
    "top_quartile_most_bottom",
    "cqc_overall_metrics",
    "cqc_well_led_metrics",
    "cqc_good_at_most",
    "ics_improvements_at_least",
    "ics_concerns_at_most",
    "bottom_theme_share",
    "bottom_theme_min_metrics",
    "cqc_poor_at_least",
    "include_contextual",
)
NOF_FIELDS = (
    "min_bodies",
    "cut_point_1",
    "cut_point_2",
    "cut_point_3",
    "deficit_metrics",
    "deficit_below",
)


def parameter_fields(method: SegmentationMethod) -> tuple[str, ...]:
    own = SOF_FIELDS if method.rules == Methodology.SOF_2021_22 else NOF_FIELDS
    return COMMON_FIELDS + own


def parameter_rows(method: SegmentationMethod) -> list[tuple[str, str, str]]:
    """(name, what it means, value) of every parameter the method's rules read."""
    rows = []
    for name in parameter_fields(method):
        field = SegmentationMethod._meta.get_field(name)
        value = getattr(method, name)
        shown = "—" if value in (None, "") else str(value)
        if name == "support_programme" and value:
            shown = _programme_label(method)
        rows.append((name, str(getattr(field, "help_text", "")) or name, shown))
    return rows


def parameters_json(method: SegmentationMethod) -> dict[str, Any]:
    """The parameters as plain JSON values (API, audit, exports)."""
    values: dict[str, Any] = {}
    for name in parameter_fields(method):
        value = getattr(method, name)
        values[name] = (
            str(value) if value is not None and not isinstance(value, bool | int | str) else value
        )
    return values
