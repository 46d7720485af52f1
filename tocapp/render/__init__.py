"""Flowcharts drawn as DOT, SVG and PNG.

Code here takes domain objects and returns text or bytes: no Flask, no request, no database. User
text reaches Graphviz only through :mod:`tocapp.render.dot_escape`.
"""

from __future__ import annotations

from tocapp.domain.theory import Flowchart
from tocapp.render.annotations import Annotations, LinkDecoration, StepDecoration
from tocapp.render.chart_json import ChartJsonError, flowchart_from_json
from tocapp.render.dot_escape import escape_dot_string
from tocapp.render.flowchart_dot import flowchart_to_dot, link_dom_ids, step_dom_ids
from tocapp.render.graphviz_runner import DEFAULT_TIMEOUT, RenderError, render_dot
from tocapp.render.render_cache import RenderCache
from tocapp.render.svg_inline import svg_for_inline

__all__ = [
    "DEFAULT_TIMEOUT",
    "Annotations",
    "ChartJsonError",
    "LinkDecoration",
    "RenderCache",
    "RenderError",
    "StepDecoration",
    "escape_dot_string",
    "flowchart_from_json",
    "flowchart_to_dot",
    "link_dom_ids",
    "render_dot",
    "render_flowchart",
    "step_dom_ids",
    "svg_for_inline",
]


def render_flowchart(
    chart: Flowchart,
    fmt: str = "svg",
    *,
    cache: RenderCache | None = None,
    dpi: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    annotations: Annotations | None = None,
) -> bytes:
    """Draw a flowchart as SVG or PNG bytes, through the cache when one is given.

    ``annotations`` overlay a return interview's marks and notes (see :mod:`.annotations`).
    """
    source = flowchart_to_dot(chart, annotations)
    if cache is not None:
        return cache.get_or_render(source, fmt, dpi=dpi, timeout=timeout)
    return render_dot(source, fmt, dpi=dpi, timeout=timeout)
