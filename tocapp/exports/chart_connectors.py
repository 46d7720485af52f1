"""Where a split chart's arrows leave a page: numbered connectors on both pages.

An arrow whose two steps print on different parts ends at the cut edge of its source's part with
"→ A7 (part 2)", and starts at the cut edge of its target's part with "S3 → (part 1)"; along a
top or bottom edge the two halves are two lines. The words sit
in the room kept beyond the cut edge, in one row along it (one column beside a side edge) in the
order their arrows reach the edge, each joined to its arrow by a straight leader; keeping the
order means no two leaders cross. Pure geometry in the drawing's units (points): the PDF draws
the result into its SVG parts and Word's PNG parts are drawn with Pillow, from the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tocapp.render.flowchart_layout import STEP_FONT_SIZE
from tocapp.render.text_fit import text_width

Point = tuple[float, float]
Rect = tuple[float, float, float, float]  # left, top, right, bottom

CONNECTOR_FONT_SIZE = STEP_FONT_SIZE  # the steps they name print as large as the steps
CONNECTORS_NOTE = (
    "An arrow cut by the edge of this page ends in the step at its other end and the part that"
    ' step is on: "→ A7 part 2" (or "p. 2") leads to step A7 on part 2 of this chart, "S3 → part 1"'
    " comes from step S3 on part 1."
)
LINE = CONNECTOR_FONT_SIZE * 1.15
EDGE_GAP = 14.0  # from the cut edge to the connectors' words: the leaders' run
LABEL_GAP = 4.0  # between two connectors' words along an edge
WORD_GAP = 2.0  # between a leader's end and its words


@dataclass(frozen=True)
class ChartArrow:
    """An arrow as drawn: the reading numbers of its two steps and its path (drawing units)."""

    source: str
    target: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class Connector:
    """Words at a cut edge (one line per item) and the leader from the arrow's end to them."""

    end: str  # the step at the arrow's other end, with the arrow: "→ A7" or "S3 →"
    part: int  # the part that step is on
    lines: tuple[str, ...]
    leader: tuple[Point, Point]
    baseline: Point  # of the first line; the words start, end or are centred there
    anchor: str  # "start", "middle" or "end", as in SVG
    box: Rect  # the words' extent


Rooms = dict[str, float]  # side -> how far beyond that cut edge a part's connectors reach


def page_connectors(
    pages: Sequence[Rect], steps: Mapping[str, Rect], arrows: Sequence[ChartArrow]
) -> tuple[list[list[Connector]], list[Rooms]]:
    """Each page's connectors, and the room they need beyond each of its cut edges.

    Parts are numbered from 1 in the order of ``pages``; a step belongs to the page holding its
    box's centre.
    """
    home = {number: _page_of(pages, _centre(box)) for number, box in steps.items()}
    wanted: dict[tuple[int, str], list[tuple[float, str, int]]] = {}
    for arrow in arrows:
        source, target = home.get(arrow.source), home.get(arrow.target)
        if source is None or target is None or source == target:
            continue
        leaving = _crossing(arrow.points, pages[source])
        entering = _crossing(tuple(reversed(arrow.points)), pages[target])
        if leaving is not None:
            side, position = leaving
            wanted.setdefault((source, side), []).append(
                (position, f"→ {arrow.target}", target + 1)
            )
        if entering is not None:
            side, position = entering
            wanted.setdefault((target, side), []).append(
                (position, f"{arrow.source} →", source + 1)
            )
    placed: list[list[Connector]] = [[] for _ in pages]
    rooms: list[Rooms] = [{} for _ in pages]
    for (page, side), items in sorted(wanted.items()):
        connectors = _place(side, pages[page], sorted(items))
        placed[page] += connectors
        rooms[page][side] = max(_reach(c.box, side, pages[page]) for c in connectors) + WORD_GAP
    return placed, rooms


def _reach(box: Rect, side: str, page: Rect) -> float:
    return {
        "bottom": box[3] - page[3],
        "top": page[1] - box[1],
        "right": box[2] - page[2],
        "left": page[0] - box[0],
    }[side]


def _centre(box: Rect) -> Point:
    return ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


def _page_of(pages: Sequence[Rect], point: Point) -> int | None:
    for index, page in enumerate(pages):
        if _inside(page, point):
            return index
    return None


def _inside(rect: Rect, point: Point) -> bool:
    return rect[0] <= point[0] <= rect[2] and rect[1] <= point[1] <= rect[3]


def _crossing(points: Sequence[Point], page: Rect) -> tuple[str, float] | None:
    """The side of ``page`` where a path starting on it first leaves it, and where along that
    side (x on the top or bottom, y on the left or right)."""
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if not _inside(page, (x0, y0)) or _inside(page, (x1, y1)):
            continue
        left, top, right, bottom = page
        exits = []
        if x1 < left:
            exits.append(((left - x0) / (x1 - x0), "left"))
        if x1 > right:
            exits.append(((right - x0) / (x1 - x0), "right"))
        if y1 < top:
            exits.append(((top - y0) / (y1 - y0), "top"))
        if y1 > bottom:
            exits.append(((bottom - y0) / (y1 - y0), "bottom"))
        t, side = min(exits)
        x, y = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
        return side, (x if side in ("top", "bottom") else y)
    return None


def _place(side: str, page: Rect, items: Sequence[tuple[float, str, int]]) -> list[Connector]:
    """All of an edge's connectors in one row (top, bottom) or column (left, right), in the
    order their arrows reach the edge and each as near its arrow as the others allow, so the
    straight leaders never cross."""
    size = CONNECTOR_FONT_SIZE
    if side in ("top", "bottom"):
        # Two short lines ("→ A7" over "part 2"), so a row holds many.
        lines = [(end, f"part {part}") for _, end, part in items]
        widths = [max(text_width(line, size) for line in pair) for pair in lines]
        if sum(widths) + LABEL_GAP * len(widths) > page[2] - page[0]:
            # More than a row holds: the short form, "→A7" over "p. 2".
            lines = [(end.replace(" ", ""), f"p. {part}") for _, end, part in items]
            widths = [max(text_width(line, size) for line in pair) for pair in lines]
        centres = spread([p for p, _, _ in items], widths, (page[0], page[2]))
        down = 1 if side == "bottom" else -1
        edge = page[3] if side == "bottom" else page[1]
        near = edge + down * EDGE_GAP
        height = 2 * LINE
        top = near if down > 0 else near - height
        connectors = []
        for (position, end, part), pair, width, centre in zip(
            items, lines, widths, centres, strict=True
        ):
            box = (centre - width / 2, top, centre + width / 2, top + height)
            baseline = (centre, top + 0.8 * size + (LINE - size) / 2)
            leader = ((position, edge), (centre, near - down * WORD_GAP))
            connectors.append(Connector(end, part, pair, leader, baseline, "middle", box))
        return connectors
    # One line each beside a side edge ("→ A7 (part 2)"), so a column holds many.
    texts = [f"{end} (part {part})" for _, end, part in items]
    centres = spread([p for p, _, _ in items], [LINE] * len(items), (page[1], page[3]))
    out = 1 if side == "right" else -1
    edge = page[2] if side == "right" else page[0]
    near = edge + out * EDGE_GAP
    connectors = []
    for (position, end, part), text, centre in zip(items, texts, centres, strict=True):
        width = text_width(text, size)
        left = near if out > 0 else near - width
        box = (left, centre - LINE / 2, left + width, centre + LINE / 2)
        leader = ((edge, position), (near - out * WORD_GAP, centre))
        anchor = "start" if out > 0 else "end"
        baseline = (near, centre + 0.35 * size)
        connectors.append(Connector(end, part, (text,), leader, baseline, anchor, box))
    return connectors


def spread(wanted: Sequence[float], sizes: Sequence[float], bounds: Point) -> list[float]:
    """Centres as near ``wanted`` (sorted) as they can be with ``sizes`` not overlapping, in the
    same order, inside ``bounds`` if they fit: neighbours that would overlap are merged into a
    block centred on their mean wish (pool adjacent violators)."""
    blocks: list[tuple[float, list[int]]] = []  # (start, members)
    for index, centre in enumerate(wanted):
        blocks.append((centre - sizes[index] / 2, [index]))
        while len(blocks) > 1:
            (start_a, a), (start_b, b) = blocks[-2], blocks[-1]
            if start_a + _span(a, sizes) + LABEL_GAP <= start_b:
                break
            members = a + b
            offsets = _offsets(members, sizes)
            start = sum(wanted[m] - sizes[m] / 2 - o for m, o in zip(members, offsets, strict=True))
            blocks[-2:] = [(start / len(members), members)]
    centres: list[float] = [0.0] * len(wanted)
    low, high = bounds
    cursor = low
    for start, members in blocks:
        start = max(start, cursor)
        for member, offset in zip(members, _offsets(members, sizes), strict=True):
            centres[member] = start + offset + sizes[member] / 2
        cursor = start + _span(members, sizes) + LABEL_GAP
    # Pushed past the far end: slide back from there, each no nearer its neighbour than allowed
    # (if they cannot all fit, the near end wins and the far ones run over).
    limit = high
    for i in range(len(centres) - 1, -1, -1):
        centres[i] = min(centres[i], limit - sizes[i] / 2)
        limit = centres[i] - sizes[i] / 2 - LABEL_GAP
    floor = low
    for i, centre in enumerate(centres):
        centres[i] = max(centre, floor + sizes[i] / 2)
        floor = centres[i] + sizes[i] / 2 + LABEL_GAP
    return centres


def _offsets(members: Sequence[int], sizes: Sequence[float]) -> list[float]:
    offsets, at = [], 0.0
    for member in members:
        offsets.append(at)
        at += sizes[member] + LABEL_GAP
    return offsets


def _span(members: Sequence[int], sizes: Sequence[float]) -> float:
    return sum(sizes[m] for m in members) + LABEL_GAP * (len(members) - 1)
