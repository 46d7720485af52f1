"""Small stacked bar charts of marks, drawn as SVG by matplotlib.

One chart per theme × group: a horizontal bar per category (a role, or a setting), its segments the
steps marked achieved, partly achieved, elusive and not discussed. Each segment carries a hatch as
well as a fill, and its count is written on it, so the chart reads in greyscale; text stays text in
the SVG (``svg.fonttype = none``) and the output is the same bytes for the same counts.

Drawing one takes matplotlib tens of milliseconds, so finished charts are kept in the render cache
named by their data (title, labels, counts, id prefix, ``STYLE_VERSION`` and the renderer's
source): a repeated comparison draws nothing, and changed counts are another name. The app
chooses the folder once at start (``use_chart_cache``); without one, charts are simply drawn.
"""

from __future__ import annotations

import io
import threading
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: charts are only ever files

from matplotlib import pyplot as plt  # noqa: E402  (the backend must be chosen first)
from matplotlib.ticker import MaxNLocator  # noqa: E402

from tocapp.render.drawing_key import content_key  # noqa: E402
from tocapp.render.render_cache import RenderCache  # noqa: E402
from tocapp.render.svg_inline import prefix_svg_ids, styles_as_attributes  # noqa: E402

SEGMENTS: tuple[tuple[str, str, str, str], ...] = (
    # (count key, legend label, fill, hatch)
    ("achieved", "✓ Achieved", "#9fd49a", ""),
    ("partly", "◐ Partly achieved", "#eed796", "//"),
    ("elusive", "✗ Elusive", "#e6a0a0", "xx"),
    ("not discussed", "Not discussed", "#ffffff", ".."),
)
_STYLE: dict[str, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "tocapp",
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "hatch.linewidth": 0.6,
}


# Bump when the drawing changes for a reason outside the render package's source (matplotlib).
STYLE_VERSION = "1"

_cache: RenderCache | None = None


def use_chart_cache(cache: RenderCache | None) -> None:
    """Keep drawn charts in this cache (the app's render cache), or draw every time (None).

    Process-wide, like pyplot itself: charts are drawn by services and the job worker, which
    have no request to ask for a folder.
    """
    global _cache
    _cache = cache


def stacked_mark_bars(
    title: str, bars: Sequence[tuple[str, Counter[str]]], *, id_prefix: str = ""
) -> str:
    """An SVG element: one bar per (label, counts) with the marks stacked left to right.

    Each bar segment is an SVG group with id ``<id_prefix>bar-<n>-<mark>``, n counting bars from
    0; give each chart on a page its own ``id_prefix`` so that no two ids collide.
    """

    def make() -> bytes:
        out = io.StringIO()
        _draw(title, bars, out, "svg")
        return styles_as_attributes(prefix_svg_ids(out.getvalue(), id_prefix)).encode("utf-8")

    return _cached(_chart_key("svg", title, bars, id_prefix), "bars.svg", make).decode("utf-8")


def stacked_mark_bars_png(
    title: str, bars: Sequence[tuple[str, Counter[str]]], dpi: int = 200
) -> bytes:
    """The same chart as a PNG, for Word documents."""

    def make() -> bytes:
        out = io.BytesIO()
        _draw(title, bars, out, "png", dpi)
        return out.getvalue()

    return _cached(_chart_key("png", title, bars, dpi), "bars.png", make)


def _chart_key(
    fmt: str, title: str, bars: Sequence[tuple[str, Counter[str]]], *extra: object
) -> str:
    """Exactly what the drawing shows: the title, each bar's label and its count of each mark."""
    counts = tuple(
        (label, tuple(counter.get(key, 0) for key, *_ in SEGMENTS)) for label, counter in bars
    )
    return content_key("mark-bars", STYLE_VERSION, fmt, title, counts, *extra)


def drawn_once(suffix: str, make: Callable[[], bytes], *data: object) -> bytes:
    """``make()``'s chart, kept in the chart cache under a name made from ``data``, which must
    be everything the chart shows (plain values whose ``repr`` shows all of them) and what
    kind of chart it is. For other matplotlib charts, so that they too are drawn once."""
    return _cached(content_key("chart", STYLE_VERSION, suffix, *data), suffix, make)


def kept_already(suffix: str, *data: object) -> bool:
    """Whether ``drawn_once(suffix, make, *data)`` would find its chart in the chart cache."""
    cache = _cache
    key = content_key("chart", STYLE_VERSION, suffix, *data)
    return cache is not None and cache.path_for_key(key, suffix).is_file()


def _cached(key: str, suffix: str, make: Callable[[], bytes]) -> bytes:
    cache = _cache
    return make() if cache is None else cache.get_or_make(key, suffix, make)


# pyplot's style (rc_context), its figure registry and the warnings filter are process-wide, so
# two threads drawing at once (the job worker runs reports side by side) could swap styles: text
# drawn as paths, a chart in the other's fonts. One chart is drawn at a time.
_DRAWING = threading.Lock()


def _draw(
    title: str,
    bars: Sequence[tuple[str, Counter[str]]],
    out: io.StringIO | io.BytesIO,
    fmt: str,
    dpi: int = 100,
) -> None:
    with _DRAWING:
        _draw_alone(title, bars, out, fmt, dpi)


def _draw_alone(
    title: str,
    bars: Sequence[tuple[str, Counter[str]]],
    out: io.StringIO | io.BytesIO,
    fmt: str,
    dpi: int,
) -> None:
    # Labels are people's words: an emoji DejaVu Sans lacks only makes matplotlib measure that
    # letter roughly. In SVG the text stays text and the browser or WeasyPrint draws it.
    with (
        warnings.catch_warnings(),
        plt.rc_context(_STYLE),  # type: ignore[arg-type]  # matplotlib types keys as literals
    ):
        warnings.filterwarnings(
            "ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning
        )
        height = 0.7 + 0.32 * max(len(bars), 1)
        figure, axes = plt.subplots(figsize=(5.2, height))
        labels = [label for label, _ in bars]
        positions = list(range(len(bars)))[::-1]  # the first bar at the top
        starts = [0] * len(bars)
        for key, legend, fill, hatch in SEGMENTS:
            widths = [counts.get(key, 0) for _, counts in bars]
            patches = axes.barh(
                positions,
                widths,
                left=starts,
                color=fill,
                edgecolor="#333333",
                linewidth=0.6,
                hatch=hatch,
                label=legend,
                height=0.62,
            )
            for n, (patch, width, start) in enumerate(zip(patches, widths, starts, strict=True)):
                patch.set_gid(f"bar-{n}-{key.replace(' ', '-')}")
                if width:
                    axes.text(
                        start + width / 2,
                        positions[n],
                        str(width),
                        ha="center",
                        va="center",
                        fontsize=7,
                        bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none"},
                    )
            starts = [s + w for s, w in zip(starts, widths, strict=True)]
        axes.set_yticks(positions, labels)
        axes.set_xlabel("steps")
        axes.set_title(title, loc="left", fontsize=9, fontweight="bold")
        axes.spines[["top", "right"]].set_visible(False)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        figure.legend(
            loc="lower center", ncols=4, frameon=False, fontsize=7, bbox_to_anchor=(0.5, -0.02)
        )
        figure.tight_layout(rect=(0, 0.12, 1, 1))
        metadata = {"Date": None, "Creator": "tocapp"} if fmt == "svg" else {"Software": "tocapp"}
        figure.savefig(out, format=fmt, dpi=dpi, metadata=metadata)
        plt.close(figure)
