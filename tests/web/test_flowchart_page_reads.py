"""The flowchart page reads its chart in a fixed number of statements, and reads the same chart
that ``services.flowcharts.to_domain`` defines."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import event

from tocapp.extensions import db
from tocapp.services import flowcharts, interviews, versions, voices
from tocapp.services.flowchart_page import flowchart_page


def _map(setting: Any, answers: list[Any], size: int) -> Any:
    """``size`` steps over every theme and group, a third sourced (with a quote), and arrows."""
    version = flowcharts.current_version(db.session, setting)
    groups = [g.id for g in setting.project.groups]
    made = []
    for n in range(size):
        answer = answers[n % len(answers)] if n % 3 == 0 else None
        made.append(
            flowcharts.add_step(
                db.session,
                None,
                version,
                flowcharts.StepFields(
                    ("situation", "action", "outcome")[n % 3],
                    groups[n % len(groups)],
                    f"Step {n} ‘quoted’ <b>",
                    answer.id if answer else None,
                    f"words {n}" if answer else "",
                ),
            )
        )
    for a, b in zip(made, made[1:], strict=False):
        flowcharts.add_link(db.session, None, version, a.id, b.id, "so that" if a.id % 2 else "")
    if size > 4:
        flowcharts.move_step(db.session, None, made[3], -1)  # positions no longer follow ids
    return version


@pytest.fixture
def charted(make_user, make_project, make_setting, make_participant, make_interview, auth):
    owner = make_user()
    project = make_project(owner=owner)
    auth.login(owner)

    def make(size: int) -> dict[str, Any]:
        setting = make_setting(project=project, code=f"S{size}")
        head = make_participant(setting=setting)
        first = make_interview(participant=head, notes={n: f"Answer {n}" for n in range(1, 7)})
        version = _map(setting, first.answers, size)
        teacher = make_participant(setting=setting, role_label="Teacher")
        voice = voices.start_return_interview(
            db.session,
            None,
            setting,
            interviews.InterviewFields(
                project.rounds[1].id, date(2026, 7, 1), "video", people=[(teacher.id, "Teacher")]
            ),
        )
        steps = version.steps
        voices.add_voice_link(db.session, None, voice, steps[-1].id, steps[0].id, "theirs")
        voices.add_voice_step(
            db.session, None, voice, voices.VoiceStepFields("outcome", steps[0].group_id, "New")
        )
        later = versions.start_next_version(db.session, None, setting)
        flowcharts.update_step(
            db.session,
            None,
            later.steps[1],
            flowcharts.StepFields("action", later.steps[1].group_id, "Reworded"),
        )
        db.session.commit()
        url = f"/studies/{project.id}/settings/{setting.id}/flowchart"
        return {"setting": setting, "first": version, "later": later, "url": url}

    return make


def test_the_page_reads_the_chart_to_domain_defines(charted):
    made = charted(12)
    for number, before in ((None, made["first"]), (2, made["first"]), (1, None)):
        page = flowchart_page(db.session, made["setting"], number)
        shown = made["later"] if number != 1 else made["first"]
        assert page.version is shown
        assert page.chart == flowcharts.to_domain(shown)
        expected = versions.changes_since_previous(db.session, shown)
        assert page.changes == expected and (before is None) == (expected is None)
        assert [e.version for e in page.history] == [made["first"], made["later"]]
        assert page.shown_at == (1 if shown is made["first"] else 0)


def test_the_pages_statements_do_not_grow_with_the_chart(app, client, charted):
    small, large = charted(4), charted(40)

    def statements(url: str) -> int:
        count = 0

        def counter(*_args: Any) -> None:
            nonlocal count
            count += 1

        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            response = client.get(url)
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)
        assert response.status_code == 200 and b"<svg" in response.data
        return count

    for suffix in ("", "?version=1"):
        client.get(small["url"] + suffix), client.get(large["url"] + suffix)  # drawn and cached
        assert statements(small["url"] + suffix) == statements(large["url"] + suffix) <= 12


def test_an_unknown_or_malformed_version_is_not_found(client, charted):
    made = charted(4)
    assert client.get(made["url"] + "?version=9").status_code == 404
    assert client.get(made["url"] + "?version=two").status_code == 404
