"""The geometry of a drawn chart, read from Graphviz's SVG: its size, the bands a page cut must not
cross, and the steps, arrows, lanes and column headers a printed part must name. Plain data, in
the SVG's viewBox units (points)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from tocapp.exports.chart_connectors import ChartArrow, Point, Rect
from tocapp.render.svg_inline import SVG_NS
from tocapp.render.text_fit import text_width

_SVG = f"{{{SVG_NS}}}"
_NUMBER_PAIR = re.compile(r"(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)")
_TRANSLATE = re.compile(r"translate\(\s*(-?[\d.]+)[\s,]+(-?[\d.]+)\s*\)")
_LANE_LABEL_KEEP = 40.0  # points below a lane's name that a page cut may not fall in


@dataclass(frozen=True)
class ChartGeometry:
    """The drawing's size in points, what a page cut must not cross (``occupied``: bands down the
    page; ``boxes``: the same with their extent across it), and the steps, arrows and lanes a
    split part must name."""

    width: float
    height: float
    occupied: tuple[tuple[float, float], ...]
    boxes: tuple[Rect, ...] = ()
    steps: tuple[tuple[str, Rect], ...] = ()
    arrows: tuple[ChartArrow, ...] = ()
    lanes: tuple[tuple[str, float, float], ...] = ()  # name, top, bottom
    headers: tuple[tuple[str, float, float], ...] = ()  # theme column: name, centre, bottom


def chart_geometry(svg: bytes) -> ChartGeometry:
    """Size, occupied bands, steps, arrows and lanes of a Graphviz SVG, in viewBox units."""
    root = ET.fromstring(svg)
    _, _, width, height = (float(v) for v in root.get("viewBox", "0 0 0 0").split())
    graph = next(root.iter(f"{_SVG}g"), None)
    shift = graph_shift(graph) if graph is not None else (0.0, 0.0)
    bands: list[tuple[float, float]] = []
    boxes: list[Rect] = []
    names: dict[str, tuple[str, Rect]] = {}  # Graphviz's node name -> reading number, box
    steps: list[tuple[str, Rect]] = []
    lanes: list[tuple[str, float, float]] = []
    headers: list[tuple[str, float, float]] = []
    for group in root.iter(f"{_SVG}g"):
        classes = set(group.get("class", "").split())
        if "theme-header" in classes:
            box = element_extent(group, shift)
            name = " ".join(t.text or "" for t in group.iter(f"{_SVG}text"))
            if box is not None and name:
                headers.append((name, (box[0] + box[2]) / 2, box[3]))
        if "node" in classes:
            for shape in group.iter():
                if shape.tag in (f"{_SVG}polygon", f"{_SVG}path"):
                    box = _bounds(_pairs(shape, shift))
                    if box is not None:
                        bands.append((box[1], box[3]))
                        boxes.append(box)
            box = element_extent(group, shift)
            first = next(group.iter(f"{_SVG}text"), None)
            if "step" in classes and box is not None and first is not None and first.text:
                names[group.findtext(f"{_SVG}title", "")] = (first.text, box)
                steps.append((first.text, box))
        if classes & {"node", "edge"}:
            # The title may run across a cut between columns (each part has a caption), but
            # never be cut across its height.
            titled = "chart-title" in group.get("id", "")
            for text in group.iter(f"{_SVG}text"):
                (top, bottom), (left, right) = _text_band(text, shift), _text_span(text, shift)
                bands.append((top, bottom))
                boxes.append((left, top, left if titled else right, bottom))
        elif "cluster" in classes:
            # A lane's name stays on the page of the lane's first boxes, never alone at a foot.
            texts = list(group.iter(f"{_SVG}text"))
            for text in texts:
                (top, bottom), (left, right) = _text_band(text, shift), _text_span(text, shift)
                bands.append((top, bottom + _LANE_LABEL_KEEP))
                boxes.append((left, top, right, bottom + _LANE_LABEL_KEEP))
            box = element_extent(group, shift)
            if box is not None and texts:
                lanes.append((" ".join(t.text or "" for t in texts), box[1], box[3]))
    arrows = tuple(_arrows(root, shift, names))
    return ChartGeometry(
        width,
        height,
        tuple(bands),
        tuple(boxes),
        tuple(steps),
        arrows,
        tuple(lanes),
        tuple(headers),
    )


def _arrows(root: ET.Element, shift: Point, names: dict[str, tuple[str, Rect]]) -> list[ChartArrow]:
    """Each arrow's path, from its source box's centre to its target box's (the drawn line stops
    at the boxes' edges and the arrowhead), so that it leaves a part where its box does."""
    arrows = []
    for group in root.iter(f"{_SVG}g"):
        if "edge" not in group.get("class", "").split():
            continue
        source, _, target = group.findtext(f"{_SVG}title", "").partition("->")
        path = group.find(f"{_SVG}path")
        if path is None or source not in names or target not in names:
            continue
        start, end = _centre(names[source][1]), _centre(names[target][1])
        points = (start, *_pairs(path, shift), end)
        arrows.append(ChartArrow(names[source][0], names[target][0], points))
    return arrows


def _centre(box: Rect) -> Point:
    return ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


def graph_shift(graph: ET.Element) -> Point:
    """Graphviz draws at negative y and translates down; our bands are in viewBox units."""
    match = _TRANSLATE.search(graph.get("transform", ""))
    return (float(match.group(1)), float(match.group(2))) if match else (0.0, 0.0)


def _points(shape: ET.Element) -> str:
    return shape.get("points") or shape.get("d") or ""


def _pairs(shape: ET.Element, shift: Point) -> list[Point]:
    return [
        (float(x) + shift[0], float(y) + shift[1]) for x, y in _NUMBER_PAIR.findall(_points(shape))
    ]


def _bounds(points: Sequence[Point]) -> Rect | None:
    if not points:
        return None
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return (min(xs), min(ys), max(xs), max(ys))


def _text_band(text: ET.Element, shift: Point) -> tuple[float, float]:
    baseline = float(text.get("y", "0")) + shift[1]
    size = float(text.get("font-size", "10"))
    return (baseline - 0.85 * size, baseline + 0.3 * size)


def _text_span(text: ET.Element, shift: Point) -> tuple[float, float]:
    x = float(text.get("x", "0")) + shift[0]
    width = text_width(text.text or "", float(text.get("font-size", "10")))
    anchor = text.get("text-anchor", "start")
    left = {"middle": x - width / 2, "end": x - width}.get(anchor, x)
    return (left, left + width)


def element_extent(element: ET.Element, shift: Point) -> Rect | None:
    """The extent of everything drawn in an element, or None if it draws nothing."""
    points: list[Point] = []
    for shape in element.iter():
        if shape.tag == f"{_SVG}text":
            (top, bottom), (left, right) = _text_band(shape, shift), _text_span(shape, shift)
            points += [(left, top), (right, bottom)]
        else:
            points += _pairs(shape, shift)
    return _bounds(points)
