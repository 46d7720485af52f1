"""Charts drawn for Word: print-resolution PNG parts, cut where the PDF's parts are cut and drawn
with the same connectors (naming parts, as Word numbers its own pages), repeated headers, lanes'
names and dashed cut edges (Pillow, from chart_connectors).
"""

from __future__ import annotations

import io
import math
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tocapp.exports.chart_bands import band_lines, lane_names, top_band
from tocapp.exports.chart_connectors import CONNECTOR_FONT_SIZE, LINE, Connector, Point, Rect
from tocapp.exports.chart_geometry import ChartGeometry, chart_geometry
from tocapp.exports.chart_pages import DEFAULT_PAPERS
from tocapp.exports.charts import (
    INK,
    PRINT_DPI,
    ChartPart,
    DrawChart,
    DrawnFigure,
    cut_lines,
    drawn_rect,
    figure_problem,
    part_rects,
    plan_parts,
)
from tocapp.exports.model import ChartFigure
from tocapp.render import RenderError

if TYPE_CHECKING:
    from PIL import Image, ImageDraw, ImageFont

PNG_PIXEL_BUDGET = 40_000_000
_FONTS = Path(__file__).resolve().parents[1] / "static" / "fonts"


def png_figure(
    figure: ChartFigure, draw: DrawChart, *, papers: Sequence[str] = DEFAULT_PAPERS
) -> DrawnFigure:
    """The chart as print-resolution PNG parts, cut where the PDF's parts are cut, with the same
    connectors."""
    try:
        geometry = chart_geometry(draw(figure.chart, "svg", figure.annotations, None))
        png = draw(figure.chart, "png", figure.annotations, _png_dpi(geometry))
    except (RenderError, ET.ParseError, ValueError) as error:
        return DrawnFigure(figure, None, (), figure_problem(error))
    plan, connectors, rooms = plan_parts(geometry, papers)
    rects = part_rects(plan, geometry)
    parts = []
    for number, (rect, ends, room) in enumerate(zip(rects, connectors, rooms, strict=True), 1):
        drawn = drawn_rect(rect, room)
        image = _png_part(png, geometry, rect, drawn, ends) if plan.is_split else png
        parts.append(
            ChartPart(
                number,
                len(rects),
                (drawn[2] - drawn[0]) * plan.scale,
                (drawn[3] - drawn[1]) * plan.scale,
                png=image,
                connectors=tuple(ends),
            )
        )
    return DrawnFigure(figure, plan, tuple(parts))


def _png_dpi(geometry: ChartGeometry) -> int:
    """300 dpi, or less for a big chart: Graphviz takes over 20 s to draw 80 million pixels on a
    busy machine, and Pillow refuses to open an image much bigger (an 80-step chart gets ~200 dpi,
    ~240 on paper)."""
    limit = PNG_PIXEL_BUDGET
    square_inches = geometry.width * geometry.height / 72**2
    return min(PRINT_DPI, int((limit / square_inches) ** 0.5))


def _png_part(
    png: bytes, geometry: ChartGeometry, rect: Rect, drawn: Rect, connectors: Sequence[Connector]
) -> bytes:
    """One part of the PNG, drawn like the SVG part: the crop, white room, dashed cut edges,
    connectors and lanes' names."""
    from PIL import Image, ImageDraw, ImageFont

    with Image.open(io.BytesIO(png)) as whole:
        scale = whole.width / geometry.width
        left, top = drawn[0], drawn[1]

        def px(point: Point) -> tuple[float, float]:
            return ((point[0] - left) * scale, (point[1] - top) * scale)

        size = (round((drawn[2] - left) * scale), round((drawn[3] - top) * scale))
        image = Image.new("RGB", size, "white")
        crop = (
            round(rect[0] * scale),
            round(rect[1] * scale),
            round(rect[2] * scale),
            round(rect[3] * scale),
        )
        image.paste(
            whole.convert("RGB").crop(crop),
            (crop[0] - round(left * scale), crop[1] - round(top * scale)),
        )
    pen = ImageDraw.Draw(image)

    def font(bold: bool, size: float = CONNECTOR_FONT_SIZE) -> ImageFont.FreeTypeFont:
        name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
        return ImageFont.truetype(str(_FONTS / name), round(size * scale))

    fonts = {bold: font(bold) for bold in (False, True)}
    for start, end in cut_lines(rect, geometry):
        _dashed(pen, px(start), px(end), scale)
    for at, text, font_size, where in band_lines(rect, drawn, top_band(rect, geometry)):
        anchor = {"middle": "ms", "start": "ls", "end": "rs"}[where]
        pen.text(px(at), text, fill="#1a1a1a", font=font(True, font_size), anchor=anchor)
    for name, y in lane_names(rect, geometry):
        pen.text(px((rect[0] + 4, y)), name, fill="#1a1a1a", font=fonts[True], anchor="ls")
    for connector in connectors:
        pen.line([px(p) for p in connector.leader], fill=INK, width=max(1, round(1.1 * scale)))
        if connector.turned:
            _turned_words(image, connector, px, fonts[False])
            continue
        anchor = {"start": "ls", "middle": "ms", "end": "rs"}[connector.anchor]
        for row, line in enumerate(connector.lines):
            at = px((connector.baseline[0], connector.baseline[1] + row * LINE))
            pen.text(at, line, fill="#1a1a1a", font=fonts[False], anchor=anchor)
    out = io.BytesIO()
    dpi = round(scale * 72)
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def _turned_words(
    image: Image.Image,
    connector: Connector,
    px: Callable[[Point], tuple[float, float]],
    font: ImageFont.FreeTypeFont,
) -> None:
    """A connector's line turned to read up the page, in its box."""
    from PIL import Image, ImageDraw

    (text,) = connector.lines
    left, top, right, bottom = font.getbbox(text, anchor="ls")
    upright = Image.new("L", (math.ceil(right - left) + 2, math.ceil(bottom - top) + 2), 0)
    ImageDraw.Draw(upright).text((1 - left, 1 - top), text, fill=255, font=font, anchor="ls")
    turned = upright.rotate(90, expand=True)
    (x0, y0), (x1, y1) = px(connector.box[:2]), px(connector.box[2:])
    x = round((x0 + x1 - turned.width) / 2)
    # On a top edge the words start at the box's foot; on a bottom edge they end at its head.
    y = round(y1 - turned.height) if connector.anchor == "start" else round(y0)
    image.paste(Image.new("RGB", turned.size, "#1a1a1a"), (x, y), turned)


def _dashed(pen: ImageDraw.ImageDraw, start: Point, end: Point, scale: float) -> None:
    (x0, y0), (x1, y1) = start, end
    length = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
    dash, gap = 4 * scale, 3 * scale
    position = 0.0
    while position < length:
        a, b = position / length, min(position + dash, length) / length
        pen.line(
            [(x0 + a * (x1 - x0), y0 + a * (y1 - y0)), (x0 + b * (x1 - x0), y0 + b * (y1 - y0))],
            fill=INK,
            width=max(1, round(0.8 * scale)),
        )
        position += dash + gap
