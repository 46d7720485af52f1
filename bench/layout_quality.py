"""How easy the arrows are to follow: tocapp's grid against Graphviz's own ``dot``, from the SVG.

Run with ``.venv/bin/python bench/layout_quality.py``. It draws a fixed set of charts (the two
demo charts, a three-group college chart and generated 20/40/80-step charts with backward,
cross-lane and same-column arrows, fixed seeds), once with tocapp's layout and once with
``dot`` (no clusters, ``rankdir=LR``, ``splines=ortho``), and measures from each SVG:

* crossings: points where two arrows cross (not counting points on a box's edge);
* through: arrows that pass through a box other than their own two;
* bundled: the share of arrow length running alongside another arrow (within 2 pt of it and
  within 30 degrees of its direction, so that crossing it does not count);
* bends: corners per arrow, after straightening wiggles under 1.5 pt (a rounded corner is one);
* labels: how many labels are nearer their own arrow than any other, and the median gap to
  their own arrow (pt);
* grid (tocapp only): every step under its theme's header and inside its group's lane, lanes in
  the study's order, headers above the lanes;
* print (tocapp only): the drawing's width, then for A4-or-A3 and for A4 only the paper and
  orientation the PDF chooses, its number of parts and the step text's size on paper (pt).

Under the table, the crossings that the lanes alone force on any drawing that keeps themes as
columns and groups as lanes with each arrow in the gaps between its columns: two arrows through
the same gap whose lanes come in opposite orders on its two sides must cross (dot, free to put
any box anywhere, is held to no such bound).

Then it times the layout (boxes and arrows, no Graphviz) of a 200-step chart and checks that the
same chart gives the same DOT and SVG bytes, also in a process with another hash seed.
``--timing`` prints only the timing, so two checkouts can be timed turn about.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import re
import statistics
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tocapp.domain.theory import Flowchart, Link, Step, Theme  # noqa: E402 (path set above)
from tocapp.exports.chart_geometry import chart_geometry  # noqa: E402
from tocapp.exports.chart_pages import DEFAULT_PAPERS  # noqa: E402
from tocapp.exports.charts import plan_parts  # noqa: E402
from tocapp.render import flowchart_to_dot, render_dot  # noqa: E402
from tocapp.render.dot_escape import dot_label, quoted  # noqa: E402
from tocapp.render.edge_routes import route_links  # noqa: E402
from tocapp.render.flowchart_dot import link_label_text_lines  # noqa: E402
from tocapp.render.flowchart_layout import STEP_FONT_SIZE, layout_flowchart  # noqa: E402
from tocapp.render.text_fit import text_width  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"
BUNDLE_DISTANCE = 2.0
GROUPS = ("Staff", "Children", "Parents")
WORDS = ("children", "staff", "parents", "talk", "listen", "coaching", "video", "training")
WORDS += ("audit", "language", "communication", "confidence", "vocabulary", "stories")
WORDS += ("questions", "thinking", "time", "practice", "reflection", "classroom")
TIMING_STEPS = 200
TIMING_RUNS = 21
DOT_TIMEOUT = 60.0

Point = tuple[float, float]


# --- the charts ---------------------------------------------------------------------------------


def demo_charts() -> list[tuple[str, Flowchart]]:
    """The nursery and primary school charts of the demo study, as the fixture has them."""
    data = json.loads((ROOT / "tocapp/fixtures/clarity-study.json").read_text())
    groups = tuple(data["project"]["groups"])
    charts = []
    for setting in data["settings"]:
        steps = tuple(
            Step(s["id"], Theme(s["theme"]), s["group"], s["text"]) for s in setting["steps"]
        )
        links = tuple(Link(source, target) for source, target, *_ in setting["links"])
        charts.append((f"demo {setting['code']}", Flowchart(setting["name"], groups, steps, links)))
    return charts


def college_chart() -> Flowchart:
    """A further-education college: three groups, 15 steps, labelled and cross-lane arrows."""
    groups = ("Lecturers", "Students", "Employers")
    rows = [
        ("s1", Theme.SITUATION, 0, "Lecturers rarely see each other teach"),
        ("s2", Theme.SITUATION, 1, "Many students arrive with weak spoken English"),
        ("s3", Theme.SITUATION, 1, "Students rarely explain their reasoning aloud"),
        ("s4", Theme.SITUATION, 2, "Employers report poor workplace communication"),
        ("a1", Theme.ACTION, 0, "Peer observation in pairs each half term"),
        ("a2", Theme.ACTION, 0, "Video coaching by speech and language therapists"),
        ("a3", Theme.ACTION, 1, "Structured talk tasks in every vocational session"),
        ("a4", Theme.ACTION, 1, "Mock interviews run with local employers"),
        ("a5", Theme.ACTION, 2, "Employers join end-of-unit presentations"),
        ("o1", Theme.OUTCOME, 0, "Lecturers share a language for talk"),
        ("o2", Theme.OUTCOME, 0, "Coaching becomes part of staff development"),
        ("o3", Theme.OUTCOME, 1, "Students explain their reasoning with confidence"),
        ("o4", Theme.OUTCOME, 1, "More students pass their placement interviews"),
        ("o5", Theme.OUTCOME, 2, "Employers offer more placements"),
        ("o6", Theme.OUTCOME, 2, "Employers see better communication at work"),
    ]
    steps = tuple(Step(key, theme, groups[g], text) for key, theme, g, text in rows)
    pairs = [
        ("s1", "a1", ""),
        ("s1", "a2", "therapists model it"),
        ("s2", "a3", ""),
        ("s3", "a3", "every session"),
        ("s3", "a2", ""),
        ("s4", "a4", ""),
        ("s4", "a5", "employers asked"),
        ("a1", "o1", ""),
        ("a2", "o1", "shared video clips"),
        ("a2", "o2", ""),
        ("a3", "o3", ""),
        ("a4", "o4", "practice"),
        ("a5", "o5", ""),
        ("a5", "o6", ""),
        ("o3", "o4", ""),
        ("o1", "a3", "lecturers plan talk"),
        ("a4", "a5", ""),
        ("o4", "o5", ""),
    ]
    links = tuple(Link(a, b, label) for a, b, label in pairs)
    return Flowchart("Further-education college", groups, steps, links)


def generated_chart(step_count: int, seed: int) -> Flowchart:
    """Steps over three groups; 1.25 arrows a step, mostly one column on, some backward,
    some within a column, some from the first column to the last; a quarter labelled."""
    rng = random.Random(seed)
    themes = list(Theme)
    steps = tuple(
        Step(
            f"k{i}",
            themes[i % 3],
            rng.choices(GROUPS, weights=(5, 4, 2))[0],
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 22))).capitalize(),
        )
        for i in range(step_count)
    )
    by_theme = {t: [s.key for s in steps if s.theme is t] for t in themes}
    links: dict[tuple[str, str], Link] = {}
    while len(links) < step_count * 5 // 4:
        roll = rng.random()
        source_theme = rng.choice(themes[:2]) if roll < 0.85 else rng.choice(themes)
        if roll < 0.7:
            target_theme = themes[source_theme.position + 1]
        elif roll < 0.85:
            target_theme = source_theme
        elif roll < 0.95:
            source_theme, target_theme = Theme.SITUATION, Theme.OUTCOME
        else:
            target_theme = themes[max(source_theme.position - 1, 0)]
        source, target = rng.choice(by_theme[source_theme]), rng.choice(by_theme[target_theme])
        if source != target and (source, target) not in links:
            label = rng.choice(("", "", "", "because staff see it work"))
            links[(source, target)] = Link(source, target, label)
    return Flowchart(f"Generated {step_count}", GROUPS, steps, tuple(links.values()))


def bench_charts() -> list[tuple[str, Flowchart]]:
    generated = [(f"{n} steps", generated_chart(n, seed=n)) for n in (20, 40, 80)]
    return [*demo_charts(), ("college 3 groups", college_chart()), *generated]


# --- drawing the same chart with dot ------------------------------------------------------------


def dot_source(chart: Flowchart) -> str:
    """The chart for Graphviz's own layout: the same boxes and labels, no lanes, no columns."""
    layout = layout_flowchart(chart)
    names = {placed.step.key: f"n{i}" for i, placed in enumerate(layout.steps)}
    lines = [
        "digraph plain {",
        '  graph [rankdir="LR", splines="ortho", nodesep="0.25", ranksep="1.2"];',
        '  node [shape="box", fixedsize="true", fontname="DejaVu Sans", fontsize="11"];',
        '  edge [fontname="DejaVu Sans", fontsize="9", arrowsize="0.8"];',
    ]
    for placed in layout.steps:
        box = placed.box
        lines.append(
            f"  {names[placed.step.key]} [label={quoted(dot_label(placed.lines))}, "
            f'width="{box.width / 72:.4f}", height="{box.height / 72:.4f}"];'
        )
    for link in chart.links:
        label = link_label_text_lines(link, None)
        # Orthogonal splines cannot place ordinary edge labels; xlabels are dot's own answer.
        extra = f" [xlabel={quoted(dot_label(label))}]" if label else ""
        lines.append(f"  {names[link.source]} -> {names[link.target]}{extra};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def dot_svg(chart: Flowchart) -> bytes | None:
    try:
        done = subprocess.run(
            ["dot", "-Tsvg"],
            input=dot_source(chart).encode(),
            capture_output=True,
            timeout=DOT_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return None
    return done.stdout if done.returncode == 0 else None


# --- reading the SVG back -----------------------------------------------------------------------


@dataclass(frozen=True)
class Rect:
    left: float
    top: float
    right: float
    bottom: float

    def contains(self, x: float, y: float, inset: float = 0.0) -> bool:
        return (
            self.left + inset < x < self.right - inset
            and self.top + inset < y < self.bottom - inset
        )

    def grown(self, by: float) -> Rect:
        return Rect(self.left - by, self.top - by, self.right + by, self.bottom + by)


@dataclass(frozen=True)
class Arrow:
    source: str
    target: str
    line: np.ndarray  # (n, 2) polyline through the drawn path
    label: Rect | None


@dataclass(frozen=True)
class Drawing:
    boxes: dict[str, Rect]
    arrows: list[Arrow]


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


def _pairs(text: str) -> list[Point]:
    numbers = [float(n) for n in _NUMBER.findall(text)]
    return list(zip(numbers[::2], numbers[1::2], strict=True))


def _bbox(points: list[Point]) -> Rect:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return Rect(min(xs), min(ys), max(xs), max(ys))


def _flatten(d: str) -> np.ndarray:
    """A Graphviz edge path (M then cubic Béziers) as a polyline, 16 pieces per curve."""
    points = _pairs(d)
    t = np.linspace(0, 1, 17)[:, None]
    out = [np.array([points[0]])]
    for i in range(1, len(points) - 2, 3):
        p0, p1, p2, p3 = (np.array(p) for p in points[i - 1 : i + 3])
        curve = (1 - t) ** 3 * p0 + 3 * t * (1 - t) ** 2 * p1 + 3 * t**2 * (1 - t) * p2 + t**3 * p3
        out.append(curve[1:])
    return np.concatenate(out)


def _label_rect(group: ET.Element) -> Rect | None:
    corners: list[Point] = []
    for text in group.iter(f"{SVG}text"):
        size = float(text.get("font-size", "9"))
        width = text_width(text.text or "", size)
        x, y = float(text.get("x", "0")), float(text.get("y", "0"))
        anchor = text.get("text-anchor", "start")
        left = x - width / 2 if anchor == "middle" else x - width if anchor == "end" else x
        corners += [(left, y - size * 0.8), (left + width, y + size * 0.2)]
    return _bbox(corners) if corners else None


def _shape_rect(group: ET.Element) -> Rect:
    """The bounding box of a node's or lane's outline (nested in a link when it has a tooltip)."""
    shape = next(
        e for e in group.iter() if e.tag in (f"{SVG}polygon", f"{SVG}path") and e.get("fill")
    )
    return _bbox(_pairs(shape.get("points") or shape.get("d") or ""))


def read_drawing(svg: bytes, node_class: str, edge_class: str) -> Drawing:
    root = ET.fromstring(svg)
    boxes: dict[str, Rect] = {}
    arrows: list[Arrow] = []
    for group in root.iter(f"{SVG}g"):
        classes = group.get("class", "").split()
        title = group.findtext(f"{SVG}title") or ""
        if node_class in classes:
            boxes[title] = _shape_rect(group)
        elif edge_class in classes:
            source, target = title.split("->")
            path = group.find(f"{SVG}path")
            assert path is not None
            arrows.append(Arrow(source, target, _flatten(path.get("d", "")), _label_rect(group)))
    return Drawing(boxes, arrows)


# --- the measures -------------------------------------------------------------------------------


def _samples(line: np.ndarray, spacing: float = 1.0) -> np.ndarray:
    """Points every ``spacing`` pt along a polyline."""
    out = [line[:1]]
    for a, b in zip(line[:-1], line[1:], strict=True):
        count = max(int(math.ceil(float(np.hypot(*(b - a))) / spacing)), 1)
        t = np.arange(1, count + 1)[:, None] / count
        out.append(a + (b - a) * t)
    return np.concatenate(out)


def _segment_distances(points: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Each point's distance to a polyline."""
    a, b = line[:-1], line[1:]
    ab = b - a
    length2 = np.maximum((ab**2).sum(axis=1), 1e-12)
    ap = points[:, None, :] - a[None, :, :]
    t = np.clip((ap * ab[None]).sum(axis=2) / length2[None], 0, 1)
    nearest = a[None] + t[..., None] * ab[None]
    return np.sqrt(((points[:, None, :] - nearest) ** 2).sum(axis=2)).min(axis=1)


def _rect_distance(rect: Rect, line: np.ndarray) -> float:
    """Distance from a label's rectangle to a polyline (0 when the line runs through it)."""
    samples = _samples(line, 0.5)
    dx = np.maximum(np.maximum(rect.left - samples[:, 0], samples[:, 0] - rect.right), 0)
    dy = np.maximum(np.maximum(rect.top - samples[:, 1], samples[:, 1] - rect.bottom), 0)
    return float(np.hypot(dx, dy).min())


def crossings(drawing: Drawing) -> int:
    boxes = [r.grown(2.0) for r in drawing.boxes.values()]
    found = 0
    segments = [(arrow.line[:-1], arrow.line[1:]) for arrow in drawing.arrows]
    bounds = [(a.line.min(axis=0), a.line.max(axis=0)) for a in drawing.arrows]
    for i in range(len(segments)):
        for j in range(i + 1, len(segments)):
            if (bounds[i][1] < bounds[j][0]).any() or (bounds[j][1] < bounds[i][0]).any():
                continue
            p, p2 = segments[i]
            q, q2 = segments[j]
            r, s = p2 - p, q2 - q
            denom = r[:, None, 0] * s[None, :, 1] - r[:, None, 1] * s[None, :, 0]
            qp = q[None, :, :] - p[:, None, :]
            with np.errstate(divide="ignore", invalid="ignore"):
                t = (qp[..., 0] * s[None, :, 1] - qp[..., 1] * s[None, :, 0]) / denom
                u = (qp[..., 0] * r[:, None, 1] - qp[..., 1] * r[:, None, 0]) / denom
            hit = (np.abs(denom) > 1e-9) & (t >= 0) & (t < 1) & (u >= 0) & (u < 1)
            for a, b in zip(*np.nonzero(hit), strict=True):
                x, y = p[a] + t[a, b] * r[a]
                if not any(box.contains(x, y) for box in boxes):
                    found += 1
    return found


def through_boxes(drawing: Drawing) -> int:
    count = 0
    for arrow in drawing.arrows:
        points = _samples(arrow.line)
        for name, box in drawing.boxes.items():
            if name in (arrow.source, arrow.target):
                continue
            inside = (
                (points[:, 0] > box.left + 1)
                & (points[:, 0] < box.right - 1)
                & (points[:, 1] > box.top + 1)
                & (points[:, 1] < box.bottom - 1)
            )
            if inside.any():
                count += 1
                break
    return count


def bundled_share(drawing: Drawing) -> float:
    """Share of sampled arrow length running alongside another arrow: within BUNDLE_DISTANCE of
    it and within 30 degrees of its direction there (so a crossing is not counted as bundling)."""
    cell = BUNDLE_DISTANCE
    grid: dict[tuple[int, int], set[int]] = {}
    samples = [_samples(arrow.line, 1.0) for arrow in drawing.arrows]
    for index, points in enumerate(samples):
        for x, y in points:
            grid.setdefault((int(x // cell), int(y // cell)), set()).add(index)
    total = near = 0
    for index, points in enumerate(samples):
        for before, (x, y) in zip(points, points[1:], strict=False):
            total += 1
            cx, cy = int(x // cell), int(y // cell)
            others = set().union(
                *(grid.get((cx + dx, cy + dy), set()) for dx in (-1, 0, 1) for dy in (-1, 0, 1))
            )
            others.discard(index)
            direction = np.array([x, y]) - before
            lines = [drawing.arrows[o].line for o in sorted(others)]
            if others and _alongside_any(x, y, direction, lines):
                near += 1
    return near / total if total else 0.0


def _alongside_any(x: float, y: float, direction: np.ndarray, lines: list[np.ndarray]) -> bool:
    point = np.array([[x, y]])
    length = float(np.hypot(*direction))
    for line in lines:
        a, b = line[:-1], line[1:]
        ab = b - a
        length2 = np.maximum((ab**2).sum(axis=1), 1e-12)
        t = np.clip(((point - a) * ab).sum(axis=1) / length2, 0, 1)
        distance = np.hypot(*(point - (a + t[:, None] * ab)).T)
        k = int(distance.argmin())
        if distance[k] > BUNDLE_DISTANCE or length < 1e-9:
            continue
        cos = abs(float(direction @ ab[k])) / (length * float(np.sqrt(length2[k])))
        if cos > math.cos(math.radians(30)):
            return True
    return False


def _simplify(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Ramer-Douglas-Peucker."""
    if len(points) < 3:
        return points
    a, b = points[0], points[-1]
    ab = b - a
    norm = float(np.hypot(*ab))
    if norm < 1e-9:
        distances = np.hypot(*(points - a).T)
    else:
        distances = np.abs(ab[0] * (points[:, 1] - a[1]) - ab[1] * (points[:, 0] - a[0])) / norm
    far = int(distances.argmax())
    if distances[far] <= tolerance:
        return np.array([a, b])
    left = _simplify(points[: far + 1], tolerance)
    return np.concatenate([left[:-1], _simplify(points[far:], tolerance)])


def bends(arrow: Arrow) -> int:
    """Corners: turns of over 25 degrees, a rounded corner (turns within 10 pt) counting once."""
    points = _simplify(arrow.line, 1.5)
    count = 0
    last_turn: np.ndarray | None = None
    for a, b, c in zip(points, points[1:], points[2:], strict=False):
        u, v = b - a, c - b
        cos = float(u @ v) / max(float(np.hypot(*u) * np.hypot(*v)), 1e-9)
        if cos < math.cos(math.radians(25)):
            if last_turn is None or float(np.hypot(*(b - last_turn))) > 10:
                count += 1
            last_turn = b
    return count


def label_measures(drawing: Drawing) -> tuple[int, int, float | None]:
    """(labels nearer their own arrow than any other, labels, median gap to their own arrow)."""
    nearer = total = 0
    own_gaps = []
    for index, arrow in enumerate(drawing.arrows):
        if arrow.label is None:
            continue
        total += 1
        own = _rect_distance(arrow.label, arrow.line)
        reach = arrow.label.grown(own + 1)
        other = min(
            (
                _rect_distance(arrow.label, o.line)
                for k, o in enumerate(drawing.arrows)
                if k != index and _bbox_meets(o.line, reach)
            ),
            default=math.inf,
        )
        own_gaps.append(own)
        nearer += own < other
    return nearer, total, statistics.median(own_gaps) if own_gaps else None


def _bbox_meets(line: np.ndarray, rect: Rect) -> bool:
    low, high = line.min(axis=0), line.max(axis=0)
    return not (
        high[0] < rect.left or low[0] > rect.right or high[1] < rect.top or low[1] > rect.bottom
    )


def grid_is_right(svg: bytes, chart: Flowchart) -> bool:
    """Steps under their theme's header and inside their group's lane; lanes in order below."""
    root = ET.fromstring(svg)

    def groups(css: str) -> list[ET.Element]:
        return [g for g in root.iter(f"{SVG}g") if css in g.get("class", "").split()]

    headers = {}
    for header in groups("theme-header"):
        xs = [float(t.get("x", "0")) for t in header.iter(f"{SVG}text")]
        ys = [float(t.get("y", "0")) for t in header.iter(f"{SVG}text")]
        theme = next(
            c
            for c in header.get("class", "").split()
            if c.startswith("theme-") and c != "theme-header"
        )
        headers[theme] = (statistics.mean(xs), max(ys))
    lanes = {}
    for lane in groups("lane"):
        group_class = next(c for c in lane.get("class", "").split() if c.startswith("group-"))
        lanes[group_class] = _shape_rect(lane)
    lane_order = sorted(lanes, key=lambda name: lanes[name].top)
    if lane_order != sorted(lanes, key=lambda name: int(name.split("-")[1])):
        return False
    tops = [lanes[name] for name in lane_order]
    if any(upper.bottom > lower.top for upper, lower in zip(tops, tops[1:], strict=False)):
        return False
    if tops and any(y >= tops[0].top for _, y in headers.values()):
        return False
    steps = groups("step")
    if len(steps) != len(chart.steps):
        return False
    for step in steps:
        classes = step.get("class", "").split()
        box = _shape_rect(step)
        header_x, _ = headers[next(c for c in classes if c.startswith("theme-"))]
        lane = lanes[next(c for c in classes if c.startswith("group-"))]
        if not box.left < header_x < box.right:
            return False
        if not (lane.left < box.left and box.right < lane.right):
            return False
        if not (lane.top < box.top and box.bottom < lane.bottom):
            return False
    return True


# --- the report ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measures:
    crossings: int
    through: int
    bundled: float
    bends: float
    labels_nearer: int
    labels: int
    label_gap: float | None

    def cells(self) -> list[str]:
        gap = "-" if self.label_gap is None else f"{self.label_gap:.1f}"
        return [
            f"{self.crossings}",
            f"{self.through}",
            f"{self.bundled:.1%}",
            f"{self.bends:.2f}",
            f"{self.labels_nearer}/{self.labels}",
            gap,
        ]


def measure(drawing: Drawing) -> Measures:
    nearer, total, gap = label_measures(drawing)
    return Measures(
        crossings=crossings(drawing),
        through=through_boxes(drawing),
        bundled=bundled_share(drawing),
        bends=statistics.mean(bends(a) for a in drawing.arrows) if drawing.arrows else 0.0,
        labels_nearer=nearer,
        labels=total,
        label_gap=gap,
    )


def quality_table() -> None:
    columns = ["chart", "steps", "arrows", "drawn by", "crossings", "through", "bundled"]
    columns += ["bends/arrow", "label nearest own", "label gap pt", "grid right", "print"]
    widths = [17, 5, 6, 8, 9, 7, 7, 11, 17, 12, 10, 28]
    print(" ".join(f"{c:>{w}}" for c, w in zip(columns, widths, strict=True)))
    print("-" * (sum(widths) + len(widths) - 1))
    for name, chart in bench_charts():
        ours = render_dot(flowchart_to_dot(chart), "svg")
        theirs = dot_svg(chart)
        rows = [("tocapp", measure(read_drawing(ours, "step", "link")), grid_is_right(ours, chart))]
        if theirs is None:
            rows.append(("dot", None, None))
        else:
            rows.append(("dot", measure(read_drawing(theirs, "node", "edge")), None))
        for engine, found, grid in rows:
            cells = [name, str(len(chart.steps)), str(len(chart.links)), engine]
            cells += found.cells() if found else ["failed"] + [""] * 5
            cells.append("-" if grid is None else "yes" if grid else "NO")
            cells.append(print_plan(ours) if engine == "tocapp" else "-")
            print(" ".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True)))


def print_plan(svg: bytes) -> str:
    """Width, then paper, parts and the smallest step text on paper, on A4-or-A3 and on A4 only."""
    geometry = chart_geometry(svg)
    plans = []
    for papers in (DEFAULT_PAPERS, ("A4",)):
        plan, _, _ = plan_parts(geometry, papers)
        orientation = "L" if plan.landscape else "P"
        plans.append(
            f"{plan.paper}{orientation}x{len(plan.pages)} {STEP_FONT_SIZE * plan.scale:.1f}"
        )
    return f"{geometry.width:.0f}w " + " | ".join(plans)


def forced_by_lanes(chart: Flowchart) -> int:
    """Pairs of arrows between the same two neighbouring columns whose ends' lanes come in
    opposite orders on the two sides: each pair crosses, whatever the order within cells."""
    lane = {group: i for i, group in enumerate(chart.lane_groups())}
    by_key = chart.step_by_key
    by_gap: dict[int, list[tuple[int, int]]] = {}
    for link in chart.links:
        a, b = by_key[link.source], by_key[link.target]
        if abs(a.theme.position - b.theme.position) != 1:
            continue
        if a.theme.position > b.theme.position:
            a, b = b, a
        by_gap.setdefault(a.theme.position, []).append((lane[a.group], lane[b.group]))
    return sum(
        (left[0] - right[0]) * (left[1] - right[1]) < 0
        for pairs in by_gap.values()
        for i, left in enumerate(pairs)
        for right in pairs[i + 1 :]
    )


def layout_seconds(chart: Flowchart) -> float:
    started = time.perf_counter()
    layout = layout_flowchart(chart)
    route_links(layout, chart.links)
    return time.perf_counter() - started


def timing() -> None:
    chart = generated_chart(TIMING_STEPS, seed=TIMING_STEPS)
    for _ in range(3):
        layout_seconds(chart)
    samples = sorted(layout_seconds(chart) * 1000 for _ in range(TIMING_RUNS))
    print(
        f"layout of {TIMING_STEPS} steps, {len(chart.links)} arrows (boxes, arrows, no Graphviz): "
        f"median {statistics.median(samples):.1f} ms, min {samples[0]:.1f}, max {samples[-1]:.1f} "
        f"({TIMING_RUNS} runs after 3 warm-up)"
    )


def dot_hashes() -> dict[str, str]:
    return {
        name: hashlib.sha256(flowchart_to_dot(chart).encode()).hexdigest()
        for name, chart in [*bench_charts(), ("200", generated_chart(200, seed=200))]
    }


def determinism() -> None:
    here = dot_hashes()
    same_twice = here == dot_hashes()
    svg_same = all(
        render_dot(flowchart_to_dot(chart), "svg") == render_dot(flowchart_to_dot(chart), "svg")
        for _, chart in bench_charts()
    )
    other = subprocess.run(
        [sys.executable, __file__, "--dot-hashes"],
        capture_output=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "4242"},
    )
    other_seed = json.loads(other.stdout) == here
    print(
        f"deterministic: same DOT twice {_yes(same_twice)}, same SVG bytes twice {_yes(svg_same)}, "
        f"same DOT under another hash seed {_yes(other_seed)}"
    )


def _yes(flag: bool) -> str:
    return "yes" if flag else "NO"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--dot-hashes", action="store_true", help="print each chart's DOT digest")
    parser.add_argument("--timing", action="store_true", help="only the timing")
    args = parser.parse_args()
    if args.dot_hashes:
        print(json.dumps(dot_hashes()))
        return
    if args.timing:
        timing()
        return
    quality_table()
    print(
        "\ncrossings: points where two arrows cross; through: arrows crossing a box not their own;"
        f"\nbundled: share of length alongside another arrow ({BUNDLE_DISTANCE:g} pt, 30 deg);"
        "\nlabel nearest own: labels nearer their own arrow than any other / labels;"
        "\nlabel gap: median distance from a label to its own arrow; dot = Graphviz dot,"
        "\nno clusters, rankdir=LR, splines=ortho, xlabels.\n"
    )
    forced = ", ".join(
        f"{name} {forced_by_lanes(chart)}" for name, chart in bench_charts() if "steps" in name
    )
    print(f"crossings the lanes alone force (arrows between neighbouring columns): {forced}\n")
    timing()
    determinism()


if __name__ == "__main__":
    main()
