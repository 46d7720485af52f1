"""Return interviews through the web: start one (freezing the chart), capture a voice with plain
forms, undo, refuse bad input with the typed text kept, and see every voice together."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from tocapp.extensions import db
from tocapp.models import Interview, Link, Step, StepMark, VoiceNote
from tocapp.models.users import Role
from tocapp.services import flowcharts, participants, studies
from tocapp.services.flowcharts import StepFields

HOSTILE = '<b>x</b> "q" {x|y} \\l 🌱 ŵ ŷ مرحبا'


@pytest.fixture
def setting_with_map(make_user, make_setting, make_participant, make_interview, auth):
    owner = make_user()
    from tests.conftest import PASSWORD  # noqa: F401  (the owner logs in with it)

    setting = make_setting(project=_project(owner, make_setting))
    head = make_participant(setting=setting, role_label="Headteacher")
    ta = make_participant(
        setting=setting, role_label="Teaching assistant", real_name="Zebedee Quartermaine"
    )
    make_interview(participant=head)
    version = flowcharts.current_version(db.session, setting)
    staff = setting.project.groups[0].id
    steps = [
        flowcharts.add_step(db.session, None, version, StepFields(theme, staff, text))
        for theme, text in [
            ("situation", "Few trained"),
            ("action", "Coaching"),
            ("outcome", "Confident staff"),
        ]
    ]
    flowcharts.add_link(db.session, None, version, steps[0].id, steps[1].id)
    db.session.commit()
    auth.login(owner)
    base = f"/studies/{setting.project_id}"
    return {
        "owner": owner,
        "setting": setting,
        "head": head,
        "ta": ta,
        "version": version,
        "steps": steps,
        "new": f"{base}/settings/{setting.id}/return-interviews/new",
        "all": f"{base}/settings/{setting.id}/voices",
        "voice": lambda interview_id: f"{base}/interviews/{interview_id}/voice",
    }


def _project(owner, make_setting):
    from tocapp.services.studies import ProjectFields, create_project

    project = create_project(
        db.session, owner, ProjectFields(title="Coaching study", focus="talk", partner="CLARITY")
    )
    db.session.commit()
    return project


def _start(client, env, person, day="2026-07-20") -> Interview:
    return_round = env["setting"].project.rounds[1]
    response = client.post(
        env["new"],
        data={
            "round_id": str(return_round.id),
            "held_on": day,
            "mode": "face-to-face",
            "interviewer": "Evaluator",
            f"person_{person.id}": "y",
            f"role_{person.id}": person.role_label,
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    interview = db.session.scalar(select(Interview).order_by(Interview.id.desc()).limit(1))
    assert response.headers["Location"].endswith(f"/interviews/{interview.id}/voice")
    return interview


def _page(client, url) -> str:
    return html.unescape(client.get(url).get_data(as_text=True))


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def ta_voice(client, setting_with_map):
    interview = _start(client, setting_with_map, setting_with_map["ta"])
    url = setting_with_map["voice"](interview.id)
    return {**setting_with_map, "interview": interview, "url": url}


def test_starting_a_return_interview_freezes_the_chart_it_shows(client, setting_with_map):
    page = _page(client, setting_with_map["new"])
    assert "freezes" in page and "Round 2" in page
    assert "Round 1" not in page.split('name="round_id"')[1].split("</select>")[0]
    interview = _start(client, setting_with_map, setting_with_map["ta"])
    db.session.refresh(setting_with_map["version"])
    assert setting_with_map["version"].is_frozen
    assert interview.version_id == setting_with_map["version"].id
    page = _page(client, setting_with_map["voice"](interview.id))
    assert "version 1" in page and "Teaching assistant" in page
    assert "Zebedee" not in page  # the voice is its role label, never a name


def test_a_return_interview_needs_a_mapped_chart(client, make_setting, setting_with_map):
    empty = make_setting(project=setting_with_map["setting"].project)
    person = participants.add_participant(
        db.session,
        None,
        empty,
        participants.ParticipantFields(role_label="Teacher", perspective="practice"),
    )
    db.session.commit()
    url = f"/studies/{empty.project_id}/settings/{empty.id}/return-interviews/new"
    assert "map the round-1 interview first" in _page(client, url)
    response = client.post(
        url,
        data={
            "round_id": str(empty.project.rounds[1].id),
            "held_on": "2026-07-20",
            "mode": "video",
            f"person_{person.id}": "y",
            f"role_{person.id}": "Teacher",
        },
    )
    assert response.status_code == 400
    assert "Map this setting's flowchart" in html.unescape(response.get_data(as_text=True))


def _mark(client, env, step, mark, revision=None):
    data = {"step_id": str(step.id), "mark": mark}
    if revision is not None:
        data["revision"] = str(revision)
    return client.post(env["url"] + "/marks", data=data)


def test_marking_a_step_saves_at_once_and_shows_fill_and_words(client, ta_voice):
    step = ta_voice["steps"][1]
    response = _mark(client, ta_voice, step, "achieved", 0)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"#voice-step-{step.id}")
    saved = db.session.scalar(select(StepMark))
    assert (saved.step_id, saved.mark, saved.interview_id) == (
        step.id,
        "achieved",
        ta_voice["interview"].id,
    )
    page = _page(client, ta_voice["url"])
    row = page.split(f'id="voice-step-{step.id}"')[1].split("</li>")[0]
    assert "Achieved" in row.split("Mark:")[1].split("</p>")[0]
    assert re.search(r'value="achieved"\s+class="[^"]*"\s+aria-pressed="true"', row)
    svg = page.split('<figure id="flowchart-figure"')[1].split("</figure>")[0]
    assert "✓ Achieved" in svg
    # Clearing it means "not discussed": no mark row at all.
    assert _mark(client, ta_voice, step, "", 1).status_code == 303
    assert _count(StepMark) == 0


def test_bad_marks_are_refused_with_a_clear_message(client, ta_voice, make_setting):
    step = ta_voice["steps"][0]
    response = _mark(client, ta_voice, step, "brilliant")
    assert response.status_code == 400
    assert "A mark is achieved, partly achieved or elusive." in response.get_data(as_text=True)
    response = _mark(client, ta_voice, type("S", (), {"id": 999_999})(), "achieved")
    assert response.status_code == 400
    assert "not on the flowchart shown at this interview" in response.get_data(as_text=True)
    other = make_setting(project=ta_voice["setting"].project)
    foreign = flowcharts.add_step(
        db.session,
        None,
        flowcharts.current_version(db.session, other),
        StepFields("situation", other.project.groups[0].id, "Elsewhere"),
    )
    db.session.commit()
    assert _mark(client, ta_voice, foreign, "achieved").status_code == 400
    assert _count(StepMark) == 0


def test_a_mark_changed_since_the_page_was_opened_is_not_overwritten(client, ta_voice):
    step = ta_voice["steps"][0]
    assert _mark(client, ta_voice, step, "elusive", 0).status_code == 303
    # A second laptop still shows revision 0 and says "achieved".
    response = _mark(client, ta_voice, step, "achieved", 0)
    assert response.status_code == 409
    assert "changed since you opened the page" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(StepMark.mark)) == "elusive"


def test_notes_on_steps_and_threads_are_numbered_and_kept_literally(client, ta_voice):
    step = ta_voice["steps"][2]
    response = client.post(
        ta_voice["url"] + "/notes", data={"text": HOSTILE, "verbatim": "y", "step_id": str(step.id)}
    )
    assert response.status_code == 303
    client.post(ta_voice["url"] + "/notes", data={"text": "A new thread about parents"})
    notes = db.session.scalars(select(VoiceNote).order_by(VoiceNote.number)).all()
    assert [(n.number, n.step_id, n.verbatim) for n in notes] == [
        (1, step.id, True),
        (2, None, False),
    ]
    raw = client.get(ta_voice["url"]).get_data(as_text=True)
    assert "<b>x</b>" not in raw and "&lt;b&gt;x&lt;/b&gt;" in raw
    page = html.unescape(raw)
    assert HOSTILE in page
    svg = page.split('<figure id="flowchart-figure"')[1].split("</figure>")[0]
    assert "Note 1" in svg
    assert "Note 2</strong>, a new thread" in page


def test_an_over_long_note_is_refused_and_the_words_come_back(client, ta_voice):
    step = ta_voice["steps"][0]
    long_text = "Wrth gwrs " * 500
    response = client.post(
        ta_voice["url"] + "/notes", data={"text": long_text, "step_id": str(step.id)}
    )
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert "at most 4,000 characters" in page
    row = page.split(f'id="voice-step-{step.id}"')[1].split("</li>")[0]
    assert f'<details class="step-note" id="step-note-{step.id}" open>' in row
    assert long_text.strip() in row
    assert _count(VoiceNote) == 0


def test_a_new_arrow_is_the_voices_own_and_bad_ends_are_refused(client, ta_voice, make_setting):
    a, b, c = ta_voice["steps"]
    response = client.post(
        ta_voice["url"] + "/arrows",
        data={"arrow-source_id": str(c.id), "arrow-target_id": str(a.id), "arrow-note": "Because"},
    )
    assert response.status_code == 303
    arrow = db.session.scalar(select(Link).where(Link.interview_id.is_not(None)))
    assert (arrow.source_step_id, arrow.target_step_id, arrow.note) == (c.id, a.id, "Because")
    db.session.refresh(ta_voice["version"])
    assert len(ta_voice["version"].links) == 1  # the leader's map is untouched
    page = _page(client, ta_voice["url"])
    assert 'id="arrow-1"' in page and "Because" in page.split('id="arrow-1"')[1]
    # An arrow to itself, one that already exists, and one to a step of another setting.
    for source, target, message in [
        (a.id, a.id, "an arrow"),
        (a.id, b.id, "already"),
    ]:
        response = client.post(
            ta_voice["url"] + "/arrows",
            data={
                "arrow-source_id": str(source),
                "arrow-target_id": str(target),
                "arrow-note": "kept words",
            },
        )
        assert response.status_code == 400
        text = html.unescape(response.get_data(as_text=True)).lower()
        assert message in text and "kept words" in text
    other = make_setting(project=ta_voice["setting"].project)
    foreign = flowcharts.add_step(
        db.session,
        None,
        flowcharts.current_version(db.session, other),
        StepFields("situation", other.project.groups[0].id, "Elsewhere"),
    )
    db.session.commit()
    response = client.post(
        ta_voice["url"] + "/arrows",
        data={"arrow-source_id": str(a.id), "arrow-target_id": str(foreign.id)},
    )
    assert response.status_code == 400
    assert _count(Link) == 2


def test_each_step_row_says_where_the_leaders_arrows_lead(client, ta_voice):
    """The drawing's arrows in words, for anyone who cannot see it: the leader's on each step's
    row; the voice's own arrow is in its own list, not on the rows."""
    a, b, c = ta_voice["steps"]
    client.post(
        ta_voice["url"] + "/arrows",
        data={"arrow-source_id": str(c.id), "arrow-target_id": str(a.id), "arrow-note": "Since"},
    )
    page = _page(client, ta_voice["url"])
    row = page.split(f'id="voice-step-{a.id}"')[1].split("</li>")[0]
    assert "Leads to A1." in re.sub(r"<[^>]+>", "", row)
    for other in (b, c):
        row = page.split(f'id="voice-step-{other.id}"')[1].split('class="mark-form"')[0]
        assert "Leads to" not in row


def test_a_new_step_is_added_at_the_return_interview_only(client, ta_voice):
    staff = ta_voice["setting"].project.groups[0].id
    response = client.post(
        ta_voice["url"] + "/steps",
        data={
            "newstep-theme": "outcome",
            "newstep-group_id": str(staff),
            "newstep-text": "Watching myself",
        },
    )
    assert response.status_code == 303
    step = db.session.scalar(select(Step).where(Step.interview_id.is_not(None)))
    assert step.text == "Watching myself"
    db.session.refresh(ta_voice["version"])
    assert "Watching myself" not in [s.text for s in ta_voice["version"].steps]
    page = _page(client, ta_voice["url"])
    assert (
        "added at this interview" in page.split(f'id="voice-step-{step.id}"')[1].split("</li>")[0]
    )
    assert "Added at return interview" in page.split('<figure id="flowchart-figure"')[1]
    leader_page = _page(
        client,
        f"/studies/{ta_voice['setting'].project_id}/settings/{ta_voice['setting'].id}/flowchart",
    )
    assert "Watching myself" not in leader_page
    response = client.post(
        ta_voice["url"] + "/steps",
        data={"newstep-theme": "dreams", "newstep-group_id": str(staff), "newstep-text": "Typed"},
    )
    assert response.status_code == 400 and "Choose a theme" in response.get_data(as_text=True)
    assert "Typed" in response.get_data(as_text=True)


def test_undo_takes_back_the_last_action_only(client, ta_voice):
    a, b, _ = ta_voice["steps"]
    _mark(client, ta_voice, a, "achieved")
    client.post(ta_voice["url"] + "/notes", data={"text": "First note", "step_id": str(b.id)})
    page = _page(client, ta_voice["url"])
    assert "Undo: Added note 1" in " ".join(re.sub(r"<[^>]+>", "", page).split())
    response = client.post(ta_voice["url"] + "/undo")
    assert response.status_code == 303
    assert _count(VoiceNote) == 0 and _count(StepMark) == 1
    client.post(ta_voice["url"] + "/undo")
    assert _count(StepMark) == 0
    response = client.post(ta_voice["url"] + "/undo", follow_redirects=True)
    assert "There was nothing to undo." in response.get_data(as_text=True)


def test_editing_a_note_changed_meanwhile_keeps_the_typed_words(client, ta_voice):
    client.post(ta_voice["url"] + "/notes", data={"text": "Original words"})
    edit = ta_voice["url"] + "/notes/1/edit"
    form = _page(client, edit)
    revision = re.search(r'name="revision" type="hidden" value="(\d+)"', form).group(1)
    assert client.post(edit, data={"text": "Saved first", "revision": revision}).status_code == 303
    response = client.post(edit, data={"text": "My later words", "revision": revision})
    assert response.status_code == 409
    page = html.unescape(response.get_data(as_text=True))
    assert "changed since you opened it" in page
    assert "My later words" in page and "Saved first" in page
    db.session.expire_all()
    assert db.session.scalar(select(VoiceNote.text)) == "Saved first"
    assert client.get(ta_voice["url"] + "/notes/9/edit").status_code == 404


def test_viewers_see_the_voice_but_cannot_change_it(client, auth, make_user, ta_voice):
    viewer = make_user()
    studies.add_member(db.session, None, ta_voice["setting"].project, viewer.email, Role.VIEWER)
    db.session.commit()
    auth.logout()
    auth.login(viewer)
    page = _page(client, ta_voice["url"])
    assert "Teaching assistant" in page and "mark-form" not in page
    assert _mark(client, ta_voice, ta_voice["steps"][0], "achieved").status_code == 403
    assert client.post(ta_voice["url"] + "/undo").status_code == 403


def _svg_words(page: str) -> str:
    """The drawing's text, with its wrapped lines joined by spaces."""
    svg = page.split('<figure id="flowchart-figure"')[1].split("</figure>")[0]
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", svg).split()))


def test_every_voice_shows_tallies_divergence_and_filters(client, ta_voice):
    env = ta_voice
    a, b, _ = env["steps"]
    _mark(client, env, a, "elusive")
    head_interview = _start(client, env, env["head"], "2026-07-22")
    head = {**env, "url": env["voice"](head_interview.id)}
    _mark(client, head, a, "achieved")
    _mark(client, head, b, "partly")
    page = _page(client, env["all"])
    svg = _svg_words(page)
    ta, hd = env["ta"].reference, env["head"].reference
    assert f"Teaching assistant ({ta}) ✗" in svg and f"Headteacher ({hd}) ✓" in svg
    assert "⚠ Voices differ" in svg
    differ = page.split("Where the voices differ")[1].split("</ul>")[0]
    assert "Few trained" in differ and "leadership view differs" in differ
    assert "Coaching" not in differ
    only_ta = _page(client, env["all"] + "?role=Teaching+assistant")
    svg = _svg_words(only_ta)
    assert f"Teaching assistant ({ta}) ✗" in svg and "Headteacher" not in svg
    one = _page(client, env["all"] + f"?voice={head_interview.id}")
    assert f"Headteacher ({hd}) ✓" in one and f"Teaching assistant ({ta}) ✗" not in one
    assert client.get(env["all"] + "?version=7").status_code == 404


def test_the_annotated_chart_downloads_with_the_voice_in_its_name(client, ta_voice):
    _mark(client, ta_voice, ta_voice["steps"][0], "partly")
    response = client.get(ta_voice["url"] + ".svg")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="Coaching-study_'
        + ta_voice["setting"].code
        + "_round-2_Teaching-assistant-"
        + ta_voice["ta"].reference
        + '_2026-07-20.svg"'
    )
    assert "◐ Partly achieved" in html.unescape(response.get_data(as_text=True))
    assert client.get(ta_voice["url"] + ".png").data.startswith(b"\x89PNG")


def test_a_round_one_interview_has_no_voice_page(client, setting_with_map):
    first = setting_with_map["setting"].interviews[0]
    assert client.get(setting_with_map["voice"](first.id)).status_code == 404


def test_the_general_interview_form_also_freezes_for_a_return_round(client, setting_with_map):
    env = setting_with_map
    setting, ta = env["setting"], env["ta"]
    response = client.post(
        f"/studies/{setting.project_id}/settings/{setting.id}/interviews/new",
        data={
            "round_id": str(setting.project.rounds[1].id),
            "held_on": "2026-07-21",
            "mode": "telephone",
            f"person_{ta.id}": "y",
            f"role_{ta.id}": "Teaching assistant",
        },
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("/voice")
    db.session.refresh(env["version"])
    assert env["version"].is_frozen
