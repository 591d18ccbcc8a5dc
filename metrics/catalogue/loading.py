"""The metric catalogue as data: load it from CSV, export it, edit one metric.

One CSV format (COLUMNS) serves loading, export and the shipped catalogues in
metrics/catalogue/files/. Loading is all or nothing: every row and column is checked first, and if
anything is wrong nothing is written and CatalogueError lists each problem with its line and
column. A load makes the edition's metrics match the file (creates, updates, removes), raises
the edition's catalogue_version by one and records a CatalogueEvent with a per-metric diff —
unless nothing changed, in which case nothing is written at all, so re-loading is a no-op.

Comparisons are made on the canonical text form of a row (`metric_row`): the same text export
writes, so export → load always finds nothing to change.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError, RestrictedError

from accounts.models import User
from metrics.catalogue.access import require_catalogue_editor
from metrics.catalogue.editions import EDITIONS, EditionSpec
from metrics.catalogue.rows import (
    COLUMNS,
    EDITABLE_COLUMNS,
    CatalogueProblem,
    as_text,
    canonical_row,
    read_rows,
    validate_row,
)
from metrics.models.catalogue import CatalogueEvent, FrameworkEdition, Metric, Theme
from metrics.models.returns import Value

BUILTIN_FOLDER = Path(__file__).resolve().parent / "files"


class CatalogueError(Exception):
    """Nothing was written: `problems` says what must be fixed, each with line and column."""

    def __init__(self, problems: Sequence[CatalogueProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class CatalogueLoadReport:
    edition: FrameworkEdition
    created: tuple[str, ...]
    updated: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: int

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed)

    def summary(self) -> str:
        edition = self.edition
        if not self.changed:
            return (
                f"{edition.name}: nothing changed "
                f"(catalogue version {edition.catalogue_version}, {self.unchanged} metrics)."
            )
        return (
            f"{edition.name}: catalogue version {edition.catalogue_version} — "
            f"{len(self.created)} added, {len(self.updated)} changed, "
            f"{len(self.removed)} removed, {self.unchanged} unchanged."
        )


def metric_row(metric: Metric) -> dict[str, str]:
    """The metric as one CSV row, in canonical text (needs metric.theme; select_related it)."""
    return canonical_row(
        {
            **{column: getattr(metric, column) for column in COLUMNS if column != "theme"},
            "theme": metric.theme.slug,
        }
    )


def catalogue_export(edition: FrameworkEdition) -> str:
    """The edition's catalogue as CSV, in exactly the format catalogue_load reads."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    metrics = edition.metrics.select_related("theme").order_by("theme__order", "code")
    for metric in metrics:
        writer.writerow(metric_row(metric))
    return out.getvalue()


def catalogue_load(*, edition_code: str, csv_text: str, actor: User | None) -> CatalogueLoadReport:
    """Make the edition's catalogue match the CSV, all or nothing (see the module docstring).

    Creates the edition and its themes if it is one of EDITIONS and does not exist yet.
    Raises CatalogueError, writing nothing, if any row is wrong or if a metric that already
    has values in returns would be removed.
    """
    require_catalogue_editor(actor)
    spec = EDITIONS.get(edition_code)
    existing = FrameworkEdition.objects.filter(code=edition_code).first()
    if existing is not None:
        edition_name = existing.name
    elif spec is not None:
        edition_name = spec.name
    else:
        known = ", ".join(sorted(EDITIONS))
        message = f'There is no framework edition "{edition_code}". Known editions: {known}.'
        raise CatalogueError([CatalogueProblem(None, None, message)])
    theme_slugs = _theme_slugs(existing, spec)
    rows, problems = read_rows(csv_text, theme_slugs=theme_slugs, edition_name=edition_name)
    if problems:
        raise CatalogueError(problems)
    return _apply_load(edition_code, spec, rows, actor)


@transaction.atomic
def _apply_load(
    edition_code: str,
    spec: EditionSpec | None,
    rows: dict[str, dict[str, Any]],
    actor: User | None,
) -> CatalogueLoadReport:
    edition = _edition_for_update(edition_code, spec)
    themes = _ensure_themes(edition, spec)
    # Local metrics (an ICS's own) are not the file's: a load neither updates nor removes them.
    current = {m.code: m for m in edition.metrics.filter(local_to=None).select_related("theme")}
    removed = sorted(set(current) - set(rows))
    _refuse_removing_metrics_with_values([current[code] for code in removed])

    created: dict[str, dict[str, str]] = {}
    updated: dict[str, dict[str, list[str]]] = {}
    for code, values in rows.items():
        new_row = canonical_row(values)
        metric = current.get(code)
        if metric is None:
            Metric.objects.create(edition=edition, **_model_values(values, themes))
            created[code] = new_row
            continue
        changes = _row_changes(metric_row(metric), new_row)
        if changes:
            _save_metric(metric, values, themes, changed_columns=changes)
            updated[code] = changes
    removed_rows = {code: metric_row(current[code]) for code in removed}
    _delete_metrics([current[code] for code in removed])

    if created or updated or removed:
        detail = {"created": created, "updated": updated, "removed": removed_rows}
        _record_version(edition, CatalogueEvent.Action.LOADED, actor, detail)
    return CatalogueLoadReport(
        edition=edition,
        created=tuple(sorted(created)),
        updated=tuple(sorted(updated)),
        removed=tuple(removed),
        unchanged=len(rows) - len(created) - len(updated),
    )


def metric_update(*, metric: Metric, changes: Mapping[str, object], actor: User | None) -> Metric:
    """Edit one metric (the catalogue edit form), checked by the same rules as a loaded row.

    `changes` maps column names (any of EDITABLE_COLUMNS; not the code) to new values, as text
    or as Python values. Raises CatalogueError (column set, no line) when a value is wrong.
    Raises the catalogue version and records an EDITED event, unless nothing changed.
    """
    require_catalogue_editor(actor)
    unknown = sorted(set(changes) - set(EDITABLE_COLUMNS))
    if unknown:
        raise ValueError(f"not editable: {', '.join(unknown)}")
    with transaction.atomic():
        edition = FrameworkEdition.objects.select_for_update().get(pk=metric.edition_id)
        fresh = Metric.objects.select_related("theme").get(pk=metric.pk)
        fresh.edition = edition  # the locked row, whose version the caller may report
        old_row = metric_row(fresh)
        proposed = {**old_row, **{column: as_text(value) for column, value in changes.items()}}
        theme_slugs = list(edition.themes.values_list("slug", flat=True))
        values, problems = validate_row(
            proposed, line=None, theme_slugs=theme_slugs, edition_name=edition.name
        )
        if problems or values is None:
            raise CatalogueError(problems)
        row_changes = _row_changes(old_row, canonical_row(values))
        if not row_changes:
            return fresh
        themes = {t.slug: t for t in edition.themes.all()}
        _save_metric(fresh, values, themes, changed_columns=row_changes)
        _record_version(
            edition,
            CatalogueEvent.Action.EDITED,
            actor,
            {"created": {}, "updated": {fresh.code: row_changes}, "removed": {}},
        )
    return fresh


def load_builtin_catalogues(*, actor: User | None = None) -> list[CatalogueLoadReport]:
    """Load the shipped catalogues (metrics/catalogue/files/<edition code>.csv); safe to repeat."""
    return [
        catalogue_load(
            edition_code=code,
            csv_text=(BUILTIN_FOLDER / f"{code}.csv").read_text(encoding="utf-8"),
            actor=actor,
        )
        for code in EDITIONS
    ]


def _theme_slugs(existing: FrameworkEdition | None, spec: EditionSpec | None) -> list[str]:
    slugs = [slug for slug, _ in spec.themes] if spec else []
    if existing is not None:
        slugs += [s for s in existing.themes.values_list("slug", flat=True) if s not in slugs]
    return slugs


def _edition_for_update(code: str, spec: EditionSpec | None) -> FrameworkEdition:
    """The edition, locked so concurrent loads and edits take version numbers in turn."""
    edition = FrameworkEdition.objects.select_for_update().filter(code=code).first()
    if edition is None:
        assert spec is not None  # catalogue_load refused unknown editions
        # Version 0 means "no catalogue yet": the first load that writes metrics makes it 1.
        edition = FrameworkEdition.objects.create(
            code=code, name=spec.name, methodology=spec.methodology, catalogue_version=0
        )
    return edition


def _ensure_themes(edition: FrameworkEdition, spec: EditionSpec | None) -> dict[str, Theme]:
    themes = {t.slug: t for t in edition.themes.all()}
    for order, (slug, name) in enumerate(spec.themes if spec else (), start=1):
        if slug not in themes:
            themes[slug] = Theme.objects.create(edition=edition, slug=slug, name=name, order=order)
    return themes


def _refuse_removing_metrics_with_values(metrics: list[Metric]) -> None:
    with_values = set(
        Value.objects.filter(metric__in=metrics).values_list("metric__code", flat=True).distinct()
    )
    if with_values:
        raise CatalogueError(
            [
                CatalogueProblem(
                    None,
                    "code",
                    f"Metric {code} is not in the file, but returns already hold values for it, "
                    "so it cannot be removed. Keep its row in the file.",
                )
                for code in sorted(with_values)
            ]
        )


def _delete_metrics(metrics: list[Metric]) -> None:
    for metric in metrics:
        try:
            metric.delete()
        except (ProtectedError, RestrictedError):
            # Results, flags or case criteria (other apps) may refer to it too.
            raise CatalogueError(
                [
                    CatalogueProblem(
                        None,
                        "code",
                        f"Metric {metric.code} is not in the file, but other records (results, "
                        "flags or exit criteria) refer to it, so it cannot be removed.",
                    )
                ]
            ) from None


def _model_values(values: Mapping[str, Any], themes: Mapping[str, Theme]) -> dict[str, Any]:
    return {**{k: v for k, v in values.items() if k != "theme"}, "theme": themes[values["theme"]]}


def _save_metric(
    metric: Metric,
    values: Mapping[str, Any],
    themes: Mapping[str, Theme],
    *,
    changed_columns: Mapping[str, object],
) -> None:
    for field, value in _model_values(values, themes).items():
        if field in changed_columns:
            setattr(metric, field, value)
    metric.save(update_fields=list(changed_columns))


def _row_changes(old: Mapping[str, str], new: Mapping[str, str]) -> dict[str, list[str]]:
    return {column: [old[column], new[column]] for column in COLUMNS if old[column] != new[column]}


def _record_version(
    edition: FrameworkEdition, action: str, actor: User | None, detail: dict[str, Any]
) -> None:
    edition.catalogue_version += 1
    edition.save(update_fields=["catalogue_version"])
    CatalogueEvent.objects.create(
        edition=edition,
        catalogue_version=edition.catalogue_version,
        action=action,
        actor=actor,
        detail=detail,
    )
