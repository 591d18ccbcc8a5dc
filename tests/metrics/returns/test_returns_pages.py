"""Returns pages: per role, the upload → preview → submit flow, review steps, files, history,
completeness; the outsider (and the other region) get 404 on every page of a return."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from accounts.scope import role_grant
from metrics.catalogue.editions import edition_for
from metrics.catalogue.loading import load_builtin_catalogues
from metrics.models.catalogue import FrameworkEdition, Period
from metrics.models.returns import Return, ReturnDraft, ReturnState, ReturnVersion
from metrics.returns.review import return_accept, return_sign_off
from metrics.returns.upload import return_upload
from oversight.models import OrganisationKind
from tests.conftest import Cast, Registry, password_login
from tests.factories import OrganisationFactory, UserFactory
from tests.metrics.factories import csv_file, full_rows, quarter, window
from tests.queries import assert_constant_queries, counted


@dataclass
class World:
    registry: Registry
    cast: Cast
    period: Period
    edition: FrameworkEdition

    def rows(self, organisation=None):
        return full_rows(organisation or self.registry.trust_a1, self.period, self.edition)

    def file(self, organisation=None) -> bytes:
        body = organisation or self.registry.trust_a1
        return csv_file(body.ods_code, self.rows(body))

    def url(self, name: str = "return-detail", ods: str = "RA1", **kwargs) -> str:
        return reverse(name, kwargs={"ods_code": ods, "period": self.period.slug, **kwargs})

    def upload(self, content: bytes | None = None, user=None):
        version, _ = return_upload(
            organisation=self.registry.trust_a1,
            period=self.period,
            edition=self.edition,
            file_name="return.csv",
            content=content or self.file(),
            user=user or self.cast.submitter,
        )
        return version


@pytest.fixture
def world(registry: Registry, cast: Cast) -> World:
    load_builtin_catalogues()
    period = quarter()
    return World(registry, cast, period, edition_for(period))


def client_for(user) -> Client:
    client = Client()
    assert password_login(client, user.email)
    return client


def text(response) -> str:
    """The page's visible text, whitespace collapsed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def error_summary(response) -> str:
    html = response.content.decode()
    found = re.search(r'<div class="nhsuk-error-summary".*?</ul>', html, flags=re.S)
    assert found, "no error summary on the page"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(0))).split())


# --- the quarter's returns ------------------------------------------------------------------


def test_the_list_shows_the_bodies_in_scope_for_the_open_quarter(world: World) -> None:
    periods_before = quarter(year=2021, number=2, opens=-120, due=-100, closes=-80)
    assert periods_before.pk != world.period.pk
    world.upload()
    page = client_for(world.cast.lead_a).get(reverse("returns-list"))
    assert page.status_code == 200
    assert page.context["period"] == world.period
    bodies = [row.organisation.ods_code for row in page.context["rows"]]
    assert sorted(bodies) == ["0A1", "QA1", "QA2", "RA1", "RA2", "RA3"]
    shown = text(page)
    assert "Submitted" in shown
    assert "Not submitted" in shown
    assert "Awaiting sign-off" in shown
    assert "Completeness of 2021-22 Q3 returns" in shown


def test_submitters_and_approvers_see_just_their_body(world: World) -> None:
    world.upload()
    for user in (world.cast.submitter, world.cast.approver):
        page = client_for(user).get(reverse("returns-list"))
        assert [row.organisation.ods_code for row in page.context["rows"]] == ["RA1"]
        assert "Completeness" not in text(page)
    approver_page = text(client_for(world.cast.approver).get(reverse("returns-list")))
    assert "Sign off" in approver_page


def test_the_list_filters_by_quarter(world: World) -> None:
    earlier = quarter(year=2021, number=2, opens=-120, due=-100, closes=-80)
    page = client_for(world.cast.lead_a).get(reverse("returns-list"), {"period": earlier.slug})
    assert page.context["period"] == earlier
    assert "Late: not submitted" in text(page)


def test_the_outsider_sees_no_returns(world: World) -> None:
    page = client_for(world.cast.outsider).get(reverse("returns-list"))
    assert page.status_code == 200
    assert page.context["rows"] == []
    assert "No bodies in your scope" in text(page)


def test_the_list_takes_the_same_queries_for_many_bodies(world: World) -> None:
    world.upload()
    client = client_for(world.cast.national)
    client.get(reverse("returns-list"))  # warm the session and caches
    small = counted(lambda: client.get(reverse("returns-list")))
    assert small.response.status_code == 200
    assert len(small.response.context["rows"]) == 8
    for n in range(30):
        OrganisationFactory(ods_code=f"RX{n:02d}", system=world.registry.system_a2)
    large = counted(lambda: client.get(reverse("returns-list")))
    assert large.response.status_code == 200
    assert len(large.response.context["rows"]) == 38
    assert_constant_queries(small, large, at_most=20)


# --- one return -----------------------------------------------------------------------------


def test_the_return_page_before_any_upload(world: World) -> None:
    page = client_for(world.cast.submitter).get(world.url())
    assert page.status_code == 200
    shown = text(page)
    assert "None uploaded yet" in shown
    assert "Upload a new version" in shown
    assert "is open: it is due by" in shown
    assert page.context["upload_form"] is not None


def test_upload_preview_and_submit(world: World) -> None:
    client = client_for(world.cast.submitter)
    content = world.file()
    response = client.post(world.url("return-upload"), {"file": _upload("q3.csv", content)})
    draft = ReturnDraft.objects.get()
    assert response.status_code == 302
    assert response["Location"] == world.url("return-preview", draft=draft.pk)
    preview = client.get(response["Location"])
    shown = text(preview)
    assert "Check q3.csv" in shown
    assert f"New values {len(world.rows())}" in shown
    assert "Submit this version" in shown
    assert not ReturnVersion.objects.exists()
    done = client.post(response["Location"], follow=True)
    assert done.redirect_chain[-1][0] == world.url()
    shown = text(done)
    assert "Version 1 submitted." in shown
    assert "Version 1 (q3.csv" in shown
    version = ReturnVersion.objects.get()
    assert version.content == content
    assert not ReturnDraft.objects.exists()


def test_a_file_with_errors_lists_each_in_the_error_summary(world: World) -> None:
    client = client_for(world.cast.submitter)
    rows = world.rows()
    code, end, _ = rows.pop()
    bad = csv_file("RA1", rows, [f"RA1,{code},{end},about 40,,,", "RA1,XX99,2021-12-31,1,,,"])
    response = client.post(world.url("return-upload"), {"file": _upload("bad.csv", bad)})
    preview = client.get(response["Location"])
    summary = error_summary(preview)
    last = len(rows) + 1
    assert f"Row {last + 1}, column value" in summary
    assert f"Row {last + 2}, column metric_code" in summary
    assert "XX99" in summary
    assert 'href="#finding-b1"' in preview.content.decode()
    assert 'id="finding-b1"' in preview.content.decode()
    assert "Submit this version" not in text(preview)
    assert preview["Content-Type"].startswith("text/html")
    # Submitting anyway is refused, and nothing is stored.
    refused = client.post(response["Location"])
    assert refused.status_code == 400
    assert not ReturnVersion.objects.exists()


def test_a_rejected_file_shows_its_message_and_saves_nothing(world: World) -> None:
    client = client_for(world.cast.submitter)
    response = client.post(world.url("return-upload"), {"file": _upload("empty.csv", b"")})
    assert response.status_code == 400
    assert "Select the return file" in error_summary(response) or "empty" in error_summary(response)
    response = client.post(
        world.url("return-upload"), {"file": _upload("r.csv", b"name,age\nx,1\n")}
    )
    assert response.status_code == 400
    summary = error_summary(response)
    assert "column" in summary.lower()
    assert not ReturnDraft.objects.exists()
    assert not Return.objects.exists()


def test_the_comparison_lists_changed_values_old_to_new(world: World) -> None:
    world.upload()
    rows = world.rows()
    code, end, value = rows[0]
    rows[0] = (code, end, value + 1)
    client = client_for(world.cast.submitter)
    response = client.post(
        world.url("return-upload"), {"file": _upload("v2.csv", csv_file("RA1", rows))}
    )
    preview = client.get(response["Location"])
    shown = text(preview)
    assert "Compared with version 1" in shown
    assert "Changed values 1" in shown
    assert f"Unchanged values {len(rows) - 1}" in shown
    assert preview.context["changed"][0].old == value
    assert preview.context["changed"][0].new == value + 1


def test_a_draft_is_seen_only_by_its_uploader(world: World) -> None:
    client = client_for(world.cast.submitter)
    response = client.post(world.url("return-upload"), {"file": _upload("r.csv", world.file())})
    other = UserFactory(email="submitter.two@nhs.test")
    role_grant(user=other, role=Role.ORGANISATION_SUBMITTER, node=world.registry.trust_a1)
    assert client_for(other).get(response["Location"]).status_code == 404
    assert client_for(world.cast.lead_a).post(response["Location"]).status_code == 404


def test_warnings_are_justified_then_the_approver_signs_off(world: World) -> None:
    world.upload(csv_file("RA1", world.rows()[1:]))
    client = client_for(world.cast.approver)
    page = client.get(world.url())
    shown = text(page)
    assert (
        "Sign off : not available . Justify every warning first."
        in shown.replace(":", " :").replace(".", " .")
        or "Justify every warning first." in shown
    )
    form = page.context["justify_form"]
    (field,) = form.fields
    refused = client.post(world.url("return-justify"), {field: ""})
    assert refused.status_code == 400
    assert "Enter why this value is right" in error_summary(refused)
    done = client.post(world.url("return-justify"), {field: "Not collected"}, follow=True)
    assert "1 warning(s) justified." in text(done)
    check = client.get(world.url("return-sign-off"))
    assert "Check your answers before signing off" in text(check)
    assert "Not collected" in text(check)  # the warning's justification, to check
    undeclared = client.post(world.url("return-sign-off"))
    assert undeclared.status_code == 400
    assert "Confirm the declaration to sign off the return." in error_summary(undeclared)
    assert Return.objects.get().state == ReturnState.SUBMITTED
    signed = client.post(world.url("return-sign-off"), {"declaration": "on"}, follow=True)
    assert "Return signed off: version 1." in text(signed)
    assert Return.objects.get().state == ReturnState.SIGNED_OFF


def test_a_refused_action_shows_why_in_the_error_summary(world: World) -> None:
    world.upload()
    response = client_for(world.cast.submitter).post(world.url("return-sign-off"))
    assert response.status_code == 403  # the role refuses it: the page says what it may not do
    assert "You can see Trust A1 but may not sign off its returns." in response.content.decode()
    response = client_for(world.cast.analyst_a).post(world.url("return-accept"))
    assert "Only a signed-off return can be accepted" in error_summary(response)


def test_the_regional_analyst_accepts(world: World) -> None:
    world.upload()
    return_sign_off(return_record=Return.objects.get(), user=world.cast.approver, declaration=True)
    client = client_for(world.cast.analyst_a)
    assert "Accept version 1" in text(client.get(world.url()))
    page = client.post(world.url("return-accept"), follow=True)
    shown = text(page)
    assert "Return accepted." in shown
    assert "Accepted by analyst.a@nhs.test" in shown
    assert "has been accepted and is locked" in shown


def test_send_back_needs_a_reason(world: World) -> None:
    world.upload()
    return_sign_off(return_record=Return.objects.get(), user=world.cast.approver, declaration=True)
    client = client_for(world.cast.lead_a)
    refused = client.post(world.url("return-send-back"), {"send_back-reason": ""})
    assert refused.status_code == 400
    assert "Enter why you are sending the return back" in error_summary(refused)
    done = client.post(
        world.url("return-send-back"), {"send_back-reason": "S004 doubled"}, follow=True
    )
    assert "Return sent back." in text(done)
    assert "Reason: S004 doubled" in text(done)


def test_a_closed_quarter_says_why_and_the_regional_lead_reopens(world: World) -> None:
    window(world.period, opens=-60, due=-40, closes=-1)
    submitter = client_for(world.cast.submitter)
    page = text(submitter.get(world.url()))
    assert "Locked" in page
    assert "closed on" in page
    assert "Upload a new version : not available" in page.replace(":", " :")
    lead = client_for(world.cast.lead_a)
    assert "Reopen for Trust A1" in text(lead.get(world.url()))
    refused = lead.post(world.url("return-reopen"), {"reopen-reason": "", "reopen-expires_on": ""})
    assert "Enter why you are reopening" in error_summary(refused)
    until = (timezone.localdate() + timedelta(days=2)).isoformat()
    done = lead.post(
        world.url("return-reopen"),
        {"reopen-reason": "Outage", "reopen-expires_on": until},
        follow=True,
    )
    assert "Return reopened until" in text(done)
    assert "reopened until" in text(submitter.get(world.url()))
    assert "Check file" in text(submitter.get(world.url()))


def test_versions_values_and_downloads(world: World) -> None:
    content = world.file()
    version = world.upload(content)
    client = client_for(world.cast.ics_lead)
    page = client.get(world.url())
    shown = text(page)
    assert version.file_sha256[:12] in shown
    assert f'title="{version.file_sha256}"' in page.content.decode()
    assert "S001 CQC overall rating" in shown
    download = client.get(world.url("return-version-file", number=1))
    assert download.content == content
    assert 'filename="return.csv"' in download["Content-Disposition"]
    assert "no-store" in download["Cache-Control"]  # no shared cache keeps a body's return
    findings = client.get(world.url("return-version-findings", number=1))
    assert "no-store" in findings["Cache-Control"]
    assert findings.content.decode().startswith("row,column,code,severity,message")
    assert client.get(world.url("return-version-file", number=2)).status_code == 404


def test_templates_are_prefilled_for_the_body_and_quarter(world: World) -> None:
    client = client_for(world.cast.submitter)
    csv = client.get(world.url("return-template", file_format="csv"))
    assert csv.status_code == 200
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("organisation_code,metric_code,period_end")
    assert len(lines) - 1 == len(world.rows())
    assert all(line.startswith("RA1,") for line in lines[1:])
    xlsx = client.get(world.url("return-template", file_format="xlsx"))
    assert xlsx.content[:2] == b"PK"
    assert client.get(world.url("return-template", file_format="pdf")).status_code == 404


def test_history_describes_each_event_in_words(world: World) -> None:
    world.upload()
    rows = world.rows()
    code, end, value = rows[0]
    rows[0] = (code, end, value + 1)
    world.upload(csv_file("RA1", rows))
    page = client_for(world.cast.lead_a).get(world.url("return-history"))
    shown = text(page)
    n = len(rows)
    assert f"Uploaded version 2 (return.csv): {n} values, 0 new, 1 changed, {n - 1} unchanged" in (
        shown
    )
    assert f"{code} {end.isoformat()}: {value:g} → {value + 1:g}" in shown
    assert "submitter.a1@nhs.test" in shown


# --- scope: 404 for every page of a return outside it -----------------------------------------


def _return_urls(world: World, draft: int) -> list[tuple[str, str]]:
    return [
        ("get", world.url()),
        ("get", world.url("return-history")),
        ("get", world.url("return-version-file", number=1)),
        ("get", world.url("return-version-findings", number=1)),
        ("get", world.url("return-template", file_format="csv")),
        ("get", world.url("return-template", file_format="xlsx")),
        ("get", world.url("return-preview", draft=draft)),
        ("post", world.url("return-preview", draft=draft)),
        ("post", world.url("return-upload")),
        ("post", world.url("return-justify")),
        ("post", world.url("return-sign-off")),
        ("post", world.url("return-accept")),
        ("post", world.url("return-send-back")),
        ("post", world.url("return-reopen")),
        ("get", reverse("returns-completeness", kwargs={"period": world.period.slug})),
    ]


@pytest.mark.parametrize("who", ["outsider", "lead_b", "observer"])
def test_every_page_of_a_return_outside_scope_is_404(world: World, who: str) -> None:
    world.upload()
    client = client_for(world.cast.submitter)
    response = client.post(world.url("return-upload"), {"file": _upload("r.csv", world.file())})
    draft = int(response["Location"].rstrip("/").rsplit("/", 1)[-1])
    other = client_for(getattr(world.cast, who))
    urls = _return_urls(world, draft)
    assert urls
    for method, url in urls:
        if who != "outsider" and "completeness" in url:
            continue  # the other region's lead has a completeness page, of its own region
        assert getattr(other, method)(url).status_code == 404, (method, url)


def test_an_unknown_quarter_or_body_is_404(world: World) -> None:
    client = client_for(world.cast.national)
    assert client.get(reverse("return-detail", args=["RA1", "2021-22-q9"])).status_code == 404
    assert client.get(reverse("return-detail", args=["RA1", "2030-31-q1"])).status_code == 404
    assert client.get(reverse("return-detail", args=["ZZZ", world.period.slug])).status_code == 404


def test_anonymous_users_are_sent_to_log_in(world: World) -> None:
    response = Client().get(world.url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- completeness ---------------------------------------------------------------------------


def completeness_url(world: World) -> str:
    return reverse("returns-completeness", kwargs={"period": world.period.slug})


@pytest.mark.parametrize(
    "who", ["submitter", "approver", "ics_lead", "sid", "observer", "outsider"]
)
def test_completeness_is_for_regional_and_national_teams(world: World, who: str) -> None:
    assert client_for(getattr(world.cast, who)).get(completeness_url(world)).status_code == 404


def test_completeness_counts_and_chase_list(world: World) -> None:
    world.upload()
    record = return_sign_off(
        return_record=Return.objects.get(), user=world.cast.approver, declaration=True
    )
    return_accept(return_record=record, user=world.cast.analyst_a)
    window(world.period, opens=-60, due=-1, closes=10)
    page = client_for(world.cast.lead_a).get(completeness_url(world))
    totals = page.context["report"].totals
    assert (totals.expected, totals.submitted, totals.signed_off, totals.accepted) == (6, 1, 1, 1)
    assert (totals.sent_back, totals.missing, totals.late) == (0, 5, 5)
    chase = [body.ods_code for body in page.context["chase"]]
    assert sorted(chase) == ["0A1", "QA1", "QA2", "RA2", "RA3"]
    shown = text(page)
    assert "Late: not submitted" in shown
    assert "By region" not in shown  # the per-region table is for national users
    national = text(client_for(world.cast.national).get(completeness_url(world)))
    assert "By region" in national
    assert "Region B (Y92)" in national


def test_completeness_takes_the_same_queries_for_many_bodies(world: World) -> None:
    client = client_for(world.cast.national)
    client.get(completeness_url(world))
    small = counted(lambda: client.get(completeness_url(world)))
    assert small.response.status_code == 200
    expected_before = small.response.context["report"].totals.expected
    for n in range(25):
        OrganisationFactory(ods_code=f"RY{n:02d}", system=world.registry.system_b1)
        OrganisationFactory(
            ods_code=f"0Y{n:02d}",
            system=world.registry.system_a1,
            kind=OrganisationKind.CCG,
            sector="",
        )
    world.upload()
    large = counted(lambda: client.get(completeness_url(world)))
    assert large.response.status_code == 200
    assert large.response.context["report"].totals.expected == 58 == expected_before + 50
    assert_constant_queries(small, large, at_most=15)


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/csv")
