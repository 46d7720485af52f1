"""In a real browser: build the comparison report as a PDF in the background, watch the progress
bar move without reloading the page, and download the file when the worker has built it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture
def live_config(tmp_path: Path) -> dict[str, Any]:
    """A real SQLite queue: the report waits until the worker process is started."""
    return {"JOBS_QUEUE": "sqlite", "JOBS_SQLITE_PATH": str(tmp_path / "jobs.sqlite")}


def test_a_pdf_report_is_built_in_the_background_and_downloaded(
    page: Page, live_server: LiveServer, start_job_worker: Any
) -> None:
    log_in(page, live_server)
    page.get_by_role("link", name=re.compile("Inter-professional coaching")).first.click()
    page.get_by_role("link", name="Compare voices, settings and rounds").click()
    page.get_by_role("button", name="Build the PDF").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Comparison report as a PDF")
    progress = page.get_by_role("progressbar", name="Progress")
    expect(progress).to_be_visible()
    assert progress.evaluate("bar => bar.position") == -1  # indeterminate: waiting to start
    expect(page.get_by_role("status")).to_have_text("Waiting for the report worker")
    download_link = page.get_by_role("link", name=re.compile("Download the PDF"))
    expect(download_link).to_be_hidden()
    page.evaluate("window.stillTheSamePage = true")

    start_job_worker(live_server.app.config)

    expect(download_link).to_be_visible(timeout=60_000)
    expect(page.get_by_role("status")).to_have_text("Ready")
    done, total = progress.evaluate("bar => [bar.value, bar.max]")
    # 2 settings, the charts, then the PDF laid out and drawn page by page: full at the end.
    assert done == total and total > 4
    assert page.evaluate("window.stillTheSamePage"), "the page reloaded instead of polling"
    expect(download_link).to_contain_text(re.compile(r"\(\d+ kB\)"))

    with page.expect_download() as info:
        download_link.click()
    download = info.value
    assert re.fullmatch(
        r"Inter-professional-coaching.*_comparison_\d{4}-\d\d-\d\d\.pdf",
        download.suggested_filename,
    )
    assert Path(download.path()).read_bytes().startswith(b"%PDF-")
