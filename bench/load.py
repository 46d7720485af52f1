"""Several interviewers saving at once through gunicorn, on SQLite and on PostgreSQL: is anything
lost, does anything fail, and how long does a save take?

For each engine it builds a study (a mapped setting and two return interviews), starts gunicorn
on a free loopback port (4 workers), and lets N annotators (default 8) each log in and make W
writes (default 100: notes and marks alternately, half the annotators on each interview, so they
contend for the same note numbers). It then counts the notes in the database. "lost" is writes
answered as saved whose note is missing, "errors" any answer but a redirect. PostgreSQL runs in a
throwaway cluster in a temporary folder (as the tests' does).

    .venv/bin/python bench/load.py [--annotators 8] [--writes 100] [--engines sqlite postgresql]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from tocapp import create_app  # noqa: E402
from tocapp.extensions import db  # noqa: E402
from tocapp.models import VoiceNote  # noqa: E402
from tocapp.services import flowcharts, interviews, participants, studies, voices  # noqa: E402
from tocapp.services.schedules import ensure_built_in_schedules  # noqa: E402
from tocapp.services.users import create_user  # noqa: E402

PASSWORD = "load-bench-password"


def build(uri: str, annotators: int) -> dict[str, Any]:
    """The study, its two voices and the annotators' accounts; returns what the clients need."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "load-bench"})
    with app.app_context():
        db.create_all()
        ensure_built_in_schedules(db.session)
        owner = create_user(db.session, None, "owner@load.test", "Owner", PASSWORD)
        project = studies.create_project(db.session, owner, studies.ProjectFields("Load study"))
        setting = studies.add_setting(
            db.session, None, project, studies.SettingFields("School", "LD")
        )
        version = flowcharts.current_version(db.session, setting)
        group = project.groups[0].id
        steps = [
            flowcharts.add_step(
                db.session, None, version, flowcharts.StepFields(t, group, f"Step {i}")
            )
            for i, t in enumerate(["situation", "action", "outcome"] * 4)
        ]
        started = []
        for role in ("Teacher", "Teaching assistant"):
            person = participants.add_participant(
                db.session,
                None,
                setting,
                participants.ParticipantFields(role, "practice", consent_participate=True),
            )
            started.append(
                voices.start_return_interview(
                    db.session,
                    None,
                    setting,
                    interviews.InterviewFields(
                        project.rounds[1].id, date(2026, 7, 1), "video", people=[(person.id, role)]
                    ),
                )
            )
        emails = []
        for n in range(annotators):
            user = create_user(db.session, None, f"a{n}@load.test", f"Annotator {n}", PASSWORD)
            studies.add_member(db.session, None, project, user.email, studies.Role.INTERVIEWER)
            emails.append(user.email)
        db.session.commit()
        found = {
            "project": project.id,
            "interviews": [i.id for i in started],
            "steps": [s.id for s in steps],
            "emails": emails,
        }
        db.session.remove()
        db.engine.dispose()
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def gunicorn(uri: str, folder: Path) -> Any:
    port = free_port()
    env = {
        **os.environ,
        "TOCAPP_SQLALCHEMY_DATABASE_URI": uri,
        "TOCAPP_SECRET_KEY": "load-bench",
        "TOCAPP_RENDER_CACHE_DIR": str(folder / "cache"),
        "TOCAPP_JOBS_QUEUE": "immediate",
    }
    log = open(folder / "gunicorn.log", "wb")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/login", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def annotator(
    base: str, email: str, plan: list[tuple[str, dict[str, str]]], out: dict[str, Any]
) -> None:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)

    def post(path: str, fields: dict[str, str]) -> int:
        data = urllib.parse.urlencode(fields).encode()
        try:
            return int(opener.open(base + path, data=data, timeout=60).status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    page = opener.open(base + "/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    post("/login", {"csrf_token": token, "email": email, "password": PASSWORD})
    out["barrier"].wait()
    for path, fields in plan:
        start = time.perf_counter()
        status = post(path, {"csrf_token": token, **fields})
        out["latency"].append(time.perf_counter() - start)
        out["statuses"].append(status)
        if status == 303 and "text" in fields:
            out["saved_notes"].append(fields["text"])


def run(engine: str, uri: str, folder: Path, annotators: int, writes: int) -> dict[str, Any]:
    ids = build(uri, annotators)
    out: dict[str, Any] = {
        "latency": [],
        "statuses": [],
        "saved_notes": [],
        "barrier": threading.Barrier(annotators),
    }
    with gunicorn(uri, folder) as base:
        threads = []
        for n, email in enumerate(ids["emails"]):
            interview = ids["interviews"][n % 2]
            voice = f"/studies/{ids['project']}/interviews/{interview}/voice"
            plan = []
            for i in range(writes):
                step = str(ids["steps"][(n + i) % len(ids["steps"])])
                if i % 2 == 0:
                    plan.append((voice + "/notes", {"text": f"a{n} w{i}", "step_id": step}))
                else:
                    mark = ("achieved", "partly", "elusive")[(n + i) % 3]
                    plan.append((voice + "/marks", {"step_id": step, "mark": mark}))
            threads.append(threading.Thread(target=annotator, args=(base, email, plan, out)))
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "load-bench"})
    with app.app_context():
        texts = set(db.session.scalars(select(VoiceNote.text)))
        numbers_ok = all(
            db.session.scalar(select(func.count(VoiceNote.id)).where(VoiceNote.interview_id == i))
            == db.session.scalar(
                select(func.max(VoiceNote.number)).where(VoiceNote.interview_id == i)
            )
            for i in ids["interviews"]
        )
        db.engine.dispose()
    latency = sorted(out["latency"])
    return {
        "engine": engine,
        "writes": len(out["statuses"]),
        "lost": sum(1 for t in out["saved_notes"] if t not in texts),
        "errors": sum(1 for s in out["statuses"] if s != 303),
        "p50": statistics.median(latency) * 1000,
        "p95": latency[int(0.95 * (len(latency) - 1))] * 1000,
        "per_second": len(latency) / elapsed,
        "numbers_ok": numbers_ok,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotators", type=int, default=8)
    parser.add_argument("--writes", type=int, default=100)
    parser.add_argument("--engines", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    rows = []
    with ExitStack() as stack:
        for engine in args.engines:
            folder = Path(tempfile.mkdtemp(prefix=f"tocapp-load-{engine}-"))
            if engine == "sqlite":
                uri = f"sqlite:///{folder / 'load.sqlite'}"
            else:
                from tests.postgres_server import new_database, postgres_cluster

                # The folder itself: as root the server runs as postgres, who must own it.
                template = stack.enter_context(postgres_cluster(folder))
                uri = new_database(template, "load")
            rows.append(run(engine, uri, folder, args.annotators, args.writes))
    print(f"{args.annotators} annotators × {args.writes} writes through gunicorn (4 workers)")
    print(
        "| engine | writes | lost | errors | p50 (ms) | p95 (ms) | writes/s | note numbers 1..n |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        print(
            f"| {r['engine']} | {r['writes']} | {r['lost']} | {r['errors']} | {r['p50']:.0f} | "
            f"{r['p95']:.0f} | {r['per_second']:.0f} | {'yes' if r['numbers_ok'] else 'NO'} |"
        )


if __name__ == "__main__":
    main()
