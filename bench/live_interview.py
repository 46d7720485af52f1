"""How quickly a mark saved on the voice page shows, in a real browser, beside the plain form.

Run with ``.venv/bin/python bench/live_interview.py [--runs 21]`` (needs ``setup.sh
--with-test-tools`` for Debian's Chromium).

It loads the demo study into a throwaway SQLite database, serves the app on a loopback port
(Werkzeug, threaded) and opens the teaching assistant's return interview at 1366×768 in headless
Chromium twice: with JavaScript (htmx) and without (plain forms). After warming up, it alternates:

- **live**: focus a step of the drawing and press ``A`` / ``P`` (alternately, so every press
  changes the mark). Listeners in the page time the key press, htmx's answer
  (``htmx:afterRequest``) and the moment the live region says the save; the page never loads again.
- **plain form** (the baseline): click the step's mark button with JavaScript off and wait for
  the redirected page to load.

It prints, median (min–max): key → server's answer, server's answer → chart redrawn and the save
announced (the issue's target: ~200 ms), key → announced, and the plain form's click → page loaded.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tocapp import create_app  # noqa: E402
from tocapp.extensions import db  # noqa: E402
from tocapp.services.demo import load_demo_study  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
LAPTOP = {"width": 1366, "height": 768}
TIMERS = """() => {
  window.__bench = [];
  let current = null;
  document.addEventListener('keydown', () => { current = {key: performance.now()}; }, true);
  document.body.addEventListener('htmx:afterRequest', () => {
    if (current && current.answer === undefined) { current.answer = performance.now(); }
  });
  new MutationObserver(() => {
    const said = document.getElementById('annotate-status').textContent;
    if (current && / saved for /.test(said)) {
      current.said = performance.now(); window.__bench.push(current); current = null;
    }
  }).observe(document.getElementById('annotate-status'), {childList: true, subtree: true,
                                                          characterData: true});
}"""


def _login(page: Page, base: str, email: str, password: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")


def _live_once(page: Page, key: str, count: int) -> dict[str, float]:
    page.keyboard.press(key)
    page.wait_for_function("n => window.__bench.length >= n", arg=count, timeout=30_000)
    return dict(page.evaluate("n => window.__bench[n - 1]", count))


def _plain_once(page: Page, value: str) -> float:
    started = time.perf_counter()
    with page.expect_navigation(wait_until="load"):
        page.click(f"#voice-steps > li.voice-step >> nth=0 >> button[value={value}]")
    return (time.perf_counter() - started) * 1000


def _summary(name: str, values: list[float]) -> str:
    return (
        f"{name:<38} {statistics.median(values):7.0f} ms "
        f"({min(values):.0f}–{max(values):.0f}, n={len(values)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="measured runs of each (default 21)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
                "INSTANCE_PATH": folder,
                "JOBS_QUEUE": "immediate",
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            db.create_all()
            login = load_demo_study(db.session)
            db.session.commit()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        voice = f"{base}/studies/{login.project_id}/interviews/2/voice"
        live_times: dict[str, list[float]] = {"answer": [], "redrawn": [], "said": []}
        plain_times: list[float] = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            live = browser.new_context(viewport=LAPTOP).new_page()
            plain = browser.new_context(viewport=LAPTOP, java_script_enabled=False).new_page()
            for page in (live, plain):
                _login(page, base, login.email, login.password)
                page.goto(voice)
            live.evaluate(TIMERS)
            live.focus("#flowchart-figure svg g.step >> nth=0")
            count = 0
            for run in range(args.runs + 3):  # three warm-up rounds
                count += 1
                timing = _live_once(live, "a" if run % 2 else "p", count)
                plain_ms = _plain_once(plain, "achieved" if run % 2 else "partly")
                if run < 3:
                    continue
                live_times["answer"].append(timing["answer"] - timing["key"])
                live_times["redrawn"].append(timing["said"] - timing["answer"])
                live_times["said"].append(timing["said"] - timing["key"])
                plain_times.append(plain_ms)
            browser.close()
        server.shutdown()
    print("Voice page of the demo (NUR teaching assistant), 1366×768, headless Chromium")
    print(_summary("live: key → server's answer", live_times["answer"]))
    print(_summary("live: answer → redrawn and announced", live_times["redrawn"]))
    print(_summary("live: key → announced", live_times["said"]))
    print(_summary("plain form: click → page loaded", plain_times))
    ratio = statistics.median(plain_times) / statistics.median(live_times["said"])
    print(f"plain form ÷ live (medians): {ratio:.1f}")


if __name__ == "__main__":
    main()
