"""Real-browser fixtures: the app served on a free local port, driven by Debian's headless Chromium.

Playwright never downloads a browser here; it launches the Chromium named by ``TOCAPP_CHROMIUM``
(``/usr/bin/chromium`` by default). A missing browser fails the test rather than skipping it, so a
CI run can never pass by quietly leaving these tests out.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from tocapp import create_app
from tocapp.extensions import db

CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    # Without these Chromium keeps trying to reach Google's servers, which this network refuses.
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Screenshots of failed browser tests go here (git ignores the folder).
ARTIFACTS_DIR = Path(__file__).resolve().parents[2] / "test-artifacts"

_reports_key = pytest.StashKey[dict[str, pytest.TestReport]]()


@dataclass(frozen=True)
class LiveServer:
    """The running app: its base URL, the demo login, and the app for direct database checks."""

    url: str
    email: str
    password: str
    app: Flask


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = os.environ.get("TOCAPP_CHROMIUM", "/usr/bin/chromium")
    if not (os.path.isfile(executable) and os.access(executable, os.X_OK)):
        pytest.fail(
            f"Chromium was not found at {executable}. Run ./scripts/setup.sh --with-test-tools "
            "(it installs Debian's chromium package) or set TOCAPP_CHROMIUM to a Chromium binary.",
            pytrace=False,
        )
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def live_config() -> dict[str, Any]:
    """Extra configuration for the live server; a test module may override this fixture."""
    return {}


@pytest.fixture
def live_server(
    tmp_path: Path, live_config: dict[str, Any], database_uri: str
) -> Iterator[LiveServer]:
    """Serve a fresh app, with the demo study loaded, on a free port for the length of a test."""
    from tocapp.services.demo import load_demo_study

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "browser-test-secret",
            "SQLALCHEMY_DATABASE_URI": database_uri,
            "RENDER_CACHE_DIR": str(tmp_path / "render-cache"),
            "JOBS_QUEUE": "immediate",
            "REPORTS_DIR": str(tmp_path / "reports"),
            **live_config,
        }
    )
    with app.app_context():
        db.create_all()
        login = load_demo_study(db.session)
        db.session.commit()
        db.session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(
            url=f"http://127.0.0.1:{server.server_port}",
            email=login.email,
            password=login.password,
            app=app,
        )
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def page(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """A fresh browser context and page per test; relative URLs go to the live server.

    Depending on ``live_server`` makes the page close before the server stops.
    """
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
        reports = request.node.stash.get(_reports_key, {})
        if any(report.failed for report in reports.values()):
            _save_failure_screenshot(page, request.node.nodeid)
    finally:
        context.close()


def _save_failure_screenshot(page: Page, nodeid: str) -> None:
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    path = ARTIFACTS_DIR / (re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid) + ".png")
    try:
        page.screenshot(path=path, full_page=True)
    except Exception as error:  # a screenshot must never hide the test's own failure
        print(f"Could not save a screenshot of the failed test: {error}")
    else:
        print(f"Screenshot of the failed test: {path}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    """Keep each phase's report on the test so that ``page`` knows whether the test failed."""
    report = yield
    item.stash.setdefault(_reports_key, {})[report.when] = report
    return report


def log_in(page: Page, server: LiveServer) -> None:
    """Log in through the form, as a person would, and wait for the studies page."""
    page.goto("/login")
    page.get_by_label("E-mail address").fill(server.email)
    page.get_by_label("Password").fill(server.password)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.get_by_role("heading", name="Your studies").wait_for()
