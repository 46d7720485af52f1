"""Where a split chart's arrows leave a page: numbered connectors on every page they cross.

An arrow whose two steps print on different parts ends at the cut edge of its source's part with
"→ A7 on page 12", and starts at the cut edge of its target's part with "S3 → on page 9"; where it
only crosses a part it is named at its way in, "S3 → A7 passes through". Along a top or bottom
edge the words are two lines. Word's pictures say "part 2" where the PDF says "page 12" (the PDF
numbers its pages once they are laid out, and room is kept for any number). The words sit
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
# Two lines at most under a part, even on A4 portrait (export-print.css gives them 8 mm).
CONNECTORS_NOTE = (
    'A cut arrow names the step at its other end and that step\'s page: "→ A7 on page 12" (or'
    ' "p. 12") leads to A7 on page 12, "S3 → on page 9" comes from S3 on page 9, and "S3 → A7'
    ' passes through" only crosses this page.'
)
# Word lays out its own pages, so the pictures it holds name parts; its note says so.
CONNECTORS_NOTE_PARTS = (
    "A cut arrow names the step at its other end and that step's part of the chart: \"→ A7 on"
    ' part 2" (or "pt 2") leads to A7 on part 2, "S3 → on part 1" comes from S3 on part 1, and'
    ' "S3 → A7 passes through" only crosses this part. The line below gives each part\'s page.'
)
LINE = CONNECTOR_FONT_SIZE * 1.15
EDGE_GAP = 14.0  # from the cut edge to the connectors' words: the leaders' run
LABEL_GAP = 4.0  # between two connectors' words along an edge
WORD_GAP = 2.0  # between a leader's end and its words
PASSING = "passes through"
# Room is kept for page numbers this long whatever the number turns out to be (DejaVu's figures
# are all one width), so the pages can be numbered after the parts are placed.
WIDEST_PAGE = 888
UNITS = {"part": ("part ", "pt "), "page": ("page ", "p. ")}  # long and short forms


@dataclass(frozen=True)
class ChartArrow:
    """An arrow as drawn: the reading numbers of its two steps and its path (drawing units)."""

    source: str
    target: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class Connector:
    """Words at a cut edge (one line per item) and the leader from the arrow's end to them.

    The words name the step at the arrow's other end and where it is: "part 2" in Word's
    pictures (``lines``), "page 12" in the PDF (``pieces("page")``, numbered once laid out).
    """

    end: str  # the step at the arrow's other end, with the arrow: "→ A7", "S3 →"; "S3 → A7"
    part: int  # the part that step is on; 0 for an arrow that only passes through
    lines: tuple[str, ...]
    leader: tuple[Point, Point]
    baseline: Point  # of the first line; the words start, end or are centred there
    anchor: str  # "start", "middle" or "end", as in SVG
    box: Rect  # the words' extent
    short: bool = False  # "→A7" over "p. 2": more than a row holds at full length
    # One line turned to read up the page, along a top or bottom edge that holds more than a
    # row even in the short form (the box is then a line wide and the words' length tall).
    turned: bool = False

    def pieces(self, unit: str) -> tuple[tuple[str, int], ...]:
        """Each line as its words and the part whose number (or page's) follows them, 0 if none."""
        return _pieces(self.end, self.part, len(self.lines) == 2, self.short, unit)


def _pieces(
    end: str, part: int, two_lines: bool, short: bool, unit: str
) -> tuple[tuple[str, int], ...]:
    long_form, short_form = UNITS[unit]
    if not two_lines and short:  # turned along a crowded edge: "→A7 p. 12", "S3→A7 through"
        return ((end.replace(" ", "") + (f" {short_form}" if part else " through"), part),)
    if not two_lines:
        if not part:
            return ((f"{end} {PASSING}", 0),)
        return ((f"{end} on {long_form}", part),)
    if short:
        return ((end.replace(" ", ""), 0), ("through" if not part else short_form, part))
    return ((end, 0), (PASSING if not part else f"on {long_form}", part))


def _filled(pieces: Sequence[tuple[str, int]], number: int | None = None) -> tuple[str, ...]:
    return tuple(text + (str(number or part) if part else "") for text, part in pieces)


def _widest(end: str, part: int, two_lines: bool, short: bool) -> float:
    """The widest line either way of naming where the step is, with room for any page."""
    lines = _filled(_pieces(end, part, two_lines, short, "part"))
    lines += _filled(_pieces(end, part, two_lines, short, "page"), WIDEST_PAGE)
    return max(text_width(line, CONNECTOR_FONT_SIZE) for line in lines)


Rooms = dict[str, float]  # side -> how far beyond that cut edge a part's connectors reach
Crossing = tuple[str, float]  # the side of a part an arrow crosses, and where along it


def page_connectors(
    pages: Sequence[Rect], steps: Mapping[str, Rect], arrows: Sequence[ChartArrow]
) -> tuple[list[list[Connector]], list[Rooms]]:
    """Each page's connectors, and the room they need beyond each of its cut edges.

    Parts are numbered from 1 in the order of ``pages``; a step belongs to the page holding its
    box's centre. Every stretch of an arrow on a page that meets a cut edge is named there: where
    it leaves the page its source is on ("→ A7"), where it comes into its target's ("S3 →"), and
    and where it comes into and goes out of a page it only crosses ("S3 → A7 passes through",
    "→ A7"), or crosses again.
    """
    home = {number: _page_of(pages, _centre(box)) for number, box in steps.items()}
    wanted: dict[tuple[int, str], list[tuple[float, str, int]]] = {}
    for arrow in arrows:
        source, target = home.get(arrow.source), home.get(arrow.target)
        if source is None or target is None:
            continue
        for page, rect in enumerate(pages):
            for entry, exit_ in _runs(arrow.points, rect):
                if entry is None and exit_ is not None:
                    item = (exit_[1], f"→ {arrow.target}", target + 1)
                    wanted.setdefault((page, exit_[0]), []).append(item)
                elif entry is not None and exit_ is None:
                    item = (entry[1], f"{arrow.source} →", source + 1)
                    wanted.setdefault((page, entry[0]), []).append(item)
                elif entry is not None and exit_ is not None:
                    item = (entry[1], f"{arrow.source} → {arrow.target}", 0)
                    wanted.setdefault((page, entry[0]), []).append(item)
                    item = (exit_[1], f"→ {arrow.target}", target + 1)
                    wanted.setdefault((page, exit_[0]), []).append(item)
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


MIN_RUN = 0.5  # points: a path that only grazes a part is not drawn on it


def _runs(points: Sequence[Point], page: Rect) -> list[tuple[Crossing | None, Crossing | None]]:
    """Each stretch of a path on ``page``: where it comes in and where it goes out (None where
    the path starts or ends on the page)."""
    runs: list[tuple[Crossing | None, Crossing | None]] = []
    inside = bool(points) and _inside(page, points[0])
    entry: Crossing | None = None
    for a, b in zip(points, points[1:], strict=False):
        clip = _clip(a, b, page)
        if clip is None:
            if inside:  # it went out just where the last stretch ended, on an edge
                runs.append((entry, _nearest_edge(a, page)))
                inside, entry = False, None
            continue
        (t0, side0), (t1, side1) = clip
        length = ((b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2) ** 0.5
        if not inside:
            if (t1 - t0) * length < MIN_RUN:
                continue
            entry = _at(a, b, t0, side0) if side0 else _nearest_edge(a, page)
            inside = True
        if t1 < 1 and side1:
            runs.append((entry, _at(a, b, t1, side1)))
            inside, entry = False, None
    if inside:
        runs.append((entry, None))
    return runs


def _nearest_edge(point: Point, page: Rect) -> Crossing:
    x, y = point
    distance, side = min(
        (abs(x - page[0]), "left"),
        (abs(page[2] - x), "right"),
        (abs(y - page[1]), "top"),
        (abs(page[3] - y), "bottom"),
    )
    return side, (x if side in ("top", "bottom") else y)


def _at(a: Point, b: Point, t: float, side: str) -> Crossing:
    x, y = a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])
    return side, (x if side in ("top", "bottom") else y)


def _clip(a: Point, b: Point, rect: Rect) -> tuple[tuple[float, str], tuple[float, str]] | None:
    """Where the segment from ``a`` to ``b`` is inside ``rect`` (Liang-Barsky): its first and
    last parameter, each with the side it crosses there ("" where it starts or ends inside)."""
    (x0, y0), (x1, y1) = a, b
    dx, dy = x1 - x0, y1 - y0
    left, top, right, bottom = rect
    low, high = (0.0, ""), (1.0, "")
    for p, q, side in (
        (-dx, x0 - left, "left"),
        (dx, right - x0, "right"),
        (-dy, y0 - top, "top"),
        (dy, bottom - y0, "bottom"),
    ):
        if p == 0:
            if q < 0:
                return None
            continue
        r = q / p
        if p < 0 and r > low[0]:
            low = (r, side)
        elif p > 0 and r < high[0]:
            high = (r, side)
    if low[0] > high[0]:
        return None
    return low, high


def _place(side: str, page: Rect, items: Sequence[tuple[float, str, int]]) -> list[Connector]:
    """All of an edge's connectors in one row (top, bottom) or column (left, right), in the
    order their arrows reach the edge and each as near its arrow as the others allow, so the
    straight leaders never cross."""
    size = CONNECTOR_FONT_SIZE
    if side in ("top", "bottom"):
        # Two short lines ("→ A7" over "page 2"), so a row holds many.
        short = False
        widths = [_widest(end, part, True, short) for _, end, part in items]
        if sum(widths) + LABEL_GAP * len(widths) > page[2] - page[0]:
            # More than a row holds: the short form, "→A7" over "p. 2".
            short = True
            widths = [_widest(end, part, True, short) for _, end, part in items]
            if sum(widths) + LABEL_GAP * len(widths) > page[2] - page[0]:
                return _turned(side, page, items)
        centres = spread([p for p, _, _ in items], widths, (page[0], page[2]))
        down = 1 if side == "bottom" else -1
        edge = page[3] if side == "bottom" else page[1]
        near = edge + down * EDGE_GAP
        height = 2 * LINE
        top = near if down > 0 else near - height
        connectors = []
        for (position, end, part), width, centre in zip(items, widths, centres, strict=True):
            lines = _filled(_pieces(end, part, True, short, "part"))
            box = (centre - width / 2, top, centre + width / 2, top + height)
            baseline = (centre, top + 0.8 * size + (LINE - size) / 2)
            leader = ((position, edge), (centre, near - down * WORD_GAP))
            connectors.append(Connector(end, part, lines, leader, baseline, "middle", box, short))
        return connectors
    # Beside a side edge, two lines each ("→ A7" over "on page 12") while the column holds
    # them, as narrow as along a top edge; else one line each, so a column holds twice as many.
    two_lines = (2 * LINE + LABEL_GAP) * len(items) <= page[3] - page[1]
    height = 2 * LINE if two_lines else LINE
    centres = spread([p for p, _, _ in items], [height] * len(items), (page[1], page[3]))
    out = 1 if side == "right" else -1
    edge = page[2] if side == "right" else page[0]
    near = edge + out * EDGE_GAP
    connectors = []
    for (position, end, part), centre in zip(items, centres, strict=True):
        width = _widest(end, part, two_lines, False)
        left = near if out > 0 else near - width
        box = (left, centre - height / 2, left + width, centre + height / 2)
        leader = ((edge, position), (near - out * WORD_GAP, centre))
        anchor = "start" if out > 0 else "end"
        baseline = (near, box[1] + 0.8 * size + (LINE - size) / 2)
        lines = _filled(_pieces(end, part, two_lines, False, "part"))
        connectors.append(Connector(end, part, lines, leader, baseline, anchor, box))
    return connectors


def _turned(side: str, page: Rect, items: Sequence[tuple[float, str, int]]) -> list[Connector]:
    """More connectors than a row holds even in the short form (the tracks of a long chart's
    arrows crossing a band): one short line each ("→A7 p. 12"), turned to read up the page, so
    that each takes only a line's height along the edge. On a top edge the words start next to
    it, on a bottom edge they end next to it."""
    size = CONNECTOR_FONT_SIZE
    centres = spread([p for p, _, _ in items], [LINE] * len(items), (page[0], page[2]))
    down = 1 if side == "bottom" else -1
    edge = page[3] if side == "bottom" else page[1]
    near = edge + down * EDGE_GAP
    connectors = []
    for (position, end, part), centre in zip(items, centres, strict=True):
        length = _widest(end, part, False, True)
        top = near if down > 0 else near - length
        box = (centre - LINE / 2, top, centre + LINE / 2, top + length)
        anchor = "end" if down > 0 else "start"
        baseline = (centre + 0.35 * size, near)  # where the words start or end, as drawn upright
        leader = ((position, edge), (centre, near - down * WORD_GAP))
        lines = _filled(_pieces(end, part, False, True, "part"))
        connectors.append(
            Connector(end, part, lines, leader, baseline, anchor, box, short=True, turned=True)
        )
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
