"""How much room the arrows need beside and between the columns of the grid.

flowchart_layout places the boxes, but first it must know how wide each gap between two columns
is, how much room to leave outside the lanes for arrows that loop round the first or last column,
and how tall a box must be for the arrows meeting its sides. All of that follows from the arrows
alone: which gaps each one runs through (``arrow_gaps``), how big its label is, and how many
tracks edge_routes gives them in each gap. Those rules are kept here, apart from the placing of
the boxes, next to the label sizes they are made of; edge_routes and arrow_ends use the same ones.

Sizes are points (1/72 inch), as in flowchart_layout.
"""

from __future__ import annotations

from collections.abc import Sequence

from tocapp.domain.theory import Flowchart, Link, Step, Theme
from tocapp.render.annotations import Annotations, link_decoration, link_decoration_text
from tocapp.render.text_fit import line_height, text_width, wrap_to_width

COLUMN_GAP = 112.0  # the narrowest gap between columns; it widens for more arrows and labels
TRACK_SPACING = 4.0  # between the vertical tracks of two arrows in a gap: over 3 pen widths apart
TRACK_MARGIN = 6.0  # from a column (or a label zone) to the nearest track
LABEL_CLEARANCE = 3.0  # between an arrow's label and its arrow
PORT_SPACING = 4.0  # at least, between two arrows meeting one side of a box
LINK_FONT_SIZE = 9.0
LINK_LABEL_WIDTH = 90.0
LABEL_ZONE = LINK_LABEL_WIDTH + 2 * LABEL_CLEARANCE  # labels sit here, beside their arrowhead


def gap_width(tracks: int, left_zone: float, right_zone: float) -> float:
    """A gap between two columns: this many tracks side by side, and the label zones beside
    its left and right columns."""
    needed = left_zone + right_zone + 2 * TRACK_MARGIN + max(tracks - 1, 0) * TRACK_SPACING
    return max(COLUMN_GAP, needed)


def outer_width(tracks: int) -> float:
    """Room outside the lanes for this many tracks side by side."""
    return 2 * TRACK_MARGIN + (tracks - 1) * TRACK_SPACING if tracks else 0.0


def column_neighbours(ordered: Sequence[Step]) -> dict[str, tuple[int, int]]:
    """Each step's column and its place from the top of that column (lanes in order)."""
    places: dict[str, tuple[int, int]] = {}
    counts = [0] * len(Theme)
    for step in ordered:
        column = step.theme.position
        places[step.key] = (column, counts[column])
        counts[column] += 1
    return places


def arrow_gaps(
    source: tuple[int, int], target: tuple[int, int], labelled: bool = True, leftward: bool = False
) -> list[tuple[int, str]]:
    """The gaps an arrow runs through, as (gap, side of the gap where its label goes).

    Gap g lies between columns g and g + 1; gap -1 is left of the first column and the gap
    numbered as the last column is right of it, both outside the lanes. Columns are (column,
    place from the top). An arrow to the next box down or up in its column runs straight and uses
    no gap; one past other boxes loops out beside its column: round the outside of the first or
    last column, where no other arrow runs, unless it has a label (there is no room for labels
    there), else into the gap to its right (left for the last column, or when ``leftward``,
    which cell_order.leftward_loops chooses for the middle column). The others run through
    the gaps between their columns. The label sits beside the arrowhead, so on the target's side
    of the last gap.
    """
    (source_column, source_place), (target_column, target_place) = source, target
    last = len(Theme) - 1
    if source_column == target_column:
        if abs(source_place - target_place) <= 1:
            return []
        if not labelled and source_column in (0, last):
            return [(-1, "right")] if source_column == 0 else [(last, "left")]
        if source_column == last or (leftward and source_column > 0):
            return [(source_column - 1, "right")]
        return [(source_column, "left")]
    low, high = sorted((source_column, target_column))
    side = "right" if target_column > source_column else "left"
    return [(gap, side) for gap in range(low, high)]


def arrow_label_lines(link: Link, annotations: Annotations | None) -> list[str]:
    """An arrow's label, then its badge and note numbers, wrapped for the drawing."""
    lines = link_label_lines(link.label) if link.label.strip() else []
    extra = link_decoration_text(link_decoration(annotations, link))
    return lines + (link_label_lines(extra) if extra else [])


def label_zones(
    chart: Flowchart,
    ordered: Sequence[Step],
    labels: Sequence[Sequence[str]],
    leftward: frozenset[tuple[str, str]],
) -> list[tuple[float, float]]:
    """Per gap, the widths of the label zones beside its left and right columns (``labels``:
    each link's label lines, ``arrow_label_lines``, in link order)."""
    places = column_neighbours(ordered)
    zones = [[0.0, 0.0] for _ in range(len(Theme) - 1)]
    for link, lines in zip(chart.links, labels, strict=True):
        left = (link.source, link.target) in leftward
        gaps = arrow_gaps(places[link.source], places[link.target], bool(lines), left)
        if gaps and lines:
            gap, side = gaps[-1] if gaps[-1][1] == "right" else gaps[0]
            zones[gap][side == "right"] = LABEL_ZONE
    return [(left, right) for left, right in zones]


def box_side_room(
    chart: Flowchart,
    ordered: Sequence[Step],
    labels: Sequence[Sequence[str]],
    leftward: frozenset[tuple[str, str]],
) -> dict[str, float]:
    """The height a box needs for the arrows meeting its left or right side, with room above
    each arrowhead for its label (edge_routes spreads them so); more than its text, at times.
    ``labels`` as for ``label_zones``."""
    places = column_neighbours(ordered)
    sides: dict[tuple[str, str], list[float]] = {}
    for link, lines in zip(chart.links, labels, strict=True):
        source, target = places[link.source], places[link.target]
        left = (link.source, link.target) in leftward
        gaps = arrow_gaps(source, target, bool(lines), left)
        if not gaps:
            continue
        if source[0] == target[0]:  # a loop, out of the side that faces its gap
            side = "left" if gaps[0][0] < source[0] else "right"
            ends = [(link.source, side), (link.target, side)]
        elif target[0] > source[0]:
            ends = [(link.source, "right"), (link.target, "left")]
        else:
            ends = [(link.source, "left"), (link.target, "right")]
        label = link_label_size(lines)[1] + 2 * LABEL_CLEARANCE if lines else 0.0
        sides.setdefault(ends[0], []).append(0.0)
        sides.setdefault(ends[1], []).append(label)
    room: dict[str, float] = {}
    for (key, _), needs in sides.items():
        needed = sum(needs) + (len(needs) + 1) * PORT_SPACING
        room[key] = max(room.get(key, 0.0), needed)
    return room


def link_label_lines(label: str) -> list[str]:
    return wrap_to_width(label, LINK_LABEL_WIDTH, LINK_FONT_SIZE)


def link_label_size(lines: Sequence[str]) -> tuple[float, float]:
    width = max((text_width(line, LINK_FONT_SIZE) for line in lines), default=0.0)
    return width + 4, len(lines) * line_height(LINK_FONT_SIZE) + 2
