"""Returns a reviewer can trust (issue 10, item 2), on PostgreSQL through the real routes:

- the approver and the region see what changed since the last accepted version, with the
  body's comments, on the return page and in the API;
- a preview calls a refused row refused, not a removed value;
- sign-off is a check-your-answers page with a declaration (the API needs it too);
- a new version over a signed-off return is refused until the uploader confirms that it
  cancels the sign-off (page, API, bulk command), and the cancellation is an audit event;
- accepting says which calculation run it started and links to it (message, history, API).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from metrics.catalogue.editions import edition_for
from metrics.catalogue.loading import load_builtin_catalogues
from metrics.models.calculation import CalculationRun
from metrics.models.catalogue import FrameworkEdition, Period
from metrics.models.returns import Return, ReturnEvent, ReturnState, ReturnVersion
from metrics.returns.review import return_accept, return_reopen, return_sign_off
from metrics.returns.upload import return_upload
from tests.conftest import Cast, Registry, password_login
from tests.metrics.factories import csv_file, full_rows, quarter

pytestmark = pytest.mark.django_db

COMMENT = "Validated with the service: two late referrals were added."


@dataclass
class Trust:
    registry: Registry
    cast: Cast
    period: Period
    edition: FrameworkEdition

    def rows(self):
        return full_rows(self.registry.trust_a1, self.period, self.edition)

    def url(self, name: str = "return-detail", **kwargs) -> str:
        return reverse(name, kwargs={"ods_code": "RA1", "period": self.period.slug, **kwargs})

    def upload(self, content: bytes | None = None, **options) -> ReturnVersion:
        version, _ = return_upload(
            organisation=self.registry.trust_a1,
            period=self.period,
            edition=self.edition,
            file_name="return.csv",
            content=content or csv_file("RA1", self.rows()),
            user=self.cast.submitter,
            **options,
        )
        return version

    def record(self) -> Return:
        return Return.objects.get(organisation=self.registry.trust_a1, period=self.period)

    def signed_off(self) -> Return:
        self.upload()
        return return_sign_off(
            return_record=self.record(), user=self.cast.approver, declaration=True
        )

    def accepted_then_reopened(self) -> None:
        return_accept(return_record=self.signed_off(), user=self.cast.analyst_a)
        return_reopen(
            organisation=self.registry.trust_a1,
            period=self.period,
            edition=self.edition,
            user=self.cast.lead_a,
            reason="S005 to correct",
            expires_at=timezone.now() + timedelta(days=3),
        )

    def second_version(self) -> tuple[bytes, tuple, tuple]:
        """The rows with the first value changed (and commented) and the last removed."""
        rows = self.rows()
        (code, end, value), removed = rows[0], rows[-1]
        changed = f"RA1,{code},{end.isoformat()},{value + 1:g},,,{COMMENT}"
        return csv_file("RA1", rows[1:-1], [changed]), (code, end, value), removed


@pytest.fixture
def trust(registry: Registry, cast: Cast) -> Trust:
    load_builtin_catalogues()
    period = quarter()
    return Trust(registry, cast, period, edition_for(period))


def client_for(user) -> Client:
    client = Client()
    assert password_login(client, user.email)
    return client


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def section(html: str, element_id: str) -> str:
    found = re.search(rf'<section id="{element_id}">.*?</section>', html, flags=re.S)
    assert found, f"no section #{element_id}"
    return text(found.group(0))


# --- what changed since the last accepted version ----------------------------------------------


def test_approver_and_region_see_the_changes_since_the_accepted_version(trust: Trust) -> None:
    trust.accepted_then_reopened()
    content, (code, end, value), (gone, gone_end, gone_value) = trust.second_version()
    trust.upload(content)
    for user in (trust.cast.approver, trust.cast.lead_a):
        html = client_for(user).get(trust.url()).content.decode()
        shown = section(html, "since-accepted")
        assert (
            "Version 2 against version 1, the last accepted: 0 new, 1 changed, 1 removed" in shown
        )
        assert f"{code} {end:%-d %b %Y} {value:g} {value + 1:g} Changed {COMMENT}" in shown
        assert f"{gone} {gone_end:%-d %b %Y} {gone_value:g} – Removed" in shown

    body = api(trust.cast.lead_a).get(f"/api/v1/returns/{trust.record().pk}/").json()
    since = body["changes_since_accepted"]
    assert (since["current_version"], since["accepted_version"]) == (2, 1)
    assert since["counts"]["changed"] == 1
    assert since["counts"]["removed"] == 1
    changed = [v for v in since["values"] if v["kind"] == "changed"]
    assert changed == [
        {
            "metric_code": code,
            "period_end": end.isoformat(),
            "old": value,
            "new": value + 1,
            "kind": "changed",
            "comment": COMMENT,
        }
    ]


def test_nothing_accepted_yet_says_every_value_is_new(trust: Trust) -> None:
    trust.upload()
    html = client_for(trust.cast.approver).get(trust.url()).content.decode()
    count = len(trust.rows())
    assert (
        f"No version of this return has been accepted yet: all {count} values of version 1 "
        "are new." in section(html, "since-accepted")
    )


# --- a preview's refused rows --------------------------------------------------------------


def test_a_refused_row_is_shown_as_refused_not_removed(trust: Trust) -> None:
    trust.upload()
    rows = trust.rows()
    code, end, _ = rows[0]
    broken = csv_file("RA1", rows[1:], [f"RA1,{code},{end.isoformat()},about forty,,,"])
    client = client_for(trust.cast.submitter)
    draft = client.post(
        trust.url("return-upload"), {"file": _file("broken.csv", broken)}, follow=True
    )
    shown = text(draft.content.decode())
    assert "Removed values 0" in shown
    assert "Refused values 1: their rows have problems to fix" in shown
    assert f"{code} {end:%-d %b %Y}" in shown
    assert "Refused (its row has a problem to fix)" in shown

    dry = api(trust.cast.submitter).post(
        "/api/v1/returns/upload/",
        {
            "organisation": "RA1",
            "period": trust.period.label,
            "file": _file("broken.csv", broken),
            "dry_run": "true",
        },
        format="multipart",
    )
    assert dry.json()["changes"]["removed"] == 0
    assert dry.json()["changes"]["refused"] == 1
    assert dry.json()["changed_values"][0]["kind"] == "refused"


def _file(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


# --- check your answers and the declaration ------------------------------------------------


def test_sign_off_checks_the_answers_and_needs_the_declaration(trust: Trust) -> None:
    version = trust.upload(csv_file("RA1", trust.rows()[1:]))  # one value left out: a warning
    client = client_for(trust.cast.approver)
    warning = version.findings.get()
    warning.justification = "Not collected this quarter."
    warning.save()
    page = client.get(trust.url("return-sign-off"))
    shown = text(page.content.decode())
    assert "Check your answers before signing off" in shown
    assert "Body Trust A1 (RA1)" in shown
    assert f"Quarter {trust.period.label}" in shown
    assert "Version Version 1: return.csv" in shown
    assert "Nothing accepted yet: all" in shown
    assert "Warnings 1 warning, each justified below" in shown
    assert f"{warning.message} Not collected this quarter." in shown
    assert "I confirm that version 1 of this return is complete and correct for Trust A1" in shown

    refused = client.post(trust.url("return-sign-off"), {})
    assert refused.status_code == 400
    assert "Confirm the declaration to sign off the return." in text(refused.content.decode())
    assert trust.record().state == ReturnState.SUBMITTED

    signed = client.post(trust.url("return-sign-off"), {"declaration": "on"})
    assert signed.status_code == 302
    assert trust.record().state == ReturnState.SIGNED_OFF
    event = ReturnEvent.objects.get(action=ReturnEvent.Action.SIGNED_OFF)
    assert event.detail["declaration"].startswith("I confirm that version 1 of this return")

    again = text(client.get(trust.url("return-sign-off")).content.decode())
    assert "It is signed off, awaiting regional review: only a submitted return waits" in again
    assert "Only the body's approver" not in again  # the approver is told why, not who


def test_the_outsider_gets_404_on_the_sign_off_page(trust: Trust) -> None:
    trust.upload()
    assert client_for(trust.cast.outsider).get(trust.url("return-sign-off")).status_code == 404
    assert client_for(trust.cast.lead_b).get(trust.url("return-sign-off")).status_code == 404


# --- a new version over a sign-off -----------------------------------------------------------


def test_a_page_upload_over_a_sign_off_warns_first_then_cancels_it(trust: Trust) -> None:
    trust.signed_off()
    client = client_for(trust.cast.submitter)
    content, _, _ = trust.second_version()
    preview = client.post(trust.url("return-upload"), {"file": _file("v2.csv", content)})
    preview_url = preview["Location"]
    shown = text(client.get(preview_url).content.decode())
    assert "Submitting cancels the sign-off" in shown
    assert "Version 1 of this return was signed off by approver.a1@nhs.test." in shown

    refused = client.post(preview_url, {})
    assert refused.status_code == 400
    assert "Confirm that you want to cancel it." in text(refused.content.decode())
    assert trust.record().versions.count() == 1
    assert trust.record().state == ReturnState.SIGNED_OFF
    assert not ReturnEvent.objects.filter(action=ReturnEvent.Action.SIGN_OFF_CANCELLED).exists()

    done = client.post(preview_url, {"cancel_sign_off": "on"})
    assert done.status_code == 302
    record = trust.record()
    assert record.state == ReturnState.SUBMITTED
    assert record.current_version is not None
    assert record.current_version.number == 2
    cancelled = ReturnEvent.objects.get(action=ReturnEvent.Action.SIGN_OFF_CANCELLED)
    assert cancelled.version is not None
    assert cancelled.version.number == 1
    assert cancelled.actor == trust.cast.submitter
    history = text(client.get(trust.url("return-history")).content.decode())
    assert (
        "Sign-off of version 1 (signed off by approver.a1@nhs.test) cancelled by the upload of "
        "version 2" in history
    )


def test_an_api_upload_over_a_sign_off_needs_cancel_sign_off(trust: Trust) -> None:
    trust.signed_off()
    content, _, _ = trust.second_version()
    form = {"organisation": "RA1", "period": trust.period.label}
    client = api(trust.cast.submitter)
    refused = client.post(
        "/api/v1/returns/upload/", {**form, "file": _file("v2.csv", content)}, format="multipart"
    )
    assert refused.status_code == 409
    body = refused.json()
    assert body["detail"].startswith("Version 1 of this return was signed off by approver.a1")
    assert [f["code"] for f in body["findings"]] == ["cancels_sign_off"]
    assert body["cancel_sign_off"] == [
        "Send cancel_sign_off=true to store the new version and cancel the sign-off."
    ]
    assert trust.record().versions.count() == 1

    stored = client.post(
        "/api/v1/returns/upload/",
        {**form, "file": _file("v2.csv", content), "cancel_sign_off": "true"},
        format="multipart",
    )
    assert stored.status_code == 201
    assert trust.record().state == ReturnState.SUBMITTED
    assert ReturnEvent.objects.filter(action=ReturnEvent.Action.SIGN_OFF_CANCELLED).count() == 1


def test_the_bulk_command_over_a_sign_off_needs_its_flag(trust: Trust, tmp_path: Path) -> None:
    trust.signed_off()
    content, _, _ = trust.second_version()
    path = tmp_path / "national.csv"
    path.write_bytes(content)
    args = [str(path), "--period", trust.period.label, "--as", trust.cast.national.email]
    with pytest.raises(CommandError, match=r"RA1: Version 1 .*--cancel-sign-offs"):
        call_command("upload_returns", *args)
    assert trust.record().versions.count() == 1
    call_command("upload_returns", *args, "--cancel-sign-offs")
    assert trust.record().versions.count() == 2
    assert ReturnEvent.objects.filter(action=ReturnEvent.Action.SIGN_OFF_CANCELLED).count() == 1


def test_the_same_file_again_over_a_sign_off_cancels_nothing(trust: Trust) -> None:
    trust.signed_off()
    version = trust.upload()  # identical: no new version, nothing to confirm
    assert version.number == 1
    assert trust.record().state == ReturnState.SIGNED_OFF


# --- accepting names its run ---------------------------------------------------------------


def test_accepting_links_to_the_run_it_started(trust: Trust) -> None:
    trust.signed_off()
    client = client_for(trust.cast.analyst_a)
    page = client.post(trust.url("return-accept"), follow=True)
    run = CalculationRun.objects.get()
    html = page.content.decode()
    assert (
        f'Return accepted. It started <a href="/runs/{run.pk}/">Calculation run {run.pk}</a>'
        in (html)
    )
    history = client.get(trust.url("return-history")).content.decode()
    assert f"Accepted version 1; started Calculation run {run.pk}" in text(history)
    assert f'<a href="/runs/{run.pk}/">Calculation run {run.pk}</a>' in history


def test_the_api_accept_carries_the_run(trust: Trust) -> None:
    record = trust.signed_off()
    body = api(trust.cast.lead_a).post(f"/api/v1/returns/{record.pk}/accept/").json()
    run = CalculationRun.objects.get()
    assert body["state"] == "accepted"
    assert body["started"] == [
        {
            "kind": "calculation_run",
            "id": run.pk,
            "label": f"Calculation run {run.pk}",
            "url": f"/runs/{run.pk}/",
            "api_url": f"/api/v1/runs/{run.pk}/",
        }
    ]
