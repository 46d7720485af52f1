"""A chart drawn while the request goes on (``chart_images.start_inline_chart``): Graphviz runs in
its own process, waited for by a thread, and the result is the same drawing, kept for the page
and for the downloads; a failure in that thread is the page's message, as before."""

from __future__ import annotations

import threading
from typing import Any

from tests.render.helpers import small_chart
from tocapp.render import RenderError, flowchart_to_dot, render_dot, svg_for_inline
from tocapp.web import chart_images


def test_drawn_alongside_it_is_the_same_drawing_and_is_kept(app, monkeypatch):
    chart = small_chart()
    waited_in: list[threading.Thread] = []

    def drawing(*args: Any, **kwargs: Any) -> bytes:
        waited_in.append(threading.current_thread())
        return render_dot(*args, **kwargs)

    monkeypatch.setattr(chart_images, "render_dot", drawing)
    pending = chart_images.start_inline_chart(chart, "Small school")
    drawing_made = pending.result()
    assert waited_in and waited_in[0] is not threading.main_thread()
    expected = svg_for_inline(render_dot(flowchart_to_dot(chart)), "Small school")
    assert drawing_made.svg == expected and drawing_made.problem is None
    # Kept: the inline SVG and the plain drawing for the downloads; Graphviz does not run again.
    monkeypatch.setattr(chart_images, "render_dot", _refuse)
    assert chart_images.inline_chart(chart, "Small school").svg == expected
    assert chart_images.draw(chart, "svg") == render_dot(flowchart_to_dot(chart))


def test_a_failure_in_the_drawing_thread_is_the_pages_message_and_is_not_kept(app, monkeypatch):
    def too_slow(*_args: Any, **_kwargs: Any) -> bytes:
        raise RenderError("Drawing the chart took longer than 5 seconds.")

    monkeypatch.setattr(chart_images, "render_dot", too_slow)
    made = chart_images.start_inline_chart(small_chart(), "Small school").result()
    assert made.svg is None and made.problem == "Drawing the chart took longer than 5 seconds."
    monkeypatch.undo()
    assert chart_images.inline_chart(small_chart(), "Small school").svg is not None


def test_a_chart_already_drawn_for_a_download_is_only_made_fit_to_inline(app, monkeypatch):
    chart = small_chart()
    plain = chart_images.draw(chart, "svg")
    monkeypatch.setattr(chart_images, "render_dot", _refuse)
    made = chart_images.start_inline_chart(chart, "Small school").result()
    assert made.svg == svg_for_inline(plain, "Small school")


def _refuse(*_args: Any, **_kwargs: Any) -> bytes:
    raise AssertionError("Graphviz ran again")
