"""The flowchart page's body — chart, text version, what changed, versions — kept as HTML.

What the body shows depends only on the study's data, so it is kept in the render cache under a
key that costs one indexed statement: the study's revision (``services.study_revision``, its
audit chain's length and head), the setting, the version asked for, whether the reader may change
the map, and the application's code. A repeat view reads one file: it loads no versions, steps or
arrows, builds no chart, lays out nothing and renders no template but the page around it. A
change anywhere in the study is a new revision, so a new key; a withdrawal and a study's erasure
empty the render cache as before.

A body whose drawing failed (Graphviz too slow or refused) is not kept, so it is tried again.
"""

from __future__ import annotations

from flask import render_template, request
from markupsafe import Markup
from sqlalchemy.orm import Session

from tocapp.models import Setting
from tocapp.render.drawing_key import code_fingerprint, content_key
from tocapp.services.flowchart_page import flowchart_page
from tocapp.services.study_revision import study_revision
from tocapp.web import chart_images

BODY_TEMPLATE = "flowcharts/_version_body.html"


def flowchart_body(
    session: Session, setting: Setting, number: int | None, can_record: bool
) -> Markup:
    """The body of version ``number`` (the latest when None) of the setting's chart, from the
    cache when the study has not changed; NotFoundError for a version the setting lacks."""
    key = content_key(
        "flowchart-page",
        code_fingerprint(),
        request.script_root,
        setting.id,
        number,
        can_record,
        study_revision(session, setting.project_id),
    )
    cache = chart_images.render_cache()
    cached = cache.read(key, "page.html")
    if cached is not None:
        # Rendered by Jinja with autoescaping below, so it is safe to place as markup.
        return Markup(cached.decode("utf-8"))
    page = flowchart_page(session, setting, number)
    chart = page.chart
    drawing = None
    if chart is not None and chart.steps:
        drawing = chart_images.inline_chart(chart, chart.title)
    html = render_template(
        BODY_TEMPLATE,
        setting=setting,
        version=page.version,
        can_record=can_record,
        drawing=drawing,
        outline=chart_images.outline_html(chart) if chart is not None and chart.steps else "",
        history=page.history,
        shown_at=page.shown_at,
        changes=page.changes,
    )
    if drawing is None or drawing.svg is not None:
        cache.write(key, "page.html", html.encode("utf-8"))
    return Markup(html)
