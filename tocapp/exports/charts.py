"""Charts drawn for print: inline SVG parts for PDF pages (PNG parts for Word: chart_png).

Drawing goes through a ``DrawChart`` callable, so the web layer can pass its render cache and
Graphviz limits while tests and the benchmark draw directly. A chart that cannot be drawn does
not stop the export: the document says so, and its text version still carries everything.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tocapp.domain.theory import Flowchart
from tocapp.exports.chart_bands import band_lines, lane_names, top_band
from tocapp.exports.chart_connectors import (
    CONNECTOR_FONT_SIZE,
    LINE,
    Connector,
    Point,
    Rect,
    Rooms,
    page_connectors,
)
from tocapp.exports.chart_geometry import ChartGeometry, chart_geometry, element_extent, graph_shift
from tocapp.exports.chart_pages import DEFAULT_PAPERS, PagePlan, plan_pages
from tocapp.exports.model import ChartFigure
from tocapp.exports.right_to_left import chart_as_seen
from tocapp.render import Annotations, RenderError, render_flowchart, svg_for_inline
from tocapp.render.svg_inline import SVG_NS

PRINT_DPI = 300  # Word's PNG parts (chart_png), at most
DrawChart = Callable[[Flowchart, str, Annotations | None, int | None], bytes]

_SVG = f"{{{SVG_NS}}}"
_SLACK = 20.0  # points: keep shapes just outside a part, so arrows run off its edges
_PLAN_ROUNDS = 4  # of planning the cuts and then the room their connectors need
INK = "#3d3d3d"  # the arrows' colour


def draw_directly(
    chart: Flowchart, fmt: str, annotations: Annotations | None, dpi: int | None
) -> bytes:
    """Draw without a cache (tests, the benchmark, the command line)."""
    return render_flowchart(chart, fmt, dpi=dpi, annotations=annotations)


@dataclass(frozen=True)
class ConnectorWords:
    """A connector's words as they lie over its part on the page: the box (points from the
    part's top left) and the lines, each as words and the part whose page number follows
    them (0: none), which the PDF fills in once its pages are laid out."""

    left: float
    top: float
    width: float
    height: float
    align: str  # CSS text-align
    turned: bool  # read up the page: the box is drawn upright and turned about its centre
    font_pt: float
    line_pt: float
    pieces: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class ChartPart:
    """One page's share of a chart, and its size on the page in points."""

    number: int
    count: int
    width_pt: float
    height_pt: float
    svg: str = ""  # inline SVG, already XML-escaped by ElementTree
    png: bytes = b""
    connectors: tuple[Connector, ...] = ()
    words: tuple[ConnectorWords, ...] = ()  # the connectors' words, for the PDF to print
    anchor: str = ""  # the HTML id of the part's page, which connectors' page numbers follow

    @property
    def label(self) -> str:
        if self.count == 1:
            return ""
        return f"part {self.number} of {self.count}"


@dataclass(frozen=True)
class DrawnFigure:
    figure: ChartFigure
    plan: PagePlan | None
    parts: tuple[ChartPart, ...]
    problem: str = ""


def plan_parts(
    geometry: ChartGeometry, papers: Sequence[str]
) -> tuple[PagePlan, list[list[Connector]], list[Rooms]]:
    """The page plan, each part's connectors and the room they take beyond its cut edges.

    The cuts are planned with the same room on every cut edge; once the connectors are placed,
    each part keeps only the room its own need, and the plan is made again if a part's two
    edges need more between them than was kept.
    """
    room = (0.0, 0.0)
    for _ in range(_PLAN_ROUNDS):
        plan = plan_pages(
            geometry.width,
            geometry.height,
            geometry.occupied,
            papers,
            boxes=geometry.boxes,
            room=room,
        )
        if not plan.is_split:
            return plan, [[]], [{}]
        rects = part_rects(plan, geometry)
        connectors, rooms = page_connectors(rects, dict(geometry.steps), geometry.arrows)
        for rect, part_rooms in zip(rects, rooms, strict=True):
            band = top_band(rect, geometry)
            if band.height:
                part_rooms["top"] = part_rooms.get("top", 0.0) + band.height
        needed = (
            max((r.get("left", 0.0) + r.get("right", 0.0)) / 2 for r in rooms),
            max((r.get("top", 0.0) + r.get("bottom", 0.0)) / 2 for r in rooms),
        )
        if needed[0] <= room[0] and needed[1] <= room[1]:
            break
        room = (max(room[0], needed[0]), max(room[1], needed[1]))
    return plan, connectors, rooms


def part_rects(plan: PagePlan, geometry: ChartGeometry) -> list[Rect]:
    return [(x[0], y[0], min(x[1], geometry.width), y[1]) for x, y in plan.pages]


def drawn_rect(rect: Rect, rooms: Rooms) -> Rect:
    """A part's rectangle with its connectors' room beyond its cut edges."""
    left, top, right, bottom = rect
    return (
        left - rooms.get("left", 0.0),
        top - rooms.get("top", 0.0),
        right + rooms.get("right", 0.0),
        bottom + rooms.get("bottom", 0.0),
    )


def svg_figure(
    figure: ChartFigure,
    draw: DrawChart,
    *,
    papers: Sequence[str] = DEFAULT_PAPERS,
    id_prefix: str = "",
) -> DrawnFigure:
    """The chart as inline SVG parts, one per page of its plan."""
    try:
        svg = draw(figure.chart, "svg", figure.annotations, None)
        geometry = chart_geometry(svg)
        plan, connectors, rooms = plan_parts(geometry, papers)
        parts = []
        for number, (rect, ends, room) in enumerate(
            zip(part_rects(plan, geometry), connectors, rooms, strict=True), start=1
        ):
            drawn = drawn_rect(rect, room)
            title = figure.caption + (f", part {number}" if plan.is_split else "")
            prefix = f"{id_prefix}p{number}-"
            part_svg = _part_svg(svg, geometry, rect, drawn, ends, prefix) if plan.is_split else svg
            parts.append(
                ChartPart(
                    number,
                    len(connectors),
                    (drawn[2] - drawn[0]) * plan.scale,
                    (drawn[3] - drawn[1]) * plan.scale,
                    svg=_inline(part_svg, title, prefix),
                    connectors=tuple(ends),
                    words=tuple(_words(c, drawn, plan.scale) for c in ends),
                    anchor=f"{id_prefix}part-{number}",
                )
            )
    except (RenderError, ET.ParseError, ValueError) as error:
        return DrawnFigure(figure, None, (), figure_problem(error))
    return DrawnFigure(figure, plan, tuple(parts))


def _words(connector: Connector, drawn: Rect, scale: float) -> ConnectorWords:
    left, top, right, bottom = connector.box
    if connector.turned:  # upright, the same centre, to be turned a quarter to the left
        middle, centre = (left + right) / 2, (top + bottom) / 2
        half_long, half_line = (bottom - top) / 2, (right - left) / 2
        left, right = middle - half_long, middle + half_long
        top, bottom = centre - half_line, centre + half_line
    align = {"start": "left", "middle": "center", "end": "right"}[connector.anchor]
    return ConnectorWords(
        (left - drawn[0]) * scale,
        (top - drawn[1]) * scale,
        (right - left) * scale,
        (bottom - top) * scale,
        align,
        connector.turned,
        CONNECTOR_FONT_SIZE * scale,
        LINE * scale,
        connector.pieces("page"),
    )


def _part_svg(
    svg: bytes,
    geometry: ChartGeometry,
    rect: Rect,
    drawn: Rect,
    connectors: Sequence[Connector],
    id_prefix: str,
) -> bytes:
    """The drawing cut to one part: a new viewBox, only the shapes that reach into the part
    (drawing every shape of a long chart on each of its pages would multiply the work of laying
    it out), white room beyond each cut edge with a dashed line along it, the connectors, and
    the theme columns' headers above a part below them, and the lanes' names on a part that does
    not show them. The connectors' words are laid over the part by the PDF (``ChartPart.words``),
    which numbers its pages."""
    root = ET.fromstring(svg)
    left, top, right, bottom = drawn
    root.set("viewBox", f"{left:.2f} {top:.2f} {right - left:.2f} {bottom - top:.2f}")
    graph = next(root.iter(f"{_SVG}g"), None)
    if graph is not None:
        shift = graph_shift(graph)
        for child in list(graph):
            extent = element_extent(child, shift)
            # Arrows run on past the part's edges; a box or lane beyond them is left out, so
            # that no step's words are in the page's text where the step cannot be seen.
            slack = _SLACK if "edge" in child.get("class", "").split() else 0.0
            if extent is not None and not _reaches(extent, rect, slack):
                graph.remove(child)
        # WeasyPrint draws past a viewBox: clip the drawing to the part (svg_for_inline puts
        # the prefix before the clip's id, so the reference carries it already).
        clip = ET.Element(f"{_SVG}clipPath", {"id": "part-clip"})
        ET.SubElement(clip, f"{_SVG}rect", _rect_attributes(_local(rect, shift), fill="white"))
        root.insert(0, clip)
        graph.set("clip-path", f"url(#{id_prefix}part-clip)")
    overlay = ET.SubElement(root, f"{_SVG}g", {"class": "part-edges"})
    for band in _bands(rect, drawn):
        ET.SubElement(overlay, f"{_SVG}rect", _rect_attributes(band, fill="white"))
    for (x0, y0), (x1, y1) in cut_lines(rect, geometry):
        ET.SubElement(overlay, f"{_SVG}line", _line_attributes((x0, y0, x1, y1), dashed=True))
    for at, text, size, anchor in band_lines(rect, drawn, top_band(rect, geometry)):
        _svg_text(overlay, at, text, bold=True, anchor=anchor, size=size)
    for name, y in lane_names(rect, geometry):
        _svg_text(overlay, (rect[0] + 4, y), name, bold=True, anchor="start")
    for connector in connectors:
        (x0, y0), (x1, y1) = connector.leader
        ET.SubElement(overlay, f"{_SVG}line", _line_attributes((x0, y0, x1, y1), dashed=False))
    return ET.tostring(root)


def _local(rect: Rect, shift: Point) -> Rect:
    """A rectangle in the graph's own units (inside its translate)."""
    return (rect[0] - shift[0], rect[1] - shift[1], rect[2] - shift[0], rect[3] - shift[1])


def _reaches(extent: Rect, rect: Rect, slack: float) -> bool:
    return not (
        extent[3] < rect[1] - slack
        or extent[1] > rect[3] + slack
        or extent[2] < rect[0] - slack
        or extent[0] > rect[2] + slack
    )


def _bands(rect: Rect, drawn: Rect) -> list[Rect]:
    """The room beyond a part's cut edges, which the cut shapes must not show through."""
    left, top, right, bottom = rect
    d_left, d_top, d_right, d_bottom = drawn
    bands = [
        (d_left, d_top, d_right, top),
        (d_left, bottom, d_right, d_bottom),
        (d_left, d_top, left, d_bottom),
        (right, d_top, d_right, d_bottom),
    ]
    return [b for b in bands if b[2] - b[0] > 0.01 and b[3] - b[1] > 0.01]


def cut_lines(rect: Rect, geometry: ChartGeometry) -> list[tuple[Point, Point]]:
    left, top, right, bottom = rect
    lines = []
    if top > 0:
        lines.append(((left, top), (right, top)))
    if bottom < geometry.height:
        lines.append(((left, bottom), (right, bottom)))
    if left > 0:
        lines.append(((left, top), (left, bottom)))
    if right < geometry.width:
        lines.append(((right, top), (right, bottom)))
    return lines


def _rect_attributes(rect: Rect, fill: str) -> dict[str, str]:
    left, top, right, bottom = rect
    return {
        "x": f"{left:.2f}",
        "y": f"{top:.2f}",
        "width": f"{right - left:.2f}",
        "height": f"{bottom - top:.2f}",
        "fill": fill,
        "stroke": "none",
    }


def _line_attributes(line: Rect, *, dashed: bool) -> dict[str, str]:
    attributes = dict(zip(("x1", "y1", "x2", "y2"), (f"{v:.2f}" for v in line), strict=True))
    attributes |= {"stroke": INK, "stroke-width": "0.8" if dashed else "1.1"}
    if dashed:
        attributes["stroke-dasharray"] = "4 3"
    return attributes


def _svg_text(
    parent: ET.Element,
    at: Point,
    text: str,
    *,
    bold: bool,
    anchor: str,
    size: float = CONNECTOR_FONT_SIZE,
) -> None:
    element = ET.SubElement(
        parent,
        f"{_SVG}text",
        {
            "x": f"{at[0]:.2f}",
            "y": f"{at[1]:.2f}",
            "text-anchor": anchor,
            "font-family": "DejaVu Sans Bold" if bold else "DejaVu Sans",
            "font-size": f"{size:.2f}",
            "fill": "#1a1a1a",
        },
    )
    element.text = text


def _inline(svg: bytes, title: str, id_prefix: str) -> str:
    inline = svg_for_inline(chart_as_seen(svg), title, id_prefix=id_prefix)
    if not inline.startswith("<svg"):
        raise RenderError("The chart could not be prepared for print.", inline[:80])
    return inline


def figure_problem(error: Exception) -> str:
    return f"The chart could not be drawn ({error}). The text version has everything it shows."
