"""In a real browser at 1366×768: a whole return interview with the keyboard only and no page
load — marks, an undo, notes and an arrow — with the chart in view, focus kept and every save
announced; the same interview with JavaScript off through the plain forms; a refused note shown
beside its box with the words kept; axe-core finding nothing before and after marking."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from tests.browser.axe_check import assert_no_axe_violations, axe_violations
from tests.browser.test_return_interview import _start_teacher_interview
from tocapp.extensions import db
from tocapp.models import Interview, Link, StepMark, VoiceNote

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
KEYS = {"achieved": "a", "partly": "p", "elusive": "e"}
SAID = {"achieved": "✓ Achieved", "partly": "◐ Partly achieved", "elusive": "✗ Elusive"}
# Eight marks in reading order (S1, S2, … then A1 …), then a ninth that is undone.
PLAN = ["achieved", "partly", "elusive", "achieved", "achieved", "partly", "elusive", "achieved"]


def _steps(page: Page) -> list[tuple[str, str]]:
    """(step id, reading number) of every step, in reading order, as the list shows them."""
    rows = page.locator("#voice-steps > li.voice-step")
    return [
        (row.get_attribute("data-step-key") or "", row.get_attribute("data-step-number") or "")
        for row in rows.all()
    ]


def _status(page: Page) -> Any:
    return expect(page.locator("#annotate-status"))


def _watch_navigation(page: Page) -> list[str]:
    """Every load of the page from now on (there must be none), and a marker that a load wipes."""
    loads: list[str] = []
    page.on(
        "framenavigated",
        lambda frame: loads.append(frame.url) if frame == page.main_frame else None,
    )
    page.evaluate("() => { window.__stillThisPage = 'yes'; }")
    return loads


def _assert_same_page(page: Page, loads: list[str]) -> None:
    assert loads == [], f"the page was loaded again: {loads}"
    assert page.evaluate("() => window.__stillThisPage") == "yes"


def _assert_chart_in_view(page: Page) -> None:
    box = page.locator("#flowchart-figure svg").bounding_box()
    assert box is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= LAPTOP["height"] + 0.5, box
    assert box["x"] >= 0 and box["x"] + box["width"] <= LAPTOP["width"] + 0.5, box


def _focused_id(page: Page) -> str:
    return str(page.evaluate("() => document.activeElement && document.activeElement.id"))


def _tab_to(page: Page, selector: str, back: bool = False, limit: int = 200) -> None:
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if page.evaluate(
            "s => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
    raise AssertionError(f"Tab never reached {selector}")


def _arrow_to(page: Page, steps: list[tuple[str, str]], key: str) -> None:
    """From the focused step of the drawing to another, with the arrow keys only."""
    keys = [k for k, _ in steps]
    here = keys.index(_focused_id(page).removeprefix("step-"))
    for _ in range(abs(keys.index(key) - here)):
        page.keyboard.press("ArrowRight" if keys.index(key) > here else "ArrowLeft")
    assert _focused_id(page) == f"step-{key}"


def _saved(server: LiveServer) -> tuple[dict[int, str], list[tuple[int | None, str]], list[Any]]:
    with server.app.app_context():
        interview = db.session.scalar(select(Interview).order_by(Interview.id.desc()).limit(1))
        assert interview is not None
        marks = {
            m.step_id: m.mark
            for m in db.session.scalars(
                select(StepMark).where(StepMark.interview_id == interview.id)
            )
        }
        notes = [
            (n.step_id, n.text)
            for n in db.session.scalars(
                select(VoiceNote)
                .where(VoiceNote.interview_id == interview.id)
                .order_by(VoiceNote.number)
            )
        ]
        arrows = [
            (a.source_step_id, a.target_step_id, a.note)
            for a in db.session.scalars(select(Link).where(Link.interview_id == interview.id))
        ]
        db.session.remove()
    return marks, notes, arrows


def test_a_keyboard_only_interview_saves_everything_without_a_page_load(
    live_server: LiveServer, page: Page, tmp_path: Any
) -> None:
    page.set_viewport_size(LAPTOP)
    _start_teacher_interview(page, live_server)
    steps = _steps(page)
    assert len(steps) >= 9
    assert_no_axe_violations(page, context="the voice page before any mark")
    loads = _watch_navigation(page)

    # Into the drawing: one tab stop, the first step; the whole chart comes into view.
    _tab_to(page, "#flowchart-figure svg g.step")
    assert _focused_id(page) == f"step-{steps[0][0]}"
    _assert_chart_in_view(page)

    for index, mark in enumerate(PLAN):
        key, number = steps[index]
        if index:
            page.keyboard.press("ArrowRight")
            assert _focused_id(page) == f"step-{key}"
        # (Moving to a step may scroll its row into view; saving its mark moves nothing.)
        scrolled = page.evaluate("() => window.scrollY")
        page.keyboard.press(KEYS[mark])
        _status(page).to_have_text(f"{SAID[mark]} saved for {number}")
        expect(page.locator(f"#voice-step-{key} .voice-step-mark")).to_contain_text(
            SAID[mark].split(" ", 1)[1]
        )
        assert _focused_id(page) == f"step-{key}", "focus left the step"
        expect(page.locator(f"#step-{key}")).to_have_class(re.compile(r"\bselected\b"))
        _assert_chart_in_view(page)
        assert page.evaluate("() => window.scrollY") == scrolled, "the window jumped"
        _assert_same_page(page, loads)
    # The drawing's step says what it shows, mark included (WCAG 2.5.3), which axe checks (its
    # rule is experimental, so named here); the old name, group first, is what it caught.
    first = page.locator(f"#step-{steps[0][0]}")
    label = first.get_attribute("aria-label") or ""
    assert label.startswith(steps[0][1] + " ") and label.endswith("✓ Achieved")
    assert axe_violations(page, rules=["label-content-name-mismatch"]) == []
    old_name = label.replace(steps[0][1] + " ", steps[0][1] + " Staff: ", 1)
    first.evaluate("(g, name) => g.setAttribute('aria-label', name)", old_name)
    assert axe_violations(page, rules=["label-content-name-mismatch"]) != []
    first.evaluate("(g, name) => g.setAttribute('aria-label', name)", label)

    # A ninth mark, taken back with Ctrl+Z.
    ninth_key, ninth = steps[8]
    page.keyboard.press("ArrowRight")
    page.keyboard.press("e")
    _status(page).to_have_text(f"✗ Elusive saved for {ninth}")
    page.keyboard.press("Control+z")
    _status(page).to_contain_text("Undone: Marked")
    expect(page.locator(f"#voice-step-{ninth_key} .voice-step-mark")).to_contain_text(
        "Not discussed"
    )
    assert _focused_id(page) == f"step-{ninth_key}"
    _assert_chart_in_view(page)

    # Two notes: N opens the step's note box, Ctrl+Enter saves it.
    for key, number, words, count in [
        (steps[1][0], steps[1][1], "The speech therapist's visits made the difference", 1),
        (steps[3][0], steps[3][1], "Only half the staff went — ŵ 🌱", 2),
    ]:
        _arrow_to(page, steps, key)
        page.keyboard.press("n")
        expect(page.locator(f"#note-text-{key}")).to_be_focused()
        page.keyboard.type(words)
        page.keyboard.press("Control+Enter")
        _status(page).to_have_text(f"Note {count} saved on {number}")
        expect(page.locator(f"#step-notes-{key}")).to_contain_text(words)
        expect(page.locator(f"#note-text-{key}")).to_have_value("")
        expect(page.locator(f"#note-summary-{key}")).to_be_focused()
        _assert_same_page(page, loads)
        # Back to the drawing for the next one: Shift+Tab from the list reaches the chosen step.
        _tab_to(page, "#flowchart-figure svg g.step", back=True)

    # An arrow: "Draw an arrow", then two steps in the drawing, a reason, and Save.
    _tab_to(page, "#arrow-mode", back=True)
    page.keyboard.press("Enter")
    _tab_to(page, "#flowchart-figure svg g.step")
    _arrow_to(page, steps, steps[0][0])
    page.keyboard.press("Enter")
    _status(page).to_contain_text("now choose the step it leads to")
    _arrow_to(page, steps, steps[6][0])
    page.keyboard.press("Enter")
    expect(page.locator("#arrow-note")).to_be_focused()
    page.keyboard.type("The audit showed who needed training")
    _tab_to(page, "#arrow-save")
    page.keyboard.press("Enter")
    _status(page).to_have_text(f"Arrow 1 saved: {steps[0][1]} → {steps[6][1]}")
    expect(page.locator("#arrow-1")).to_contain_text("The audit showed who needed training")
    expect(page.locator("#arrow-save")).to_be_focused()
    _assert_same_page(page, loads)

    assert_no_axe_violations(page, context="the voice page after marks, notes and an arrow")
    page.screenshot(path=tmp_path / "live-interview-1366.png")

    marks, notes, arrows = _saved(live_server)
    assert marks == {int(steps[i][0]): PLAN[i] for i in range(8)}
    assert notes == [
        (int(steps[1][0]), "The speech therapist's visits made the difference"),
        (int(steps[3][0]), "Only half the staff went — ŵ 🌱"),
    ]
    assert arrows == [(int(steps[0][0]), int(steps[6][0]), "The audit showed who needed training")]


def test_the_same_interview_with_javascript_off_uses_the_plain_forms(
    live_server: LiveServer, browser: Browser
) -> None:
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", java_script_enabled=False, viewport=LAPTOP
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        _start_teacher_interview(page, live_server)
        expect(page.locator("#arrow-mode")).to_be_hidden()
        steps = _steps(page)
        for index, mark in enumerate([*PLAN, "elusive"]):
            key, _ = steps[index]
            with page.expect_navigation():
                page.locator(f"#mark-{key}-{mark}").click()
            expect(page.locator(f"#voice-step-{key} .voice-step-mark")).to_contain_text(
                SAID[mark].split(" ", 1)[1]
            )
        with page.expect_navigation():
            page.get_by_role("button", name=re.compile("^Undo")).click()
        expect(page.get_by_text("Undone: Marked")).to_be_visible()
        for key, words in [
            (steps[1][0], "The speech therapist's visits made the difference"),
            (steps[3][0], "Only half the staff went — ŵ 🌱"),
        ]:
            page.locator(f"#note-summary-{key}").click()
            page.locator(f"#note-text-{key}").fill(words)
            with page.expect_navigation():
                page.locator(f"#note-save-{key}").click()
            expect(page.locator(f"#step-notes-{key}")).to_contain_text(words)
        page.locator("#arrow-source_id").select_option(steps[0][0])
        page.locator("#arrow-target_id").select_option(steps[6][0])
        page.locator("#arrow-note").fill("The audit showed who needed training")
        with page.expect_navigation():
            page.locator("#arrow-save").click()
        expect(page.locator("#arrow-1")).to_contain_text("The audit showed who needed training")
    finally:
        context.close()

    marks, notes, arrows = _saved(live_server)
    assert marks == {int(steps[i][0]): PLAN[i] for i in range(8)}
    assert [text for _, text in notes] == [
        "The speech therapist's visits made the difference",
        "Only half the staff went — ŵ 🌱",
    ]
    assert arrows == [(int(steps[0][0]), int(steps[6][0]), "The audit showed who needed training")]


def test_a_refused_note_is_shown_beside_its_box_with_the_words_kept(
    live_server: LiveServer, page: Page
) -> None:
    page.set_viewport_size(LAPTOP)
    _start_teacher_interview(page, live_server)
    key, number = _steps(page)[2]
    loads = _watch_navigation(page)
    page.locator(f"#step-{key}").click()
    page.keyboard.press("n")
    box = page.locator(f"#note-text-{key}")
    expect(box).to_be_focused()

    # Nothing but spaces: refused, said beside the box, focus still in it.
    page.keyboard.type("   ")
    page.keyboard.press("Control+Enter")
    error = page.locator(f"#note-error-{key}")
    expect(error).to_contain_text("A note needs some text")
    expect(error).to_have_attribute("role", "alert")
    expect(box).to_be_focused()
    expect(box).to_have_attribute("aria-invalid", "true")

    # Too long: refused, and every word typed is still in the box.
    words = "Wrth gwrs " * 450
    box.fill(words)
    page.keyboard.press("Control+Enter")
    expect(error).to_contain_text("at most 4,000 characters")
    expect(page.locator(f"#note-text-{key}")).to_have_value(words)
    expect(page.locator(f"#note-text-{key}")).to_be_focused()
    near = error.bounding_box()
    field = page.locator(f"#note-text-{key}").bounding_box()
    assert near is not None and field is not None
    assert 0 <= near["y"] - (field["y"] + field["height"]) < 40  # right under the box
    assert near["y"] + near["height"] <= LAPTOP["height"]  # and in view
    _assert_chart_in_view(page)
    _assert_same_page(page, loads)
    assert _saved(live_server)[1] == []
    assert number  # the step had a reading number to be announced by


def test_adding_a_step_keeps_the_words_typed_in_other_note_boxes(
    live_server: LiveServer, page: Page
) -> None:
    page.set_viewport_size(LAPTOP)
    _start_teacher_interview(page, live_server)
    key, _ = _steps(page)[1]
    loads = _watch_navigation(page)
    page.locator(f"#note-summary-{key}").click()
    page.locator(f"#note-text-{key}").fill("Half a thought, not saved yet")
    # An arrow half drawn: its two ends chosen and its reason half typed.
    first, last = _steps(page)[0][0], _steps(page)[-1][0]
    page.locator("#arrow-source_id").select_option(first)
    page.locator("#arrow-target_id").select_option(last)
    page.locator("#arrow-note").fill("Because مرحبا 🌱, half said")
    page.locator("#newstep-theme").select_option("situation")
    page.locator("#newstep-text").fill("Parents asked for the same training")
    page.locator("#new-step-save").click()
    _status(page).to_contain_text("added at this interview")
    expect(page.locator("#voice-steps")).to_contain_text("Parents asked for the same training")
    expect(page.locator(f"#note-text-{key}")).to_have_value("Half a thought, not saved yet")
    expect(page.locator(f"#step-note-{key}")).to_have_attribute("open", "")
    expect(page.locator("#newstep-text")).to_have_value("")
    expect(page.locator("#arrow-note")).to_have_value("Because مرحبا 🌱, half said")
    expect(page.locator("#arrow-source_id")).to_have_value(first)
    expect(page.locator("#arrow-target_id")).to_have_value(last)
    _assert_same_page(page, loads)
    # The new step is drawn, and is a step of the drawing like any other.
    added = page.locator("#flowchart-figure svg g.step").filter(has_text="Parents asked")
    expect(added).to_have_attribute("role", "button")
    # Undone from its own mark button: the button goes with the step, and focus goes to the
    # drawing's chosen step, not to the page's body; the arrow form still holds its words.
    new_key = (added.get_attribute("id") or "").removeprefix("step-")
    page.locator(f"#mark-{new_key}-achieved").focus()
    page.keyboard.press("p")
    _status(page).to_contain_text("Partly")
    page.keyboard.press("Control+z")
    _status(page).to_contain_text("Undone")
    page.locator(f"#mark-{new_key}-achieved").focus()
    page.keyboard.press("Control+z")
    _status(page).to_contain_text("Undone: Added the step")
    expect(page.locator(f"#voice-step-{new_key}")).to_have_count(0)
    assert _focused_id(page).startswith("step-"), _focused_id(page)
    expect(page.locator("#arrow-note")).to_have_value("Because مرحبا 🌱, half said")


def test_a_note_on_a_step_undone_in_another_tab_lands_in_the_new_thread_box_with_focus(
    live_server: LiveServer, page: Page
) -> None:
    """The note's box went with its step: its words, and focus, go to the new-thread form."""
    page.set_viewport_size(LAPTOP)
    _start_teacher_interview(page, live_server)
    page.locator("#newstep-theme").select_option("situation")
    page.locator("#newstep-text").fill("A step soon undone elsewhere")
    page.locator("#new-step-save").click()
    _status(page).to_contain_text("added at this interview")
    added = page.locator("#voice-steps > li.voice-step").filter(has_text="soon undone")
    key = added.get_attribute("data-step-key")
    page.locator(f"#note-summary-{key}").click()
    page.locator(f"#note-text-{key}").fill("Half-typed: مرحبا 🌱 <b>")
    # Another tab undoes the step.
    other = page.context.new_page()
    other.goto(page.url)
    other.locator("#undo-button").click()
    expect(other.locator("#annotate-status")).to_contain_text("Undone: Added the step")
    other.close()
    page.locator(f"#note-text-{key}").press("Control+Enter")
    _status(page).to_contain_text("Not saved: that step is no longer on the chart")
    expect(page.locator("#thread-text")).to_have_value("Half-typed: مرحبا 🌱 <b>")
    expect(page.locator("#thread-text")).to_be_focused()
    expect(page.locator(f"#voice-step-{key}")).to_have_count(0)


def test_mark_buttons_are_big_enough_to_touch(browser: Browser, live_server: LiveServer) -> None:
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        has_touch=True,
        is_mobile=True,
        viewport={"width": 390, "height": 844},
    )
    page = context.new_page()
    try:
        _start_teacher_interview(page, live_server)
        sizes = page.locator(".mark-button").evaluate_all(
            "bs => bs.map(b => [b.getBoundingClientRect().width, b.getBoundingClientRect().height])"
        )
        assert sizes and all(w >= 44 and h >= 44 for w, h in sizes), sizes[:4]
    finally:
        context.close()


def test_marks_typed_quickly_are_all_saved_in_order(live_server: LiveServer, page: Page) -> None:
    """Keys pressed faster than the server answers: each save waits for the one before (one
    queue for the page), so none is lost or refused as changed meanwhile."""
    page.set_viewport_size(LAPTOP)
    _start_teacher_interview(page, live_server)
    steps = _steps(page)
    _tab_to(page, "#flowchart-figure svg g.step")
    for key in ["a", "ArrowRight", "p", "ArrowRight", "e", "ArrowLeft", "0", "ArrowLeft", "e"]:
        page.keyboard.press(key)
    _status(page).to_have_text(f"✗ Elusive saved for {steps[0][1]}")
    expect(page.locator(".field-error")).to_have_count(0)
    marks, _, _ = _saved(live_server)
    assert marks == {int(steps[0][0]): "elusive", int(steps[2][0]): "elusive"}
    assert _focused_id(page) == f"step-{steps[0][0]}"


def test_a_form_swapped_in_is_sent_by_htmx_the_moment_it_lands(
    live_server: LiveServer, page: Page
) -> None:
    """The undo form comes back with every mark. A press of Undo in the same instant the answer
    is swapped in (the next task, as a key on a busy machine can be) is still sent by htmx: no
    page load. With htmx's default 20 ms settle delay the new form was not yet wired up, so it
    went the plain way and reloaded the page (a CI failure of the keyboard interview)."""
    page.set_viewport_size(LAPTOP)
    _start_teacher_interview(page, live_server)
    steps = _steps(page)
    _tab_to(page, "#flowchart-figure svg g.step")
    loads = _watch_navigation(page)
    page.evaluate(
        """() => document.addEventListener("htmx:afterSwap", () => window.setTimeout(
            () => document.getElementById("undo-button").click(), 0), { once: true })"""
    )
    page.keyboard.press("a")
    _status(page).to_contain_text("Undone: Marked")
    expect(page.locator(f"#voice-step-{steps[0][0]} .voice-step-mark")).to_contain_text(
        "Not discussed"
    )
    _assert_same_page(page, loads)
    marks, _, _ = _saved(live_server)
    assert marks == {}


def test_every_control_has_its_own_focus_ring_and_room_to_hit(
    live_server: LiveServer, page: Page
) -> None:
    page.set_viewport_size(LAPTOP)
    _start_teacher_interview(page, live_server)
    key = _steps(page)[0][0]
    _tab_to(page, f"#mark-{key}-achieved")
    for value in ["achieved", "partly", "elusive", "none"]:
        if value != "achieved":
            page.keyboard.press("Tab")
        ring = page.evaluate(
            """() => {
                const b = document.activeElement, s = getComputedStyle(b);
                const group = getComputedStyle(b.closest('fieldset'));
                return {id: b.id, style: s.outlineStyle, width: parseFloat(s.outlineWidth),
                        color: s.outlineColor, group: group.boxShadow};
            }"""
        )
        assert ring["id"] == f"mark-{key}-{value}"
        assert ring["style"] == "solid" and ring["width"] >= 3, ring
        assert _contrast_on_white(ring["color"]) >= 3, ring
        assert ring["group"] == "none", "the four buttons share a ring"
    # The drawing's step: a ring of its own too (its box drawn thick and dark).
    _tab_to(page, "#flowchart-figure svg g.step", back=True)
    stroke = page.evaluate(
        "() => { const p = getComputedStyle(document.activeElement.querySelector('polygon'));"
        " return {color: p.stroke, width: parseFloat(p.strokeWidth)}; }"
    )
    assert stroke["width"] >= 4 and _contrast_on_white(stroke["color"]) >= 3, stroke
    # Every control of the layout at least 24 × 24 px (links in running text aside).
    small = page.evaluate(
        """() => Array.from(document.querySelectorAll(
                '#voice-live button, #voice-live summary, #voice-live select, #voice-live textarea,'
                + ' #voice-live input:not([type=hidden])'))
            .filter(e => e.offsetParent !== null)
            .map(e => [e.id || e.outerHTML.slice(0, 60), e.getBoundingClientRect()])
            .filter(([, r]) => r.width < 24 || r.height < 24)
            .map(([name, r]) => name + ' ' + Math.round(r.width) + 'x' + Math.round(r.height))"""
    )
    assert small == []


def _contrast_on_white(color: str) -> float:
    """WCAG contrast of an ``rgb(r, g, b)`` colour against white."""
    red, green, blue = (int(v) for v in re.findall(r"\d+", color)[:3])

    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    light = 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)
    return 1.05 / (light + 0.05)


def test_a_save_after_the_login_ended_changes_nothing_on_the_page(
    live_server: LiveServer, page: Page
) -> None:
    """Logged out in another tab: the answer (a login page, or a refused form token) is never
    put into the page; the live region says the save did not happen."""
    page.set_viewport_size(LAPTOP)
    _start_teacher_interview(page, live_server)
    key, _ = _steps(page)[0]
    loads = _watch_navigation(page)
    other = page.context.new_page()
    other.goto("/")
    other.get_by_role("button", name="Log out").click()
    expect(other).to_have_url(re.compile("/login"))
    other.close()

    page.locator(f"#step-{key}").click()
    page.keyboard.press("a")
    _status(page).to_contain_text("Not saved")
    expect(page.locator("#flowchart-figure svg")).to_have_count(1)
    expect(
        page.locator("#voice-live input[name=password], #voice-live form[action$='/login']")
    ).to_have_count(0)
    expect(page.locator(f"#voice-step-{key} .voice-step-mark")).to_contain_text("Not discussed")
    _assert_same_page(page, loads)
    assert _saved(live_server)[0] == {}
