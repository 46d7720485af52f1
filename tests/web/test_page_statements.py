"""The list pages run as many SQL statements for a big study as for a small one (issue 12).

Each test builds a small study and one ten times larger — more settings, participants,
interviews, voices, and what the voices added — in the same database, and asserts that a page
sends the same number of statements for both. One lazy load per row (the study page's
``participants`` per setting, the setting page's people per interview, every voice's marks,
notes, arrows and steps per voice) makes the larger count grow.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from tests.web.statements import statements_of
from tocapp.extensions import db
from tocapp.models import Project, Setting, User
from tocapp.services import flowcharts, interviews, participants, rounds, studies, versions, voices
from tocapp.services.schedules import schedules_for

SMALL, LARGE = 1, 10
ROLES = ("Teacher", "Teaching assistant", "SENCo")


@dataclass(frozen=True)
class Built:
    project_id: int
    setting_id: int
    last_voice_id: int


def _participant(setting: Setting, n: int, *, leader: bool = False) -> Any:
    return participants.add_participant(
        db.session,
        None,
        setting,
        participants.ParticipantFields(
            "Headteacher" if leader else ROLES[n % 3],
            "leadership" if leader else "practice",
            consent_participate=True,
            consent_quote=n % 2 == 0,  # some words withheld, so the quoting rule has work to do
        ),
    )


def _first_interview(project: Project, setting: Setting, person: Any, day: int) -> Any:
    schedule = schedules_for(db.session, project)[0]
    return interviews.record_interview(
        db.session,
        None,
        setting,
        interviews.InterviewFields(
            project.rounds[0].id,
            date(2026, 1, 5) + timedelta(days=day),
            "face-to-face",
            schedule_id=schedule.id,
            people=[(person.id, person.role_label)],
            notes={1: f"What they see, {day}", 2: f"What they do, {day}"},
        ),
    )


def settings_study(owner: User, scale: int) -> Built:
    """2 × scale settings, each with 1 + scale participants; each setting's leader interviewed
    in round 1 and one member of staff in round 2."""
    project = studies.create_project(
        db.session, owner, studies.ProjectFields(f"Settings × {scale}", "language", "Bench")
    )
    for s in range(2 * scale):
        setting = studies.add_setting(
            db.session, None, project, studies.SettingFields(f"School {s}", f"S{s:02d}")
        )
        people = [_participant(setting, n, leader=n == 0) for n in range(1 + scale)]
        _first_interview(project, setting, people[0], s)
        interviews.record_interview(
            db.session,
            None,
            setting,
            interviews.InterviewFields(
                project.rounds[1].id,
                date(2026, 7, 1),
                "video",
                people=[(people[1].id, people[1].role_label)],
            ),
        )
    db.session.commit()
    return Built(project.id, setting.id, 0)


def voices_study(owner: User, scale: int) -> Built:
    """One setting with 2 × scale participants: scale leaders' first interviews, a chart of
    3 × scale steps sourced from their answers, and in each of 1 + scale return rounds (capped at
    3) every participant's voice with marks, notes, an added step and an arrow."""
    project = studies.create_project(
        db.session, owner, studies.ProjectFields(f"Voices × {scale}", "language", "Bench")
    )
    return_rounds = min(1 + scale, 3)
    for _ in range(return_rounds - 1):
        rounds.add_round(db.session, None, project, rounds.RoundFields("Again"))
    setting = studies.add_setting(
        db.session, None, project, studies.SettingFields("Nursery", "NUR")
    )
    people = [_participant(setting, n, leader=n < scale) for n in range(2 * scale)]
    answers = [
        answer
        for day, person in enumerate(people[:scale])
        for answer in _first_interview(project, setting, person, day).answers[:2]
    ]
    version = flowcharts.current_version(db.session, setting)
    groups = [g.id for g in project.groups]
    steps = [
        flowcharts.add_step(
            db.session,
            None,
            version,
            flowcharts.StepFields(
                ("situation", "action", "outcome")[i % 3],
                groups[i % len(groups)],
                f"Step {i}",
                source_answer_id=answers[i].id if i < len(answers) else None,
                source_quote=f"their words {i}" if i < len(answers) else "",
            ),
        )
        for i in range(3 * scale)
    ]
    for a, b in zip(steps, steps[1:], strict=False):
        flowcharts.add_link(db.session, None, version, a.id, b.id)
    voice = None
    for number, round_ in enumerate(project.rounds[1:], start=1):
        for n, person in enumerate(people):
            voice = voices.start_return_interview(
                db.session,
                None,
                setting,
                interviews.InterviewFields(
                    round_.id,
                    date(2026, 6, 1) + timedelta(days=30 * number + n),
                    "face-to-face",
                    people=[(person.id, person.role_label)],
                ),
            )
            step = steps[n % len(steps)]
            voices.set_mark(db.session, None, voice, step.id, ("achieved", "elusive")[n % 2])
            voices.add_note(db.session, None, voice, f"Said {n}", n % 2 == 0, step_id=step.id)
            added = voices.add_voice_step(
                db.session,
                None,
                voice,
                voices.VoiceStepFields("outcome", groups[0], f"Added by {n} in round {number}"),
            )
            arrow = voices.add_voice_link(db.session, None, voice, step.id, added.id, "Because")
            voices.add_note(db.session, None, voice, f"On the arrow {n}", link_id=arrow.id)
    assert voice is not None
    # The last voice says more at a larger scale: the annotate page lists it all.
    for step in steps[1:]:
        voices.set_mark(db.session, None, voice, step.id, "partly")
        voices.add_note(db.session, None, voice, f"And on {step.text}", step_id=step.id)
    db.session.commit()
    return Built(project.id, setting.id, voice.id)


@pytest.fixture
def owner(auth: Any, make_user: Any) -> User:
    user = make_user()
    auth.login(user)
    return user


def _same_count(client: Any, small_url: str, large_url: str) -> int:
    small, small_sent = statements_of(client, small_url)
    large, large_sent = statements_of(client, large_url)
    extra = {text[:90]: n for text, n in (Counter(large_sent) - Counter(small_sent)).items()}
    assert large == small, f"{small} statements for the small study, {large} for the large: {extra}"
    return small


def test_the_study_page_does_not_read_each_settings_participants(client: Any, owner: User) -> None:
    small, large = settings_study(owner, SMALL), settings_study(owner, LARGE)
    page = client.get(f"/studies/{large.project_id}").get_data(as_text=True)
    assert page.count("<td>11</td>") == 20  # each setting's participants are still counted
    _same_count(client, f"/studies/{small.project_id}", f"/studies/{large.project_id}")


def test_coverage_reads_every_setting_at_once(app: Any, client: Any, owner: User) -> None:
    small, large = settings_study(owner, SMALL), settings_study(owner, LARGE)
    urls = f"/studies/{small.project_id}/coverage", f"/studies/{large.project_id}/coverage"
    _same_first_view(app, client, "coverage", *urls)
    _same_count(client, *urls)  # and its repeat view, from the kept HTML


def test_the_setting_page_does_not_read_each_interviews_people(client: Any, owner: User) -> None:
    small, large = voices_study(owner, SMALL), voices_study(owner, LARGE)
    _same_count(
        client,
        f"/studies/{small.project_id}/settings/{small.setting_id}",
        f"/studies/{large.project_id}/settings/{large.setting_id}",
    )


@pytest.mark.parametrize("query", ["", "?round=all", "?audience=leadership", "?role=Headteacher"])
def test_every_voice_does_not_read_each_voice(
    app: Any, client: Any, owner: User, query: str
) -> None:
    small, large = voices_study(owner, SMALL), voices_study(owner, LARGE)
    urls = (
        f"/studies/{small.project_id}/settings/{small.setting_id}/voices{query}",
        f"/studies/{large.project_id}/settings/{large.setting_id}/voices{query}",
    )
    _same_first_view(app, client, "every-voice", *urls)
    _same_count(client, *urls)  # and its repeat view, from the kept HTML


def test_the_voice_page_does_not_read_each_mark_note_or_source(client: Any, owner: User) -> None:
    small, large = voices_study(owner, SMALL), voices_study(owner, LARGE)
    _same_count(
        client,
        f"/studies/{small.project_id}/interviews/{small.last_voice_id}/voice",
        f"/studies/{large.project_id}/interviews/{large.last_voice_id}/voice",
    )


@pytest.fixture
def round_at_a_time(app: Any) -> Any:
    """Coverage as a big study shows it: one round at a time, a line per setting."""
    app.config["COVERAGE_DETAIL_MAX_SETTINGS"] = 1
    yield
    app.config["COVERAGE_DETAIL_MAX_SETTINGS"] = 40


@pytest.mark.parametrize("query", ["", "?round=1", "?round=2"])
def test_coverage_of_a_big_study_reads_a_round_at_once(
    app: Any, client: Any, owner: User, round_at_a_time: Any, query: str
) -> None:
    small, large = settings_study(owner, SMALL), settings_study(owner, LARGE)
    urls = (
        f"/studies/{small.project_id}/coverage{query}",
        f"/studies/{large.project_id}/coverage{query}",
    )
    _same_first_view(app, client, "coverage-round", *urls)
    _same_count(client, *urls)


def test_coverage_of_a_big_study_names_who_is_not_yet_heard_round_by_round(
    client: Any, owner: User, round_at_a_time: Any
) -> None:
    built = settings_study(owner, SMALL)
    url = f"/studies/{built.project_id}/coverage"
    latest = client.get(url).get_data(as_text=True)  # round 2, the latest anyone was heard in
    assert 'id="round-2"' in latest and 'id="round-1"' not in latest
    assert f'href="{url}?round=1"' in latest
    # Each setting: its head heard in round 1, its teaching assistant in round 2 (S01 is last).
    row = latest.split("<code>S01</code>")[1].split("</tr>")[0]
    assert "1 of 2" in row and "Headteacher" in row and "-P01</code>" in row
    link = f'<a href="{url}?setting={built.setting_id}"><code>S01</code>'
    assert link in latest  # each setting's line opens its people in every round
    first = client.get(f"{url}?round=1").get_data(as_text=True)
    assert 'id="round-1"' in first and 'id="round-2"' not in first
    row = first.split("<code>S01</code>")[1].split("</tr>")[0]
    assert "1 of 2" in row and "Teaching assistant" in row and "-P02</code>" in row
    # One setting's people in every round, on the page of the full layout.
    one = client.get(f"{url}?setting={built.setting_id}").get_data(as_text=True)
    assert 'id="round-1"' in one and 'id="round-2"' in one
    assert "<code>S01</code>" in one and "<code>S00</code>" not in one
    other = settings_study(owner, SMALL)
    assert client.get(f"{url}?setting={other.setting_id}").status_code == 404


def test_the_comparisons_read_of_a_setting_does_not_read_each_voice(app: Any, owner: User) -> None:
    """``voice_rows.setting_rounds_of`` (the comparison's voices) in a fixed number of
    statements, however many voices, marks, notes and sourced steps the setting has."""
    from sqlalchemy import event

    from tocapp.domain.people import Audience
    from tocapp.services.voice_rows import setting_rounds_of

    counts, voices_read, texts = [], [], []
    for built in (voices_study(owner, SMALL), voices_study(owner, LARGE)):
        db.session.expunge_all()  # read from the database, as a fresh request would
        setting = db.session.get(Setting, built.setting_id)
        assert setting is not None
        sent: list[str] = []

        def count(*args: Any, sent: list[str] = sent) -> None:
            sent.append(args[2])

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            sources = setting_rounds_of(
                db.session, setting.project, [setting], None, Audience.RESEARCH
            )[setting.id]
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        voices_read.append(sum(len(s.voices) for s in sources))
        counts.append(len(sent))
        texts.append(Counter(" ".join(t.split())[:90] for t in sent))
    assert voices_read[1] > 10 * voices_read[0]
    assert counts[0] == counts[1], (counts, texts[1] - texts[0])


def compared_study(owner: User, scale: int) -> Built:
    """2 × scale settings, each with a leader and three staff, a chart of three steps (one
    quoting the leader's words) and, in each of two return rounds, every voice with a mark, a
    note and a step and arrow of their own; every other setting has a second version."""
    project = studies.create_project(
        db.session, owner, studies.ProjectFields(f"Compared × {scale}", "language", "Bench")
    )
    rounds.add_round(db.session, None, project, rounds.RoundFields("Again"))
    groups = [g.id for g in project.groups]
    for s in range(2 * scale):
        setting = studies.add_setting(
            db.session, None, project, studies.SettingFields(f"School {s}", f"C{s:02d}")
        )
        people = [_participant(setting, n, leader=n == 0) for n in range(4)]
        answer = _first_interview(project, setting, people[0], s).answers[0]
        version = flowcharts.current_version(db.session, setting)
        steps = [
            flowcharts.add_step(
                db.session,
                None,
                version,
                flowcharts.StepFields(
                    theme,
                    groups[0],
                    f"{theme} {s}",
                    source_answer_id=answer.id if theme == "situation" else None,
                    source_quote="their words" if theme == "situation" else "",
                ),
            )
            for theme in ("situation", "action", "outcome")
        ]
        flowcharts.add_link(db.session, None, version, steps[0].id, steps[1].id)
        for number, round_ in enumerate(project.rounds[1:], start=1):
            if number == 2 and s % 2:
                version = versions.start_next_version(db.session, None, setting)
                steps = list(version.steps)
                flowcharts.update_step(
                    db.session,
                    None,
                    steps[1],
                    flowcharts.StepFields("action", groups[0], f"Reworded {s}"),
                )
            for n, person in enumerate(people):
                voice = voices.start_return_interview(
                    db.session,
                    None,
                    setting,
                    interviews.InterviewFields(
                        round_.id,
                        date(2026, 6, 1) + timedelta(days=30 * number + n),
                        "face-to-face",
                        people=[(person.id, person.role_label)],
                    ),
                )
                step = steps[n % 3]
                voices.set_mark(db.session, None, voice, step.id, ("achieved", "elusive")[n % 2])
                voices.add_note(db.session, None, voice, f"Said {n}", n % 2 == 0, step_id=step.id)
                added = voices.add_voice_step(
                    db.session, None, voice, voices.VoiceStepFields("outcome", groups[0], "Mine")
                )
                voices.add_voice_link(db.session, None, voice, step.id, added.id, "Because")
    db.session.commit()
    return Built(project.id, setting.id, 0)


def _first_view(app: Any, client: Any, url: str, kept: str = "comparison") -> tuple[int, list[str]]:
    """The statements of a page that keeps its HTML (the comparison, coverage) as its first
    reader after a change finds it: its kept HTML gone (the comparison's charts, drawn by their
    data, still kept)."""
    from pathlib import Path

    client.get(url)  # draws and keeps the charts
    paths = list(Path(app.config["RENDER_CACHE_DIR"]).rglob(f"*.{kept}.html"))
    assert paths, f"{url} kept no {kept}.html"
    for path in paths:
        path.unlink()
    return statements_of_once(client, url)


def _same_first_view(app: Any, client: Any, kept: str, small_url: str, large_url: str) -> None:
    small, small_sent = _first_view(app, client, small_url, kept)
    large, large_sent = _first_view(app, client, large_url, kept)
    extra = {text[:90]: n for text, n in (Counter(large_sent) - Counter(small_sent)).items()}
    assert large == small, f"{small} statements for the small study, {large} for the large: {extra}"


def statements_of_once(client: Any, url: str) -> tuple[int, list[str]]:
    from sqlalchemy import event

    sent: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(" ".join(statement.split())[:160])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200, (url, response.status_code)
    return len(sent), sent


def _every_round(project_id: int) -> str:
    project = db.session.get(Project, project_id)
    assert project is not None
    return "&".join(f"round={r.id}" for r in project.rounds)


@pytest.mark.parametrize(
    "query",
    ["detail=off", "every round", "audience=leadership", "role=Teacher"],
)
def test_the_comparison_reads_every_chosen_setting_at_once(
    app: Any, client: Any, owner: User, query: str
) -> None:
    """The comparison's first view (and its CSV) send as many statements for twenty settings
    as for two: the voices, charts, versions and coverage of all chosen settings are read at
    once, not setting by setting."""
    app.config["COMPARISON_PAGE_MAX"] = 60  # the whole of the larger study on one page
    small, large = compared_study(owner, SMALL), compared_study(owner, LARGE)
    counts = []
    for built in (small, large):
        url = f"/studies/{built.project_id}/comparison"
        asked = _every_round(built.project_id) if query == "every round" else query
        counts.append(_first_view(app, client, f"{url}?{asked}"))
        counts.append(statements_of_once(client, f"{url}.csv?{asked}"))
    (page, page_sent), (csv, _), (large_page, large_sent), (large_csv, _) = counts
    extra = {t[:90]: n for t, n in (Counter(large_sent) - Counter(page_sent)).items()}
    assert large_page == page, f"{page} statements for 2 settings, {large_page} for 20: {extra}"
    assert large_csv == csv
    rows = client.get(f"/studies/{large.project_id}/comparison.csv?{asked}").get_data(as_text=True)
    assert "\r\nC19," in rows and "\r\nC00," in rows  # every setting is in the report
