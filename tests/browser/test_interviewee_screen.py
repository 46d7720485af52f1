"""In a real browser: the interviewer opens the interviewee's screen from the voice page, saves a
mark there, and the screen shows it within two seconds without reloading; the steps are drawn
large enough to read from two metres on a 1080p screen; logging out ends the screen."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import log_in
from tocapp.extensions import db
from tocapp.models import Interview, InterviewParticipant, Participant

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

FEW_TRAINED = "Few practitioners have had training"
NOTE = "This worked because the video coaching came at the end"
# The smallest step text, in CSS pixels, that a 1080p screen shows legibly from two metres.
MIN_STEP_PX = 16
MIN_NOTE_PX = 24


def _teaching_assistant_voice(server: LiveServer) -> str:
    """The voice page of the demo nursery's teaching assistant (round 2)."""
    with server.app.app_context():
        interview = db.session.scalars(
            select(Interview)
            .join(InterviewParticipant)
            .join(Participant)
            .where(Participant.reference == "NUR-P02", Interview.version_id.is_not(None))
        ).first()
        assert interview is not None
        url = f"/studies/{interview.setting.project_id}/interviews/{interview.id}/voice"
        db.session.remove()
    return url


def _smallest_rendered_px(page: Page, selector: str) -> float:
    """The smallest font size on screen among these SVG texts: their size times the drawing's
    scale."""
    sizes = page.eval_on_selector_all(
        selector,
        "texts => texts.map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)",
    )
    assert sizes, selector
    return float(min(sizes))


def test_the_screen_follows_the_voice_page_and_ends_at_logout(
    live_server: LiveServer, page: Page
) -> None:
    page.set_viewport_size({"width": 1400, "height": 900})
    log_in(page, live_server)
    page.goto(_teaching_assistant_voice(live_server))

    with page.context.expect_page() as opened:
        page.get_by_role("link", name=re.compile("Open the interviewee's screen")).click()
    screen = opened.value
    problems: list[str] = []
    screen.on("console", lambda message: problems.append(message.text))
    screen.set_viewport_size({"width": 1920, "height": 1080})
    screen.wait_for_load_state()
    chart = screen.locator(".screen-chart svg")
    expect(chart).to_be_visible()
    expect(screen.locator(".screen-notes")).to_contain_text(NOTE)
    expect(screen.get_by_role("button")).to_have_count(0)  # no controls
    expect(screen.get_by_role("link")).to_have_count(0)  # no navigation

    # Readable from two metres: the whole chart in the window, the steps and notes in large type.
    box = chart.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 1080 and box["width"] > 1200
    assert _smallest_rendered_px(screen, ".screen-chart svg g.step text") >= MIN_STEP_PX
    note_px = screen.eval_on_selector(
        ".screen-note-list li", "li => parseFloat(getComputedStyle(li).fontSize)"
    )
    assert note_px >= MIN_NOTE_PX

    screen.evaluate("window.notReloaded = true")
    step = screen.locator(".screen-chart svg g.step").filter(has_text="Few practitioners")
    expect(step).not_to_contain_text("Partly")

    row = page.locator("li.voice-step").filter(has_text=FEW_TRAINED)
    row.get_by_role("button", name=re.compile("Partly")).click()
    expect(row.locator(".voice-step-mark")).to_contain_text("Partly")  # saved on the voice page
    saved = time.monotonic()
    expect(step).to_contain_text("Partly", timeout=2000)
    assert time.monotonic() - saved < 2.0
    in_words = screen.locator(".screen-word-steps li").filter(has_text=FEW_TRAINED)
    expect(in_words).to_contain_text("Partly achieved")
    assert screen.evaluate("window.notReloaded === true")  # swapped in, not reloaded
    assert _smallest_rendered_px(screen, ".screen-chart svg g.step text") >= MIN_STEP_PX

    page.get_by_role("button", name="Log out").click()
    expect(screen.get_by_text("This screen has ended")).to_be_visible(timeout=3000)
    assert screen.locator("svg").count() == 0
    assert NOTE not in screen.content() and FEW_TRAINED not in screen.content()
    assert screen.evaluate("window.notReloaded === true")
    assert not [p for p in problems if "Content Security Policy" in p], problems


def test_the_newest_note_is_in_view_on_a_projector(live_server: LiveServer, page: Page) -> None:
    """Beside the chart the notes scroll in a column of their own: the note just added, the one
    being talked about, is brought into it, however many came before."""
    from tocapp.services import voices

    page.set_viewport_size({"width": 1920, "height": 1080})
    log_in(page, live_server)
    voice_url = _teaching_assistant_voice(live_server)
    page.goto(voice_url.removesuffix("/voice") + "/screen")
    expect(page.locator(".screen-notes")).to_contain_text(NOTE)
    side = page.locator(".screen-side")
    for n in range(1, 9):
        said = f"Note number {n} said at length: " + "the coaching helped, " * 12 + f"end {n}."
        with live_server.app.app_context():
            interview_id = int(voice_url.split("/interviews/")[1].split("/")[0])
            voices.add_note(db.session, None, db.session.get(Interview, interview_id), said)
            db.session.commit()
            db.session.remove()
        newest = page.locator(".screen-note-list > li").filter(has_text=f"end {n}.")
        expect(newest).to_have_count(1, timeout=3000)
        column, note = side.bounding_box(), newest.bounding_box()
        assert column is not None and note is not None
        assert note["y"] >= column["y"] - 1, (n, note, column)
        assert note["y"] + note["height"] <= column["y"] + column["height"] + 1, (n, note, column)
    # It did have to scroll: the first note is out of view by now.
    assert side.evaluate("el => el.scrollTop") > 0
