"""Framework editions: those the application can create, and which one a quarter uses."""

from __future__ import annotations

from dataclasses import dataclass

from metrics.models.catalogue import FrameworkEdition, Methodology, Period


@dataclass(frozen=True)
class EditionSpec:
    """A framework edition the application knows how to create from scratch."""

    name: str
    methodology: str
    themes: tuple[tuple[str, str], ...]  # (slug, name), in the framework's order


EDITIONS: dict[str, EditionSpec] = {
    "sof-2021-22": EditionSpec(
        name="System Oversight Framework 2021/22",
        methodology=Methodology.SOF_2021_22,
        themes=(
            ("quality_access_outcomes", "Quality of care, access and outcomes"),
            ("prevention_inequalities", "Preventing ill health and reducing inequalities"),
            ("people", "People"),
            ("finance_use_of_resources", "Finance and use of resources"),
            ("leadership_capability", "Leadership and capability"),
            ("local_strategic_priorities", "Local strategic priorities"),
        ),
    ),
    "nof-2025-26": EditionSpec(
        name="NHS Oversight Framework 2025/26",
        methodology=Methodology.NOF_2025_26,
        themes=(
            ("access", "Access to services"),
            ("effectiveness_experience", "Effectiveness and experience of care"),
            ("patient_safety", "Patient safety"),
            ("finance_productivity", "Finance and productivity"),
            ("people_workforce", "People and workforce"),
        ),
    ),
}


# The NHS Oversight Framework 2025/26 replaced SOF 2021/22 from the 2025-26 financial year;
# the SOF 2021/22 edition carries every year before it (no separate 2022-25 editions exist).
NOF_FROM_YEAR = 2025


def edition_code_for(period: Period) -> str:
    """The code of the framework edition a quarter's returns are made against."""
    return "nof-2025-26" if period.year >= NOF_FROM_YEAR else "sof-2021-22"


def edition_for(period: Period) -> FrameworkEdition:
    """The framework edition active for a quarter (raises DoesNotExist if it is not loaded)."""
    return FrameworkEdition.objects.get(code=edition_code_for(period))
