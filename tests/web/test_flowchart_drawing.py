"""The drawn flowchart: inline SVG beside the text version, downloads, failures explained."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tocapp.extensions import db
from tocapp.services import flowcharts

HOSTILE = '<b>x</b> a\\nb "q" {x|y} \\l &amp; 🌱 ŵ ŷ مرحبا'


@pytest.fixture
def drawn(make_user, make_project, make_setting, auth):
    owner = make_user()
    project = make_project(owner=owner, title="Clarity: talk & listen")
    setting = make_setting(project=project, code="P1", name="Hill Primary")
    version = flowcharts.current_version(db.session, setting)
    staff, children = project.groups[0].id, project.groups[1].id
    fields = flowcharts.StepFields
    a = flowcharts.add_step(db.session, None, version, fields("situation", staff, HOSTILE))
    b = flowcharts.add_step(db.session, None, version, fields("action", staff, "Coach the TAs"))
    c = flowcharts.add_step(
        db.session, None, version, fields("outcome", children, "Children talk more")
    )
    flowcharts.add_link(db.session, None, version, a.id, b.id)
    flowcharts.add_link(db.session, None, version, b.id, c.id, "so that")
    db.session.commit()
    auth.login(owner)
    base = f"/studies/{project.id}/settings/{setting.id}/flowchart"
    return {"show": base, "svg": base + ".svg", "png": base + ".png", "setting": setting}


def _inline_svg(page: str) -> ET.Element:
    figure = page.split('<figure id="flowchart-figure"')[1].split("</figure>")[0]
    svg = figure[figure.index("<svg") : figure.rindex("</svg>") + len("</svg>")]
    return ET.fromstring(svg)


def _texts(svg: ET.Element) -> str:
    return " ".join("".join(t.itertext()) for t in svg.iter("{http://www.w3.org/2000/svg}text"))


def test_the_page_shows_the_graphviz_drawing_with_every_step_literally(client, drawn):
    page = client.get(drawn["show"]).get_data(as_text=True)
    svg = _inline_svg(page)
    assert svg.get("role") == "img" and "P1 flowchart" in svg.get("aria-label", "")
    text = _texts(svg)
    for words in ("Coach the TAs", "Children talk more", "so that", "Starting situation"):
        assert words in text
    # The hostile step is drawn as the characters typed (it may be wrapped over lines).
    assert re.sub(r"\s+", "", HOSTILE) in re.sub(r"\s+", "", text)
    # ... and nothing in it became markup in the page.
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page
    assert 'id="step-' in page
    assert "Download this flowchart" in page


def test_svg_and_png_download_with_sensible_names(client, drawn):
    svg = client.get(drawn["svg"])
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg.headers["Content-Disposition"] == (
        'attachment; filename="Clarity-talk-listen_P1_flowchart-v1.svg"'
    )
    assert "Coach the TAs" in html.unescape(svg.get_data(as_text=True))
    png = client.get(drawn["png"])
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.data.startswith(b"\x89PNG\r\n\x1a\n") and len(png.data) > 5000
    assert png.headers["Content-Disposition"].endswith('_flowchart-v1.png"')


def test_drawings_are_cached_by_their_source(app, client, drawn):
    cache = Path(app.config["RENDER_CACHE_DIR"])
    first = client.get(drawn["svg"]).data
    files = sorted(p for p in cache.rglob("*") if p.is_file())
    assert files, "the drawing was not cached"
    assert client.get(drawn["svg"]).data == first
    assert sorted(p for p in cache.rglob("*") if p.is_file()) == files


def test_a_setting_with_nothing_mapped_has_no_download(client, make_setting, drawn):
    empty = make_setting(project=drawn["setting"].project, code="E1")
    base = f"/studies/{empty.project_id}/settings/{empty.id}/flowchart"
    assert "Download this flowchart" not in client.get(base).get_data(as_text=True)
    assert client.get(base + ".svg").status_code == 404


def test_a_chart_graphviz_cannot_draw_is_explained_and_the_text_version_stays(app, client, drawn):
    app.config["DOT_MAX_SOURCE_BYTES"] = 100  # any real chart is bigger than this
    response = client.get(drawn["show"])
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "The drawing could not be made" in page
    assert "Coach the TAs" in page.split('id="text-version-heading"')[1]
    download = client.get(drawn["png"])
    assert download.status_code == 503 and download.get_data(as_text=True)


def test_viewing_and_downloading_change_nothing(client, drawn):
    version = flowcharts.latest_version(db.session, drawn["setting"])
    assert version is not None
    before = (version.number, len(version.steps), len(version.links), version.frozen_at)
    for url in (drawn["show"], drawn["svg"], drawn["png"]):
        client.get(url)
    db.session.expire_all()
    after = flowcharts.latest_version(db.session, drawn["setting"])
    assert after is not None
    assert (after.number, len(after.steps), len(after.links), after.frozen_at) == before


def test_non_members_cannot_download(client, auth, make_user, drawn):
    auth.login(make_user())
    assert client.get(drawn["svg"]).status_code == 404
    assert client.get(drawn["png"]).status_code == 404
