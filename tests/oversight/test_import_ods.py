"""The ODS import on the real 2021/22 files, and what it does with files that are wrong.

The files are public NHS reference data kept outside the repository (../shared/data/ods-2022);
the tests that need them skip, saying so, where that folder is absent.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F
from django.test import Client
from rest_framework.test import APIClient

from accounts.roles import Role
from accounts.scope import role_grant
from oversight.models import Organisation, OrganisationKind, Region, SectorSource, System
from oversight.registry import RegistryImportError, registry_import_folder
from tests.factories import UserFactory

ODS_2022 = Path(__file__).resolve().parents[3] / "shared" / "data" / "ods-2022"
FILES = (
    "derived_nhse_regions.csv",
    "derived_ics_stps_2021_22.csv",
    "derived_ccgs_2021_22.csv",
    "etr.csv",
)
CLOSED_BEFORE_2022 = {
    "RD3": date(2020, 9, 30),  # Poole Hospital → University Hospitals Dorset (R0D)
    "RDZ": date(2020, 9, 30),  # Royal Bournemouth and Christchurch → R0D
    "RT3": date(2021, 1, 31),  # Royal Brompton & Harefield → Guy's and St Thomas'
    "RXH": date(2021, 3, 31),  # Brighton and Sussex → University Hospitals Sussex
    "RTV": date(2021, 5, 31),  # North West Boroughs → Mersey Care
    "RW6": date(2021, 9, 30),  # Pennine Acute → Northern Care Alliance / Manchester
}
WELSH = {"RQF": 114, "RT4": 131, "RYT": 214}  # code → line of etr.csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def ods_dir() -> Path:
    if not all((ODS_2022 / name).is_file() for name in FILES):
        pytest.skip(f"the 2021/22 ODS files are not in {ODS_2022} (see ../shared/data/README.md)")
    return ODS_2022


@pytest.fixture
def work_dir(ods_dir: Path, tmp_path: Path) -> Path:
    """A writable copy of the real files, for tests that spoil or add one."""
    for name in FILES:
        shutil.copy(ods_dir / name, tmp_path / name)
        (tmp_path / name).chmod(0o644)
    return tmp_path


def edit_line(path: Path, number: int, change: Callable[[str], str]) -> None:
    """Rewrite line `number` (1-based) of a text file."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[number - 1] = change(lines[number - 1])
    path.write_text("".join(lines), encoding="utf-8")


def etr_cell(line: str, index: int, value: str) -> str:
    cells = line.rstrip("\n").split('","')
    cells[index] = value
    return '","'.join(cells) + "\n"


def snapshot() -> dict[str, list[tuple[int, str, str]]]:
    """Every registry row's id, code and xmin: PostgreSQL gives a row a new xmin on any write."""
    tables = ("oversight_region", "oversight_system", "oversight_organisation")
    with connection.cursor() as cursor:
        rows = {}
        for table in tables:
            cursor.execute(f"SELECT id, ods_code, xmin::text FROM {table} ORDER BY id")  # noqa: S608
            rows[table] = cursor.fetchall()
    return rows


def run_import(folder: Path) -> str:
    out = StringIO()
    call_command("import_ods", str(folder), stdout=out)
    return out.getvalue()


def refused(folder: Path) -> str:
    with pytest.raises(CommandError) as caught:
        run_import(folder)
    return str(caught.value)


# --- the real files ---------------------------------------------------------------------------


def test_real_files_give_the_2021_22_registry(ods_dir: Path) -> None:
    report = registry_import_folder(ods_dir)

    trusts = Organisation.objects.filter(kind=OrganisationKind.TRUST)
    assert Region.objects.count() == 7
    assert System.objects.count() == 42
    assert Organisation.objects.filter(kind=OrganisationKind.ICS).count() == 42
    assert Organisation.objects.filter(kind=OrganisationKind.CCG).count() == 106
    assert trusts.count() == 215
    assert report.counts == {
        "regions created": 7,
        "ICSs created": 42,
        "ICS bodies created": 42,
        "CCGs created": 106,
        "trusts created": 215,
        "successors linked": 2,
    }
    # Every body hangs from a region and an ICS that agree with each other.
    assert not Organisation.objects.exclude(system__region=F("region")).exists()


def test_trusts_closed_before_2022_are_kept_with_their_close_dates(ods_dir: Path) -> None:
    registry_import_folder(ods_dir)

    closed = dict(
        Organisation.objects.filter(closed_on__isnull=False).values_list("ods_code", "closed_on")
    )
    assert closed == CLOSED_BEFORE_2022
    poole = Organisation.objects.get(ods_code="RD3")
    assert poole.name == "Poole Hospital NHS Foundation Trust"
    assert poole.closed_on == date(2020, 9, 30)
    assert poole.successor is not None
    assert poole.successor.ods_code == "R0D"
    assert poole.successor.opened_on == date(2020, 10, 1)
    assert set(poole.successor.predecessors.values_list("ods_code", flat=True)) == {"RD3", "RDZ"}
    # No single trust opened the day after the other four closed: left for a person to link.
    assert not Organisation.objects.filter(
        ods_code__in=["RT3", "RXH", "RTV", "RW6"], successor__isnull=False
    ).exists()
    assert Organisation.objects.filter(kind="trust").open_on(date(2022, 4, 1)).count() == 209


def test_welsh_trusts_are_skipped_and_reported(ods_dir: Path) -> None:
    output = run_import(ods_dir)

    assert not Organisation.objects.filter(ods_code__in=WELSH).exists()
    skipped = [line for line in output.splitlines() if line.startswith("Skipped")]
    assert skipped == [
        "Skipped etr.csv, line 114: RQF VELINDRE NHS TRUST (Welsh, W00)",
        "Skipped etr.csv, line 131: RT4 WELSH AMBULANCE SERVICES NHS TRUST (Welsh, W00)",
        "Skipped etr.csv, line 214: RYT PUBLIC HEALTH WALES NHS TRUST (Welsh, W00)",
    ]
    assert output.splitlines()[-1] == (
        "Imported: 106 CCGs created, 42 ICS bodies created, 42 ICSs created, "
        "7 regions created, 2 successors linked, 215 trusts created"
    )


def test_running_again_changes_nothing(ods_dir: Path, django_assert_max_num_queries) -> None:
    run_import(ods_dir)
    before = snapshot()

    with django_assert_max_num_queries(12):  # reads, no writes: not a query per row
        output = run_import(ods_dir)

    assert snapshot() == before  # same ids, and not one row rewritten (xmin unchanged)
    assert output.splitlines()[-1] == (
        "Imported: 106 CCGs unchanged, 42 ICS bodies unchanged, 42 ICSs unchanged, "
        "7 regions unchanged, 0 successors linked, 215 trusts unchanged"
    )


def test_a_changed_row_is_updated_in_place(work_dir: Path) -> None:
    run_import(work_dir)
    before = Organisation.objects.get(ods_code="R1C")
    edit_line(
        work_dir / "etr.csv", 5, lambda line: line.replace("SOLENT NHS", "SOLENT HEALTH NHS", 1)
    )

    output = run_import(work_dir)

    after = Organisation.objects.get(ods_code="R1C")
    assert (after.pk, after.name) == (before.pk, "Solent Health NHS Trust")
    assert "214 trusts unchanged, 1 trusts updated" in output


def test_the_command_refuses_a_missing_folder(tmp_path: Path) -> None:
    assert refused(tmp_path / "nowhere") == f"{tmp_path / 'nowhere'} is not a folder"


def test_a_folder_without_the_files_names_what_is_missing(tmp_path: Path, db: None) -> None:
    message = refused(tmp_path)
    assert message.startswith("Nothing was imported. Problems found:\n")
    assert f"  {tmp_path}: no file matching etr.csv or *etr*.csv" in message.splitlines()


# --- malformed files: reported with file and line, and nothing imported ------------------------

Spoil = Callable[[Path], None]


def bad_open_date(folder: Path) -> None:
    edit_line(folder / "etr.csv", 5, lambda line: etr_cell(line, 10, "2011-04-01"))


def impossible_close_date(folder: Path) -> None:
    edit_line(folder / "etr.csv", 39, lambda line: etr_cell(line, 11, "20200931"))


def closes_before_it_opens(folder: Path) -> None:
    edit_line(folder / "etr.csv", 39, lambda line: etr_cell(line, 11, "19910101"))


def short_etr_row(folder: Path) -> None:
    edit_line(folder / "etr.csv", 7, lambda line: ",".join(line.split(",")[:11]) + "\n")


def header_lacks_a_column(folder: Path) -> None:
    edit_line(
        folder / "derived_ics_stps_2021_22.csv",
        1,
        lambda line: "ics_ods,ics_ons,name,region_ods,region_ons\n",
    )


def row_lacks_a_cell(folder: Path) -> None:
    edit_line(folder / "derived_ccgs_2021_22.csv", 4, lambda line: line.split(",", 1)[1])


def unknown_region(folder: Path) -> None:
    edit_line(
        folder / "derived_ics_stps_2021_22.csv", 3, lambda line: line.replace(",Y63,", ",Y99,")
    )


def unknown_ics(folder: Path) -> None:
    edit_line(folder / "etr.csv", 3, lambda line: etr_cell(line, 3, "QZZ"))


def trust_region_differs_from_its_ics(folder: Path) -> None:
    edit_line(folder / "etr.csv", 3, lambda line: etr_cell(line, 2, "Y56"))


def repeated_code(folder: Path) -> None:
    edit_line(folder / "etr.csv", 4, lambda line: etr_cell(line, 0, '"R0A'))


def not_utf8(folder: Path) -> None:
    path = folder / "derived_nhse_regions.csv"
    path.write_bytes(path.read_bytes().replace(b"London", "Lóndon".encode("cp1252")))


MALFORMED: dict[str, tuple[Spoil, str]] = {
    "bad date": (
        bad_open_date,
        "etr.csv, line 5: open date '2011-04-01' is not a date in the form YYYYMMDD",
    ),
    "impossible date": (
        impossible_close_date,
        "etr.csv, line 39: close date '20200931' is not a date in the form YYYYMMDD",
    ),
    "closed before opened": (
        closes_before_it_opens,
        "etr.csv, line 39: closes (1991-01-01) before it opens (1992-04-01)",
    ),
    "short etr row": (
        short_etr_row,
        "etr.csv, line 7: has 11 columns; the etr layout has at least 12",
    ),
    "missing column": (
        header_lacks_a_column,
        "derived_ics_stps_2021_22.csv, line 1: the header lacks the column(s) ics_name",
    ),
    "missing cell": (
        row_lacks_a_cell,
        "derived_ccgs_2021_22.csv, line 4: has 5 cells; the header has 6",
    ),
    "unknown region": (
        unknown_region,
        "derived_ics_stps_2021_22.csv, line 3: ICS QF7 names region Y99, which no region "
        "row defines",
    ),
    "unknown ICS": (unknown_ics, "etr.csv, line 3: trust R0D names ICS QZZ, not defined"),
    "region and ICS disagree": (
        trust_region_differs_from_its_ics,
        "etr.csv, line 3: trust R0D is in region Y56, but its ICS QVV is in region Y58",
    ),
    "repeated code": (
        repeated_code,
        "etr.csv, line 4: ODS code R0A is already used at etr.csv, line 1",
    ),
    "not UTF-8": (
        not_utf8,
        "derived_nhse_regions.csv: is not UTF-8 text (save it as UTF-8 CSV)",
    ),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_file_imports_nothing(work_dir: Path, case: str) -> None:
    spoil, problem = MALFORMED[case]
    spoil(work_dir)

    message = refused(work_dir)

    assert message.startswith("Nothing was imported. Problems found:\n")
    assert f"  {problem}" in message.splitlines()
    assert not Region.objects.exists()
    assert not System.objects.exists()
    assert not Organisation.objects.exists()


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_file_leaves_an_earlier_import_alone(
    ods_dir: Path, work_dir: Path, case: str
) -> None:
    run_import(ods_dir)
    before = snapshot()
    spoil, problem = MALFORMED[case]
    spoil(work_dir)

    with pytest.raises(RegistryImportError) as caught:
        registry_import_folder(work_dir)

    assert problem in [str(p) for p in caught.value.problems]
    assert snapshot() == before


def test_every_problem_is_reported_at_once(work_dir: Path) -> None:
    bad_open_date(work_dir)
    unknown_region(work_dir)
    unknown_ics(work_dir)

    problems = refused(work_dir).splitlines()[1:]

    # Parsing problems first, then references; the CCGs and trusts of QF7 are not blamed again.
    assert problems == [
        "  etr.csv, line 5: open date '2011-04-01' is not a date in the form YYYYMMDD",
        "  derived_ics_stps_2021_22.csv, line 3: ICS QF7 names region Y99, which no region "
        "row defines",
        "  etr.csv, line 3: trust R0D names ICS QZZ, not defined",
    ]


# --- trust sectors: supplied, guessed (and shown as a guess), edited ---------------------------


def write_sectors(folder: Path, *rows: str) -> None:
    (folder / "trust-sectors.csv").write_text("ods_code,sector\n" + "".join(f"{r}\n" for r in rows))


def test_supplied_sectors_are_used_and_the_rest_guessed(work_dir: Path) -> None:
    # Solent is a community trust; its name alone would be guessed acute.
    write_sectors(work_dir, "R1C,community", "RTV,Mental health")

    run_import(work_dir)

    solent = Organisation.objects.get(ods_code="R1C")
    assert (solent.sector, solent.sector_source) == ("community", SectorSource.SUPPLIED)
    assert solent.peer_group == "trust:community"
    boroughs = Organisation.objects.get(ods_code="RTV")
    assert (boroughs.sector, boroughs.peer_group) == ("mental_health", "trust:mental_health")
    guessed = Organisation.objects.filter(kind=OrganisationKind.TRUST).exclude(
        ods_code__in=["R1C", "RTV"]
    )
    assert set(guessed.values_list("sector_source", flat=True)) == {SectorSource.GUESSED}
    ambulance = Organisation.objects.get(ods_code="RX9")  # East Midlands Ambulance Service
    assert (ambulance.sector, ambulance.sector_source) == ("ambulance", SectorSource.GUESSED)
    assert Organisation.objects.filter(kind=OrganisationKind.CCG, sector="").count() == 106


def test_a_guess_is_shown_as_a_guess_in_the_directory_and_the_api(work_dir: Path) -> None:
    write_sectors(work_dir, "R1C,community")
    run_import(work_dir)
    user = UserFactory(email="national@nhs.test")
    role_grant(user=user, role=Role.NATIONAL_ADMIN, node=None)
    page, api = Client(), APIClient()
    page.force_login(user)
    api.force_authenticate(user)

    guessed = page.get("/organisations/", {"q": "R0A"}).content.decode()
    supplied = page.get("/organisations/", {"q": "R1C"}).content.decode()
    detail = page.get("/organisations/R0A/").content.decode()

    assert "Manchester University NHS Foundation Trust" in guessed
    assert "app-tag-guessed" in guessed
    assert "Guessed from the name" in detail
    assert "Solent NHS Trust" in supplied
    assert "app-tag-guessed" not in supplied
    r0a = api.get("/api/v1/organisations/R0A/").json()
    r1c = api.get("/api/v1/organisations/R1C/").json()
    assert (r0a["sector_source"], r0a["sector_is_guess"]) == ("guessed", True)
    assert (r1c["sector"], r1c["sector_source"], r1c["sector_is_guess"]) == (
        "community",
        "supplied",
        False,
    )


def test_an_edited_sector_is_never_replaced_by_a_guess(ods_dir: Path) -> None:
    run_import(ods_dir)
    Organisation.objects.filter(ods_code="R1C").update(
        sector="community", sector_source=SectorSource.EDITED
    )

    output = run_import(ods_dir)

    solent = Organisation.objects.get(ods_code="R1C")
    assert (solent.sector, solent.sector_source) == ("community", SectorSource.EDITED)
    assert solent.peer_group == "trust:community"
    assert "215 trusts unchanged" in output


def test_a_supplied_sector_is_kept_when_a_later_import_has_none(work_dir: Path) -> None:
    write_sectors(work_dir, "R1C,community")
    run_import(work_dir)
    (work_dir / "trust-sectors.csv").unlink()

    output = run_import(work_dir)

    solent = Organisation.objects.get(ods_code="R1C")
    assert (solent.sector, solent.sector_source) == ("community", SectorSource.SUPPLIED)
    assert "215 trusts unchanged" in output


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        (
            ("R0A,acute", "R1C,hospital"),
            "trust-sectors.csv, line 3: sector 'hospital' is not one of acute, ambulance, "
            "community, mental_health, specialist",
        ),
        (
            ("R0A,acute", "R9Z,acute"),
            "trust-sectors.csv, line 3: R9Z is not a trust in the etr file",
        ),
        (
            ("R1C,community", "R0A,acute", "R1C,acute"),
            "trust-sectors.csv, line 4: R1C was given the sector community on line 2",
        ),
        (("R0A",), "trust-sectors.csv, line 2: has 1 cells; the header has 2"),
    ],
)
def test_a_bad_sector_row_is_reported_with_its_line(
    work_dir: Path, rows: tuple[str, ...], problem: str
) -> None:
    write_sectors(work_dir, *rows)

    message = refused(work_dir)

    assert f"  {problem}" in message.splitlines()
    assert not Organisation.objects.exists()


def test_a_welsh_trust_in_the_sectors_file_is_no_problem(work_dir: Path) -> None:
    write_sectors(work_dir, "RT4,ambulance", "RX9,ambulance")

    run_import(work_dir)

    assert Organisation.objects.get(ods_code="RX9").sector_source == SectorSource.SUPPLIED
    assert not Organisation.objects.filter(ods_code="RT4").exists()
