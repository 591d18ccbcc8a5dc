"""Browser journeys: Debian's Chromium driven by Playwright against pytest-django's live server.

Fixtures and helpers:
- `live_server` (session): pytest-django's live server, but static files come from WhiteNoise
  and the collected STATIC_ROOT, hashed names and all, as in production (pytest-django's own
  handler looks them up through the finders, which know only the unhashed names);
- `browser` (session): headless Chromium at $CHROMIUM (default /usr/bin/chromium);
- `page`: a fresh context per test (1280×900); no request may leave the site: any request to
  another host is refused at once and recorded in `offsite_requests`, and the test fails at
  teardown if there was one (an NHS network, or the offline demo, would not answer it);
  `console_errors` collects every console error and uncaught exception, and the test fails at
  teardown if any is left (a test that expects one, such as a 404 page, clears the list);
- `login(page, live_server, email, password)`: through the real login form;
- `screenshot(page, name)`: a full-page PNG in test-artifacts/ (also taken when a test fails);
- `assert_accessible(page)`: axe-core (node_modules/axe-core) finds no serious or critical
  WCAG 2.x A/AA violation.

Live-server tests need committed data: mark them `django_db(transaction=True)` (requesting
`live_server` also makes `db` transactional). Mark every browser test `browser`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Route,
    sync_playwright,
)
from pytest_django.live_server_helper import LiveServer

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The live server's hosts: every request a page makes goes to one of these, or is off-site.
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
VIEWPORT = {"width": 1280, "height": 900}
# A page of the live server answers in well under a second; fail fast rather than after 30 s.
ACTION_TIMEOUT_MS = 10_000
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@dataclass(frozen=True)
class ConsoleError:
    text: str
    url: str

    def __str__(self) -> str:
        return f"{self.text} ({self.url})" if self.url else self.text


class StaticAsInProduction(StaticFilesHandler):
    """Hands /static/ on to the application, where WhiteNoise (in MIDDLEWARE) serves it."""

    def _should_handle(self, path: str) -> bool:
        return False


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    address = request.config.getvalue("liveserver") or os.getenv(
        "DJANGO_LIVE_TEST_SERVER_ADDRESS", "localhost"
    )
    server = LiveServer(address, start=False)
    server.thread.static_handler = StaticAsInProduction
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not at {CHROMIUM}: run `make chromium` (or set CHROMIUM)")
    # Playwright's sync API runs an asyncio loop in this thread, and Django refuses database
    # calls from a thread with a running loop unless told the caller knows it is synchronous.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def console_errors() -> list[ConsoleError]:
    return []


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test, so `page` can tell a failed test at teardown."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def offsite_requests() -> list[str]:
    return []


def is_offsite(url: str) -> bool:
    """A request to anywhere but the live server (data: and blob: URLs never leave the page)."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOCAL_HOSTS


def open_tab(
    browser: Browser, console_errors: list[ConsoleError], offsite_requests: list[str]
) -> tuple[BrowserContext, Page]:
    """A fresh context (a session of its own) and its tab, recording what `page` checks."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
    context.set_default_timeout(ACTION_TIMEOUT_MS)

    def refuse(route: Route) -> None:
        offsite_requests.append(route.request.url)
        route.abort()

    context.route(is_offsite, refuse)

    def on_console(message: ConsoleMessage) -> None:
        url = message.location.get("url", "")
        if message.type == "error" and not is_offsite(url):
            console_errors.append(ConsoleError(message.text, url))

    tab = context.new_page()
    tab.on("console", on_console)
    tab.on("pageerror", lambda error: console_errors.append(ConsoleError(str(error), tab.url)))
    return context, tab


@pytest.fixture
def page(
    browser: Browser,
    console_errors: list[ConsoleError],
    offsite_requests: list[str],
    request: pytest.FixtureRequest,
) -> Iterator[Page]:
    context, tab = open_tab(browser, console_errors, offsite_requests)
    yield tab
    call = getattr(request.node, "report_call", None)
    if call is not None and call.failed:
        screenshot(tab, f"failed-{request.node.name}")
    context.close()
    assert not offsite_requests, "Requests that left the site:\n" + "\n".join(offsite_requests)
    assert not console_errors, "Console errors:\n" + "\n".join(map(str, console_errors))


def login(page: Page, live_server: Any, email: str, password: str) -> None:
    """Log in through the real form and wait to land on a signed-in page."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def screenshot(page: Page, name: str) -> Path:
    """A full-page PNG test-artifacts/<name>.png (the folder is git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """axe-core's WCAG 2.x A/AA violations on the current page, of the given impacts."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS.relative_to(REPO)} is missing: run `npm ci`")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol, not as a <script> tag: the page's
        # Content-Security-Policy (script-src 'self') rightly refuses inline script.
        page.evaluate(f"() => {{ {AXE_JS.read_text()}\n}}")
    result = page.evaluate(
        # Only violations are wanted: axe then skips detailing every pass and inapplicable rule.
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [v for v in result["violations"] if v["impact"] in impacts]


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    lines = [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(" ".join(map(str, node["target"])) for node in v["nodes"][:5])
        for v in violations
    ]
    assert not violations, f"axe found on {page.url}:\n" + "\n".join(lines)
