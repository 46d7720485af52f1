"""Drawn flowcharts for pages and downloads, through the render cache configured for the app.

The render package knows nothing of Flask; this is where its cache directory and Graphviz limits
come from the configuration, and where a failed drawing becomes a message on the page.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

from flask import Response, current_app, request

from tocapp.domain.theory import Flowchart
from tocapp.render import (
    Annotations,
    RenderCache,
    RenderError,
    render_dot,
    render_flowchart,
    svg_for_inline,
)
from tocapp.web.acting import audit_later

log = logging.getLogger(__name__)

MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


@dataclass(frozen=True)
class InlineChart:
    """The SVG to put in a page, or the reason there is none (the text version still works)."""

    svg: str | None
    problem: str | None = None


def render_cache() -> RenderCache:
    config = current_app.config
    renderer = functools.partial(
        render_dot,
        max_source_bytes=config["DOT_MAX_SOURCE_BYTES"],
        max_output_bytes=config["DOT_MAX_OUTPUT_BYTES"],
    )
    return RenderCache(
        config["RENDER_CACHE_DIR"],
        renderer=renderer,
        max_bytes=int(config["RENDER_CACHE_MAX_MB"] * 1024 * 1024),
        max_age_days=config["RENDER_CACHE_MAX_DAYS"],
    )


def draw(
    chart: Flowchart, fmt: str, annotations: Annotations | None = None, dpi: int | None = None
) -> bytes:
    return render_flowchart(
        chart,
        fmt,
        cache=render_cache(),
        dpi=dpi,
        timeout=current_app.config["DOT_TIMEOUT_SECONDS"],
        annotations=annotations,
    )


def inline_chart(
    chart: Flowchart, title: str, annotations: Annotations | None = None, id_prefix: str = ""
) -> InlineChart:
    try:
        svg = draw(chart, "svg", annotations)
    except RenderError as error:
        log.warning("Could not draw %s: %s", title, error.detail or error)
        return InlineChart(None, str(error))
    return InlineChart(svg_for_inline(svg, title, id_prefix=id_prefix))


def download(
    chart: Flowchart, fmt: str, filename: str, annotations: Annotations | None = None
) -> Response:
    """The drawing as an attachment; a failed drawing is a plain 503 with the reason."""
    try:
        data = draw(chart, fmt, annotations)
    except RenderError as error:
        log.warning("Could not draw %s: %s", filename, error.detail or error)
        return Response(str(error), status=503, mimetype="text/plain")
    project_id = (request.view_args or {}).get("project_id")
    audit_later("export.download", project_id=project_id, summary=filename)
    response = Response(data, mimetype=MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
