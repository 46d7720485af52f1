"""Drawn flowcharts for pages and downloads, through the render cache configured for the app.

The render package knows nothing of Flask; this is where its cache directory and Graphviz limits
come from the configuration, and where a failed drawing becomes a message on the page.

Drawings are cached by the data they show (``render.drawing_key``): a page that has its chart and
annotations in hand finds its finished, ready-to-inline SVG with one file read — no layout, no
Graphviz, no XML parsing.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, g, has_request_context, render_template, request
from markupsafe import Markup

from tocapp.domain.outline import build_outline
from tocapp.domain.theory import Flowchart
from tocapp.render import (
    Annotations,
    RenderCache,
    RenderError,
    flowchart_to_dot,
    render_dot,
    svg_for_inline,
)
from tocapp.render.drawing_key import content_key, drawing_key
from tocapp.render.render_cache import Stamp, emptied_stamp, noted_stamp
from tocapp.web.acting import audit_later

log = logging.getLogger(__name__)

MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


@dataclass(frozen=True)
class InlineChart:
    """The SVG to put in a page, or the reason there is none (the text version still works)."""

    svg: str | None
    problem: str | None = None


def note_cache_stamp() -> None:
    """Before a request reads anything: which emptying of the render cache it has seen, so that
    a drawing of what it reads does not stay if a withdrawal empties the cache meanwhile."""
    g.render_cache_stamp = emptied_stamp(current_app.config["RENDER_CACHE_DIR"])


def _request_stamp() -> Stamp | None:
    """The stamp the report job (``stamp_noted``, also when it runs inside a request) or else
    the request began with."""
    noted = noted_stamp()
    if noted is not None:
        return noted
    return g.get("render_cache_stamp") if has_request_context() else None


def render_cache(config: Mapping[str, Any] | None = None) -> RenderCache:
    """The app's render cache, with its limits (``config`` outside a request).

    In a request, what it writes is undone if the cache was emptied after the request began
    (``note_cache_stamp``)."""
    config = current_app.config if config is None else config
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
        since=_request_stamp() if has_request_context() else _request_stamp,
    )


def draw(
    chart: Flowchart, fmt: str, annotations: Annotations | None = None, dpi: int | None = None
) -> bytes:
    """The chart as SVG or PNG bytes, laid out and drawn only when not cached yet."""
    return _draw(render_cache(), chart, fmt, annotations, dpi)


def _draw(
    cache: RenderCache,
    chart: Flowchart,
    fmt: str,
    annotations: Annotations | None = None,
    dpi: int | None = None,
) -> bytes:
    timeout = current_app.config["DOT_TIMEOUT_SECONDS"]
    return cache.get_or_make(
        drawing_key(chart, annotations, fmt, dpi),
        fmt,
        lambda: cache.render(flowchart_to_dot(chart, annotations), fmt, dpi=dpi, timeout=timeout),
    )


def inline_chart(
    chart: Flowchart, title: str, annotations: Annotations | None = None, id_prefix: str = ""
) -> InlineChart:
    """The SVG to put in a page, cached as it goes in the page (its title and ids included)."""
    return start_inline_chart(chart, title, annotations, id_prefix).result()


class PendingChart:
    """An inline chart on its way: Graphviz draws in its own process, waited for by a thread
    (which holds no lock while it waits), while the request goes on with other work such as the
    text version; ``result()`` then finishes it. Found in the cache, it is ready at once."""

    def __init__(
        self,
        ready: InlineChart | None = None,
        *,
        draw: Callable[[], bytes] | None = None,
        finish: Callable[[bytes], InlineChart] | None = None,
        title: str = "",
    ) -> None:
        self._ready = ready
        self._finish = finish
        self._title = title
        self._drawn: bytes | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if draw is not None:
            self._thread = threading.Thread(target=self._wait_for, args=(draw,), daemon=True)
            self._thread.start()

    def _wait_for(self, draw: Callable[[], bytes]) -> None:
        try:
            self._drawn = draw()
        except BaseException as error:  # noqa: BLE001  (raised again in the request's thread)
            self._error = error

    def result(self) -> InlineChart:
        if self._ready is None:
            assert self._thread is not None and self._finish is not None
            self._thread.join()
            try:
                if self._error is not None:
                    raise self._error
                assert self._drawn is not None
                self._ready = self._finish(self._drawn)
            except RenderError as error:
                log.warning("Could not draw %s: %s", self._title, error.detail or error)
                self._ready = InlineChart(None, str(error))
        return self._ready


def start_inline_chart(
    chart: Flowchart, title: str, annotations: Annotations | None = None, id_prefix: str = ""
) -> PendingChart:
    """Like ``inline_chart``, but when the chart must be drawn, Graphviz is started and the
    caller gets on with its work before asking for ``result()``."""
    cache = render_cache()
    key = drawing_key(chart, annotations, "svg", None, "inline", title, id_prefix)
    inline = cache.read(key, "inline.svg")
    if inline is not None:
        return PendingChart(InlineChart(inline.decode("utf-8")))

    def to_inline(svg: bytes) -> InlineChart:
        made = svg_for_inline(svg, title, id_prefix=id_prefix)
        cache.write(key, "inline.svg", made.encode("utf-8"))
        return InlineChart(made)

    svg_key = drawing_key(chart, annotations, "svg", None)
    drawn = cache.read(svg_key, "svg")
    if drawn is not None:
        return PendingChart(to_inline(drawn))

    source = flowchart_to_dot(chart, annotations)  # laid out here, before Graphviz starts
    timeout = current_app.config["DOT_TIMEOUT_SECONDS"]

    def draw_and_keep() -> bytes:  # in the drawing's thread
        svg = cache.render(source, "svg", timeout=timeout)
        cache.write(svg_key, "svg", svg)  # for the downloads
        return svg

    return PendingChart(draw=draw_and_keep, finish=to_inline, title=title)


OUTLINE_TEMPLATE = "flowcharts/_outline.html"


def outline_html(chart: Flowchart) -> Markup:
    """The chart's text version as HTML, kept in the render cache by the chart's data and the
    template's source: at 200 steps, building and rendering it costs more than reading it."""
    environment = current_app.jinja_env
    assert environment.loader is not None
    template_source, _, _ = environment.loader.get_source(environment, OUTLINE_TEMPLATE)

    def make() -> bytes:
        return render_template(OUTLINE_TEMPLATE, outline=build_outline(chart)).encode("utf-8")

    key = content_key("outline-html", template_source, chart)
    # Rendered by Jinja with autoescaping (as the page would), so it is safe to place as markup.
    return Markup(render_cache().get_or_make(key, "outline.html", make).decode("utf-8"))


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
