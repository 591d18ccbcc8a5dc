"""The demo's registry: the real 2021/22 ODS files when given, else a synthetic one of their shape.

The synthetic registry has what the real one has (DESIGN.md "Scale to design for"): the 7 real
NHS England regions with their real codes, 42 ICSs, 106 CCGs and 215 trusts whose sectors,
regional spread and mergers follow the 2021/22 files (acute 134, mental health 48, community 7,
ambulance 10, specialist 16; 6 trusts closed by merger into 3 successors). Names are made up
from invented place names; codes are in ranges the real files never use (ICS `QS01`…, CCG
`CS001`…, trust `RS001`…), so a synthetic body can never be mistaken for a real one.

It is built as the same `Parsed` rows the ODS reader returns and written by the same import,
so it is deterministic (one seed), all or nothing and safe to re-run.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

from oversight.models import Organisation, OrganisationKind, Region, Sector, System
from oversight.ods import BodyRow, Parsed, RegionRow, SystemRow
from oversight.registry import registry_import, registry_import_folder

SEED = 2122


@dataclass(frozen=True)
class RegionShape:
    """One real region and how many bodies of each kind it holds in the 2021/22 files."""

    ods_code: str
    ons_code: str
    name: str
    systems: int
    ccgs: int
    trusts: dict[str, int]


def _trusts(
    acute: int, mental_health: int, community: int, ambulance: int, specialist: int
) -> dict[str, int]:
    return {
        Sector.ACUTE: acute,
        Sector.MENTAL_HEALTH: mental_health,
        Sector.COMMUNITY: community,
        Sector.AMBULANCE: ambulance,
        Sector.SPECIALIST: specialist,
    }


# Regions, ICS and CCG counts as in ../shared/data/ods-2022; trusts per region as in etr.csv,
# split by sector so that England has the sector totals in the module docstring.
REGIONS: tuple[RegionShape, ...] = (
    RegionShape("Y56", "E40000003", "London", 5, 5, _trusts(22, 6, 1, 1, 5)),
    RegionShape("Y58", "E40000006", "South West", 7, 7, _trusts(15, 6, 1, 1, 0)),
    RegionShape("Y59", "E40000005", "South East", 6, 11, _trusts(21, 6, 1, 2, 0)),
    RegionShape("Y60", "E40000008", "Midlands", 11, 18, _trusts(23, 10, 2, 2, 3)),
    RegionShape("Y61", "E40000007", "East of England", 6, 14, _trusts(14, 5, 1, 1, 1)),
    RegionShape("Y62", "E40000010", "North West", 3, 27, _trusts(19, 7, 1, 1, 6)),
    RegionShape("Y63", "E40000009", "North East and Yorkshire", 4, 24, _trusts(20, 8, 0, 2, 1)),
)

# Invented English place names: a prefix and a suffix (960 of them).
# fmt: off
PREFIXES = (
    "Alder", "Amber", "Ash", "Bark", "Birch", "Bram", "Brock", "Calder", "Chal", "Cher", "Clay",
    "Crane", "Dart", "Dun", "Elm", "Fair", "Fern", "Fox", "Glen", "Gold", "Hart", "Hazel", "Heath",
    "Holm", "Kings", "Lark", "Lea", "Lind", "Marl", "Mill", "Moor", "Nor", "Oak", "Otter", "Pen",
    "Red", "Rook", "Rye", "Sand", "Stan", "Stone", "Thorn", "Wey", "Whit", "Wil", "Wold", "Wren",
    "Yew",
)
SUFFIXES = (
    "borough", "bridge", "brook", "bury", "by", "caster", "combe", "dale", "field", "ford", "ham",
    "hurst", "ley", "minster", "mouth", "stead", "ton", "well", "wick", "worth",
)
# fmt: on

ICS_NAMES = ("{a} and {b}", "{a}, {b} and {c}", "Healthier {a} and {b}", "{a} and {b} Partnership")
TRUST_NAMES: dict[str, tuple[str, ...]] = {
    Sector.ACUTE: (
        "{a} Hospitals NHS Foundation Trust",
        "{a} and {b} Hospitals NHS Trust",
        "University Hospitals of {a} NHS Foundation Trust",
        "{a} Teaching Hospitals NHS Foundation Trust",
        "{a} and {b} NHS Foundation Trust",
        "Royal {a} Hospital NHS Foundation Trust",
        "{a} General Hospital NHS Trust",
    ),
    Sector.MENTAL_HEALTH: (
        "{a} Partnership NHS Foundation Trust",
        "{a} and {b} Mental Health NHS Trust",
        "{a} Health and Care NHS Foundation Trust",
        "{a} Mental Health NHS Foundation Trust",
    ),
    Sector.COMMUNITY: (
        "{a} Community Healthcare NHS Trust",
        "{a} Community Health Services NHS Trust",
    ),
    Sector.AMBULANCE: (
        "{a} and {b} Ambulance Service NHS Foundation Trust",
        "{a} Ambulance Service NHS Trust",
    ),
    Sector.SPECIALIST: (
        "{a} Children's Hospital NHS Foundation Trust",
        "{a} Orthopaedic Hospital NHS Foundation Trust",
        "{a} Heart and Chest Hospital NHS Foundation Trust",
        "{a} Eye Hospital NHS Foundation Trust",
        "{a} Cancer Centre NHS Foundation Trust",
        "{a} Women's Hospital NHS Foundation Trust",
    ),
}
OPENED = tuple(date(y, 4, 1) for y in (1991, 1992, 1993, 1994, 1998, 2002, 2004, 2007, 2011))
# Three mergers, as in 2020–21: two acute trusts close on the day before their successor opens.
MERGERS = (date(2020, 9, 30), date(2021, 3, 31), date(2021, 9, 30))


class _Places:
    """Unique invented place names, in a seeded order."""

    def __init__(self, rng: random.Random) -> None:
        names = [p + s for p in PREFIXES for s in SUFFIXES]
        rng.shuffle(names)
        self._names: Iterator[str] = iter(names)

    def take(self, n: int) -> list[str]:
        return [next(self._names) for _ in range(n)]


def _spread(rng: random.Random, total: int, bins: int) -> list[int]:
    """`total` items over `bins`, at least one each when there are enough, the rest at random."""
    counts = [1 if total >= bins else 0] * bins
    for _ in range(total - sum(counts)):
        counts[rng.randrange(bins)] += 1
    return counts


def synthetic_registry(seed: int = SEED) -> Parsed:
    """The synthetic registry as parsed rows (no database): same seed, same rows."""
    rng = random.Random(seed)
    places = _Places(rng)
    parsed = Parsed()
    system_no = ccg_no = trust_no = 0
    for region in REGIONS:
        parsed.regions.append(RegionRow(region.ods_code, region.ons_code, region.name))
        systems: list[tuple[str, list[str]]] = []
        for ccg_count in _spread(rng, region.ccgs, region.systems):
            system_no += 1
            code = f"QS{system_no:02d}"
            local = places.take(3 + ccg_count)
            a, b, c = local[:3]
            name = rng.choice(ICS_NAMES).format(a=a, b=b, c=c)
            parsed.systems.append(SystemRow(code, "", name, region.ods_code))
            for place in local[3 : 3 + ccg_count]:
                ccg_no += 1
                parsed.ccgs.append(
                    BodyRow(f"CS{ccg_no:03d}", f"NHS {place} CCG", region.ods_code, code)
                )
            systems.append((code, local))
        for sector, count in region.trusts.items():
            if sector == Sector.AMBULANCE:
                # An ambulance trust serves the region; its host ICS is one of them.
                hosts = [rng.randrange(len(systems)) for _ in range(count)]
            else:
                per_system = _spread(rng, count, len(systems))
                hosts = [i for i, n in enumerate(per_system) for _ in range(n)]
            for host in hosts:
                trust_no += 1
                code, local = systems[host]
                # A new place leads each name, so no two trusts share one.
                a = places.take(1)[0]
                b = places.take(1)[0] if sector == Sector.AMBULANCE else rng.choice(local)
                name = rng.choice(TRUST_NAMES[sector]).format(a=a, b=b)
                ods = f"RS{trust_no:03d}"
                parsed.trusts.append(
                    BodyRow(ods, name, region.ods_code, code, opened_on=rng.choice(OPENED))
                )
                parsed.sectors[ods] = sector
    _merge(parsed, rng)
    return parsed


def _merge(parsed: Parsed, rng: random.Random) -> None:
    """Close two acute trusts of one ICS per merger date; a third of that ICS opens next day."""
    acute = [t for t in parsed.trusts if parsed.sectors[t.ods_code] == Sector.ACUTE]
    by_system: dict[str, list[BodyRow]] = {}
    for trust in acute:
        by_system.setdefault(trust.system or "", []).append(trust)
    candidates = sorted(code for code, trusts in by_system.items() if len(trusts) >= 3)
    replaced: dict[str, BodyRow] = {}
    for closed_on, system in zip(MERGERS, rng.sample(candidates, len(MERGERS)), strict=True):
        first, second, heir = by_system[system][:3]
        for old in (first, second):
            replaced[old.ods_code] = replace(old, closed_on=closed_on)
        replaced[heir.ods_code] = replace(heir, opened_on=closed_on + timedelta(days=1))
    parsed.trusts = [replaced.get(t.ods_code, t) for t in parsed.trusts]


def registry_counts() -> str:
    trusts = Organisation.objects.filter(kind=OrganisationKind.TRUST)
    return (
        f"{Region.objects.count()} regions, {System.objects.count()} ICSs, "
        f"{Organisation.objects.filter(kind=OrganisationKind.CCG).count()} CCGs, "
        f"{trusts.count()} trusts ({trusts.filter(closed_on__isnull=True).count()} open)"
    )


def _synthetic_system_codes() -> list[str]:
    return [f"QS{n:02d}" for n in range(1, sum(r.systems for r in REGIONS) + 1)]


def load_registry(*, ods_folder: Path | None, stdout: TextIO) -> None:
    """Demo step: the real registry from `ods_folder` if it exists, else the synthetic one.

    The synthetic registry only fills a database that holds no other registry, so a demo
    database never mixes made-up bodies into real ones by accident.
    """
    if ods_folder is not None and ods_folder.is_dir():
        report = registry_import_folder(ods_folder)
        stdout.write(f"Registry from the ODS files in {ods_folder}: {report.summary()}\n")
        for line in report.skipped:
            stdout.write(f"  skipped {line}\n")
        if System.objects.filter(ods_code__in=_synthetic_system_codes()).exists():
            stdout.write("  note: this database also holds the synthetic registry\n")
    else:
        if ods_folder is not None:
            stdout.write(f"No ODS folder at {ods_folder}: using the synthetic registry\n")
        if System.objects.exclude(ods_code__in=_synthetic_system_codes()).exists():
            stdout.write("Registry: kept the one already loaded (not replaced by synthetic)\n")
        else:
            report = registry_import(synthetic_registry())
            stdout.write(f"Synthetic registry (seed {SEED}): {report.summary()}\n")
    stdout.write(f"Registry holds {registry_counts()}\n")
