"""Catalogue and periods pages and API: who sees and does what, and constant query counts."""

from __future__ import annotations

from datetime import date
from functools import partial

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from metrics.catalogue.loading import (
    BUILTIN_FOLDER,
    catalogue_export,
    catalogue_load,
    load_builtin_catalogues,
)
from metrics.catalogue.periods import periods_create
from metrics.models.catalogue import CatalogueEvent, FrameworkEdition, Metric, Period
from tests.conftest import Cast, password_login
from tests.queries import assert_constant_queries, counted

pytestmark = pytest.mark.django_db

SOF = "sof-2021-22"
SOF_TEXT = (BUILTIN_FOLDER / f"{SOF}.csv").read_text(encoding="utf-8")
NOT_NATIONAL = ["lead_a", "analyst_a", "ics_lead", "submitter", "observer", "outsider"]


@pytest.fixture
def loaded() -> None:
    load_builtin_catalogues()


def client_for(user: User) -> Client:
    client = Client()
    assert password_login(client, user.email)
    return client


def api_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- catalogue pages ----------------------------------------------------------------------


@pytest.mark.parametrize("member", ["national", "lead_a", "submitter", "outsider"])
def test_every_signed_in_user_reads_the_catalogue(loaded: None, cast: Cast, member: str) -> None:
    client = client_for(getattr(cast, member))
    index = client.get("/catalogue/")
    assert index.status_code == 200
    assert "System Oversight Framework 2021/22" in index.text
    page = client.get(f"/catalogue/{SOF}/")
    assert page.status_code == 200
    for text in (
        "Quality of care, access and outcomes",
        "Local strategic priorities",
        "Patients waiting over 52 weeks for treatment",
        "ICSs, CCGs, acute trusts, specialist trusts",
        "Monthly (latest month in the quarter)",
        "Contextual",
    ):
        assert text in page.text
    assert f'href="/catalogue/{SOF}/metrics/S005/"' in page.text
    assert ">Catalogue<" in page.text  # navigation
    assert ">Periods<" in page.text
    detail = client.get(f"/catalogue/{SOF}/metrics/S005/")
    assert detail.status_code == 200
    assert "Percentage of incomplete RTT pathways waiting 18 weeks or less" in detail.text
    assert "NHS England RTT waiting times (monthly)" in detail.text
    edit_link = f"/catalogue/{SOF}/metrics/S005/edit/"
    assert (edit_link in detail.text) == (member == "national")


def test_anonymous_is_sent_to_sign_in(loaded: None) -> None:
    for url in (
        "/catalogue/",
        f"/catalogue/{SOF}/",
        "/periods/",
        f"/catalogue/{SOF}/catalogue.csv",
    ):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_unknown_edition_or_metric_is_404(loaded: None, cast: Cast) -> None:
    client = client_for(cast.national)
    assert client.get("/catalogue/sof-1999-00/").status_code == 404
    assert client.get(f"/catalogue/{SOF}/metrics/NOPE/").status_code == 404


def test_edition_page_query_count_is_constant(loaded: None, cast: Cast) -> None:
    client = client_for(cast.lead_a)
    client.get(f"/catalogue/{SOF}/")  # the session's first read
    # Session, user, 2 × permissions, role assignments (header); edition, themes, metrics, history.
    small = counted(lambda: client.get(f"/catalogue/{SOF}/"))
    assert "S066" in small.response.text
    assert "T066" not in small.response.text
    # Twice the metrics, the same number of queries.
    rows = SOF_TEXT.splitlines()
    extra = [r.replace("S0", "T0", 1) for r in rows[1:]]
    catalogue_load(edition_code=SOF, csv_text="\n".join(rows + extra) + "\n", actor=None)
    large = counted(lambda: client.get(f"/catalogue/{SOF}/"))
    assert "T066" in large.response.text
    assert_constant_queries(small, large, at_most=9)


def test_download_is_the_export(loaded: None, cast: Cast) -> None:
    response = client_for(cast.submitter).get(f"/catalogue/{SOF}/catalogue.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{SOF}-catalogue-v1.csv"'
    assert response.content.decode() == catalogue_export(FrameworkEdition.objects.get(code=SOF))


# --- the edit form ----------------------------------------------------------------------------

EDIT = f"/catalogue/{SOF}/metrics/S005/edit/"


def form_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "RTT incomplete pathways within 18 weeks",
        "theme": "quality_access_outcomes",
        "applies_to": ["ics", "ccg", "acute", "specialist"],
        "polarity": "higher_better",
        "unit": "%",
        "value_type": "percentage",
        "frequency": "monthly",
        "quarter_basis": "latest",
        "valid_min": "0",
        "valid_max": "100",
        "standard": "92",
        "floor": "",
        "score_map": "",
        "weight": "1",
        "scored": "yes",
        "definition": "Percentage of pathways waiting 18 weeks or less.",
        "source": "NHS England RTT waiting times (monthly)",
    }
    data.update(changes)
    return data


def test_national_admin_edits_a_metric(loaded: None, cast: Cast) -> None:
    client = client_for(cast.national)
    page = client.get(EDIT)
    assert page.status_code == 200
    assert 'value="92"' in page.text
    response = client.post(EDIT, form_data(standard="90"), follow=True)
    assert response.redirect_chain[-1][0] == f"/catalogue/{SOF}/metrics/S005/"
    assert "S005 saved: the catalogue is now version 2." in response.text
    metric = Metric.objects.get(edition__code=SOF, code="S005")
    assert metric.standard == 90
    event = CatalogueEvent.objects.filter(edition__code=SOF).first()
    assert event is not None
    assert event.actor == cast.national
    assert event.detail["updated"]["S005"]["standard"] == ["92", "90"]


def test_edit_form_shows_rule_errors_in_the_error_summary(loaded: None, cast: Cast) -> None:
    client = client_for(cast.national)
    response = client.post(EDIT, form_data(quarter_basis="", valid_min="lots"))
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert '<a href="#id_quarter_basis">A monthly metric needs a quarter basis' in response.text
    assert '<a href="#id_valid_min">The lowest valid value &quot;lots&quot; is not a number.' in (
        response.text
    )
    assert response.text.count("nhsuk-form-group--error") == 2
    assert FrameworkEdition.objects.get(code=SOF).catalogue_version == 1


@pytest.mark.parametrize("member", NOT_NATIONAL)
def test_edit_form_is_404_to_everyone_else(loaded: None, cast: Cast, member: str) -> None:
    client = client_for(getattr(cast, member))
    assert client.get(EDIT).status_code == 404
    assert client.post(EDIT, form_data(standard="1")).status_code == 404
    assert Metric.objects.get(edition__code=SOF, code="S005").standard == 92


# --- upload -----------------------------------------------------------------------------------


def upload(client: Client, text: str | bytes, edition: str = SOF):
    content = text.encode() if isinstance(text, str) else text
    return client.post(
        "/catalogue/upload/",
        {"edition": edition, "file": SimpleUploadedFile("catalogue.csv", content, "text/csv")},
        follow=True,
    )


def test_upload_errors_are_listed_with_line_and_column(loaded: None, cast: Cast) -> None:
    client = client_for(cast.national)
    assert client.get(f"/catalogue/upload/?edition={SOF}").status_code == 200
    bad = SOF_TEXT.replace("S005,RTT incomplete pathways within 18 weeks,quality_access_outcomes,"
                           "ics ccg acute specialist,higher_better",
                           "S005,RTT incomplete pathways within 18 weeks,quality_access_outcomes,"
                           "ics ccg trusts,upwards")  # fmt: skip
    response = upload(client, bad)
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert '<a href="#id_file">Line 6, column applies_to: &quot;trusts&quot; is not a kind' in (
        response.text
    )
    assert '<a href="#id_file">Line 6, column polarity: The polarity &quot;upwards&quot;' in (
        response.text
    )
    assert FrameworkEdition.objects.get(code=SOF).catalogue_version == 1


def test_upload_of_a_good_file(loaded: None, cast: Cast) -> None:
    client = client_for(cast.national)
    changed = SOF_TEXT.replace(",92,,,1,yes,", ",93,,,1,yes,", 1)
    response = upload(client, changed)
    assert response.redirect_chain[-1][0] == f"/catalogue/{SOF}/"
    assert "catalogue version 2 — 0 added, 1 changed, 0 removed, 65 unchanged." in response.text
    assert "S005" in response.text  # in the history table
    again = upload(client, changed)
    assert "nothing changed" in again.text


def test_upload_refuses_files_that_are_not_utf8(loaded: None, cast: Cast) -> None:
    response = upload(client_for(cast.national), "code,name\nS1,Caf\xe9\n".encode("latin-1"))
    assert "The file must be a CSV file saved as UTF-8 text" in response.text


@pytest.mark.parametrize("member", NOT_NATIONAL)
def test_upload_is_404_to_everyone_else(loaded: None, cast: Cast, member: str) -> None:
    client = client_for(getattr(cast, member))
    assert client.get("/catalogue/upload/").status_code == 404
    assert upload(client, SOF_TEXT.replace(",92,", ",1,", 1)).status_code == 404
    assert FrameworkEdition.objects.get(code=SOF).catalogue_version == 1


# --- periods pages ----------------------------------------------------------------------------


def test_periods_page_lists_windows_and_status(cast: Cast) -> None:
    periods_create(year=2021)
    response = client_for(cast.submitter).get("/periods/")
    assert response.status_code == 200
    assert "2021-22 Q3" in response.text
    assert "The 2021-22 Q3 return closed on 14 February 2022." in response.text
    assert "Create a financial year" not in response.text


def test_national_admin_creates_a_year(cast: Cast) -> None:
    client = client_for(cast.national)
    assert "Create a financial year" in client.get("/periods/").text
    response = client.post("/periods/create/", {"year": "2024-25"}, follow=True)
    assert "Created the quarters of 2024-25." in response.text
    assert Period.objects.filter(year=2024).count() == 4
    response = client.post("/periods/create/", {"year": "2024-25"}, follow=True)
    assert "The quarters of 2024-25 already exist." in response.text
    bad = client.post("/periods/create/", {"year": "2024-26"})
    assert "There is a problem" in bad.text
    assert "the year after 2024 is 2024-25" in bad.text
    assert Period.objects.count() == 4


@pytest.mark.parametrize("member", NOT_NATIONAL)
def test_creating_periods_is_404_to_everyone_else(cast: Cast, member: str) -> None:
    response = client_for(getattr(cast, member)).post("/periods/create/", {"year": "2024-25"})
    assert response.status_code == 404
    assert not Period.objects.exists()


# --- API --------------------------------------------------------------------------------------


def test_api_refuses_anonymous(loaded: None) -> None:
    for url in ("/api/v1/editions/", "/api/v1/metrics/", "/api/v1/periods/"):
        assert APIClient().get(url).status_code in (401, 403)


def test_api_editions(loaded: None, cast: Cast) -> None:
    response = api_for(cast.outsider).get("/api/v1/editions/")
    assert response.status_code == 200
    editions = {e["code"]: e for e in response.json()["results"]}
    assert editions[SOF]["metric_count"] == 66
    assert editions[SOF]["catalogue_version"] == 1
    assert [t["slug"] for t in editions["nof-2025-26"]["themes"]] == [
        "access",
        "effectiveness_experience",
        "patient_safety",
        "finance_productivity",
        "people_workforce",
    ]
    detail = api_for(cast.outsider).get(f"/api/v1/editions/{SOF}/")
    assert detail.json()["name"] == "System Oversight Framework 2021/22"


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("", 81),
        (f"edition={SOF}", 66),
        ("edition=nof-2025-26", 15),
        (f"edition={SOF}&theme=people", 12),
        ("code=of0023", 1),
        (f"edition={SOF}&scored=false", 10),  # local priorities, size-dependent counts
        (f"edition={SOF}&applies_to=ambulance", 27),
        ("edition=nof-2025-26&applies_to=community", 6),
        (f"edition={SOF}&applies_to=ics", 59),
    ],
)
def test_api_metric_filters(loaded: None, cast: Cast, query: str, count: int) -> None:
    response = api_for(cast.submitter).get(f"/api/v1/metrics/?{query}")
    assert response.status_code == 200
    assert response.json()["count"] == count


def test_api_metric_fields(loaded: None, cast: Cast) -> None:
    response = api_for(cast.submitter).get("/api/v1/metrics/?code=S005")
    (metric,) = response.json()["results"]
    assert metric["edition"] == SOF
    assert metric["theme"] == "quality_access_outcomes"
    assert metric["applies_to"] == ["ics", "ccg", "acute", "specialist"]
    assert (metric["standard"], metric["weight"], metric["scored"]) == (92.0, "1", True)
    infection = api_for(cast.submitter).get("/api/v1/metrics/?code=OF0020").json()["results"]
    assert [m["weight"] for m in infection] == ["1/3"]
    assert api_for(cast.submitter).get(f"/api/v1/metrics/{metric['id']}/").status_code == 200


def test_api_applies_to_filter_rejects_unknown_words(loaded: None, cast: Cast) -> None:
    assert api_for(cast.national).get("/api/v1/metrics/?applies_to=trusts").status_code == 400


def test_api_metric_list_query_count(loaded: None, cast: Cast) -> None:
    # Count, page, and the user's permissions once (local metrics are scoped to ICSs): the
    # same for a few metrics as for every one, and for the editions.
    def fresh() -> APIClient:  # a newly loaded user, as each real request has: no cache
        return api_for(User.objects.get(pk=cast.lead_a.pk))

    few = counted(partial(fresh().get, "/api/v1/metrics/?code=S001"))
    every = counted(partial(fresh().get, "/api/v1/metrics/"))
    assert 0 < len(few.response.json()["results"]) < len(every.response.json()["results"]) == 81
    assert_constant_queries(few, every, at_most=4)
    editions = counted(partial(fresh().get, "/api/v1/editions/"))
    assert editions.response.json()["results"]
    assert editions.queries <= 4


def test_api_periods_with_window_status(cast: Cast) -> None:
    periods_create(year=2021)
    periods_create(year=2099 - 1)
    response = api_for(cast.observer).get("/api/v1/periods/?year=2021")
    periods = response.json()["results"]
    assert [p["label"] for p in periods] == ["2021-22 Q1", "2021-22 Q2", "2021-22 Q3", "2021-22 Q4"]
    q3 = periods[2]
    assert (q3["opens_on"], q3["due_on"], q3["closes_on"]) == (
        "2022-01-01",
        "2022-01-28",
        "2022-02-14",
    )
    assert q3["window_state"] == "closed"
    assert q3["window_reason"] == "The 2021-22 Q3 return closed on 14 February 2022."
    assert q3["accepts_returns"] is False
    future = api_for(cast.observer).get("/api/v1/periods/?year=2098&quarter=1").json()["results"]
    assert future[0]["window_state"] == "not_yet_open"
    assert future[0]["window_reason"] == (
        f"The 2098-99 Q1 return opens on 1 July {date(2098, 7, 1).year}."
    )
