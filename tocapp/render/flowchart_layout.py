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
last column. How much room the arrows need is worked out in arrow_room.

Coordinates are points (1/72 inch), x to the right and y downwards from the top-left corner.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tocapp.domain.outline import step_numbers
from tocapp.domain.theory import Flowchart, Step, Theme, ordered_steps
from tocapp.render.annotations import (
    Annotations,
    StepDecoration,
    legend_sentences,
    step_decoration,
    step_decoration_lines,
)
from tocapp.render.arrow_room import (
    COLUMN_GAP,
    LABEL_CLEARANCE,
    TRACK_MARGIN,
    arrow_label_lines,
    box_side_room,
    column_neighbours,
    gap_width,
    label_zones,
    link_label_size,
    outer_width,
)
from tocapp.render.cell_order import drawing_order, leftward_loops
from tocapp.render.text_fit import line_height, text_width, wrap_to_width

if TYPE_CHECKING:
    from tocapp.render.edge_routes import TrackPlan

MARGIN = 10.0
STEP_WIDTH = 190.0
STEP_FONT_SIZE = 11.0
STEP_MARGIN_X = 9.0
STEP_MARGIN_Y = 4.0
STEP_GAP = 16.0  # between boxes stacked in one cell
LANE_PAD = 12.0
LANE_GAP = 8.0
LANE_FONT_SIZE = 12.0
LANE_LABEL_INSET = 8.0  # from the lane's left edge to its name
TITLE_FONT_SIZE = 16.0
HEADER_FONT_SIZE = 13.0
LEGEND_FONT_SIZE = 10.0
LEGEND_MARGIN = 7.0

LEGEND_TEXT = (
    "How to read this chart",
    "Columns: the three themes, read from left to right.",
    "Lanes: the groups in the setting, named at the top left of each lane.",
    "Boxes: the steps, numbered as in the text version (S situation, A action, O outcome).",
    "Arrows: one step leads to another; words on an arrow say how.",
)
EMPTY_MESSAGE = "This flowchart has no steps yet."


@dataclass(frozen=True, slots=True)
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
    label_centre: tuple[float, float] = (0.0, 0.0)  # the group's name, at the lane's top left


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
    # What routing on the first pass found, kept for routing on this one (edge_routes).
    track_plan: TrackPlan | None = field(default=None, compare=False)

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
    # the arrows' tracks are put in order on it, and the second pass makes the gaps wide enough;
    # routing on the second keeps that order.
    from tocapp.render.edge_routes import plan_tracks

    reading = ordered_steps(chart.steps, chart.lane_groups())
    ordered = drawing_order(chart, reading)
    leftward = leftward_loops(chart, ordered)
    labels = [arrow_label_lines(link, annotations) for link in chart.links]  # wrapped once
    zones = label_zones(chart, ordered, labels, leftward)
    # The room arrows need beside and between boxes: the same in both passes.
    room = (_stacking_gaps(chart, ordered, labels), box_side_room(chart, ordered, labels, leftward))
    orders = (reading, ordered, leftward)
    texts: dict[str, list[str]] = {}
    demand = [(0, *zone) for zone in zones]
    first = _build(chart, annotations, orders, room, (demand, (0, 0)), texts)
    if not chart.links:
        return first
    plan = plan_tracks(first, chart.links, labels)
    tracks = plan.counts
    demand = [(tracks.get(gap, 0), *zone) for gap, zone in enumerate(zones)]
    outer = (tracks.get(-1, 0), tracks.get(len(zones), 0))
    final = _build(chart, annotations, orders, room, (demand, outer), texts)
    if _heights(final) != _heights(first):  # a title wrapped otherwise: route again
        return final
    return dataclasses.replace(final, track_plan=plan)


def _heights(layout: ChartLayout) -> tuple[tuple[float, float], ...]:
    """Where everything routing depends on stands from top to bottom (widening gaps moves boxes
    only sideways, unless the wider chart wraps its title into fewer lines)."""
    return (
        *((placed.box.top, placed.box.bottom) for placed in layout.steps),
        *((lane.box.top, lane.box.bottom) for lane in layout.lanes),
        (layout.legend.box.top, layout.legend.box.bottom),
    )


def _build(
    chart: Flowchart,
    annotations: Annotations | None,
    orders: tuple[list[Step], list[Step], frozenset[tuple[str, str]]],
    room: tuple[dict[tuple[str, str], float], dict[str, float]],
    demand: tuple[list[tuple[int, float, float]], tuple[int, int]],
    texts: dict[str, list[str]],
) -> ChartLayout:
    """The whole layout, with each gap wide enough for its tracks and label zones, and room
    outside the lanes for the tracks left of the first column and right of the last; ``room``
    is what arrows need between stacked boxes and beside each box (``_stacking_gaps``,
    ``arrow_room.box_side_room``)."""
    gaps, (outer_left, outer_right) = demand
    reading, ordered, leftward = orders
    themes = list(Theme)
    lanes = chart.lane_groups()
    indexes = group_indexes(chart)
    numbers = step_numbers(chart)
    lanes_left = MARGIN + outer_width(outer_left)
    column_left = [lanes_left + LANE_PAD]
    track_bands = []
    for tracks, left_zone, right_zone in gaps:
        gap = gap_width(tracks, left_zone, right_zone)
        gap_left = column_left[-1] + STEP_WIDTH
        track_bands.append(
            (gap_left + left_zone + TRACK_MARGIN, gap_left + gap - right_zone - TRACK_MARGIN)
        )
        column_left.append(gap_left + gap)
    column_spans = tuple((left, left + STEP_WIDTH) for left in column_left)
    stacking_gaps, side_room = room
    lanes_right = column_left[-1] + STEP_WIDTH + LANE_PAD
    width = lanes_right + outer_width(outer_right) + MARGIN
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
    # Placed by us, not by Graphviz, whose own text widths (without the fonts) are a guess.
    label_width = max(
        (text_width(line, LANE_FONT_SIZE, bold=True) for line in label_lines), default=0
    )
    label_centre = (left + LANE_LABEL_INSET + label_width / 2, top + band / 2)
    return PlacedLane(group, group_index, tuple(label_lines), box, label_centre), placed


def step_text_lines(step: Step, decoration: StepDecoration) -> list[str]:
    """A step's own text, then its decorations, wrapped to the inside of its box."""
    inner = STEP_WIDTH - 2 * STEP_MARGIN_X
    text = wrap_to_width(step.text, inner, STEP_FONT_SIZE)
    return text + step_decoration_lines(step, decoration, inner, STEP_FONT_SIZE)


def _stacking_gaps(
    chart: Flowchart, ordered: Sequence[Step], labels: Sequence[Sequence[str]]
) -> dict[tuple[str, str], float]:
    """Room between two boxes stacked in a cell for the label of a straight arrow between them
    (``labels``: each link's label lines, in link order)."""
    places = column_neighbours(ordered)
    gaps: dict[tuple[str, str], float] = {}
    for link, lines in zip(chart.links, labels, strict=True):
        (source_column, source_place), (target_column, target_place) = (
            places[link.source],
            places[link.target],
        )
        if source_column != target_column or abs(source_place - target_place) != 1:
            continue
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
