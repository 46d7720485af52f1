"""The Activity page at the size of a year of real use: 100,000 audit entries in one study.

Run with ``python bench/audit_page.py [--entries N] [--runs N] [--engine sqlite|postgresql]``.
It fills a throwaway SQLite database (or one in a throwaway PostgreSQL cluster) with one study
whose chain holds ``--entries`` entries (valid hashes, a realistic mix of people and kinds over a
year), then, with a logged-in test client, times each view of the Activity page beside a
baseline run alternately in the same process: a bare endpoint behind the same login, session and
request wrapper. It prints the median, min and max server time per page, the ratio to the
baseline, and the number of SQL statements per page — which must not grow with the entries (it
also runs the pages on a 1,000-entry study for that). Then it times the whole CSV and
``audit verify`` once.

Target (issue 10): every page ≤ 50 ms at 100,000 entries.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, insert  # noqa: E402

from tocapp import create_app  # noqa: E402
from tocapp.extensions import db  # noqa: E402
from tocapp.models import AuditChain, AuditEntry  # noqa: E402
from tocapp.services import audit_actions, audit_hashing, studies  # noqa: E402
from tocapp.services.audit_verify import verify_trail  # noqa: E402
from tocapp.services.users import create_user  # noqa: E402

PASSWORD = "a bench password nobody guesses"
ACTIONS = [a for a, (kind, _) in audit_actions.ACTIONS.items() if kind not in ("login", "account")]


def fill(project_id: int, user_ids: list[int], count: int) -> None:
    """``count`` entries with a valid chain, written in batches (not through ``audit.record``,
    which would take minutes: the chain and hashes are the same)."""
    key = audit_hashing.chain_key(project_id)
    chain = AuditChain(key=key, project_id=project_id, length=0, head="")
    db.session.add(chain)
    db.session.flush()
    rng = random.Random(10)
    start = datetime(2025, 12, 1)
    head, batch = "", []
    for seq in range(1, count + 1):
        action = rng.choice(ACTIONS)
        changes = audit_hashing.canonical({"text": [f"before {seq}", f"after {seq} " + "x" * 80]})
        entry = AuditEntry(
            chain_id=chain.id,
            seq=seq,
            at=start + timedelta(seconds=seq * 31_536_000 // count),
            user_id=rng.choice(user_ids),
            actor="Bench person",
            address="",
            project_id=project_id,
            action=action,
            kind=audit_actions.ACTIONS[action][0],
            object_type="steps",
            object_id=rng.randrange(1, 5000),
            interview_id=None,
            participant_id=None,
            summary=f"Round 2 · NUR · Teaching assistant (NUR-P02) · entry {seq}",
            changes=changes,
            prev_hash=head,
        )
        entry.changes_digest = audit_hashing.details_digest(entry.summary, changes)
        entry.hash = audit_hashing.entry_hash(key, entry)
        head = entry.hash
        batch.append({c.name: getattr(entry, c.name) for c in AuditEntry.__table__.columns})
        if len(batch) == 5000:
            db.session.execute(insert(AuditEntry), batch)
            batch = []
    if batch:
        db.session.execute(insert(AuditEntry), batch)
    chain.length, chain.head = count, head
    db.session.commit()


def build(database: str | None, entries: int) -> tuple[Any, Any, int, list[int]]:
    folder = Path(tempfile.mkdtemp(prefix="tocapp-bench-audit-"))
    uri = database or f"sqlite:///{folder / 'bench.db'}"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": uri,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "JOBS_QUEUE": "immediate",
            "RENDER_CACHE_DIR": str(folder / "cache"),
            "REPORTS_DIR": str(folder / "reports"),
        }
    )

    @app.get("/bench-baseline")
    def baseline() -> str:  # behind the same login check and request wrapper
        return "ok"

    with app.app_context():
        db.create_all()
        people = [
            create_user(db.session, None, f"person{n}@bench.test", f"Person {n}", PASSWORD)
            for n in range(8)
        ]
        project = studies.create_project(db.session, people[0], studies.ProjectFields("Bench"))
        db.session.flush()
        # The study's own few entries go; the filled chain replaces them.
        db.session.query(AuditEntry).delete()
        db.session.query(AuditChain).delete()
        db.session.commit()
        fill(project.id, [p.id for p in people], entries)
        ids = [p.id for p in people]
        project_id = project.id
    client = app.test_client()
    client.post("/login", data={"email": "person0@bench.test", "password": PASSWORD})
    return app, client, project_id, ids


def pages(project_id: int, user_id: int, entries: int) -> dict[str, str]:
    base = f"/studies/{project_id}/activity"
    return {
        "newest entries": base,
        "one kind": f"{base}?kind=flowchart",
        "one person": f"{base}?person={user_id}",
        "one month": f"{base}?since=2026-03-01&until=2026-03-31",
        "page 1,000 back": f"{base}?before={max(2, entries - 50_000)}",
    }


def timed(client: Any, url: str) -> float:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def statements(app: Any, client: Any, url: str) -> int:
    count = 0

    def counter(*_args: Any) -> None:
        nonlocal count
        count += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return count


def alternate(measured: Callable[[], float], baseline: Callable[[], float], runs: int) -> tuple:
    for _ in range(3):  # warm up both
        measured(), baseline()
    ours, base = [], []
    for _ in range(runs):
        ours.append(measured())
        base.append(baseline())
    return ours, base


def ms(samples: list[float]) -> str:
    return (
        f"{statistics.median(samples) * 1000:7.1f} ms "
        f"(min {min(samples) * 1000:.1f}, max {max(samples) * 1000:.1f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    with ExitStack() as stack:
        database = None
        if args.engine == "postgresql":
            from tests.postgres_server import new_database, postgres_cluster

            folder = Path(tempfile.mkdtemp(prefix="tocapp-bench-audit-pg-"))
            database = new_database(stack.enter_context(postgres_cluster(folder)), "audit")
        run(args, database)


def run(args: argparse.Namespace, database: str | None) -> None:

    small_app, small_client, small_project, small_ids = build(None, 1_000)
    started = time.perf_counter()
    app, client, project_id, ids = build(database, args.entries)
    print(f"{args.entries:,} entries written in {time.perf_counter() - started:.1f} s")
    engine = "PostgreSQL" if database else "SQLite"
    print(f"\nActivity page, {engine}, median of {args.runs} (alternating with the baseline)")
    print(f"{'page':<18}{'server time':>34}{'baseline':>34}{'ratio':>7}{'SQL':>5}{'at 1k':>7}")
    small_pages = pages(small_project, small_ids[1], 1_000)
    for name, url in pages(project_id, ids[1], args.entries).items():
        ours, base = alternate(
            lambda url=url: timed(client, url),
            lambda: timed(client, "/bench-baseline"),
            args.runs,
        )
        ratio = statistics.median(ours) / statistics.median(base)
        count = statements(app, client, url)
        small = statements(small_app, small_client, small_pages[name])
        print(f"{name:<18}{ms(ours):>34}{ms(base):>34}{ratio:>6.1f}×{count:>5}{small:>7}")

    started = time.perf_counter()
    response = client.get(f"/studies/{project_id}/activity.csv")
    size = len(response.get_data())
    print(f"\nCSV of every entry: {time.perf_counter() - started:.2f} s, {size / 1e6:.1f} MB")
    with app.app_context():
        started = time.perf_counter()
        verdict = verify_trail(db.session)
        took = time.perf_counter() - started
        print(
            f"audit verify: {took:.2f} s for {verdict.entries:,} entries, intact: {verdict.intact}"
        )


if __name__ == "__main__":
    main()
