"""Where everything goes: themes as columns, groups as lanes, steps stacked in each cell.

We place the boxes ourselves instead of letting Graphviz's ``dot`` do it: with clusters for lanes
and ``rank=same`` for columns (newrank, rankdir=LR, invisible anchor chains to order the lanes),
dot 2.43 got all of 300 random charts wrong: it ignores flat edges between clusters, so lanes come
out shuffled and the column headers below the lanes; it draws some arrows between lanes twice;
it fails ("trouble in init_rank") on a third of them; and two opposite arrows within one column
of a two-lane chart make it run for over a minute. A fixed grid keeps lanes in the study's order
and gives the same picture for the same chart every time (tests/render/test_layout_fuzz.py checks
that on the same 300 kinds of chart).

Within a cell, steps keep the order they were arranged in unless another order makes fewer
arrows cross (cell_order: barycentre sweeps, then sifting); their numbers (S1, A2 ...) never
change with the drawing. Each gap between columns is as wide as its arrows need: one track per
arrow side by side (edge_routes assigns them on a first pass of the layout) and a zone for labels
beside each column; outside the lanes, room for the tracks of arrows that loop round the first or
last column.

Coordinates are points (1/72 inch), x to the right and y downwards from the top-left corner.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tocapp.domain.outline import step_numbers
from tocapp.domain.theory import Flowchart, Link, Step, Theme, ordered_steps
from tocapp.render.annotations import (
    Annotations,
    StepDecoration,
    legend_sentences,
    link_decoration,
    link_decoration_text,
    step_decoration,
    step_decoration_lines,
)
from tocapp.render.cell_order import drawing_order, leftward_loops
from tocapp.render.text_fit import line_height, text_width, wrap_to_width

MARGIN = 10.0
STEP_WIDTH = 190.0
STEP_FONT_SIZE = 11.0
STEP_MARGIN_X = 9.0
STEP_MARGIN_Y = 5.0
STEP_GAP = 16.0  # between boxes stacked in one cell
COLUMN_GAP = 112.0  # the narrowest gap between columns; it widens for more arrows and labels
TRACK_SPACING = 4.0  # between the vertical tracks of two arrows in a gap: over 3 pen widths apart
TRACK_MARGIN = 6.0  # from a column (or a label zone) to the nearest track
LABEL_CLEARANCE = 3.0  # between an arrow's label and its arrow
PORT_SPACING = 4.0  # at least, between two arrows meeting one side of a box
LANE_PAD = 12.0
LANE_GAP = 8.0
LANE_FONT_SIZE = 12.0
TITLE_FONT_SIZE = 16.0
HEADER_FONT_SIZE = 13.0
LEGEND_FONT_SIZE = 10.0
LEGEND_MARGIN = 7.0
LINK_FONT_SIZE = 9.0
LINK_LABEL_WIDTH = 90.0
LABEL_ZONE = LINK_LABEL_WIDTH + 2 * LABEL_CLEARANCE  # labels sit here, beside their arrowhead

LEGEND_TEXT = (
    "How to read this chart",
    "Columns: the three themes, read from left to right.",
    "Lanes: the groups in the setting, named at the top left of each lane.",
    "Boxes: the steps, numbered as in the text version (S situation, A action, O outcome).",
    "Arrows: one step leads to another; words on an arrow say how.",
)
EMPTY_MESSAGE = "This flowchart has no steps yet."


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height

    @property
    def centre_x(self) -> float:
        return self.left + self.width / 2

    @property
    def centre_y(self) -> float:
        return self.top + self.height / 2

    def overlaps(self, other: Box, pad: float = 0.0) -> bool:
        return not (
            self.right + pad <= other.left
            or other.right + pad <= self.left
            or self.bottom + pad <= other.top
            or other.bottom + pad <= self.top
        )


@dataclass(frozen=True)
class PlacedText:
    """Lines of our own or the user's text in a box (title, header, legend, message)."""

    lines: tuple[str, ...]
    box: Box


@dataclass(frozen=True)
class PlacedStep:
    step: Step
    number: str
    column: int
    lane: int
    lines: tuple[str, ...]
    box: Box


@dataclass(frozen=True)
class PlacedLane:
    group: str
    group_index: int
    label_lines: tuple[str, ...]
    box: Box


@dataclass(frozen=True)
class ChartLayout:
    width: float
    height: float
    title: PlacedText
    headers: tuple[PlacedText, ...]
    lanes: tuple[PlacedLane, ...]
    steps: tuple[PlacedStep, ...]
    legend: PlacedText
    empty_message: PlacedText | None
    column_spans: tuple[tuple[float, float], ...]
    # Per gap between two columns, the x range where arrows run up and down, one track each;
    # the label zones beside the columns are outside it.
    track_bands: tuple[tuple[float, float], ...] = ()
    # Left of the first column and right of the last, outside the lanes: the x ranges where
    # arrows between two boxes of that column loop round, clear of every other arrow.
    outer_bands: tuple[tuple[float, float], ...] = ()
    # Arrows past other boxes of the middle column that loop out to its left, not its right.
    leftward_loops: frozenset[tuple[str, str]] = frozenset()

    @property
    def step_by_key(self) -> dict[str, PlacedStep]:
        return {placed.step.key: placed for placed in self.steps}


def group_indexes(chart: Flowchart) -> dict[str, int]:
    """Index used in ``group-<index>`` classes: the study's group order, then any other groups."""
    names = list(chart.groups)
    for step in chart.steps:
        if step.group not in names:
            names.append(step.group)
    return {name: i for i, name in enumerate(names)}


def step_box_height(line_count: int) -> float:
    return line_count * line_height(STEP_FONT_SIZE) + 2 * STEP_MARGIN_Y


def layout_flowchart(chart: Flowchart, annotations: Annotations | None = None) -> ChartLayout:
    """Place title, column headers, lanes, steps and legend on a grid.

    Annotations add lines to the steps they decorate and sentences to the legend.
    """
    # Imported here because edge_routes routes on a layout: the first pass places the boxes,
    # the arrows are given their tracks on it, and the second pass makes the gaps wide enough.
    from tocapp.render.edge_routes import tracks_per_gap

    reading = ordered_steps(chart.steps, chart.lane_groups())
    ordered = drawing_order(chart, reading)
    leftward = leftward_loops(chart, ordered)
    zones = _label_zones(chart, ordered, annotations, leftward)
    texts: dict[str, list[str]] = {}
    demand = [(0, *zone) for zone in zones]
    first = _build(chart, annotations, (reading, ordered, leftward), (demand, (0, 0)), texts)
    if not chart.links:
        return first
    labels = [arrow_label_lines(link, annotations) for link in chart.links]
    tracks = tracks_per_gap(first, chart.links, labels)
    demand = [(tracks.get(gap, 0), *zone) for gap, zone in enumerate(zones)]
    outer = (tracks.get(-1, 0), tracks.get(len(zones), 0))
    return _build(chart, annotations, (reading, ordered, leftward), (demand, outer), texts)


def _build(
    chart: Flowchart,
    annotations: Annotations | None,
    orders: tuple[list[Step], list[Step], frozenset[tuple[str, str]]],
    demand: tuple[list[tuple[int, float, float]], tuple[int, int]],
    texts: dict[str, list[str]],
) -> ChartLayout:
    """The whole layout, with each gap wide enough for its tracks and label zones, and room
    outside the lanes for the tracks left of the first column and right of the last."""
    gaps, (outer_left, outer_right) = demand
    reading, ordered, leftward = orders
    themes = list(Theme)
    lanes = chart.lane_groups()
    indexes = group_indexes(chart)
    numbers = step_numbers(chart)
    lanes_left = MARGIN + _outer_width(outer_left)
    column_left = [lanes_left + LANE_PAD]
    track_bands = []
    for tracks, left_zone, right_zone in gaps:
        needed = left_zone + right_zone + 2 * TRACK_MARGIN + max(tracks - 1, 0) * TRACK_SPACING
        gap = max(COLUMN_GAP, needed)
        gap_left = column_left[-1] + STEP_WIDTH
        track_bands.append(
            (gap_left + left_zone + TRACK_MARGIN, gap_left + gap - right_zone - TRACK_MARGIN)
        )
        column_left.append(gap_left + gap)
    column_spans = tuple((left, left + STEP_WIDTH) for left in column_left)
    stacking_gaps = _stacking_gaps(chart, ordered, annotations)
    side_room = _side_room(chart, ordered, annotations, leftward)
    lanes_right = column_left[-1] + STEP_WIDTH + LANE_PAD
    width = lanes_right + _outer_width(outer_right) + MARGIN
    outer_bands = (
        (MARGIN + TRACK_MARGIN, lanes_left - TRACK_MARGIN),
        (lanes_right + TRACK_MARGIN, width - MARGIN - TRACK_MARGIN),
    )

    y = MARGIN
    title_lines = wrap_to_width(chart.title, width - 2 * MARGIN, TITLE_FONT_SIZE, bold=True)
    title_height = max(len(title_lines), 1) * line_height(TITLE_FONT_SIZE) + 4
    title = PlacedText(tuple(title_lines), Box(MARGIN, y, width - 2 * MARGIN, title_height))
    y += title_height + 6

    header_lines = [
        wrap_to_width(f"{c + 1} {t.title}", STEP_WIDTH, HEADER_FONT_SIZE, bold=True)
        for c, t in enumerate(themes)
    ]
    header_height = max(len(lines) for lines in header_lines) * line_height(HEADER_FONT_SIZE) + 6
    headers = tuple(
        PlacedText(tuple(lines), Box(column_left[c], y, STEP_WIDTH, header_height))
        for c, lines in enumerate(header_lines)
    )
    y += header_height + 6

    placed_steps: list[PlacedStep] = []
    placed_lanes: list[PlacedLane] = []
    for lane_number, group in enumerate(lanes):
        cells = [[s for s in ordered if s.group == group and s.theme is t] for t in themes]
        lane, steps = _place_lane(
            lane_number,
            group,
            indexes[group],
            cells,
            numbers,
            (y, lanes_left, lanes_right),
            (column_left, stacking_gaps, side_room),
            annotations,
            texts,
        )
        placed_lanes.append(lane)
        placed_steps.extend(steps)
        y = lane.box.bottom + LANE_GAP

    empty_message = None
    if not chart.steps:
        message_height = line_height(STEP_FONT_SIZE) + 2 * STEP_MARGIN_Y
        empty_message = PlacedText(
            (EMPTY_MESSAGE,), Box(column_left[1], y, STEP_WIDTH, message_height)
        )
        y += message_height + LANE_GAP

    legend = _legend(column_left[-1], y + 4, legend_sentences(chart, annotations))
    height = legend.box.bottom + MARGIN
    # Keep placed steps in reading order (S1, S2 ... O4), whatever order they are drawn in.
    reading_place = {step.key: i for i, step in enumerate(reading)}
    placed_steps.sort(key=lambda placed: reading_place[placed.step.key])
    return ChartLayout(
        width=width,
        height=height,
        title=title,
        headers=headers,
        lanes=tuple(placed_lanes),
        steps=tuple(placed_steps),
        legend=legend,
        empty_message=empty_message,
        column_spans=column_spans,
        track_bands=tuple(track_bands),
        outer_bands=outer_bands,
        leftward_loops=leftward,
    )


def _outer_width(tracks: int) -> float:
    """Room outside the lanes for this many tracks side by side."""
    return 2 * TRACK_MARGIN + (tracks - 1) * TRACK_SPACING if tracks else 0.0


def _place_lane(
    lane_number: int,
    group: str,
    group_index: int,
    cells: list[list[Step]],
    numbers: dict[str, str],
    top_left_right: tuple[float, float, float],
    columns: tuple[list[float], dict[tuple[str, str], float], dict[str, float]],
    annotations: Annotations | None,
    texts: dict[str, list[str]],
) -> tuple[PlacedLane, list[PlacedStep]]:
    """One lane: its label band, then each column's steps stacked in their arranged order.

    Two boxes joined by a labelled arrow stand further apart, so the label fits beside it.
    """
    top, left, right = top_left_right
    column_left, stacking_gaps, side_room = columns
    label_lines = wrap_to_width(group, STEP_WIDTH + COLUMN_GAP, LANE_FONT_SIZE, bold=True)
    band = max(len(label_lines), 1) * line_height(LANE_FONT_SIZE) + 10
    cells_bottom = top + band
    placed: list[PlacedStep] = []
    for column, cell in enumerate(cells):
        y = top + band
        for above, step in zip([None, *cell], cell, strict=False):
            if above is not None:
                y += stacking_gaps.get((above.key, step.key), STEP_GAP)
            if step.key not in texts:
                texts[step.key] = step_text_lines(step, step_decoration(annotations, step.key))
            text = texts[step.key]
            lines = (numbers[step.key], *text)
            height = max(step_box_height(len(lines)), side_room.get(step.key, 0.0))
            box = Box(column_left[column], y, STEP_WIDTH, height)
            placed.append(PlacedStep(step, numbers[step.key], column, lane_number, lines, box))
            y = box.bottom
            cells_bottom = max(cells_bottom, box.bottom)
    box = Box(left, top, right - left, cells_bottom + LANE_PAD - top)
    return PlacedLane(group, group_index, tuple(label_lines), box), placed


def step_text_lines(step: Step, decoration: StepDecoration) -> list[str]:
    """A step's own text, then its decorations, wrapped to the inside of its box."""
    inner = STEP_WIDTH - 2 * STEP_MARGIN_X
    text = wrap_to_width(step.text, inner, STEP_FONT_SIZE)
    return text + step_decoration_lines(step, decoration, inner, STEP_FONT_SIZE)


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


def _label_zones(
    chart: Flowchart,
    ordered: Sequence[Step],
    annotations: Annotations | None,
    leftward: frozenset[tuple[str, str]],
) -> list[tuple[float, float]]:
    """Per gap, the widths of the label zones beside its left and right columns."""
    places = column_neighbours(ordered)
    zones = [[0.0, 0.0] for _ in range(len(Theme) - 1)]
    for link in chart.links:
        lines = arrow_label_lines(link, annotations)
        left = (link.source, link.target) in leftward
        gaps = arrow_gaps(places[link.source], places[link.target], bool(lines), left)
        if gaps and lines:
            gap, side = gaps[-1] if gaps[-1][1] == "right" else gaps[0]
            zones[gap][side == "right"] = LABEL_ZONE
    return [(left, right) for left, right in zones]


def _side_room(
    chart: Flowchart,
    ordered: Sequence[Step],
    annotations: Annotations | None,
    leftward: frozenset[tuple[str, str]],
) -> dict[str, float]:
    """The height a box needs for the arrows meeting its left or right side, with room above
    each arrowhead for its label (edge_routes spreads them so); more than its text, at times."""
    places = column_neighbours(ordered)
    sides: dict[tuple[str, str], list[float]] = {}
    for link in chart.links:
        source, target = places[link.source], places[link.target]
        lines = arrow_label_lines(link, annotations)
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


def _stacking_gaps(
    chart: Flowchart, ordered: Sequence[Step], annotations: Annotations | None
) -> dict[tuple[str, str], float]:
    """Room between two boxes stacked in a cell for the label of a straight arrow between them."""
    places = column_neighbours(ordered)
    gaps: dict[tuple[str, str], float] = {}
    for link in chart.links:
        (source_column, source_place), (target_column, target_place) = (
            places[link.source],
            places[link.target],
        )
        if source_column != target_column or abs(source_place - target_place) != 1:
            continue
        lines = arrow_label_lines(link, annotations)
        if not lines:
            continue
        pair = (
            (link.source, link.target)
            if source_place < target_place
            else (link.target, link.source)
        )
        needed = link_label_size(lines)[1] + 2 * LABEL_CLEARANCE + 4
        gaps[pair] = max(gaps.get(pair, STEP_GAP), needed)
    return gaps


def _legend(left: float, top: float, extra: list[str]) -> PlacedText:
    inner = STEP_WIDTH - 2 * LEGEND_MARGIN
    lines: list[str] = []
    for sentence in (*LEGEND_TEXT, *extra):
        lines.extend(wrap_to_width(sentence, inner, LEGEND_FONT_SIZE))
    height = len(lines) * line_height(LEGEND_FONT_SIZE) + 2 * LEGEND_MARGIN
    return PlacedText(tuple(lines), Box(left, top, STEP_WIDTH, height))


def link_label_lines(label: str) -> list[str]:
    return wrap_to_width(label, LINK_LABEL_WIDTH, LINK_FONT_SIZE)


def link_label_size(lines: list[str]) -> tuple[float, float]:
    width = max((text_width(line, LINK_FONT_SIZE) for line in lines), default=0.0)
    return width + 4, len(lines) * line_height(LINK_FONT_SIZE) + 2
