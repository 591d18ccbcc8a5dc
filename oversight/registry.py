"""Importing the registry: parsed ODS rows become regions, systems and organisations.

All or nothing: every problem in every file is found before anything is written, and then
the whole folder is written in one transaction. Re-running with the same files changes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from django.db import models, transaction

from oversight.models import Organisation, OrganisationKind, Region, SectorSource, System
from oversight.ods import (
    BodyRow,
    Parsed,
    Problem,
    Row,
    SystemRow,
    display_name,
    guess_sector,
    problem_at,
    read_folder,
)


class RegistryImportError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class ImportReport:
    counts: Counter[str] = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{n} {what}" for what, n in sorted(self.counts.items())]
        return ", ".join(parts) or "nothing to do"


def _check_references(parsed: Parsed) -> list[Problem]:
    """Rows that point at a region or ICS the files do not define, or repeat a code.

    Each problem names the file and line of the row that is wrong, as parsing problems do.
    """
    regions = {r.ods_code for r in parsed.regions}
    systems = {s.ods_code: s for s in parsed.systems}
    problems = [
        problem_at(s, f"ICS {s.ods_code} names region {s.region}, which no region row defines")
        for s in parsed.systems
        if s.region not in regions
    ]
    for label, rows in (
        ("CCG", parsed.ccgs),
        ("trust", parsed.trusts),
        ("GP practice", parsed.practices),
    ):
        for b in rows:
            problems += _body_references(label, b, regions, systems)
    problems += _repeated_codes(parsed.regions)
    # ICSs and the bodies share one table (the ICS is also an Organisation), so one code space.
    problems += _repeated_codes([*parsed.systems, *parsed.ccgs, *parsed.trusts, *parsed.practices])
    problems += _sector_references(parsed)
    return problems


def _body_references(
    label: str, body: BodyRow, regions: set[str], systems: dict[str, SystemRow]
) -> list[Problem]:
    problems = []
    if body.region not in regions:
        problems.append(
            problem_at(body, f"{label} {body.ods_code} names region {body.region}, not defined")
        )
    if body.system and body.system not in systems:
        problems.append(
            problem_at(body, f"{label} {body.ods_code} names ICS {body.system}, not defined")
        )
    elif body.system and body.region in regions and systems[body.system].region in regions:
        # Scope covers a body through its region and through its ICS: they must agree. (An ICS
        # whose own region is undefined is reported once, not again for each of its bodies.)
        if systems[body.system].region == body.region:
            return problems
        problems.append(
            problem_at(
                body,
                f"{label} {body.ods_code} is in region {body.region}, but its ICS "
                f"{body.system} is in region {systems[body.system].region}",
            )
        )
    return problems


def _repeated_codes(rows: Sequence[Row]) -> list[Problem]:
    first: dict[str, Row] = {}
    problems = []
    for row in rows:
        seen = first.setdefault(row.ods_code, row)
        if seen is not row:
            where = f"{seen.file}, line {seen.line}" if seen.file else "an earlier row"
            problems.append(problem_at(row, f"ODS code {row.ods_code} is already used at {where}"))
    return problems


def _sector_references(parsed: Parsed) -> list[Problem]:
    """A supplied sector for a code that is no English trust is most likely a typing slip."""
    trusts = {t.ods_code for t in parsed.trusts} | parsed.skipped_codes
    problems = []
    for code in parsed.sectors.keys() - trusts:
        file, line = parsed.sector_lines.get(code, ("supplied sectors", 0))
        problems.append(Problem(file, line, f"{code} is not a trust in the etr file"))
    return sorted(problems, key=lambda p: p.line)


M = TypeVar("M", bound=models.Model)


def _upsert(rows: dict[str, M], model: type[M], code: str, values: dict[str, Any]) -> str:
    """Create, update or leave alone the row of `code` in `rows` (all of `model` by code)."""
    obj = rows.get(code)
    if obj is None:
        rows[code] = model._default_manager.create(ods_code=code, **values)
        return "created"
    changed = {k: v for k, v in values.items() if _differs(obj, k, v)}
    if not changed:
        return "unchanged"
    for name, value in changed.items():
        setattr(obj, name, value)
    obj.save(update_fields=list(changed))
    return "updated"


def _differs(obj: models.Model, name: str, value: Any) -> bool:
    field = obj._meta.get_field(name)
    if isinstance(field, models.ForeignKey):  # by id: reading obj.<fk> costs a query per row
        return getattr(obj, field.attname) != (value.pk if value is not None else None)
    return bool(getattr(obj, name) != value)


def _sector_values(body: BodyRow, parsed: Parsed, existing: Organisation | None) -> dict[str, str]:
    if body.ods_code in parsed.sectors:
        return {"sector": parsed.sectors[body.ods_code], "sector_source": SectorSource.SUPPLIED}
    if existing is not None and existing.sector_source in (
        SectorSource.EDITED,
        SectorSource.SUPPLIED,
    ):
        # A sector a person gave is never replaced by a guess.
        return {"sector": existing.sector, "sector_source": existing.sector_source}
    return {"sector": guess_sector(body.name), "sector_source": SectorSource.GUESSED}


@transaction.atomic
def registry_import(parsed: Parsed) -> ImportReport:
    problems = parsed.problems + _check_references(parsed)
    if problems:
        raise RegistryImportError(problems)
    report = ImportReport(skipped=list(parsed.skipped))
    # Every existing row read once up front: a re-run that changes nothing writes nothing and
    # costs a handful of queries, whatever the size of the registry.
    regions = Region.objects.in_bulk(field_name="ods_code")
    systems = System.objects.in_bulk(field_name="ods_code")
    bodies = Organisation.objects.in_bulk(field_name="ods_code")
    for r in parsed.regions:
        outcome = _upsert(regions, Region, r.ods_code, {"ons_code": r.ons_code, "name": r.name})
        report.counts[f"regions {outcome}"] += 1
    for s in parsed.systems:
        values = {"ons_code": s.ons_code, "name": s.name, "region": regions[s.region]}
        report.counts[f"ICSs {_upsert(systems, System, s.ods_code, values)}"] += 1
        body = {**values, "kind": OrganisationKind.ICS, "system": systems[s.ods_code]}
        report.counts[f"ICS bodies {_upsert(bodies, Organisation, s.ods_code, body)}"] += 1
    for kind, rows, label in (
        (OrganisationKind.CCG, parsed.ccgs, "CCGs"),
        (OrganisationKind.TRUST, parsed.trusts, "trusts"),
        (OrganisationKind.PRACTICE, parsed.practices, "GP practices"),
    ):
        for b in rows:
            fields: dict[str, Any] = {
                "name": display_name(b.name),
                "ons_code": b.ons_code,
                "kind": kind,
                "region": regions[b.region],
                "system": systems[b.system] if b.system else None,
                "opened_on": b.opened_on,
                "closed_on": b.closed_on,
            }
            if kind == OrganisationKind.TRUST:
                fields.update(_sector_values(b, parsed, bodies.get(b.ods_code)))
            report.counts[f"{label} {_upsert(bodies, Organisation, b.ods_code, fields)}"] += 1
    report.counts["successors linked"] = _link_successors()
    return report


def _link_successors() -> int:
    """A closed trust's successor, where exactly one trust of its ICS opened the next day.

    The etr extract carries no successor column; a merger shows as closures on day D and an
    opening on D + 1 in the same system (e.g. Poole and Royal Bournemouth → University
    Hospitals Dorset). Ambiguous cases are left for a person to set.
    """
    trusts = Organisation.objects.filter(kind=OrganisationKind.TRUST)
    linked = 0
    unlinked = trusts.filter(closed_on__isnull=False, successor__isnull=True, system__isnull=False)
    for closed in unlinked:
        assert closed.closed_on is not None
        assert closed.system_id is not None
        next_day = closed.closed_on + timedelta(days=1)
        heirs = list(trusts.filter(system_id=closed.system_id, opened_on=next_day))
        if len(heirs) == 1:
            closed.successor = heirs[0]
            closed.save(update_fields=["successor"])
            linked += 1
    return linked


def registry_import_folder(folder: Path, *, include_practices: bool = False) -> ImportReport:
    return registry_import(read_folder(folder, include_practices=include_practices))
