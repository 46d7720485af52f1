"""A PDF's writing as a share of the job's bar: forward at every page, whatever the estimate."""

from __future__ import annotations

import pytest

from tocapp.exports.comparison_document import WritingEvent
from tocapp.services.report_progress import PdfWriting


def _one_document(pages: int) -> list[WritingEvent]:
    return [
        WritingEvent("part", 1, 1),
        WritingEvent("step", 3),
        WritingEvent("step", 4),
        *(WritingEvent("layout", n) for n in range(1, pages + 1)),
        *(WritingEvent("drawing", n) for n in range(1, pages + 1)),
        WritingEvent("step", 7),
    ]


@pytest.mark.parametrize("estimated", [1, 40, 400])
def test_every_page_moves_the_bar_whether_the_estimate_is_short_or_long(estimated):
    writing = PdfWriting(pages=estimated)
    told = [writing.event(event) for event in _one_document(120)]
    shares = [share for share, _ in told]
    assert all(a < b for a, b in zip(shares, shares[1:], strict=False))
    assert shares[0] > 0 and shares[-1] < 1
    words = [stage for _, stage in told]
    assert words[3] == "Writing the PDF: page 1" and words[122] == "Writing the PDF: page 120"
    assert words[123] == "Writing the PDF: drawing page 1 of 120"
    assert words[-1] == "Writing the PDF: finishing the file"


def test_parts_share_the_bar_and_the_join_comes_last():
    writing = PdfWriting(pages=6)
    events = []
    for part, pages in ((1, (1, 2, 3)), (2, (4, 5, 6, 7, 8))):  # the second is longer than thought
        events.append(WritingEvent("part", part, 2))
        events += [WritingEvent("layout", n) for n in pages]
        events += [WritingEvent("drawing", n) for n in pages]
    events += [WritingEvent("step", 7), *(WritingEvent("joining", n) for n in range(1, 9))]
    told = [writing.event(event) for event in events]
    shares = [share for share, _ in told]
    assert all(a < b for a, b in zip(shares, shares[1:], strict=False)) and shares[-1] < 1
    assert told[0][1] == "Writing the PDF: part 1 of 2"
    assert told[8][1] == "Writing the PDF: part 2 of 2 (page 4)"
    assert told[13][1] == "Writing the PDF: part 2 of 2 (drawing page 4 of 8)"
    assert told[-1][1] == "Writing the PDF: joining the 2 parts (page 8 of 8)"
    begun = [share for (share, _), e in zip(told, events, strict=True) if e.phase == "part"]
    assert begun[1] < 0.5 < told[-10][0]  # the second part's own half, before the join


def test_charts_drawn_first_move_the_bar_and_the_document_follows_them():
    writing = PdfWriting(pages=3)
    events = [WritingEvent("chart", n, 21) for n in range(1, 22)] + _one_document(3)
    told = [writing.event(event) for event in events]
    shares = [share for share, _ in told]
    assert all(a < b for a, b in zip(shares, shares[1:], strict=False)) and shares[-1] < 1
    assert told[2][1] == "Writing the PDF: drawing the charts (3 of 21)"
    assert 0.3 < shares[20] <= 0.5  # the charts take their share, the pages the rest
    assert told[21][1] == "Writing the PDF"
