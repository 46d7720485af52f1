"""The comparison overview's picture: settings × intended outcomes, leadership beside practice.

Small multiples on one shared scale: a row per intended outcome of each setting (and round), a
panel per perspective, each bar the share of that perspective's voices who marked the outcome
achieved, partly achieved, elusive or did not discuss it, with the count written on its segment.
The fills and hatches are the mark charts' own (:data:`tocapp.render.mark_charts.SEGMENTS`), so
the picture reads in greyscale. SVG for pages and PDF (text stays text), PNG for Word; both are
kept in the chart cache under a name made from the data they show (``drawn_once``), so an
unchanged overview is never drawn twice and a withdrawal, which empties the cache, forgets it.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: charts are only ever files

from matplotlib import pyplot as plt  # noqa: E402  (the backend must be chosen first)
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import PercentFormatter  # noqa: E402
from matplotlib.transforms import ScaledTranslation  # noqa: E402

from tocapp.domain.comparison_overview import PERSPECTIVES, StepOverview  # noqa: E402
from tocapp.domain.people import Perspective  # noqa: E402
from tocapp.render import drawing_helper  # noqa: E402
from tocapp.render.mark_charts import _DRAWING, SEGMENTS, drawn_once, kept_already  # noqa: E402
from tocapp.render.svg_inline import prefix_svg_ids, styles_as_attributes  # noqa: E402
from tocapp.render.text_fit import text_width  # noqa: E402

LABEL_CHARS = 46  # an outcome's text beside its bar, cut with "…"; the table has it whole
LABEL_SIZE = 8  # points
LABEL_GAP = 3.5  # points between an outcome's text and its panel (a tick label's own gap)
WIDTH = 7.6  # inches
# The frame around the panels, in inches. Fixed rather than found by constrained layout, which
# draws the whole figure once more to measure it (a third of the time of a 24-row picture).
BAR = 0.7  # a bar's height, in rows
TOP, BOTTOM, RIGHT, GAP, LABEL_PAD = 0.5, 0.62, 0.25, 0.45, 0.2
LABEL_WIDTH = 0.4 * WIDTH  # inches at most for the labels, so the bars keep their room
_STYLE: dict[str, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "tocapp-overview",
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "hatch.linewidth": 0.6,
}


def overview_svgs(charts: Sequence[tuple[Sequence[StepOverview], str, str]]) -> Iterator[str]:
    """Each (rows, title, id prefix) as an SVG element whose ids all start with its prefix (so
    several can share a page), in order, as each is ready; see ``overview_pngs``."""
    jobs = [(tuple(rows), title, id_prefix) for rows, title, id_prefix in charts]
    for svg in _each_drawn("overview.svg", _svg, jobs):
        yield svg.decode("utf-8")


def overview_png(rows: Sequence[StepOverview], title: str, dpi: int = 200) -> bytes:
    """The same picture as a PNG, for Word documents and print."""
    return next(overview_pngs([(rows, title)], dpi))


def overview_pngs(
    charts: Sequence[tuple[Sequence[StepOverview], str]], dpi: int = 200
) -> Iterator[bytes]:
    """``overview_png`` of each (rows, title), in order, as each is ready. Those the chart
    cache lacks (all of them, after a withdrawal emptied it) are shared with a helper process
    where a CPU is spare: a fifty-setting summary has some twenty to draw."""
    return _each_drawn("overview.png", _png, [(tuple(rows), title, dpi) for rows, title in charts])


def _each_drawn(
    suffix: str, draw: Callable[..., bytes], jobs: Sequence[tuple[Any, ...]]
) -> Iterator[bytes]:
    """``draw(*job)`` for each job, kept in the chart cache under the job's data."""
    missing = {n for n, job in enumerate(jobs) if not kept_already(suffix, "overview", *job)}
    fresh = drawing_helper.in_order(draw, [jobs[n] for n in sorted(missing)])
    try:
        for n, job in enumerate(jobs):
            make = partial(draw, *job)  # a picture kept a moment ago and pruned since
            if n in missing:
                make = partial(_given, next(fresh))  # taken in order, even if kept meanwhile
            yield drawn_once(suffix, make, "overview", *job)
    finally:
        fresh.close()  # the helper ends with the list, even a list not read to its end


def _given(picture: bytes) -> bytes:
    return picture


# Module-level, so that a helper process can be asked to draw them.


def _svg(rows: tuple[StepOverview, ...], title: str, id_prefix: str) -> bytes:
    out = io.StringIO()
    _draw(rows, title, out, "svg", 100)
    return styles_as_attributes(prefix_svg_ids(out.getvalue(), id_prefix)).encode("utf-8")


def _png(rows: tuple[StepOverview, ...], title: str, dpi: int) -> bytes:
    out = io.BytesIO()
    _draw(rows, title, out, "png", dpi)
    return out.getvalue()


def row_label(row: StepOverview) -> str:
    """The row's number and its outcome's text, cut with "…" to ``LABEL_CHARS`` characters and
    to ``LABEL_WIDTH`` (Chinese, Arabic or emoji are wider than Latin letters)."""
    text = row.text if len(row.text) <= LABEL_CHARS else row.text[: LABEL_CHARS - 1] + "…"
    label = f"{row.row_label} {text}"
    while text and text_width(label, LABEL_SIZE) > LABEL_WIDTH * 72:
        text = text[:-2] + "…" if len(text) > 1 else ""
        label = f"{row.row_label} {text}".rstrip()
    return label


def _draw(
    rows: tuple[StepOverview, ...], title: str, out: io.StringIO | io.BytesIO, fmt: str, dpi: int
) -> None:
    # pyplot's style is process-wide: one chart at a time, under the mark charts' own lock.
    with (
        _DRAWING,
        warnings.catch_warnings(),
        plt.rc_context(_STYLE),  # type: ignore[arg-type]  # matplotlib types keys as literals
    ):
        warnings.filterwarnings(
            "ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning
        )
        height = TOP + BOTTOM + 0.27 * max(len(rows), 1)
        labels = [row_label(r) for r in rows]
        widest = max((text_width(t, LABEL_SIZE) for t in labels), default=0) / 72
        left = LABEL_PAD + 1.05 * min(widest, LABEL_WIDTH)
        # Not sharey: a shared axis gives the right panel a tick (two lines, two texts) per row
        # too, which it hides; both panels get the same limits in ``_panel`` instead.
        figure, panels = plt.subplots(1, 2, figsize=(WIDTH, height))
        panel_width = (WIDTH - left - RIGHT - GAP) / 2
        scale = _Scale(panel_width * 72, (height - TOP - BOTTOM) * 72 / (len(rows) + 0.2))
        figure.subplots_adjust(
            left=left / WIDTH,
            right=1 - RIGHT / WIDTH,
            top=1 - TOP / height,
            bottom=BOTTOM / height,
            wspace=GAP / panel_width,
        )
        positions = list(range(len(rows)))[::-1]  # the first row at the top
        for n, (axes, perspective) in enumerate(zip(panels, PERSPECTIVES, strict=True)):
            _panel(axes, rows, positions, perspective, n, scale)
        for axes in panels:
            axes.set_yticks([])
        # The outcomes as plain texts where tick labels would be: a tick is two lines and two
        # texts, copied from a template and measured again at every draw.
        beside = panels[0].get_yaxis_transform() + ScaledTranslation(
            -LABEL_GAP / 72, 0, figure.dpi_scale_trans
        )
        for position, label in zip(positions, labels, strict=True):
            panels[0].text(0, position, label, transform=beside, ha="right", va="center_baseline")
        figure.suptitle(
            title, x=0.01, y=1 - 0.06 / height, ha="left", va="top", fontsize=9, fontweight="bold"
        )
        figure.legend(
            handles=_legend(),
            loc="lower center",
            bbox_to_anchor=(0.5, 0.02 / height),
            ncols=4,
            frameon=False,
            fontsize=7.5,
        )
        metadata = {"Date": None, "Creator": "tocapp"} if fmt == "svg" else {"Software": "tocapp"}
        figure.savefig(out, format=fmt, dpi=dpi, metadata=metadata)
        plt.close(figure)


def _panel(
    axes: Any,
    rows: tuple[StepOverview, ...],
    positions: list[int],
    perspective: Perspective,
    panel: int,
    scale: _Scale,
) -> None:
    """One perspective's bars: a collection of rectangles per mark (one artist, not one per
    segment: a 24-row picture has ~190 segments), and the count written on each wide one, on
    a white box so that it reads over a hatch (the boxes one collection too)."""
    shares = [row.by(perspective) for row in rows]
    starts = [0.0] * len(rows)
    boxes: list[list[tuple[float, float]]] = []
    for key, _, fill, hatch in SEGMENTS:
        widths = [s.share(key) for s in shares]
        bars = [
            _rectangle(start, position, width)
            for start, position, width in zip(starts, positions, widths, strict=True)
            if width > 0
        ]
        collection = PolyCollection(
            bars, facecolors=fill, edgecolors="#333333", linewidths=0.5, hatch=hatch or None
        )
        collection.set_gid(f"p{panel}-{key.replace(' ', '-')}")
        axes.add_collection(collection, autolim=False)
        for n, (share, width, start) in enumerate(zip(shares, widths, starts, strict=True)):
            if width >= 0.07:
                count = str(share.count(key))
                boxes.append(scale.box(start + width / 2, positions[n], count))
                axes.text(
                    start + width / 2, positions[n], count, ha="center", va="center", fontsize=6.5
                )
        starts = [s + w for s, w in zip(starts, widths, strict=True)]
    axes.add_collection(
        PolyCollection(boxes, facecolors="white", edgecolors="none", zorder=2.5), autolim=False
    )
    for n, share in enumerate(shares):
        if not share.voices:
            axes.text(0.5, positions[n], "no voices", ha="center", va="center", fontsize=6.5)
    axes.set_xlim(0, 1)
    axes.set_ylim(-0.6, len(rows) - 0.4)
    axes.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    axes.set_xticks([0, 0.25, 0.5, 0.75, 1])
    # A fixed place: matplotlib would measure the whole axes to find one.
    axes.set_title(f"{perspective.label}: share of voices", fontsize=8, loc="left", y=1.0, pad=4)
    axes.spines[["top", "right"]].set_visible(False)


class _Scale:
    """Points to data units in a panel (the frame is fixed, so this is known before drawing)."""

    COUNT_SIZE = 6.5  # points, the counts on the bars
    PAD = 1.6  # points beside a count on its white box (a hatch's dot must not touch it)

    def __init__(self, x_points: float, y_points: float) -> None:
        self.x_points, self.y_points = x_points, y_points  # points in one data unit

    def box(self, x: float, y: float, count: str) -> list[tuple[float, float]]:
        half_width = (text_width(count, self.COUNT_SIZE) / 2 + self.PAD) / self.x_points
        half_height = (self.COUNT_SIZE * 0.6 + 0.6) / self.y_points
        return [
            (x - half_width, y - half_height),
            (x + half_width, y - half_height),
            (x + half_width, y + half_height),
            (x - half_width, y + half_height),
        ]


def _rectangle(x: float, y: float, width: float) -> list[tuple[float, float]]:
    top, bottom = y + BAR / 2, y - BAR / 2
    return [(x, bottom), (x + width, bottom), (x + width, top), (x, top)]


def _legend() -> list[Patch]:
    """The four marks' fills and hatches, as the bars draw them."""
    return [
        Patch(facecolor=fill, edgecolor="#333333", linewidth=0.5, hatch=hatch or None, label=label)
        for _, label, fill, hatch in SEGMENTS
    ]
