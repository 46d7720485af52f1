"""The flowchart page's study-dependent HTML — breadcrumbs, chart, text version, what changed,
versions — kept rendered.

What it shows depends only on the study's data, so it is kept in the render cache under a key
that costs one indexed statement: the study's revision (``services.study_revision``, its audit
chain's length and head), the setting, the version asked for, whether the reader may change the
map, and the application's code. A repeat view reads one file: it loads no study, versions, steps
or arrows, builds no chart, lays out nothing and renders no template but the page around it. A
change anywhere in the study is a new revision, so a new key; a withdrawal and a study's erasure
empty the render cache as before.

A body whose drawing failed (Graphviz too slow or refused) is not kept, so it is tried again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from flask import Response, render_template, request
from markupsafe import Markup
from sqlalchemy.orm import Session

from tocapp.models import Setting
from tocapp.render.drawing_key import code_fingerprint, content_key
from tocapp.services.flowchart_page import flowchart_page
from tocapp.services.study_revision import study_revision
from tocapp.web import chart_images
from tocapp.web.interviews import study_trail

BODY_TEMPLATE = "flowcharts/_version_body.html"
BREADCRUMBS_TEMPLATE = "flowcharts/_breadcrumbs.html"
# Between the two parts in the kept file. Jinja escapes every "<" of user text, so the
# breadcrumbs, written first, cannot contain it.
_SEPARATOR = b"\n<!-- flowchart body -->\n"
# Where the page around the body puts it: a comment nobody can type (random per process).
_BODY_MARK = f"<!-- kept body {secrets.token_hex(12)} -->"


@dataclass(frozen=True)
class KeptPage:
    """The page's HTML that its study decides, and the key it is kept under. The body stays
    UTF-8 bytes from file to response: decoding and encoding again half a megabyte of a big
    chart's page cost more than everything else the page does."""

    breadcrumbs: Markup
    body: bytes
    key: str
    kept: bool = True  # False for a body whose drawing failed: not kept, tried again next time


def page_with_body(template: str, kept: KeptPage, **context: Any) -> Response:
    """``template`` rendered with ``kept.breadcrumbs`` and, as ``body``, the kept body."""
    page = render_template(template, kept=kept, body=Markup(_BODY_MARK), **context)
    before, mark, after = page.encode("utf-8").partition(_BODY_MARK.encode())
    if not mark:
        raise ValueError(f"{template} does not place the body")
    return Response(before + kept.body + after, mimetype="text/html")


def flowchart_body(
    session: Session, setting: Setting, number: int | None, can_record: bool, key: str
) -> KeptPage:
    """The breadcrumbs and body of version ``number`` (the latest when None) of the setting's
    chart, from the cache under ``key`` (``page_key``) when the study has not changed;
    NotFoundError for a version the setting lacks."""
    cache = chart_images.render_cache()
    cached = cache.read(key, "page.html")
    if cached is not None:
        crumbs, _, body = cached.partition(_SEPARATOR)
        # Both rendered by Jinja with autoescaping below, so they are safe to place as markup.
        return KeptPage(Markup(crumbs.decode("utf-8")), body, key)
    page = flowchart_page(session, setting, number)
    chart = page.chart
    drawing = None
    outline: Markup | str = ""
    pending = None
    if chart is not None and chart.steps:
        pending = chart_images.start_inline_chart(chart, chart.title)
        # While Graphviz draws in its own process, this one writes the text version.
        outline = chart_images.outline_html(chart)
    crumbs = render_template(
        BREADCRUMBS_TEMPLATE, trail=study_trail(setting.project, setting) + [("Flowchart", None)]
    )
    if pending is not None:
        drawing = pending.result()
    html = render_template(
        BODY_TEMPLATE,
        setting=setting,
        version=page.version,
        can_record=can_record,
        drawing=drawing,
        outline=outline,
        history=page.history,
        shown_at=page.shown_at,
        changes=page.changes,
    )
    body = html.encode("utf-8")
    keep = drawing is None or drawing.svg is not None
    if keep:
        cache.write(key, "page.html", crumbs.encode("utf-8") + _SEPARATOR + body)
    return KeptPage(Markup(crumbs), body, key, keep)


def page_key(session: Session, setting: Setting, number: int | None, can_record: bool) -> str:
    """What the kept HTML is filed under: one indexed statement (the study's revision)."""
    return content_key(
        "flowchart-page",
        code_fingerprint(),
        request.script_root,
        setting.id,
        number,
        can_record,
        study_revision(session, setting.project_id),
    )
