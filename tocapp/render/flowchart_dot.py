"""A flowchart as Graphviz DOT, with every box and arrow already placed.

The layout and the arrows are ours (flowchart_layout, edge_routes); Graphviz only draws them, with
its ``nop2`` engine, which takes positions and curves as given. All Graphviz names (n0, n1 ...) are
ours; user text reaches the source only through :mod:`tocapp.render.dot_escape`, and ids and
classes are built from sanitised keys.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from tocapp.domain.theory import Flowchart, Link, Theme
from tocapp.render.annotations import (
    Annotations,
    link_classes,
    link_decoration,
    link_style,
    step_classes,
    step_decoration,
    step_style,
)
from tocapp.render.arrow_room import LINK_FONT_SIZE, arrow_label_lines
from tocapp.render.dot_escape import dot_label, dot_left_label, escape_dot_tooltip, quoted
from tocapp.render.edge_routes import ARROW_LENGTH, RoutedLink, route_links
from tocapp.render.flowchart_layout import (
    HEADER_FONT_SIZE,
    LANE_FONT_SIZE,
    LEGEND_FONT_SIZE,
    STEP_FONT_SIZE,
    TITLE_FONT_SIZE,
    Box,
    ChartLayout,
    PlacedLane,
    layout_flowchart,
)

FONT = "DejaVu Sans"
BOLD_FONT = "DejaVu Sans Bold"
INK = "#1a1a1a"
STEP_BORDER = "#333333"
ARROW = "#3d3d3d"
LANE_BORDER = "#9aa5b1"
# Light lane fills, repeated for studies with more groups. Lanes are told apart by their labels;
# the fills only help the eye follow a lane across the page.
LANE_FILLS = ("#eaf1f8", "#eef6e9", "#f9f1e6", "#f3edf7", "#e9f5f4", "#f7eeee")
THEME_CLASS = {Theme.SITUATION: "situation", Theme.ACTION: "action", Theme.OUTCOME: "outcome"}

_UNSAFE_ID_CHARS = re.compile(r"[^A-Za-z0-9_-]")
Attribute = str | float


def flowchart_to_dot(chart: Flowchart, annotations: Annotations | None = None) -> str:
    """Return the DOT source for a flowchart; the same chart always gives the same text.

    ``annotations`` draw a return interview's marks, tallies and notes over the chart; without
    them the chart is drawn as it stands (steps and arrows a voice added are dashed either way).
    """
    layout = layout_flowchart(chart, annotations)
    return "\n".join(_DotWriter(chart, layout, annotations).lines()) + "\n"


def link_dom_ids(chart: Flowchart) -> dict[tuple[str, str], str]:
    """The SVG id of each arrow's group, ``link-<n>`` in link order, by (source, target) key."""
    return {(link.source, link.target): f"link-{i}" for i, link in enumerate(chart.links)}


def link_label_text_lines(link: Link, annotations: Annotations | None) -> list[str]:
    """An arrow's label, then its badge and note numbers, wrapped for the drawing."""
    # The layout sizes the gaps for these same lines, so there is one home for them.
    return arrow_label_lines(link, annotations)


def step_dom_ids(chart: Flowchart) -> dict[str, str]:
    """The SVG id of each step's box, ``step-<key>`` with the key sanitised to [A-Za-z0-9_-].

    Keys that sanitise to the same text (e.g. "a b" and "a_b") get "-2", "-3" ... in step order,
    so ids stay unique.
    """
    ids: dict[str, str] = {}
    used: set[str] = set()
    for step in chart.steps:
        base = "step-" + (_UNSAFE_ID_CHARS.sub("_", step.key) or "_")
        candidate, n = base, 1
        while candidate in used:
            n += 1
            candidate = f"{base}-{n}"
        used.add(candidate)
        ids[step.key] = candidate
    return ids


def _statement(head: str, attributes: dict[str, Attribute], indent: str = "  ") -> str:
    """One DOT statement. String values must already be escaped, or be our own constants."""
    parts = []
    for name, value in attributes.items():
        text = value if isinstance(value, str) else _number(value)
        parts.append(f"{name}={quoted(text)}")
    return f"{indent}{head} [{', '.join(parts)}];"


def _number(value: float) -> str:
    """Two decimals at most, so the same layout always prints the same text."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _inches(points: float) -> str:
    return f"{points / 72:.4f}".rstrip("0").rstrip(".")


class _DotWriter:
    """Writes one chart's layout as DOT, flipping y (Graphviz counts up from the bottom)."""

    def __init__(
        self, chart: Flowchart, layout: ChartLayout, annotations: Annotations | None
    ) -> None:
        self.chart = chart
        self.layout = layout
        self.annotations = annotations
        self.node_names = {placed.step.key: f"n{i}" for i, placed in enumerate(layout.steps)}
        self.dom_ids = step_dom_ids(chart)
        # Arrows share tracks' x and boxes' edges: about half the numbers printed are repeats.
        self.numbers: dict[float, str] = {}

    def number(self, value: float) -> str:
        text = self.numbers.get(value)
        if text is None:
            text = _number(value)
            if value:  # 0.0 and -0.0 are one key but print "0" and "-0"
                self.numbers[value] = text
        return text

    def point(self, x: float, y: float) -> str:
        return f"{self.number(x)},{self.number(self.layout.height - y)}"

    def bounding_box(self, box: Box) -> str:
        return f"{self.point(box.left, box.bottom)},{self.point(box.right, box.top)}"

    def placement(self, box: Box) -> dict[str, Attribute]:
        return {
            "pos": self.point(box.centre_x, box.centre_y),
            "width": _inches(box.width),
            "height": _inches(box.height),
        }

    def lines(self) -> Iterator[str]:
        layout = self.layout
        yield "digraph flowchart {"
        yield from self.defaults()
        yield _statement(
            "title",
            {
                "label": dot_left_label(layout.title.lines),
                "shape": "plaintext",
                "style": "",
                "fontname": BOLD_FONT,
                "fontsize": TITLE_FONT_SIZE,
                "margin": "0",
                "id": "chart-title",
                **self.placement(layout.title.box),
            },
        )
        for theme, header in zip(Theme, layout.headers, strict=True):
            yield _statement(
                f"h{theme.position}",
                {
                    "label": dot_label(header.lines),
                    "shape": "plaintext",
                    "style": "",
                    "fontname": BOLD_FONT,
                    "fontsize": HEADER_FONT_SIZE,
                    "margin": "0",
                    "id": f"theme-{THEME_CLASS[theme]}",
                    "class": f"theme-header theme-{THEME_CLASS[theme]}",
                    **self.placement(header.box),
                },
            )
        for lane_number, lane in enumerate(layout.lanes):
            yield from self.lane(lane_number, lane)
        if layout.empty_message is not None:
            yield _statement(
                "empty",
                {
                    "label": dot_label(layout.empty_message.lines),
                    "shape": "plaintext",
                    "style": "",
                    "id": "empty-message",
                    **self.placement(layout.empty_message.box),
                },
            )
        yield _statement(
            "legend",
            {
                "label": dot_left_label(layout.legend.lines),
                "style": "rounded",
                "color": LANE_BORDER,
                "fontsize": LEGEND_FONT_SIZE,
                "id": "legend",
                **self.placement(layout.legend.box),
            },
        )
        labels = [link_label_text_lines(link, self.annotations) for link in self.chart.links]
        for route in route_links(layout, self.chart.links, labels):
            yield self.link(route)
        yield "}"

    def defaults(self) -> Iterator[str]:
        whole = Box(0, 0, self.layout.width, self.layout.height)
        yield _statement(
            "graph",
            {
                "layout": "nop2",
                "bb": self.bounding_box(whole),
                "pad": "0.15",
                "bgcolor": "white",
                "fontname": FONT,
                "outputorder": "nodesfirst",
                "id": "flowchart",
            },
        )
        yield _statement(
            "node",
            {
                "shape": "box",
                "fixedsize": "true",
                "style": "filled",
                "fillcolor": "white",
                "color": STEP_BORDER,
                "fontcolor": INK,
                "fontname": FONT,
                "fontsize": STEP_FONT_SIZE,
                "penwidth": 1.2,
            },
        )
        yield _statement(
            "edge",
            {
                "color": ARROW,
                "fontcolor": INK,
                "fontname": FONT,
                "fontsize": LINK_FONT_SIZE,
                "arrowsize": ARROW_LENGTH / 10,
                "penwidth": 1.1,
            },
        )

    def lane(self, lane_number: int, lane: PlacedLane) -> Iterator[str]:
        index = lane.group_index
        yield f"  subgraph cluster_lane{lane_number} {{"
        yield _statement(
            "graph",
            {
                "label": dot_label(lane.label_lines),
                "labeljust": "l",
                "labelloc": "t",
                "fontname": BOLD_FONT,
                "fontsize": LANE_FONT_SIZE,
                "fontcolor": INK,
                "style": "filled",
                "fillcolor": LANE_FILLS[index % len(LANE_FILLS)],
                "color": LANE_BORDER,
                "bb": self.bounding_box(lane.box),
                "lp": self.point(*lane.label_centre),
                "id": f"lane-{index}",
                "class": f"lane group-{index}",
            },
            indent="    ",
        )
        for placed in self.layout.steps:
            if placed.lane != lane_number:
                continue
            step = placed.step
            decoration = step_decoration(self.annotations, step.key)
            classes = " ".join(
                [f"step theme-{THEME_CLASS[step.theme]} group-{index}"]
                + step_classes(step, decoration)
            )
            yield _statement(
                self.node_names[step.key],
                {
                    "label": dot_label(placed.lines),
                    "tooltip": escape_dot_tooltip(step.text),
                    "id": self.dom_ids[step.key],
                    "class": classes,
                    **step_style(step, decoration),
                    **self.placement(placed.box),
                },
                indent="    ",
            )
        yield "  }"

    def link(self, route: RoutedLink) -> str:
        spline = " ".join([self.point(x, y) for x, y in route.points])
        decoration = link_decoration(self.annotations, route.link)
        attributes: dict[str, Attribute] = {
            "pos": f"e,{self.point(*route.tip)} {spline}",
            "id": f"link-{route.index}",
            "class": " ".join(["link", *link_classes(route.link, decoration)]),
            **link_style(route.link),
        }
        if route.label_lines and route.label_centre is not None:
            attributes["label"] = dot_label(route.label_lines)
            attributes["lp"] = self.point(*route.label_centre)
        source = self.node_names[route.link.source]
        target = self.node_names[route.link.target]
        return _statement(f"{source} -> {target}", attributes)
