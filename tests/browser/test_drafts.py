"""In a real browser: nothing typed is lost. Round-1 notes and a note at a return interview are
typed, the page is closed without saving (or the login ends first), and reopening the form
restores the words with an announced "Restored your draft from …"; Discard removes the draft."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect
from sqlalchemy import select

from tests.browser.conftest import ARTIFACTS_DIR, log_in
from tocapp.extensions import db
from tocapp.models import Draft, Interview, Setting

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

RESTORED = re.compile(r"Restored your draft from \d\d:\d\d")


def _new_interview_url(server: LiveServer) -> str:
    with server.app.app_context():
        setting = db.session.scalars(select(Setting).order_by(Setting.id)).first()
        assert setting is not None
        return f"/studies/{setting.project_id}/settings/{setting.id}/interviews/new"


def _voice_url(server: LiveServer) -> str:
    """A demo return interview's page."""
    with server.app.app_context():
        interview = db.session.scalars(
            select(Interview).where(Interview.version_id.is_not(None)).order_by(Interview.id)
        ).first()
        assert interview is not None
        return f"/studies/{interview.setting.project_id}/interviews/{interview.id}/voice"


def _drafts(server: LiveServer) -> list[Draft]:
    with server.app.app_context():
        rows = list(db.session.scalars(select(Draft)))
        db.session.expunge_all()
        return rows


def _no_drafts_left(page: Page, server: LiveServer) -> None:
    """Wait (up to 5 s) for the discard request, sent without waiting, to reach the server."""
    for _ in range(50):
        if not _drafts(server):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"drafts left: {[d.key for d in _drafts(server)]}")


def _browser_copies(page: Page) -> list[str]:
    return page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('tocapp-draft:'))")


def _kept(page: Page) -> None:
    """The draft reached the server (the quiet line under the form says so)."""
    expect(page.locator(".draft-state").filter(has_text="Draft kept at").first).to_be_visible()


def _log_out_elsewhere(context: BrowserContext) -> Page:
    """End the login from another tab, as an expired session would."""
    other = context.new_page()
    other.goto("/")
    other.get_by_role("button", name="Log out").click()
    expect(other).to_have_url(re.compile("/login"))
    return other


def test_round_one_notes_survive_a_closed_page_and_a_lost_login(
    live_server: LiveServer, page: Page
) -> None:
    ARTIFACTS_DIR.mkdir(exist_ok=True)  # what the screenshots below are kept in (git ignores it)
    log_in(page, live_server)
    url = _new_interview_url(live_server)
    page.goto(url)
    first = page.locator("textarea[name=notes_1]")
    second = page.locator("textarea[name=notes_2]")
    first.fill("Many children arrive with limited vocabulary.")
    second.press_sequentially("More time for talk", delay=5)
    _kept(page)
    second.press_sequentially(" in small groups.", delay=5)
    page.close()  # no save: the tab is simply closed

    context = page.context
    page = context.new_page()
    page.goto(url)
    banner = page.locator(".draft-banner[role=status]")
    expect(banner).to_contain_text(RESTORED)
    expect(page.locator("textarea[name=notes_1]")).to_have_value(
        "Many children arrive with limited vocabulary."
    )
    expect(page.locator("textarea[name=notes_2]")).to_have_value(
        "More time for talk in small groups."
    )
    page.screenshot(path=str(ARTIFACTS_DIR / "draft-restored.png"))

    # The login ends (another tab logs out), and typing goes on: the words stay in the browser.
    other = _log_out_elsewhere(context)
    page.locator("textarea[name=notes_3]").fill("Coaching with short video clips.")
    expect(page.locator(".draft-state")).to_contain_text("signed out")
    page.locator(".draft-state").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS_DIR / "draft-signed-out.png"))
    page.close()
    log_in(other, live_server)
    other.goto(url)
    expect(other.locator(".draft-banner")).to_contain_text(RESTORED)
    expect(other.locator("textarea[name=notes_3]")).to_have_value(
        "Coaching with short video clips."
    )
    expect(other.locator("textarea[name=notes_2]")).to_have_value(
        "More time for talk in small groups."
    )
    assert len(_drafts(live_server)) == 1  # what the browser kept reached the server

    other.get_by_role("button", name="Discard it").click()
    expect(other.locator(".draft-banner")).to_contain_text("Draft discarded")
    expect(other.locator("textarea[name=notes_2]")).to_have_value("")
    expect(other.locator("textarea[name=notes_3]")).to_have_value("")
    _no_drafts_left(other, live_server)
    other.reload()
    other.wait_for_timeout(500)
    expect(other.locator(".draft-banner")).to_have_count(0)
    assert _browser_copies(other) == []


def test_saving_the_interview_leaves_no_draft(live_server: LiveServer, page: Page) -> None:
    log_in(page, live_server)
    url = _new_interview_url(live_server)
    page.goto(url)
    page.locator("input[type=checkbox][name^=person_]:not([disabled])").first.check()
    page.locator("textarea[name=notes_1]").fill("Saved for real.")
    _kept(page)
    page.get_by_role("button", name="Save the interview").click()
    expect(page.get_by_text("The interview is recorded.")).to_be_visible()
    assert _drafts(live_server) == []
    page.goto(url)
    page.wait_for_timeout(500)
    expect(page.locator(".draft-banner")).to_have_count(0)
    assert _browser_copies(page) == []


def test_a_note_at_a_return_interview_survives_a_closed_page(
    live_server: LiveServer, page: Page
) -> None:
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    log_in(page, live_server)
    url = _voice_url(live_server)
    page.goto(url)
    first_step = page.locator("li.voice-step").first
    first_step.locator("details.step-note summary").click()
    box = first_step.locator("textarea[name=text]")
    box.press_sequentially("She said the clips made her notice", delay=5)
    _kept(page)
    other = _log_out_elsewhere(page.context)
    box.press_sequentially(" her own questions.", delay=5)
    expect(first_step.locator(".draft-state")).to_contain_text("signed out")
    page.close()

    log_in(other, live_server)
    other.goto(url)
    step = other.locator("li.voice-step").first
    expect(step.locator(".draft-banner[role=status]")).to_contain_text(RESTORED)
    expect(step.locator("details.step-note")).to_have_attribute("open", "")
    expect(step.locator("textarea[name=text]")).to_have_value(
        "She said the clips made her notice her own questions."
    )
    step.screenshot(path=str(ARTIFACTS_DIR / "note-draft-restored.png"))
    step.get_by_role("button", name="Discard it").click()
    expect(step.locator("textarea[name=text]")).to_have_value("")
    _no_drafts_left(other, live_server)

    # Typed again and saved: the draft goes with the save.
    step.locator("textarea[name=text]").fill("Saved at once.")
    _kept(other)
    step.get_by_role("button", name="Save the note").click()
    expect(other.locator("#notes")).to_contain_text("Saved at once.")
    assert _drafts(live_server) == []


def test_typing_before_the_server_answers_is_never_put_back_to_an_earlier_copy(
    live_server: LiveServer, page: Page
) -> None:
    """On a slow server, words typed while the page still asked for drafts were replaced by the
    browser's copy of a moment before ("More  for talk": "time" lost), under a "Restored" line."""
    log_in(page, live_server)
    url = _new_interview_url(live_server)
    held: list[Route] = []
    drafts = re.compile(r".*/drafts(\?key=.*)?$")
    page.route(drafts, lambda route: held.append(route))  # each answer waits for the test
    page.goto(url)
    second = page.locator("textarea[name=notes_2]")
    second.press_sequentially("More ", delay=5)
    page.wait_for_timeout(200)
    asked = list(held)
    assert asked, "the page asked the server for drafts"
    for route in asked:  # the answer comes; the page may now send what it kept meanwhile
        route.continue_()
    page.wait_for_timeout(300)
    second.press_sequentially("time", delay=5)  # typing goes on while that is on its way
    for route in held[len(asked) :]:
        route.continue_()
    page.unroute(drafts)
    page.wait_for_timeout(500)  # every answer handled
    second.press_sequentially(" for talk", delay=5)
    expect(second).to_have_value("More time for talk")
    expect(page.locator(".draft-banner")).to_have_count(0)

    # An earlier draft found while typing is offered, not put over the typing.
    second.press_sequentially(" in small groups.", delay=5)
    _kept(page)
    page.close()
    page = page.context.new_page()
    held.clear()
    page.route(re.compile(r".*/drafts\?key=.*"), lambda route: held.append(route))
    page.goto(url)
    fresh = page.locator("textarea[name=notes_2]")
    fresh.press_sequentially("Something new", delay=5)
    assert held
    for route in held:
        route.continue_()
    banner = page.locator(".draft-banner[role=status]")
    expect(banner).to_contain_text("You have an earlier draft from")
    expect(fresh).to_have_value("Something new")
    banner.get_by_role("button", name="Restore it instead of what you typed").click()
    expect(fresh).to_have_value("More time for talk in small groups.")
    expect(page.locator(".draft-banner[role=status]")).to_contain_text(RESTORED)
