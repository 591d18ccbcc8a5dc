"""Exports of a quarter's segmentation and league table, as CSV and XLSX (issue 8 item 6).

Columns are named once here and never renamed (other systems read them); bodies and metrics by
their ODS and metric codes; every row carries the run and the method version it came from. No
cell can become a formula: text is made inert as the return downloads make it
(``metrics.returns.downloads.inert``), and the workbook stores it as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import astuple, fields
from typing import Any

import openpyxl
from django.db.models import OuterRef, Subquery
from openpyxl.styles import Font

from accounts.scope import AnyUser
from metrics.models.catalogue import Period
from metrics.returns.downloads import CONTENT_TYPES, inert
from segmentation.league import LeagueRow, league_table
from segmentation.models import SegmentationMethod, SegmentDecision
from segmentation.review import annotated_proposals, previous_period
from segmentation.standing import published_in

LEAGUE_COLUMNS = tuple(f.name for f in fields(LeagueRow))
SEGMENTATION_COLUMNS = (
    "ods_code",
    "name",
    "kind",
    "region_code",
    "system_code",
    "peer_group",
    "current_segment",
    "proposed_segment",
    "criteria_met",
    "decided_segment",
    "decision_state",
    "published_segment",
    "rationale",
    "run_id",
    "method",
    "method_version",
)
__all__ = ["CONTENT_TYPES", "league_rows", "segmentation_rows", "table_csv", "table_xlsx"]


def league_rows(
    *, user: AnyUser, period: Period, method: SegmentationMethod
) -> list[tuple[Any, ...]]:
    return [astuple(row) for row in league_table(user=user, period=period, method=method)]


def segmentation_rows(
    *, user: AnyUser, period: Period, method: SegmentationMethod
) -> list[tuple[Any, ...]]:
    """Each body the user oversees: its current, proposed, decided and published segment."""
    published = published_in(period).filter(organisation_id=OuterRef("organisation_id"))
    proposals = (
        annotated_proposals(
            user=user, period=period, method=method, previous=previous_period(period)
        )
        .annotate(
            published_segment=Subquery(published.values("segment")[:1]),
            decided_rationale=Subquery(
                SegmentDecision.objects.filter(
                    period=period, organisation_id=OuterRef("organisation_id")
                )
                .order_by("-recorded_at", "-pk")
                .values("rationale")[:1]
            ),
        )
        .order_by("organisation__region__ods_code", "organisation__ods_code")
    )
    return [
        (
            p.organisation.ods_code,
            p.organisation.name,
            p.organisation.kind,
            p.organisation.region.ods_code,
            p.organisation.system.ods_code if p.organisation.system else "",
            p.peer_group,
            p.current_segment,  # type: ignore[attr-defined]
            p.segment,
            " ".join(p.criteria_met()),
            p.decided_segment,  # type: ignore[attr-defined]
            p.decided_state or "",  # type: ignore[attr-defined]
            p.published_segment,
            p.decided_rationale or "",
            p.run_id,
            method.code,
            p.method_version,
        )
        for p in proposals
    ]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return inert(value)
    return value


def table_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def table_xlsx(
    title: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    about: Sequence[tuple[str, Any]],
) -> bytes:
    """One sheet of rows, and an "about" sheet naming the quarter, run and method."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has its first sheet
    sheet.title = title
    sheet.append(list(columns))
    for row in rows:
        sheet.append([_cell(v) for v in row])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    info = workbook.create_sheet("about")
    for key, value in about:
        info.append([key, _cell(value)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
