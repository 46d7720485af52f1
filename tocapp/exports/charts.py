"""Charts drawn for print: inline SVG parts for PDF pages, 300 dpi PNG parts for Word.

Drawing goes through a ``DrawChart`` callable, so the web layer can pass its render cache and
Graphviz limits while tests and the benchmark draw directly. A chart that cannot be drawn does
not stop the export: the document says so, and its text version still carries everything.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tocapp.domain.theory import Flowchart
from tocapp.exports.chart_pages import DEFAULT_PAPERS, PagePlan, plan_pages
from tocapp.exports.model import ChartFigure
from tocapp.render import Annotations, RenderError, render_flowchart, svg_for_inline
from tocapp.render.svg_inline import SVG_NS

PRINT_DPI = 300
DrawChart = Callable[[Flowchart, str, Annotations | None, int | None], bytes]

_SVG = f"{{{SVG_NS}}}"
_NUMBER_PAIR = re.compile(r"(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)")
_TRANSLATE = re.compile(r"translate\(\s*(-?[\d.]+)[\s,]+(-?[\d.]+)\s*\)")
_SLACK = 20.0  # points: keep shapes just outside a part, so arrows run off its edges
_LANE_LABEL_KEEP = 40.0  # points below a lane's name that a page cut may not fall in


def draw_directly(
    chart: Flowchart, fmt: str, annotations: Annotations | None, dpi: int | None
) -> bytes:
    """Draw without a cache (tests, the benchmark, the command line)."""
    return render_flowchart(chart, fmt, dpi=dpi, annotations=annotations)


@dataclass(frozen=True)
class ChartGeometry:
    """The drawing's size in points and the vertical bands a page cut must not cross."""

    width: float
    height: float
    occupied: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class ChartPart:
    """One page's share of a chart, and its size on the page in points."""

    number: int
    count: int
    width_pt: float
    height_pt: float
    svg: str = ""  # inline SVG, already XML-escaped by ElementTree
    png: bytes = b""

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


def chart_geometry(svg: bytes) -> ChartGeometry:
    """Size and occupied bands of a Graphviz SVG, in its viewBox units (points)."""
    root = ET.fromstring(svg)
    _, _, width, height = (float(v) for v in root.get("viewBox", "0 0 0 0").split())
    graph = next(root.iter(f"{_SVG}g"), None)
    shift = _shift(graph) if graph is not None else 0.0
    bands: list[tuple[float, float]] = []
    for group in root.iter(f"{_SVG}g"):
        classes = set(group.get("class", "").split())
        if "node" in classes:
            for shape in group.iter():
                if shape.tag in (f"{_SVG}polygon", f"{_SVG}path"):
                    ys = [float(y) for _, y in _NUMBER_PAIR.findall(_points(shape))]
                    if ys:
                        bands.append((min(ys) + shift, max(ys) + shift))
        if classes & {"node", "edge"}:
            bands += [_text_band(text, shift) for text in group.iter(f"{_SVG}text")]
        elif "cluster" in classes:
            # A lane's name stays on the page of the lane's first boxes, never alone at a foot.
            bands += [
                (top, bottom + _LANE_LABEL_KEEP)
                for top, bottom in (_text_band(t, shift) for t in group.iter(f"{_SVG}text"))
            ]
    return ChartGeometry(width, height, tuple(bands))


def _shift(graph: ET.Element) -> float:
    """Graphviz draws at negative y and translates down; our bands are in viewBox units."""
    match = _TRANSLATE.search(graph.get("transform", ""))
    return float(match.group(2)) if match else 0.0


def _points(shape: ET.Element) -> str:
    return shape.get("points") or shape.get("d") or ""


def _text_band(text: ET.Element, shift: float) -> tuple[float, float]:
    baseline = float(text.get("y", "0")) + shift
    size = float(text.get("font-size", "10"))
    return (baseline - 0.85 * size, baseline + 0.3 * size)


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
        plan = plan_pages(geometry.width, geometry.height, geometry.occupied, papers)
        parts = tuple(
            ChartPart(
                number,
                len(plan.slices),
                geometry.width * plan.scale,
                (bottom - top) * plan.scale,
                svg=_inline(
                    _sliced(svg, geometry.width, top, bottom),
                    figure.caption + (f", part {number}" if plan.is_split else ""),
                    f"{id_prefix}p{number}-",
                ),
            )
            for number, (top, bottom) in enumerate(plan.slices, start=1)
        )
    except (RenderError, ET.ParseError, ValueError) as error:
        return DrawnFigure(figure, None, (), _problem(error))
    return DrawnFigure(figure, plan, parts)


def _sliced(svg: bytes, width: float, top: float, bottom: float) -> bytes:
    """The drawing cut to the band from ``top`` to ``bottom``: a new viewBox, and only the
    shapes that reach into the band (drawing every shape of a long chart on each of its pages
    would multiply the work of laying it out)."""
    root = ET.fromstring(svg)
    root.set("viewBox", f"0 {top:.2f} {width:.2f} {bottom - top:.2f}")
    graph = next(root.iter(f"{_SVG}g"), None)
    if graph is not None:
        shift = _shift(graph)
        for child in list(graph):
            extent = _extent(child, shift)
            if extent is not None and (extent[1] < top - _SLACK or extent[0] > bottom + _SLACK):
                graph.remove(child)
    return ET.tostring(root)


def _extent(element: ET.Element, shift: float) -> tuple[float, float] | None:
    """The vertical extent of everything drawn in an element, or None if it draws nothing."""
    ys: list[float] = []
    for shape in element.iter():
        if shape.tag == f"{_SVG}text":
            ys += _text_band(shape, shift)
        else:
            ys += [float(y) + shift for _, y in _NUMBER_PAIR.findall(_points(shape))]
    return (min(ys), max(ys)) if ys else None


def png_figure(
    figure: ChartFigure, draw: DrawChart, *, papers: Sequence[str] = DEFAULT_PAPERS
) -> DrawnFigure:
    """The chart as print-resolution PNG parts, cut where the PDF's parts are cut."""
    try:
        geometry = chart_geometry(draw(figure.chart, "svg", figure.annotations, None))
        png = draw(figure.chart, "png", figure.annotations, PRINT_DPI)
    except (RenderError, ET.ParseError, ValueError) as error:
        return DrawnFigure(figure, None, (), _problem(error))
    plan = plan_pages(geometry.width, geometry.height, geometry.occupied, papers)
    images = _crop_png(png, geometry.height, plan.slices) if plan.is_split else [png]
    parts = tuple(
        ChartPart(
            number,
            len(plan.slices),
            geometry.width * plan.scale,
            (bottom - top) * plan.scale,
            png=image,
        )
        for number, ((top, bottom), image) in enumerate(zip(plan.slices, images, strict=True), 1)
    )
    return DrawnFigure(figure, plan, parts)


def _crop_png(png: bytes, height: float, slices: Sequence[tuple[float, float]]) -> list[bytes]:
    from PIL import Image  # Pillow comes with WeasyPrint; only split charts need it

    with Image.open(io.BytesIO(png)) as image:
        pixels_per_point = image.height / height
        parts = []
        for top, bottom in slices:
            box = (0, round(top * pixels_per_point), image.width, round(bottom * pixels_per_point))
            out = io.BytesIO()
            image.crop(box).save(out, format="PNG", dpi=(PRINT_DPI, PRINT_DPI))
            parts.append(out.getvalue())
    return parts


def _inline(svg: bytes, title: str, id_prefix: str) -> str:
    inline = svg_for_inline(svg, title, id_prefix=id_prefix)
    if not inline.startswith("<svg"):
        raise RenderError("The chart could not be prepared for print.", inline[:80])
    return inline


def _problem(error: Exception) -> str:
    return f"The chart could not be drawn ({error}). The text version has everything it shows."
