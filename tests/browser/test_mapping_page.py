"""In a real browser: the mapping page saves without reloading, maps a step from selected words,
reflows at 320 px, and its drawing zooms and pans (issue 14, parts 4 and 7)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy import select

from tests.browser.axe_check import assert_no_axe_violations
from tests.browser.conftest import log_in
from tocapp.extensions import db
from tocapp.models import Answer, Step

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("TOCAPP_SHOTS")  # a folder to keep screenshots in, to look at them
Q3_WORDS = "train all staff"
STATUS = "#map-status"


def _shot(page: Page, name: str, full: bool = False) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=full)


def _open_map(page: Page, server: LiveServer, scripted: bool = True) -> None:
    """The nursery's map, with version 2 started (version 1 was shown at return interviews),
    once its scripts have run (they are deferred: the page can be seen before)."""
    log_in(page, server)
    page.get_by_role("link", name=re.compile("Inter-professional coaching")).first.click()
    page.get_by_role("link", name="Nursery school").click()
    page.get_by_role("button", name="Flowchart", exact=True).click()
    page.get_by_role("link", name=re.compile("Change the map|Map the interview notes")).click()
    start = page.get_by_role("button", name=re.compile("^Start version"))
    if start.count():
        start.click()
    expect(page.get_by_role("heading", name="Add a step")).to_be_visible()
    if scripted:
        expect(page.locator("#words-help")).to_be_visible()  # shown by flowchart-map.js
        expect(page.locator("#map-figure .zoom-controls")).to_have_count(1)  # chart-zoom.js


def _mark_window(page: Page) -> None:
    """A mark that a full page load would wipe out."""
    page.evaluate("() => { window.__stillHere = 'yes'; }")


def _still_same_page(page: Page) -> None:
    assert page.evaluate("() => window.__stillHere") == "yes", "the page was reloaded"


def _step_in_grid(page: Page, words: str) -> Locator:
    return page.locator("#map-editor li.map-step").filter(has_text=words)


def _db_step(server: LiveServer, **where: object) -> Step | None:
    with server.app.app_context():
        query = select(Step)
        for name, value in where.items():
            query = query.where(getattr(Step, name) == value)
        step = db.session.scalars(query.order_by(Step.id.desc())).first()
        if step is not None:
            db.session.expunge(step)
        db.session.remove()
        return step


def test_a_step_made_from_words_selected_with_the_keyboard(
    live_server: LiveServer, page: Page
) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    _open_map(page, live_server)
    _mark_window(page)
    notes = page.get_by_role("textbox", name=re.compile(r"^Q3 How will these changes be made"))
    text = notes.input_value()
    start = text.index(Q3_WORDS)

    # Keyboard only: into the answer, to the words, Shift+arrows over them, then the group's key.
    notes.focus()
    page.keyboard.press("Control+Home")
    for _ in range(start):
        page.keyboard.press("ArrowRight")
    for _ in range(len(Q3_WORDS)):
        page.keyboard.press("Shift+ArrowRight")
    tools = page.locator("#words-tools")
    expect(tools).to_be_visible()
    expect(tools.locator("#words-selection")).to_have_text(Q3_WORDS)
    # Q3 is about the actions: the theme is suggested from the question.
    expect(page.locator("#words-theme")).to_have_value("action")
    expect(page.locator(STATUS)).to_contain_text("press 1 for Staff")
    _shot(page, "words-selected")
    page.keyboard.press("1")  # Staff, the first group listed

    expect(page.locator(STATUS)).to_contain_text(re.compile(r"Step A\d is added"))
    _still_same_page(page)
    with live_server.app.app_context():
        answer_id = db.session.scalar(
            select(Answer.id).where(Answer.notes == text, Answer.number == 3)
        )
        db.session.remove()
    step = _db_step(live_server, source_quote=Q3_WORDS)
    assert step is not None, "no step has the selected words as its quote"
    assert step.source_answer_id == answer_id
    assert step.theme == "action"
    assert step.text == Q3_WORDS
    # On the page: in the Strands of action cell, with its quoted source.
    item = page.locator(f"#map-step-{step.id}")
    expect(item.locator(".step-source-line")).to_contain_text("From Q3")
    expect(item.locator(".step-source-line q")).to_have_text(Q3_WORDS)
    assert item.evaluate("el => el.closest('td').id").startswith("cell-action-")
    # Focus is back in the answer, ready for the next words.
    expect(notes).to_be_focused()
    _shot(page, "words-made")


def test_a_step_made_from_words_selected_with_the_mouse_and_the_button(
    live_server: LiveServer, page: Page
) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    _open_map(page, live_server)
    _mark_window(page)
    notes = page.get_by_role("textbox", name=re.compile(r"^Q1 In terms of"))
    words = "speech and language therapy service"
    start = notes.input_value().index(words)
    notes.evaluate(  # what a drag over the words leaves: a selection, then mouseup
        "(el, [s, e]) => { el.focus(); el.setSelectionRange(s, e);"
        " el.dispatchEvent(new MouseEvent('mouseup', {bubbles: true})); }",
        [start, start + len(words)],
    )
    expect(page.locator("#words-theme")).to_have_value("situation")  # Q1: starting situation
    page.locator("#words-tools").get_by_role("button", name="3 Parents").click()
    expect(page.locator(STATUS)).to_contain_text(re.compile(r"Step S\d is added"))
    _still_same_page(page)
    step = _db_step(live_server, source_quote=words)
    assert step is not None and step.theme == "situation"
    expect(page.locator(f"#map-step-{step.id} .step-source-line q")).to_have_text(words)
    cell = page.locator(f"#map-step-{step.id}").evaluate("el => el.closest('td').id")
    parents = page.locator("#map-editor tr").filter(has=page.locator("th", has_text="Parents"))
    expect(parents.locator(f"#{cell}")).to_have_count(1)


def test_steps_and_arrows_change_without_a_reload(live_server: LiveServer, page: Page) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    _open_map(page, live_server)
    _mark_window(page)
    status = page.locator(STATUS)
    add = page.locator("#add-step form")

    # Add: the status says so, focus is back in the text box for the next step.
    add.get_by_label("Theme").select_option(label="Intended outcomes")
    add.get_by_label("Group").select_option(label="Parents")
    add.get_by_label("What the step says").fill("Parents ask about talk at home")
    add.get_by_role("button", name="Add the step").click()
    expect(status).to_contain_text(re.compile(r"Step O\d is added \(Intended outcomes, Parents\)"))
    new = _step_in_grid(page, "Parents ask about talk at home")
    expect(new).to_have_count(1)
    expect(page.locator("#text")).to_be_focused()
    expect(add.get_by_label("Group")).to_have_value(str(_group_id(page, "Parents")))
    expect(page.locator("#text")).to_have_value("")  # saved: not there to be added twice

    # A refused add keeps the words and says why beside the field.
    too_long = "word " * 120
    add.get_by_label("What the step says").fill(too_long)
    add.get_by_role("button", name="Add the step").click()
    error = page.locator("#text-error")
    expect(error).to_contain_text("at most 500 characters")
    expect(page.locator("#text")).to_have_value(too_long)
    expect(page.locator("#text")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#text")).to_be_focused()
    _shot(page, "add-refused")
    page.locator("#text").fill("")

    # Edit in place.
    new.get_by_role("link", name=re.compile("^Edit")).click()
    edit_text = page.locator("#edit-text")
    expect(edit_text).to_be_focused()
    edit_text.fill("Parents ask about talk at home and in the nursery")
    _shot(page, "edit-inline")
    page.get_by_role("button", name=re.compile("^Save step")).click()
    expect(status).to_contain_text(re.compile(r"Step O\d is saved"))
    edited = _step_in_grid(page, "and in the nursery")
    expect(edited).to_have_count(1)
    expect(edited.get_by_role("link", name=re.compile("^Edit"))).to_be_focused()

    # Move: the Staff outcomes O1, O2 swap; focus stays on the step's move button. What is
    # half-typed in the add and arrow forms is still there after the editor is swapped.
    page.locator("#text").fill("Half-typed step: مرحبا 🌱")
    page.locator("#arrow-label").fill("half a label")
    first = page.locator("#map-editor td[id^='cell-outcome-'] li.map-step").first
    first_id = first.get_attribute("id")
    first.get_by_role("button", name=re.compile("^Move down")).click()
    expect(status).to_contain_text(re.compile(r"is moved down"))
    expect(page.locator("#text")).to_have_value("Half-typed step: مرحبا 🌱")
    expect(page.locator("#arrow-label")).to_have_value("half a label")
    moved = page.locator(f"#{first_id}")
    assert moved.evaluate("el => el.previousElementSibling !== null")
    expect(moved.get_by_role("button", name=re.compile("^Move up"))).to_be_focused()

    # Delete, confirmed in place.
    edited.get_by_role("link", name=re.compile("^Delete")).click()
    confirm = page.get_by_role("button", name=re.compile(r"^Delete step O\d"))
    expect(confirm).to_be_focused()
    confirm.click()
    expect(status).to_contain_text(re.compile(r"Step O\d and its arrows are removed"))
    expect(_step_in_grid(page, "and in the nursery")).to_have_count(0)
    assert _db_step(live_server, text="Parents ask about talk at home and in the nursery") is None

    # An arrow: drawn, then removed.
    arrows = page.locator("#arrows")
    arrows.get_by_label("From step").select_option(_option(page, "#arrow-source_id", "S1 ·"))
    arrows.get_by_label("To step").select_option(_option(page, "#arrow-target_id", "O3 ·"))
    arrows.get_by_label("Label on the arrow").fill("so that")
    arrows.get_by_role("button", name="Add the arrow").click()
    expect(status).to_contain_text("The arrow from S1 to O3 is added.")
    new_arrow = page.locator("#arrows li").filter(has_text="so that")
    expect(new_arrow).to_have_count(1)
    expect(page.locator("#arrow-source_id")).to_be_focused()
    expect(page.locator("#arrow-label")).to_have_value("")  # saved: the form starts again
    expect(page.locator("#text")).to_have_value("Half-typed step: مرحبا 🌱")
    new_arrow.get_by_role("button", name=re.compile("^Delete")).click()
    expect(status).to_contain_text("The arrow from S1 to O3 is removed.")
    expect(page.locator("#arrows li").filter(has_text="so that")).to_have_count(0)

    _still_same_page(page)
    # The drawing was swapped in with the rest, and zooms again.
    expect(page.locator("#map-figure .zoom-controls")).to_have_count(1)


def _option(page: Page, select: str, starts: str) -> str:
    """The value of the option of ``select`` whose label starts with ``starts``."""
    return page.evaluate(
        "([s, p]) => [...document.querySelector(s).options].find(o => o.text.startsWith(p)).value",
        [select, starts],
    )


def test_an_expired_session_keeps_the_page_and_what_was_typed(
    live_server: LiveServer, page: Page
) -> None:
    _open_map(page, live_server)
    _mark_window(page)
    page.context.clear_cookies()  # logged out elsewhere, or the session ran out
    page.locator("#text").fill("Words worth keeping")
    page.locator("#add-step").get_by_role("button", name="Add the step").click()
    expect(page.locator(STATUS)).to_contain_text("Not saved: this page has expired")
    expect(page.locator("#text")).to_have_value("Words worth keeping")
    # A link asked for while logged out answers with the login page: it is not swapped in.
    page.locator("#map-editor .edit-link").first.click()
    expect(page.locator(STATUS)).to_contain_text("you are no longer logged in")
    expect(page.locator("#map-editor #text")).to_have_value("Words worth keeping")
    expect(page.locator("#map-editor input[type=password]")).to_have_count(0)
    _still_same_page(page)


def test_without_javascript_the_plain_forms_still_map(
    live_server: LiveServer, browser: Browser
) -> None:
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", java_script_enabled=False
    )
    page = context.new_page()
    try:
        _open_map(page, live_server, scripted=False)
        expect(page.locator("#words-tools")).to_be_hidden()  # needs JavaScript, so not offered
        add = page.locator("#add-step form")
        add.get_by_label("What the step says").fill("Made without JavaScript")
        add.get_by_label("Comes from the answer to").select_option(
            _option(page, "#source_answer_id", "Q2 ·")
        )
        add.get_by_label("Exact words quoted").fill("few have had any training")
        add.get_by_role("button", name="Add the step").click()
        expect(page.locator(".flash-success")).to_contain_text(re.compile(r"Step S\d is added"))
        item = _step_in_grid(page, "Made without JavaScript")
        expect(item.locator(".step-source-line q")).to_have_text("few have had any training")
        item.get_by_role("link", name=re.compile("^Delete")).click()
        page.get_by_role("button", name="Delete the step").click()
        expect(_step_in_grid(page, "Made without JavaScript")).to_have_count(0)
    finally:
        context.close()


def _group_id(page: Page, name: str) -> str:
    return page.locator("#group_id option", has_text=name).get_attribute("value") or ""


def test_the_map_reflows_at_320_px(live_server: LiveServer, page: Page) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    _open_map(page, live_server)
    page.set_viewport_size({"width": 320, "height": 640})
    page.reload()
    expect(page.locator("#map-figure .zoom-controls")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    # Too wide to read whole at 320 px, the drawing starts at its reading size, top left.
    expect(page.locator("#map-figure .zoom-level")).to_have_text("100%")
    page.locator("#map-figure").get_by_role("button", name="Whole chart").click()
    expect(page.locator("#map-figure .zoom-level")).not_to_have_text("100%")
    _shot(page, "map-320-whole")
    page.locator("#map-figure").get_by_role("button", name="Reset").click()
    expect(page.locator("#map-figure .zoom-level")).to_have_text("100%")
    # Each stacked cell says its theme and group.
    expect(page.locator(".cell-label").first).to_be_visible()
    _shot(page, "map-320", full=True)
    # Still true with an inline edit form and the words tools open.
    page.locator("#map-editor .edit-link").first.click()
    expect(page.locator("#edit-text")).to_be_focused()
    notes = page.get_by_role("textbox", name=re.compile(r"^Q3"))
    notes.evaluate(
        "el => { el.focus(); el.setSelectionRange(0, 30);"
        " el.dispatchEvent(new Event('select', {bubbles: true})); }"
    )
    expect(page.locator("#words-tools")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    # Made from the words up in the notes, the step's message is in view at the window's foot.
    page.keyboard.press("2")
    status = page.locator(STATUS)
    expect(status).to_contain_text(re.compile(r"Step A\d is added \(Strands of action, Children\)"))
    expect(status).to_be_in_viewport()
    expect(notes).to_be_focused()
    _shot(page, "words-made-320")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320


# The id of a step of the drawing wholly inside the zoom frame (zoomed in, some are outside).
VISIBLE_STEP = """() => {
    const frame = document.querySelector("#map-figure .zoom-frame").getBoundingClientRect();
    for (const step of document.querySelectorAll("#map-figure svg g.step")) {
        const box = step.getBoundingClientRect();
        if (box.left >= frame.left && box.right <= frame.right && box.top >= frame.top
            && box.bottom <= frame.bottom) return step.id.replace(/^step-/, "");
    }
    return null;
}"""


def _viewport_transform(page: Page) -> str:
    return page.locator("#map-figure svg .svg-pan-zoom_viewport").get_attribute("transform") or ""


def _changed_transform(page: Page, before: str, figure: str = "#map-figure") -> str:
    """The viewport's transform once it differs from ``before`` (drawn on the next frame)."""
    page.wait_for_function(
        "([f, t]) => document.querySelector(f + ' .svg-pan-zoom_viewport')"
        ".getAttribute('transform') !== t",
        arg=[figure, before],
    )
    return page.locator(f"{figure} svg .svg-pan-zoom_viewport").get_attribute("transform") or ""


def test_the_drawing_zooms_and_pans_and_its_steps_still_answer(
    live_server: LiveServer, page: Page
) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    _open_map(page, live_server)
    figure = page.locator("#map-figure")
    figure.scroll_into_view_if_needed()
    zoom_in = figure.get_by_role("button", name="Zoom in")
    for name in ("Zoom in", "Zoom out", "Reset", "Pan left", "Pan right", "Pan up", "Pan down"):
        box = figure.get_by_role("button", name=name).bounding_box()
        assert box is not None and box["width"] >= 24 and box["height"] >= 24, name
    before = _viewport_transform(page)
    level = figure.locator(".zoom-level").inner_text()
    zoom_in.focus()
    page.keyboard.press("Enter")  # keyboard operable
    page.keyboard.press("Enter")
    after = _changed_transform(page, before)
    assert figure.locator(".zoom-level").inner_text() != level
    figure.get_by_role("button", name="Pan right").click()
    _changed_transform(page, after)
    _shot(page, "zoomed")

    # A step in the zoomed drawing still answers a click: it is found in the grid.
    step_id = page.evaluate(VISIBLE_STEP)
    assert step_id, "no step is wholly in view after zooming in"
    figure.locator(f"svg g#step-{step_id}").click()
    item = page.locator(f"#map-step-{step_id}")
    expect(item).to_have_class(re.compile(r"\bchosen\b"))
    expect(item).to_be_focused()

    # Ctrl + wheel zooms too; reset goes back.
    figure.locator("svg").hover()
    page.keyboard.down("Control")
    page.mouse.wheel(0, -300)
    page.keyboard.up("Control")
    figure.get_by_role("button", name="Reset").click()
    expect(figure.locator(".zoom-level")).to_have_text(level)
    page.wait_for_function(
        "(t) => { const now = document.querySelector('#map-figure .svg-pan-zoom_viewport')"
        ".getAttribute('transform').match(/[-\\d.e]+/g).map(Number);"
        " const was = t.match(/[-\\d.e]+/g).map(Number);"
        " return now.every((v, i) => Math.abs(v - was[i]) < 0.01); }",
        arg=before,
    )


def test_a_drawing_swapped_into_a_zoomable_figure_zooms_too(
    live_server: LiveServer, page: Page
) -> None:
    """As a page that swaps only the svg (or the figure's inside) would: one set of buttons,
    working on the new drawing."""
    _open_map(page, live_server)
    expect(page.locator("#map-figure .zoom-controls")).to_have_count(1)
    page.evaluate(
        """async () => {
            const answer = await fetch(location.pathname, {headers: {"HX-Request": "true"}});
            const html = new DOMParser().parseFromString(await answer.text(), "text/html");
            const fresh = document.importNode(html.querySelector("#map-figure svg"), true);
            document.querySelector("#map-figure svg").replaceWith(fresh);
            document.body.dispatchEvent(new CustomEvent("htmx:afterSettle", {bubbles: true}));
        }"""
    )
    figure = page.locator("#map-figure")
    expect(figure.locator(".zoom-controls")).to_have_count(1)
    expect(figure.locator(".zoom-frame")).to_have_count(1)
    expect(figure.locator("svg[data-zoom-ready] .svg-pan-zoom_viewport")).to_have_count(1)
    before = _viewport_transform(page)
    figure.get_by_role("button", name="Zoom in").click()
    _changed_transform(page, before)


def test_the_flowchart_page_drawing_zooms(live_server: LiveServer, page: Page) -> None:
    log_in(page, live_server)
    page.get_by_role("link", name=re.compile("Inter-professional coaching")).first.click()
    page.get_by_role("link", name="Nursery school").click()
    page.get_by_role("button", name="Flowchart", exact=True).click()
    figure = page.locator("figure.zoomable")
    before = figure.locator("svg .svg-pan-zoom_viewport").get_attribute("transform") or ""
    figure.get_by_role("button", name="Zoom in").click()
    _changed_transform(page, before, "figure.zoomable")
    expect(page.locator(".chart-text")).to_be_visible()  # the text version stays beside it
    _shot(page, "show-zoomed")
    page.set_viewport_size({"width": 320, "height": 640})
    page.reload()
    expect(figure.get_by_role("button", name="Zoom in")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    _shot(page, "show-320", full=True)


def test_the_mapping_page_passes_axe(live_server: LiveServer, page: Page) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    _open_map(page, live_server)
    assert_no_axe_violations(page, context="the mapping page")
    # With the words tools, an inline edit form and a refused add showing.
    notes = page.get_by_role("textbox", name=re.compile(r"^Q3"))
    notes.evaluate(
        "el => { el.focus(); el.setSelectionRange(0, 30);"
        " el.dispatchEvent(new Event('select', {bubbles: true})); }"
    )
    expect(page.locator("#words-tools")).to_be_visible()
    page.locator("#map-editor .edit-link").first.click()
    expect(page.locator("#edit-text")).to_be_focused()
    page.locator("#add-step").get_by_role("button", name="Add the step").click()
    expect(page.locator("#text-error")).to_be_visible()
    assert_no_axe_violations(page, context="the mapping page, editing, with an error")
