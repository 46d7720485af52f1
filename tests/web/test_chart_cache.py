"""Drawings cached by their data: a repeated page lays out and draws nothing, a change is seen."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tocapp.extensions import db
from tocapp.models import Interview, StepMark
from tocapp.render import mark_charts
from tocapp.services import flowcharts, interviews, voices
from tocapp.web import chart_images

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def study(make_user, make_project, make_setting, make_participant, auth) -> dict[str, Any]:
    """A mapped chart, frozen by a teacher's return interview with one mark; owner logged in."""
    owner = make_user()
    project = make_project(owner=owner)
    setting = make_setting(project=project, code="HIL")
    teacher = make_participant(setting=setting, role_label="Teacher")
    version = flowcharts.current_version(db.session, setting)
    staff = project.groups[0].id
    fields = flowcharts.StepFields
    a = flowcharts.add_step(db.session, None, version, fields("situation", staff, "Quiet rooms"))
    b = flowcharts.add_step(db.session, None, version, fields("action", staff, "Coach the TAs"))
    flowcharts.add_link(db.session, None, version, a.id, b.id)
    db.session.commit()
    base = f"/studies/{project.id}/settings/{setting.id}/flowchart"
    auth.login(owner)
    return {
        "project": project,
        "setting": setting,
        "teacher": teacher,
        "steps": (a, b),
        "page": base,
        "svg": base + ".svg",
    }


def _drawing(page: bytes) -> str:
    text = page.decode()
    figure = text.split('<figure id="flowchart-figure"')[1].split("</figure>")[0]
    return figure[figure.index("<svg") : figure.rindex("</svg>") + len("</svg>")]


def _forbid_drawing(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, laying a chart out or running Graphviz fails the test."""

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the chart was laid out or drawn again")

    monkeypatch.setattr(chart_images, "flowchart_to_dot", refuse)
    monkeypatch.setattr("tocapp.render.graphviz_runner.subprocess.run", refuse)


def test_the_same_chart_is_read_from_the_cache_with_the_same_bytes(client, study, monkeypatch):
    first = client.get(study["page"])
    download = client.get(study["svg"]).data
    _forbid_drawing(monkeypatch)
    again = client.get(study["page"])
    assert again.status_code == 200 and "Quiet rooms" in _drawing(again.data)
    assert _drawing(again.data) == _drawing(first.data)
    assert client.get(study["svg"]).data == download


def test_editing_a_steps_text_shows_the_new_text_in_the_drawing(client, study):
    first = client.get(study["page"]).data
    assert "Quiet rooms" in _drawing(first)
    assert "Quiet rooms" in first.decode().split('id="text-version-heading"')[1]
    step = study["steps"][0]
    saved = client.post(
        f"/studies/{study['project'].id}/steps/{step.id}/edit",
        data={"theme": "situation", "group_id": step.group_id, "text": "Rooms full of talk"},
    )
    assert saved.status_code == 303
    page = client.get(study["page"]).data
    drawing = _drawing(page)
    assert "Rooms full of talk" in drawing and "Quiet rooms" not in drawing
    text_version = page.decode().split('id="text-version-heading"')[1]  # cached as HTML too
    assert "Rooms full of talk" in text_version and "Quiet rooms" not in text_version
    svg = client.get(study["svg"]).get_data(as_text=True)
    assert "Rooms full of talk" in svg and "Quiet rooms" not in svg


def test_changing_a_mark_shows_the_new_mark_on_the_voice_drawing(client, study):
    a, _ = study["steps"]
    interview = voices.start_return_interview(
        db.session,
        None,
        study["setting"],
        interviews.InterviewFields(
            study["project"].rounds[1].id,
            date(2026, 7, 1),
            "video",
            people=[(study["teacher"].id, "Teacher")],
        ),
    )
    db.session.commit()
    voice = f"/studies/{study['project'].id}/interviews/{interview.id}/voice"

    def marks_drawn() -> list[str]:
        """The marks written in step A's box of the drawing."""
        page = client.get(voice).get_data(as_text=True)
        svg = ET.fromstring(page[page.index("<svg") : page.index("</svg>") + len("</svg>")])
        box = next(g for g in svg.iter(f"{SVG}g") if g.get("id") == f"step-{a.id}")
        text = " ".join("".join(t.itertext()) for t in box.iter(f"{SVG}text"))
        return re.findall(r"[✓◐✗] (?:Achieved|Partly achieved|Elusive)", text)

    assert marks_drawn() == []
    for mark, shown in (("achieved", "✓ Achieved"), ("elusive", "✗ Elusive")):
        saved = client.post(voice + "/marks", data={"step_id": a.id, "mark": mark})
        assert saved.status_code == 303
        assert marks_drawn() == [shown]
    download = client.get(voice + ".svg").get_data(as_text=True)
    assert "Elusive" in download and "Achieved" not in download


def test_a_repeated_comparison_draws_no_chart_and_changed_marks_draw_anew(
    client, comparison_demo, monkeypatch
):
    project_id, _ = comparison_demo
    url = f"/studies/{project_id}/comparison"
    drawn: list[str] = []
    real = mark_charts._draw_alone

    def counting(title: str, *args: Any) -> None:
        drawn.append(title)
        real(title, *args)

    monkeypatch.setattr(mark_charts, "_draw_alone", counting)
    first = client.get(url)
    assert first.status_code == 200 and drawn, "the comparison draws its charts"
    count = len(drawn)
    drawn.clear()
    again = client.get(url)
    assert again.status_code == 200 and drawn == []
    assert again.data.count(b"<svg") == first.data.count(b"<svg") >= count

    # One voice's mark changes (as the voice page changes it: audited, so the study's revision
    # moves and the page's kept HTML is not used): only the charts that count it are drawn again.
    mark = db.session.scalars(select(StepMark).join(Interview).order_by(StepMark.id)).first()
    changed = "elusive" if mark.mark != "elusive" else "achieved"
    voices.set_mark(db.session, None, mark.interview, mark.step_id, changed)
    db.session.commit()
    assert client.get(url).status_code == 200
    assert 1 <= len(drawn) < count


def test_the_comparison_charts_are_kept_in_the_apps_render_cache(app, client, comparison_demo):
    """So that a withdrawal or an erasure, which empty that folder, forgets them too."""
    project_id, _ = comparison_demo
    client.get(f"/studies/{project_id}/comparison")
    assert list(Path(app.config["RENDER_CACHE_DIR"]).rglob("*.bars.svg"))


def test_a_drawing_read_before_a_withdrawal_emptied_the_cache_does_not_stay_on_disk(
    app, client, study, monkeypatch: pytest.MonkeyPatch
):
    """A withdrawal empties the cache after its commit; a page that read the chart before that
    and finishes drawing after it must not write the withdrawn words back to disk."""
    from tocapp.render import render_cache

    folder = Path(app.config["RENDER_CACHE_DIR"])
    real_render = chart_images.render_dot

    def withdrawal_commits_meanwhile(*args: Any, **kwargs: Any) -> bytes:
        render_cache.empty(folder)  # what the withdrawal's commit does, in another worker
        return real_render(*args, **kwargs)

    monkeypatch.setattr(chart_images, "render_dot", withdrawal_commits_meanwhile)
    page = client.get(study["page"])
    assert page.status_code == 200 and "Coach the TAs" in _drawing(page.data)
    kept = [p.name for p in folder.rglob("*") if p.is_file()]
    assert kept == [render_cache.STAMP], kept  # drawn for the page, and not kept

    monkeypatch.setattr(chart_images, "render_dot", real_render)
    assert client.get(study["page"]).status_code == 200
    kept = {p.suffix for p in folder.rglob("*") if p.is_file()}
    assert {".svg", ".html"} <= kept  # a request that began after the emptying keeps its drawing


def test_no_ones_words_stay_in_memory_after_the_request_that_drew_them(app, client, study):
    """Text widths and wrapped lines are kept while a request lays charts out, then dropped."""
    from tocapp.render import text_fit

    measured: list[int] = []
    real_layout = chart_images.flowchart_to_dot

    def layout_and_look(*args: Any, **kwargs: Any) -> str:
        source = real_layout(*args, **kwargs)
        measured.append(text_fit._wrapped.cache_info().currsize)
        return source

    chart_images.flowchart_to_dot = layout_and_look  # type: ignore[assignment]
    try:
        assert client.get(study["page"]).status_code == 200
    finally:
        chart_images.flowchart_to_dot = real_layout  # type: ignore[assignment]
    assert measured and measured[0] > 0  # kept while the chart was laid out
    assert text_fit._wrapped.cache_info().currsize == 0
    assert text_fit.text_width.cache_info().currsize == 0
