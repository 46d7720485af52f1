"""The every-voice page keeps what it shows of the study as HTML under the study's revision
(``web.kept_html``): a repeat view reads no voice, a change in the study is seen at once, another
choice is another page, and a failed drawing is not kept (readers' rights and made-up queries:
``test_kept_pages.py``)."""

from __future__ import annotations

from typing import Any

from tests.web import test_voices
from tests.web.statements import statements_of
from tests.web.test_voices import _mark, _page, _svg_words
from tocapp.web import chart_images
from tocapp.web.chart_images import InlineChart

# The return-interview tests' study: a mapped chart, and a teaching assistant's voice begun.
setting_with_map = test_voices.setting_with_map
ta_voice = test_voices.ta_voice


def test_a_repeat_view_reads_no_voice_and_is_the_same_page(client: Any, ta_voice: Any) -> None:
    _mark(client, ta_voice, ta_voice["steps"][0], "elusive")
    client.get(ta_voice["all"])  # shows the flashed message, and keeps the page
    first = client.get(ta_voice["all"]).data
    _, sent = statements_of(client, ta_voice["all"])
    read = [s for s in sent if any(t in s for t in ("step_marks", "voice_notes", "steps "))]
    assert not read, read
    assert client.get(ta_voice["all"]).data == first


def test_a_changed_mark_is_seen_at_once(client: Any, ta_voice: Any) -> None:
    env = ta_voice
    step, ta = env["steps"][0], env["ta"].reference
    _mark(client, env, step, "elusive")
    assert f"Teaching assistant ({ta}) ✗" in _svg_words(_page(client, env["all"]))
    _mark(client, env, step, "achieved")
    svg = _svg_words(_page(client, env["all"]))
    assert f"Teaching assistant ({ta}) ✓" in svg and f"Teaching assistant ({ta}) ✗" not in svg


def test_each_choice_gets_its_own_page(client: Any, setting_with_map: Any) -> None:
    env = setting_with_map
    leadership = _page(client, env["all"] + "?audience=leadership")
    assert "Preview." in leadership
    assert "Preview." not in _page(client, env["all"])
    assert client.get(env["all"] + "?version=7").status_code == 404


def test_a_failed_drawing_is_not_kept(client: Any, ta_voice: Any, monkeypatch: Any) -> None:
    env = ta_voice
    _mark(client, env, env["steps"][0], "partly")
    with monkeypatch.context() as patched:
        patched.setattr(chart_images, "inline_chart", lambda *_a, **_k: InlineChart(None, "Slow."))
        assert "The drawing could not be made: Slow." in _page(client, env["all"])
    page = _page(client, env["all"])
    assert "<svg" in page and "could not be made" not in page
