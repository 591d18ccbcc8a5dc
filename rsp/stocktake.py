"""The diagnostic stocktake: recorded once, then corrected with the reason."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.db import transaction

from accounts.models import User
from oversight.errors import ActionRefused, InputRejected
from rsp.access import require_work
from rsp.audit import case_event
from rsp.models import Case, RootCause, Stocktake, Theme


@transaction.atomic
def stocktake_record(
    *,
    case: Case,
    held_on: date,
    partners: str,
    root_causes: Mapping[str, str],
    recommended_exit_criteria: str,
    reason: str = "",
    user: User,
) -> Stocktake:
    """Record the stocktake (date, partners, root causes by theme, recommended exit criteria);
    recording it again replaces it, and then needs the reason."""
    require_work(user, case)
    if not case.is_open:
        raise ActionRefused("This case is closed.")
    existing = Stocktake.objects.filter(case=case).first()
    causes = {theme: text.strip() for theme, text in root_causes.items() if text.strip()}
    problems: dict[str, list[str]] = {}
    if not partners.strip():
        problems["partners"] = ["Name the partners involved."]
    unknown = set(causes) - set(Theme.values)
    if unknown:
        problems["root_causes"] = [f"Unknown themes: {', '.join(sorted(unknown))}."]
    elif not causes:
        problems["root_causes"] = ["Give the root causes under at least one theme."]
    if held_on < case.entered_on:
        problems["held_on"] = ["The stocktake cannot be before the case's entry date."]
    if existing is not None and not reason.strip():
        problems["reason"] = ["The stocktake is recorded already: say why it changes."]
    if problems:
        raise InputRejected("The stocktake cannot be recorded as it is.", problems)
    stocktake, _ = Stocktake.objects.update_or_create(
        case=case,
        defaults={
            "held_on": held_on,
            "partners": partners.strip(),
            "recommended_exit_criteria": recommended_exit_criteria.strip(),
        },
    )
    stocktake.root_causes.all().delete()
    RootCause.objects.bulk_create(
        RootCause(stocktake=stocktake, theme=theme, text=text) for theme, text in causes.items()
    )
    themes = ", ".join(Theme(theme).label for theme in causes)
    case_event(
        case,
        "stocktake_changed" if existing else "stocktake_recorded",
        actor=user,
        what=f"Diagnostic stocktake of {held_on:%-d %B %Y} recorded; root causes under {themes}.",
        why=reason,
        subject=f"stocktake:{stocktake.pk}",
    )
    return stocktake
