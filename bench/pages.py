"""The pages people open most, at the size of a big evaluation: 300 settings, 30 steps a chart,
8 voices per setting in each of 4 return rounds (9,900 interviews, about 170,000 marks).

    .venv/bin/python bench/pages.py [--settings 300] [--runs 15] [--engine sqlite|postgresql]

It builds the study in a throwaway SQLite database (or a database in a throwaway PostgreSQL
cluster, as ``tests/postgres_server.py`` makes for the tests), logs in with a test client, and
for each page — the study, a setting, coverage, every voice, one voice's annotate page and the
flowchart — times the server (the whole request through the app: login check, request wrapper,
queries, template) beside a baseline run alternately in the same process: a bare endpoint behind
the same login and request wrapper. It warms both up first and prints the median, min and max,
the ratio to the baseline, the size of the page and the number of SQL statements it ran, which
must not grow with the study: the same pages on a 30-setting study are counted beside it
(where coverage still shows every round, a line per person: up to 40 settings it is shown so).

The flowchart drawing is cached (``instance/render-cache``): the voice, every-voice and flowchart
pages are measured with their drawing already in the cache, as a reader finds them. Coverage and
every voice keep their HTML under the study's revision (``web.kept_html``), as the flowchart page
and the comparison do: each is timed as a repeat view finds it and, as "1st", with its kept HTML
removed before each request (the first reader after any change in the study; the drawing, found
by its data, stays).

It also times the comparison of the first 50 settings in the latest round: its overview (the
summary, without each setting's matrix) and the whole page (``COMPARISON_PAGE_MAX`` raised to 50
for it), each also as its first view ("1st": the page's kept HTML removed before each request, as
after a change elsewhere in the study, so the report is built again from the database; its charts
are found by their data). Their statements are as many for the 50 settings chosen as for the
small study's 30: the chosen settings' voices, charts, versions and coverage are read as rows, all
at once (``services.voice_rows``, ``services.comparison_rows``).

Target (issue 12): each page ≤ 50 ms of server time at 300 settings; the comparison overview of 50
settings ≤ 1 s and its full page ≤ 2 s.
"""

from __future__ import annotations

import argparse
import atexit
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent))

from sqlalchemy import event, select  # noqa: E402
from synthetic_study import build_study  # noqa: E402

from tocapp import create_app  # noqa: E402
from tocapp.extensions import db  # noqa: E402
from tocapp.models import Interview, Setting  # noqa: E402
from tocapp.services.schedules import ensure_built_in_schedules  # noqa: E402
from tocapp.services.users import create_user  # noqa: E402

EMAIL = "pages@bench.test"
PASSWORD = "sixteen quiet lanterns"
RETURN_ROUNDS = 4
COMPARED = 50  # settings in the comparison measured (issue 12: overview ≤ 1 s, full page ≤ 2 s)


def build(database: str | None, settings: int) -> tuple[Any, Any, dict[str, str]]:
    """The app, a logged-in client, and the address of each page on a study of ``settings``."""
    folder = Path(tempfile.mkdtemp(prefix="tocapp-bench-pages-"))
    atexit.register(shutil.rmtree, folder, True)  # the database and drawings go at the end
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database or f"sqlite:///{folder / 'bench.sqlite'}",
            "SECRET_KEY": "pages-bench",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "JOBS_QUEUE": "immediate",
            "RENDER_CACHE_DIR": str(folder / "render-cache"),
            "REPORTS_DIR": str(folder / "reports"),
            # The full comparison of 50 settings on one page (40 by default), to time it.
            "COMPARISON_PAGE_MAX": COMPARED,
        }
    )

    @app.get("/bench-baseline")
    def baseline() -> str:  # behind the same login check and request wrapper
        return "ok"

    with app.app_context():
        db.create_all()
        ensure_built_in_schedules(db.session)
        owner = create_user(db.session, None, EMAIL, "Evaluator", PASSWORD)
        project = build_study(db.session, owner, settings, return_rounds=RETURN_ROUNDS)
        db.session.commit()
        pid = project.id
        middle = db.session.scalars(
            select(Setting).where(Setting.project_id == pid).order_by(Setting.code)
        ).all()[settings // 2]
        voice = db.session.scalars(
            select(Interview)
            .where(Interview.setting_id == middle.id, Interview.version_id.is_not(None))
            .order_by(Interview.held_on.desc(), Interview.id.desc())
        ).first()
        assert voice is not None
        sid, iid = middle.id, voice.id
        compared = db.session.scalars(
            select(Setting.id).where(Setting.project_id == pid).order_by(Setting.code)
        ).all()[:COMPARED]
    client = app.test_client()
    client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    study = f"/studies/{pid}"
    chosen = "&".join(f"setting={n}" for n in compared)
    urls = {
        "study": study,
        "setting": f"{study}/settings/{sid}",
        "coverage": f"{study}/coverage",
        "coverage, a setting": f"{study}/coverage?setting={sid}",
        "every voice": f"{study}/settings/{sid}/voices",
        "voice (annotate)": f"{study}/interviews/{iid}/voice",
        "flowchart": f"{study}/settings/{sid}/flowchart",
        "comparison overview": f"{study}/comparison?{chosen}&detail=off",
        "comparison, full": f"{study}/comparison?{chosen}",
    }
    return app, client, urls


def timed(client: Any, url: str) -> float:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def statements(app: Any, client: Any, url: str) -> tuple[int, int]:
    """The SQL statements one request of ``url`` runs, and the size of its page in bytes."""
    count = 0

    def counter(*_args: Any) -> None:
        nonlocal count
        count += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return count, len(response.get_data())


# The HTML pages keep under the study's revision (``web.kept_html``): gone, it is a first view.
KEPT_PAGES = (
    "*.comparison.html",
    "*.coverage.html",
    "*.coverage-round.html",
    "*.every-voice.html",
)


def alternate(
    measured: Callable[[], float], baseline: Callable[[], float], runs: int
) -> tuple[list[float], list[float]]:
    for _ in range(3):  # warm up both (the first request of a page also fills the chart cache)
        measured(), baseline()
    ours, base = [], []
    for _ in range(runs):
        ours.append(measured())
        base.append(baseline())
    return ours, base


def ms(samples: list[float]) -> str:
    return (
        f"{statistics.median(samples) * 1000:7.1f} ms "
        f"({min(samples) * 1000:.1f}–{max(samples) * 1000:.1f})"
    )


def run(args: argparse.Namespace, database: str | None, small_database: str | None) -> None:
    small = max(1, args.settings // 10)
    small_app, small_client, small_urls = build(small_database, small)
    started = time.perf_counter()
    app, client, urls = build(database, args.settings)
    with app.app_context():
        interviews = db.session.query(Interview).count()
    print(
        f"{args.settings} settings, {interviews:,} interviews built in "
        f"{time.perf_counter() - started:.0f} s"
    )
    engine = "PostgreSQL" if database else "SQLite"
    print(f"\nServer time, {engine}, median (min–max) of {args.runs}, alternating with a baseline")
    print(
        f"{'page':<24}{'server time':>28}{'baseline':>24}{'ratio':>8}{'KB':>7}"
        f"{'SQL':>6}{f'at {small}':>8}"
    )
    cache = Path(app.config["RENDER_CACHE_DIR"])

    def forget_pages(folder: Path) -> None:
        for pattern in KEPT_PAGES:
            for kept in folder.rglob(pattern):
                kept.unlink()

    def first_view(url: str) -> float:
        """As the first reader after a change elsewhere in the study finds it: the page is built
        again from the database; the comparison's charts, whose data did not change, are kept."""
        forget_pages(cache)
        return timed(client, url)

    measured = [(name, url, False) for name, url in urls.items()]
    kept = ("comparison", "coverage", "every voice")  # pages that keep their HTML
    measured += [(f"{n}, 1st", u, True) for n, u in urls.items() if n.startswith(kept)]
    for name, url, first in measured:
        ours, base = alternate(
            (lambda url=url: first_view(url)) if first else (lambda url=url: timed(client, url)),
            lambda: timed(client, "/bench-baseline"),
            args.runs,
        )
        ratio = statistics.median(ours) / statistics.median(base)
        small_url = small_urls[name.removesuffix(", 1st")]
        small_client.get(small_url)  # drawn and kept, as the large study's in the warm-up
        if first:  # both counted as first views
            forget_pages(cache)
            forget_pages(Path(small_app.config["RENDER_CACHE_DIR"]))
        count, size = statements(app, client, url)
        small_count, _ = statements(small_app, small_client, small_url)
        print(
            f"{name:<24}{ms(ours):>28}{ms(base):>24}{ratio:>7.1f}×{size / 1000:>7.0f}"
            f"{count:>6}{small_count:>8}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--settings", type=int, default=300)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    with ExitStack() as stack:
        database = small_database = None
        if args.engine == "postgresql":
            from tests.postgres_server import empty_database, postgres_cluster

            folder = Path(tempfile.mkdtemp(prefix="tocapp-bench-pages-pg-"))
            stack.callback(shutil.rmtree, folder, True)  # after the cluster has stopped
            template = stack.enter_context(postgres_cluster(folder))
            database = empty_database(template, "pages")
            small_database = empty_database(template, "pages_small")
        run(args, database, small_database)


if __name__ == "__main__":
    main()
