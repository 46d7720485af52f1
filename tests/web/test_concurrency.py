"""Several interviewers at once, through the app and a real SQLite file: nothing is lost, and no
edit silently overwrites another."""

from __future__ import annotations

import re
import threading
from collections import Counter
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select, text

from tests.conftest import PASSWORD
from tocapp.extensions import db
from tocapp.models import StepMark, VoiceNote
from tocapp.models.users import Role
from tocapp.services import flowcharts, interviews, studies, voices
from tocapp.services.flowcharts import StepFields

THREADS_PER_VOICE = 3
ACTIONS = 10


@pytest.fixture
def two_voices(app, make_user, make_setting, make_participant, make_interview):
    owner = make_user()
    setting = make_setting()
    studies.add_member(db.session, None, setting.project, owner.email, Role.INTERVIEWER)
    head = make_participant(setting=setting, role_label="Headteacher")
    make_interview(participant=head)
    version = flowcharts.current_version(db.session, setting)
    staff = setting.project.groups[0].id
    steps = [
        flowcharts.add_step(db.session, None, version, StepFields(theme, staff, f"Step {i}"))
        for i, theme in enumerate(["situation", "action", "action", "outcome"] * 3)
    ]
    started = []
    for role in ("Teacher", "Teaching assistant"):
        person = make_participant(setting=setting, role_label=role)
        started.append(
            voices.start_return_interview(
                db.session,
                None,
                setting,
                interviews.InterviewFields(
                    round_id=setting.project.rounds[1].id,
                    held_on=date(2026, 7, 20),
                    mode="video",
                    people=[(person.id, role)],
                ),
            )
        )
    interviewers = [make_user() for _ in range(2 * THREADS_PER_VOICE)]
    for user in interviewers:
        studies.add_member(db.session, None, setting.project, user.email, Role.INTERVIEWER)
    db.session.commit()
    ids = {
        "project_id": setting.project_id,
        "interviews": [i.id for i in started],
        "steps": [s.id for s in steps],
        "users": [user.email for user in interviewers],  # plain text: threads have no session
    }
    # Reading those ids began a transaction; SQLite transactions here take the write lock at once
    # (BEGIN IMMEDIATE), so end it, as every request does, before the threads start writing.
    db.session.rollback()
    return ids


def _client(app, email: str) -> Any:
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def _run(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive(), "a request hung"


def test_interviewers_annotating_at_once_lose_nothing(app, two_voices):
    statuses: Counter[int] = Counter()
    errors: list[BaseException] = []
    barrier = threading.Barrier(2 * THREADS_PER_VOICE)

    def work(n: int, user: Any) -> None:
        try:
            client = _client(app, user)
            interview_id = two_voices["interviews"][n % 2]
            base = f"/studies/{two_voices['project_id']}/interviews/{interview_id}/voice"
            # Each thread marks its own steps of its voice, so every mark has one right answer.
            mine = two_voices["steps"][n // 2 :: THREADS_PER_VOICE]
            barrier.wait()
            for i in range(ACTIONS):
                step = mine[i % len(mine)]
                response = client.post(
                    base + "/notes", data={"text": f"t{n} n{i}", "step_id": step}
                )
                statuses[response.status_code] += 1
                mark = ["achieved", "partly", "elusive"][(n + i) % 3]
                response = client.post(base + "/marks", data={"step_id": step, "mark": mark})
                statuses[response.status_code] += 1
        except BaseException as error:  # noqa: BLE001  (reported below, with the others)
            errors.append(error)

    _run([threading.Thread(target=work, args=(n, u)) for n, u in enumerate(two_voices["users"])])
    assert not errors, errors
    assert statuses == {303: 2 * THREADS_PER_VOICE * ACTIONS * 2}

    db.session.expire_all()
    for k, interview_id in enumerate(two_voices["interviews"]):
        notes = db.session.scalars(
            select(VoiceNote).where(VoiceNote.interview_id == interview_id)
        ).all()
        expected = {
            f"t{n} n{i}" for n in range(2 * THREADS_PER_VOICE) if n % 2 == k for i in range(ACTIONS)
        }
        assert {note.text for note in notes} == expected
        assert sorted(note.number for note in notes) == list(range(1, len(expected) + 1))
        marks = db.session.scalars(
            select(StepMark).where(StepMark.interview_id == interview_id)
        ).all()
        marked_steps = {m.step_id for m in marks}
        owned = {
            s
            for n in range(2 * THREADS_PER_VOICE)
            if n % 2 == k
            for s in two_voices["steps"][n // 2 :: THREADS_PER_VOICE]
        }
        assert marked_steps == owned


def test_simultaneous_edits_of_one_note_let_exactly_one_win(app, two_voices):
    interview_id = two_voices["interviews"][0]
    base = f"/studies/{two_voices['project_id']}/interviews/{interview_id}/voice"
    first = _client(app, two_voices["users"][0])
    assert first.post(base + "/notes", data={"text": "Original"}).status_code == 303
    page = first.get(base + "/notes/1/edit").get_data(as_text=True)
    revision = re.search(r'name="revision" type="hidden" value="(\d+)"', page).group(1)

    results: dict[str, int] = {}
    barrier = threading.Barrier(len(two_voices["users"]))

    def edit(n: int, user: Any) -> None:
        client = _client(app, user)
        barrier.wait()
        response = client.post(
            base + "/notes/1/edit", data={"text": f"Edit {n}", "revision": revision}
        )
        results[f"Edit {n}"] = response.status_code
        if response.status_code == 409:
            assert f"Edit {n}" in response.get_data(as_text=True)  # their words are kept

    _run([threading.Thread(target=edit, args=(n, u)) for n, u in enumerate(two_voices["users"])])
    winners = [text for text, status in results.items() if status == 303]
    assert len(winners) == 1, results
    assert sorted(results.values()) == [303] + [409] * (len(results) - 1)
    db.session.expire_all()
    note = db.session.scalar(select(VoiceNote).where(VoiceNote.interview_id == interview_id))
    assert note.text == winners[0]


def _someone_else_saves(database: str) -> str:
    """Another connection tries a write, waiting at most half a second for the lock."""
    import sqlite3

    other = sqlite3.connect(database, timeout=0.5, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE users SET name = name")
        other.execute("COMMIT")
        return "saved"
    except sqlite3.OperationalError as error:
        return str(error)
    finally:
        other.close()


@pytest.mark.parametrize(("method", "expected"), [("GET", "saved"), ("POST", "database is locked")])
def test_a_page_being_read_never_keeps_a_save_waiting(app, make_user, method, expected):
    """GETs read in a read-only transaction. On SQLite it is deferred, so it takes no lock and
    another connection can save meanwhile, while a POST's takes the write lock at once. On
    PostgreSQL it is READ ONLY: a write inside a GET fails, one inside a POST goes through."""
    from sqlalchemy.exc import InternalError

    from tocapp.models import User

    make_user()
    db.session.remove()
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.test_request_context("/", method=method):
        app.preprocess_request()
        db.session.scalars(select(User)).all()  # the request has read, and is still open
        if uri.startswith("sqlite"):
            assert _someone_else_saves(uri.removeprefix("sqlite:///")) == expected
        elif method == "GET":
            with pytest.raises(InternalError, match="read-only transaction"):
                db.session.execute(text("UPDATE users SET name = name"))
        else:
            assert db.session.execute(text("UPDATE users SET name = name")).rowcount == 1
        db.session.rollback()
