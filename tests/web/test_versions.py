"""Flowchart versions on the web: starting the next version from a frozen one, reading any version
with what changed since the one before, and the mapping editor refusing a voice's steps and arrows.

Uses the demo study: in both settings version 1 was shown at round-2 return interviews, so it is
frozen, and the voices marked its steps (and, in PRI, added a step and an arrow of their own).
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from sqlalchemy import select

from tocapp.extensions import db
from tocapp.models import FlowchartVersion, Interview, Link, Project, Step, StepMark
from tocapp.models.users import Role
from tocapp.services import studies
from tocapp.services.demo import load_demo_study


def _text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def _words(response: Any) -> str:
    """The page as a reader hears it: tags dropped, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", _text(response)))


@pytest.fixture
def demo(client):
    login = load_demo_study(db.session)
    db.session.commit()
    client.post("/login", data={"email": login.email, "password": login.password})
    project = db.session.get(Project, login.project_id)
    settings = {s.code: s for s in project.settings}

    def urls(code: str) -> dict[str, str]:
        setting = settings[code]
        base = f"/studies/{project.id}/settings/{setting.id}/flowchart"
        return {
            "show": base,
            "map": base + "/map",
            "versions": base + "/versions",
            "svg": base + ".svg",
            "add_step": base + "/steps",
            "add_link": base + "/links",
        }

    return {
        "project": project,
        "settings": settings,
        "urls": urls,
        "base": f"/studies/{project.id}",
    }


def _version(setting_id: int, number: int) -> FlowchartVersion:
    version = db.session.scalar(
        select(FlowchartVersion).where(
            FlowchartVersion.setting_id == setting_id, FlowchartVersion.number == number
        )
    )
    assert version is not None
    return version


def _step(version: FlowchartVersion, starts: str) -> Step:
    return next(s for s in version.steps if s.text.startswith(starts))


def _start_version_2(client: Any, demo: dict[str, Any], code: str = "NUR") -> FlowchartVersion:
    response = client.post(demo["urls"](code)["versions"])
    assert response.status_code == 303
    assert response.headers["Location"].endswith(demo["urls"](code)["map"])
    db.session.expire_all()
    return _version(demo["settings"][code].id, 2)


# --- The map page of a frozen version -------------------------------------------------------


def test_a_frozen_map_explains_itself_and_offers_the_next_version(client, demo):
    page = _words(client.get(demo["urls"]("NUR")["map"]))
    assert "Version 1 is frozen" in page
    assert "It was shown at 2 return interviews" in page
    assert "Start version 2 to change the map" in page
    raw = _text(client.get(demo["urls"]("NUR")["map"]))
    assert f'action="{demo["urls"]("NUR")["versions"]}"' in raw


def test_starting_version_2_copies_the_map_and_opens_it_for_changes(client, demo):
    v1 = _version(demo["settings"]["NUR"].id, 1)
    v1_texts = [s.text for s in v1.steps]
    v2 = _start_version_2(client, demo)
    assert not v2.is_frozen
    assert [s.text for s in v2.steps] == v1_texts
    assert [s.lineage for s in v2.steps] == [s.lineage for s in v1.steps]
    assert {s.id for s in v2.steps}.isdisjoint({s.id for s in v1.steps})
    assert len(v2.links) == len(v1.links)

    page = client.get(demo["urls"]("NUR")["map"])
    words = _words(page)
    assert "Version 2 is started as a copy of version 1" in words  # the flash
    assert "This is version 2." in words and "is frozen" not in words
    assert f"/steps/{v2.steps[0].id}/edit" in _text(page)


def test_annotations_keep_pointing_at_the_version_they_were_made_on(client, demo):
    setting = demo["settings"]["NUR"]
    v1 = _version(setting.id, 1)
    marked = {m.step_id: m.mark for m in db.session.scalars(select(StepMark))}
    interviews = db.session.scalars(select(Interview).where(Interview.version_id == v1.id)).all()
    assert len(interviews) == 2
    v2 = _start_version_2(client, demo)

    # Change the marked step in version 2, through the editor.
    coached = _step(v2, "Video coaching")
    response = client.post(
        f"{demo['base']}/steps/{coached.id}/edit",
        data={"theme": "action", "group_id": str(coached.group_id), "text": "Peer video coaching"},
    )
    assert response.status_code == 303
    db.session.expire_all()

    for interview in db.session.scalars(
        select(Interview).where(Interview.setting_id == setting.id)
    ):
        if interview.round.kind == "return":
            assert interview.version_id == v1.id
    assert {m.step_id: m.mark for m in db.session.scalars(select(StepMark))} == marked
    old_coached = _step(_version(setting.id, 1), "Video coaching")
    assert old_coached.text.startswith("Video coaching with very short clips")
    assert any(m.step_id == old_coached.id for m in db.session.scalars(select(StepMark)))
    assert all(m.step.version_id != v2.id for m in db.session.scalars(select(StepMark)))
    # Version 1 still reads as it was shown.
    old_page = _words(client.get(demo["urls"]("NUR")["show"] + "?version=1"))
    assert (
        "Video coaching with very short clips" in old_page and "Peer video coaching" not in old_page
    )


def _nur_version_numbers(demo) -> list[int]:
    setting_id = demo["settings"]["NUR"].id
    query = select(FlowchartVersion.number).where(FlowchartVersion.setting_id == setting_id)
    return sorted(db.session.scalars(query))


def test_starting_a_version_when_the_latest_is_open_makes_no_new_one(client, demo):
    _start_version_2(client, demo)
    response = client.post(demo["urls"]("NUR")["versions"], follow_redirects=True)
    assert "Version 2 is not frozen, so you can change it here." in _words(response)
    assert _nur_version_numbers(demo) == [1, 2]


def test_starting_a_version_with_nothing_mapped_is_refused(client, demo, make_setting):
    empty = make_setting(project=demo["project"], code="EMP")
    url = f"{demo['base']}/settings/{empty.id}/flowchart/versions"
    response = client.post(url, follow_redirects=True)
    assert "has no flowchart yet" in _words(response)
    assert (
        db.session.scalar(select(FlowchartVersion).where(FlowchartVersion.setting_id == empty.id))
        is None
    )


def test_a_viewer_cannot_start_a_version(client, demo, auth, make_user):
    viewer = make_user()
    studies.add_member(db.session, None, demo["project"], viewer.email, Role.VIEWER)
    db.session.commit()
    auth.logout()
    auth.login(viewer)
    assert client.post(demo["urls"]("NUR")["versions"]).status_code == 403
    assert "Start version 2" not in _text(client.get(demo["urls"]("NUR")["show"]))


# --- The flowchart page: which version, all versions, what changed ---------------------------


def test_the_flowchart_page_says_which_version_and_how_often_it_was_shown(client, demo):
    words = _words(client.get(demo["urls"]("PRI")["show"]))
    assert "Version 1 (the latest)." in words
    assert "shown at 3 return interviews" in words
    assert "All versions" in words
    assert "What changed since" not in words  # there is no earlier version


def _change_version_2(client: Any, demo: dict[str, Any]) -> FlowchartVersion:
    """Through the editor: reword one step, move one, delete one, add one with an arrow."""
    v2 = _start_version_2(client, demo)
    groups = {g.name: g.id for g in demo["project"].groups}
    base = demo["base"]
    training = _step(v2, "Few practitioners")
    confident = _step(v2, "Practitioners more confident")
    audit = _step(v2, "Speech, language and communication audit")
    edits = [
        (training, "situation", "Staff", "Almost no practitioners have had communication training"),
        (confident, "outcome", "Parents", confident.text),
    ]
    for step, theme, group, text in edits:
        response = client.post(
            f"{base}/steps/{step.id}/edit",
            data={"theme": theme, "group_id": str(groups[group]), "text": text},
        )
        assert response.status_code == 303
    assert client.post(f"{base}/steps/{audit.id}/delete").status_code == 303
    added = client.post(
        demo["urls"]("NUR")["add_step"],
        data={"theme": "action", "group_id": str(groups["Staff"]), "text": "Peer coaching triads"},
    )
    assert added.status_code == 303
    db.session.expire_all()
    v2 = _version(demo["settings"]["NUR"].id, 2)
    triads = _step(v2, "Peer coaching triads")
    response = client.post(
        demo["urls"]("NUR")["add_link"],
        data={"arrow-source_id": str(triads.id), "arrow-target_id": str(confident.id)},
    )
    assert response.status_code == 303
    return v2


def test_what_changed_since_version_1(client, demo):
    _change_version_2(client, demo)
    response = client.get(demo["urls"]("NUR")["show"])
    words = _words(response)
    assert "Version 2 (the latest)." in words and "Not frozen" in words
    section = words.split("What changed since version 1")[-1].split("All versions")[0]
    assert section.startswith(
        " 1 step added, 1 step removed, 1 step reworded, 1 step moved to another theme or group, "
        "1 arrow added and 3 arrows removed."
    )
    added = section.split("Steps added")[1].split("Steps removed")[0]
    assert "Peer coaching triads" in added
    removed = section.split("Steps removed")[1].split("Steps reworded")[0]
    assert "Speech, language and communication audit by CLARITY" in removed
    reworded = section.split("Steps reworded")[1].split("Steps moved")[0]
    assert "Was Few practitioners have had training in supporting children's communication" in (
        reworded
    )
    assert "Now Almost no practitioners have had communication training" in reworded
    moved = section.split("Steps moved to another theme or group")[1].split("Arrows added")[0]
    assert "Practitioners more confident and reflective" in moved
    assert "from Intended outcomes · Staff to Intended outcomes · Parents" in moved
    assert "Peer coaching triads" in section.split("Arrows added")[1].split("Arrows removed")[0]
    assert section.split("Arrows removed")[1].count("→") == 3
    # The old words are marked as deleted, the new ones as inserted, for screen readers and print.
    raw = _text(response)
    assert re.search(r"<del[^>]*>Few practitioners have had training", raw)
    assert re.search(r"<ins[^>]*>Almost no practitioners", raw)


def test_every_version_is_listed_and_an_older_one_can_be_read(client, demo):
    _change_version_2(client, demo)
    show = demo["urls"]("NUR")["show"]
    latest = _text(client.get(show))
    history = latest.split('id="versions-heading"')[1]
    assert f'href="{show}?version=1"' in history and f'href="{show}?version=2"' in history
    assert re.search(r'aria-current="page"[^>]*>Version 2<', history)

    old = client.get(show + "?version=1")
    words = _words(old)
    assert old.status_code == 200
    assert "Version 1 of 2, an earlier version." in words
    assert "Frozen on" in words and "shown at 2 return interviews" in words
    assert "See the latest, version 2" in words
    assert "Speech, language and communication audit by CLARITY" in words.split("Text version")[1]
    assert "Peer coaching triads" not in words
    assert "What changed since" not in words


@pytest.mark.parametrize("number", ["3", "0", "-1", "two", ""])
def test_an_unknown_version_number_is_not_found(client, demo, number):
    assert client.get(demo["urls"]("NUR")["show"] + f"?version={number}").status_code == 404
    assert client.get(demo["urls"]("NUR")["svg"] + f"?version={number}").status_code == 404


def test_downloads_follow_the_version_shown(client, demo):
    _change_version_2(client, demo)
    urls = demo["urls"]("NUR")
    old = client.get(urls["svg"] + "?version=1")
    assert old.status_code == 200
    assert old.headers["Content-Disposition"].endswith('_NUR_flowchart-v1.svg"')
    assert "audit by CLARITY" in _text(old)
    latest = client.get(urls["svg"])
    assert latest.headers["Content-Disposition"].endswith('_NUR_flowchart-v2.svg"')
    assert "audit by CLARITY" not in _text(latest)
    page = _text(client.get(urls["show"] + "?version=1"))
    assert f'href="{urls["svg"]}?version=1"' in page


# --- The mapping editor refuses a voice's steps and arrows -----------------------------------


@pytest.fixture
def voice_items(demo):
    """PRI's teacher added a step and an arrow at their return interview."""
    voice_step = db.session.scalar(select(Step).where(Step.interview_id.is_not(None)))
    voice_link = db.session.scalar(select(Link).where(Link.interview_id.is_not(None)))
    assert voice_step is not None and voice_link is not None
    # Unfreeze the version, so that only the voice guard (not freezing) can refuse the changes.
    voice_step.version.frozen_at = None
    db.session.commit()
    return {"step": voice_step, "link": voice_link, "text": voice_step.text}


def test_the_editor_answers_not_found_for_a_voices_step(client, demo, voice_items):
    step, base = voice_items["step"], demo["base"]
    edit = f"{base}/steps/{step.id}/edit"
    assert client.get(edit).status_code == 404
    data = {"theme": "situation", "group_id": str(step.group_id), "text": "Rewritten by mapper"}
    assert client.post(edit, data=data).status_code == 404
    assert client.post(f"{base}/steps/{step.id}/move", data={"direction": "up"}).status_code == 404
    assert client.get(f"{base}/steps/{step.id}/delete").status_code == 404
    assert client.post(f"{base}/steps/{step.id}/delete").status_code == 404
    db.session.expire_all()
    kept = db.session.get(Step, step.id)
    assert kept is not None and kept.text == voice_items["text"] and kept.interview_id is not None


def test_the_editor_answers_not_found_for_a_voices_arrow(client, demo, voice_items):
    link = voice_items["link"]
    assert client.post(f"{demo['base']}/links/{link.id}/delete").status_code == 404
    db.session.expire_all()
    assert db.session.get(Link, link.id) is not None


def test_the_leaders_own_steps_still_edit_when_unfrozen(client, demo, voice_items):
    """The guard is about who owns the step, not about the version: the leader's steps edit."""
    version = voice_items["step"].version
    leader_step = version.steps[0]
    response = client.post(
        f"{demo['base']}/steps/{leader_step.id}/edit",
        data={"theme": leader_step.theme, "group_id": str(leader_step.group_id), "text": "Edited"},
    )
    assert response.status_code == 303


def test_two_people_starting_the_next_version_at_once_both_land_on_it(client, demo, monkeypatch):
    """Where transactions are not serialised (PostgreSQL), both can read "version 1 is the
    latest" and both insert version 2: the second gets the first one's version, not a 500."""
    from tocapp.services import flowcharts as charts
    from tocapp.services import versions

    v1 = _version(demo["settings"]["NUR"].id, 1)
    _start_version_2(client, demo)  # the other person was quicker
    stale = db.session.get(FlowchartVersion, v1.id)
    monkeypatch.setattr(versions, "latest_version", lambda session, setting: stale)
    monkeypatch.setattr(charts, "latest_version", lambda session, setting: stale)
    response = client.post(demo["urls"]("NUR")["versions"], follow_redirects=True)
    assert response.status_code == 200
    assert "Someone else started the next version at the same moment" in _words(response)
    assert _nur_version_numbers(demo) == [1, 2]


def _numbered(response: Any) -> list[tuple[str, str]]:
    """The text version's (number, step words) pairs, in reading order."""
    return re.findall(
        r'<strong class="step-number">([SAO]\d+)</strong>\s*<span class="outline-group">[^<]*'
        r'</span>\s*<span class="text-literal" dir="auto">([^<]*)</span>',
        _text(response),
    )


def _grid_rows(response: Any) -> list[str]:
    return re.findall(r'<th scope="row" class="group-col">([^<]*)</th>', _text(response))


def test_reordering_groups_renumbers_no_chart_already_shown(client, demo):
    """Version 1 was shown at interviews: its drawing, text version and map grid keep the lanes
    it was shown with after the study's groups are reordered; version 2 follows the new order."""
    urls = demo["urls"]("NUR")
    shown = _numbered(client.get(urls["show"]))
    rows = _grid_rows(client.get(urls["map"]))
    assert shown and len(rows) > 1
    project = demo["project"]
    reordered = list(reversed(project.group_names))
    response = client.post(
        f"{demo['base']}/edit",
        data={
            "title": project.title,
            "focus": project.focus,
            "partner": project.partner,
            "intervention": project.intervention,
            "min_group_size": project.min_group_size,
            "groups": "\n".join(reordered),
        },
    )
    assert response.status_code == 302

    assert _numbered(client.get(urls["show"])) == shown
    assert _numbered(client.get(urls["show"] + "?version=1")) == shown
    assert _grid_rows(client.get(urls["map"])) == rows
    _start_version_2(client, demo)
    assert _grid_rows(client.get(urls["map"])) == reordered
    following = _numbered(client.get(urls["show"] + "?version=2"))
    assert sorted(text for _, text in following) == sorted(text for _, text in shown)
    assert following != shown
