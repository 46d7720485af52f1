"""The comparison's matplotlib charts are kept by their data: a repeat draws nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tocapp.render import mark_charts
from tocapp.render.render_cache import RenderCache

BARS = [
    ("Headteacher", Counter({"achieved": 3, "elusive": 1})),
    ("Teacher", Counter({"partly": 2, "not discussed": 4})),
]


@pytest.fixture
def drawings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A cache in a folder of its own, and the titles of the charts matplotlib really drew."""
    drawn: list[str] = []
    real = mark_charts._draw_alone

    def counting(title: str, *args: object) -> None:
        drawn.append(title)
        real(title, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(mark_charts, "_draw_alone", counting)
    monkeypatch.setattr(mark_charts, "_cache", RenderCache(tmp_path / "cache"))
    yield drawn


def test_the_same_chart_again_is_read_not_drawn_and_is_the_same_bytes(drawings):
    first = mark_charts.stacked_mark_bars("Outcomes · Children", BARS, id_prefix="chart-0-")
    again = mark_charts.stacked_mark_bars("Outcomes · Children", BARS, id_prefix="chart-0-")
    assert again == first and first.startswith("<svg")
    assert drawings == ["Outcomes · Children"]
    png = mark_charts.stacked_mark_bars_png("Outcomes · Children", BARS)
    assert mark_charts.stacked_mark_bars_png("Outcomes · Children", BARS) == png
    assert drawings == ["Outcomes · Children"] * 2  # one SVG, one PNG
    assert png.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "title, bars, prefix",
    [
        (
            "Outcomes · Children",
            [BARS[0], ("Teacher", Counter({"partly": 3, "not discussed": 3}))],
            "c-",
        ),
        ("Outcomes · Children", [BARS[0], ("Teaching assistant", BARS[1][1])], "c-"),
        ("Outcomes · Children", BARS[::-1], "c-"),
        ("Outcomes · Staff", BARS, "c-"),
        ("Outcomes · Children", BARS, "d-"),
    ],
    ids=["a count", "a label", "the order", "the title", "the id prefix"],
)
def test_changed_data_is_drawn_anew(drawings, title, bars, prefix):
    before = mark_charts.stacked_mark_bars("Outcomes · Children", BARS, id_prefix="c-")
    after = mark_charts.stacked_mark_bars(title, bars, id_prefix=prefix)
    assert len(drawings) == 2 and after != before


def test_counts_of_no_drawn_kind_and_zero_counts_name_the_same_chart(drawings):
    """The key is what the chart shows: a zero, or a kind of mark no bar draws, changes nothing."""
    mark_charts.stacked_mark_bars("T", [("Head", Counter({"achieved": 2}))])
    mark_charts.stacked_mark_bars("T", [("Head", Counter({"achieved": 2, "elusive": 0}))])
    assert len(drawings) == 1


def test_without_a_cache_every_chart_is_drawn(drawings, monkeypatch):
    monkeypatch.setattr(mark_charts, "_cache", None)
    mark_charts.stacked_mark_bars("T", BARS)
    mark_charts.stacked_mark_bars("T", BARS)
    assert len(drawings) == 2


def test_other_charts_are_drawn_once_by_their_data(drawings):
    made: list[int] = []

    def make() -> bytes:
        made.append(1)
        return b"<svg>overview</svg>"

    for data in (("overview", (1, 2)), ("overview", (1, 2)), ("overview", (1, 3))):
        assert mark_charts.drawn_once("chart.svg", make, *data) == b"<svg>overview</svg>"
    assert len(made) == 2
