"""Locust users of the quarter-end rush (bench/rush.py prepares their plan; bench/README.md).

- `Trust` (200, one per trust of the plan): through the API with each person's token, the
  submitter uploads the trust's return file; the approver justifies any warning and signs off;
  the region's analyst accepts — each acceptance asks for a recalculation on the worker. Then
  the user stops: each trust submits once. When every trust is through, the rush ends.
- `RegionalBrowser` (30): signed-in sessions of regional leads and analysts reading their
  region's review list (sorted and filtered too), a body's review page and the league table.

Every request says it came through the TLS proxy (X-Forwarded-Proto), as in production, where
the settings redirect plain HTTP.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

from locust import HttpUser, between, task
from locust.exception import StopUser

PLAN = json.loads(Path(os.environ.get("RUSH_PLAN", "bench/results/rush/rush.json")).read_text())
PROXIED = {"X-Forwarded-Proto": "https"}
TRUSTS = iter(PLAN["trusts"])
BROWSERS = iter(PLAN["browsers"] * 2)
FINISHED: list[str] = []  # trusts done (or refused): the rush ends when all are


def _token(key: str) -> dict[str, str]:
    return {**PROXIED, "Authorization": f"Token {key}"}


class Trust(HttpUser):
    fixed_count = len(PLAN["trusts"])
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        self.trust: dict[str, Any] | None = next(TRUSTS, None)

    @task
    def submit_sign_off_accept(self) -> None:
        if self.trust is None:
            raise StopUser
        trust, self.trust = self.trust, None
        try:
            self.submit(trust)
        finally:
            FINISHED.append(trust["ods"])
            if len(FINISHED) == self.fixed_count:
                # Every trust is through: the rush is over, the browsers stop with it.
                self.environment.runner.quit()
        raise StopUser

    def submit(self, trust: dict[str, Any]) -> None:
        content = Path(trust["file"]).read_bytes()
        with self.client.post(
            "/api/v1/returns/upload/",
            data={"organisation": trust["ods"], "period": PLAN["period"]},
            files={"file": (f"{trust['ods']}.csv", content, "text/csv")},
            headers=_token(trust["submitter"]),
            name="API upload a return",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"{trust['ods']}: {response.status_code} {response.text[:300]}")
                return
            uploaded = response.json()
        record = uploaded["return_id"]
        self.wait()
        warnings = {
            str(f["id"]): "Known: this quarter's figure is provisional."
            for f in uploaded["findings"]
            if f["severity"] == "warning"
        }
        if warnings:
            self.client.post(
                f"/api/v1/returns/{record}/justify/",
                json={"justifications": warnings},
                headers=_token(trust["approver"]),
                name="API justify warnings",
            )
        self.client.post(
            f"/api/v1/returns/{record}/sign-off/",
            json={"declaration": True},
            headers=_token(trust["approver"]),
            name="API sign off",
        )
        self.wait()
        self.client.post(
            f"/api/v1/returns/{record}/accept/",
            headers=_token(trust["acceptor"]),
            name="API accept (region)",
        )
        self.client.get(
            f"/api/v1/returns/{record}/", headers=_token(trust["submitter"]), name="API a return"
        )


class RegionalBrowser(HttpUser):
    # RUSH_BROWSERS=3 with only this class: the pages' own time, with no queue to wait in.
    fixed_count = int(os.environ.get("RUSH_BROWSERS", len(PLAN["browsers"])))
    wait_time = between(5.0, 15.0)  # a person reads a page before the next

    def on_start(self) -> None:
        me = next(BROWSERS)
        self.region, self.bodies = me["region"], me["bodies"]
        self.headers = {**PROXIED, "Cookie": f"sessionid={me['session']}"}
        self.quarter = f"/segmentation/{PLAN['review_quarter']}"

    def get(self, url: str, name: str) -> None:
        with self.client.get(
            url, headers=self.headers, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{url}: {response.status_code}")

    @task(4)
    def review_list(self) -> None:
        self.get(f"{self.quarter}/regions/{self.region}/", "page: review list")

    @task(2)
    def review_list_sorted(self) -> None:
        self.get(
            f"{self.quarter}/regions/{self.region}/?sort=-decided&kind=trust",
            "page: review list, sorted and filtered",
        )

    @task(3)
    def body_review(self) -> None:
        body = random.choice(self.bodies)
        self.get(f"{self.quarter}/bodies/{body}/", "page: a body's review")

    @task(2)
    def league_table(self) -> None:
        self.get(f"{self.quarter}/national/", "page: league table")
