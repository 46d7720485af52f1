"""Mapping round-1 notes into a setting's flowchart with plain forms (no JavaScript needed)."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tocapp.extensions import db
from tocapp.models import FlowchartVersion, Link, Step
from tocapp.models.base import utcnow
from tocapp.models.users import Role
from tocapp.services import flowcharts, studies

HOSTILE = "<script>alert('x')</script> \"quoted\" back\\slash 🌱 ŵ ŷ مرحبا"


def _html(response: Any) -> str:
    return response.get_data(as_text=True)


def _text(response: Any) -> str:
    return html.unescape(_html(response))


@pytest.fixture
def chart(make_user, make_project, make_setting, make_participant, make_interview, auth):
    """A setting with a round-1 interview, its owner logged in, and URL helpers."""
    owner = make_user()
    project = make_project(owner=owner)
    setting = make_setting(project=project, code="P1", name="Hill Primary")
    head = make_participant(setting=setting, role_label="Headteacher")
    interview = make_interview(
        participant=head,
        notes={
            1: "Many children start school with delayed speech.",
            3: "CLARITY will coach teaching assistants every fortnight.",
        },
    )
    auth.login(owner)
    base = f"/studies/{project.id}"
    groups = {g.name: g.id for g in project.groups}
    answers = {a.number: a.id for a in interview.answers}
    return {
        "owner": owner,
        "project": project,
        "setting": setting,
        "interview": interview,
        "groups": groups,
        "answers": answers,
        "map": f"{base}/settings/{setting.id}/flowchart/map",
        "show": f"{base}/settings/{setting.id}/flowchart",
        "add_step": f"{base}/settings/{setting.id}/flowchart/steps",
        "add_link": f"{base}/settings/{setting.id}/flowchart/links",
        "step": lambda step_id, action: f"{base}/steps/{step_id}/{action}",
        "delete_link": lambda link_id: f"{base}/links/{link_id}/delete",
    }


def _add(
    client: Any,
    chart: dict[str, Any],
    text: str,
    theme: str = "situation",
    group: str = "Staff",
    source: int | None = None,
    quote: str = "",
) -> Any:
    data = {
        "theme": theme,
        "group_id": str(chart["groups"][group]),
        "text": text,
        "source_answer_id": str(chart["answers"][source]) if source else "",
        "source_quote": quote,
    }
    return client.post(chart["add_step"], data=data)


def _step(text: str) -> Step:
    return db.session.scalar(select(Step).where(Step.text == text))


def _link(client: Any, chart: dict[str, Any], source: Step, target: Step, label: str = "") -> Any:
    data = {
        "arrow-source_id": str(source.id),
        "arrow-target_id": str(target.id),
        "arrow-label": label,
    }
    return client.post(chart["add_link"], data=data)


def _count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_map_shows_the_answers_beside_a_grid_of_themes_by_group(client, chart):
    response = client.get(chart["map"])
    assert response.status_code == 200
    page = _text(response)
    assert "Many children start school with delayed speech." in page
    assert "What role is CLARITY playing" in page
    for heading in ("Starting situation", "Strands of action", "Intended outcomes"):
        assert heading in page
    assert "What are we going to do about it?" in page
    for name, group_id in chart["groups"].items():
        assert f'<th scope="row" class="group-col">{name}</th>' in page
        assert f'id="cell-action-{group_id}"' in page
    # Looking is not changing: no flowchart version is created by a GET.
    assert _count(FlowchartVersion) == 0


def test_adding_steps_in_cells_keeps_their_source_answer_and_quote(client, chart):
    response = _add(
        client, chart, "Children start with delayed speech", source=1, quote="delayed speech"
    )
    staff = chart["groups"]["Staff"]
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/flowchart/map#cell-situation-{staff}")
    _add(client, chart, "Coach the TAs", theme="action", group="Children", source=3)

    step = _step("Children start with delayed speech")
    assert step.source_answer_id == chart["answers"][1]
    assert step.source_quote == "delayed speech"
    page = _text(client.get(chart["map"]))
    cell = page.split(f'id="cell-situation-{staff}"')[1].split("</td>")[0]
    assert "S1" in cell and "Children start with delayed speech" in cell
    assert "From Q1" in cell and "delayed speech" in cell
    action = page.split(f'id="cell-action-{chart["groups"]["Children"]}"')[1].split("</td>")[0]
    assert "A1" in action and "Coach the TAs" in action and "From Q3" in action


def test_a_cells_add_link_fills_the_add_form(client, chart):
    children = chart["groups"]["Children"]
    page = _html(client.get(chart["map"] + f"?theme=outcome&group={children}"))
    assert f'href="{chart["map"]}?theme=outcome&amp;group={children}#add-step"' in page
    form = page.split('id="add-step"')[1]
    assert re.search(r'<option selected value="outcome">', form)
    assert re.search(rf'<option selected value="{children}">', form)


def test_editing_a_step_changes_its_text_cell_and_source(client, chart):
    _add(client, chart, "Old words", source=1)
    step = _step("Old words")
    page = _text(client.get(chart["step"](step.id, "edit")))
    assert "Old words" in page and "Many children start school" in page
    data = {
        "theme": "outcome",
        "group_id": str(chart["groups"]["Parents"]),
        "text": "New words",
        "source_answer_id": str(chart["answers"][3]),
        "source_quote": "every fortnight",
    }
    response = client.post(chart["step"](step.id, "edit"), data=data)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"#cell-outcome-{chart['groups']['Parents']}")
    db.session.refresh(step)
    assert (step.theme, step.text, step.source_quote) == ("outcome", "New words", "every fortnight")
    assert step.source_answer_id == chart["answers"][3]


def test_moving_steps_up_and_down_changes_their_order_in_the_cell(client, chart):
    for text in ("First", "Second", "Third"):
        _add(client, chart, text)

    def order() -> list[str]:
        page = _text(client.get(chart["map"]))
        cell = page.split(f'id="cell-situation-{chart["groups"]["Staff"]}"')[1].split("</td>")[0]
        return re.findall(r"<span class=\"text-literal\"[^>]*>(First|Second|Third)</span>", cell)

    assert order() == ["First", "Second", "Third"]
    response = client.post(chart["step"](_step("Third").id, "move"), data={"direction": "up"})
    assert response.status_code == 303
    assert order() == ["First", "Third", "Second"]
    client.post(chart["step"](_step("First").id, "move"), data={"direction": "down"})
    assert order() == ["Third", "First", "Second"]
    # The reading numbers follow the new order.
    page = _text(client.get(chart["map"]))
    assert re.search(r"S1</strong> <span class=\"text-literal\"[^>]*>Third", page)
    assert (
        client.post(
            chart["step"](_step("First").id, "move"), data={"direction": "sideways"}
        ).status_code
        == 400
    )


def test_deleting_a_step_asks_first_then_removes_it_and_its_arrows(client, chart):
    _add(client, chart, "Cause")
    _add(client, chart, "Action", theme="action")
    _add(client, chart, "Outcome", theme="outcome")
    cause, action, outcome = _step("Cause"), _step("Action"), _step("Outcome")
    _link(client, chart, cause, action, "so")
    _link(client, chart, action, outcome)
    _link(client, chart, cause, outcome)
    assert _count(Link) == 3

    confirm = client.get(chart["step"](action.id, "delete"))
    assert confirm.status_code == 200
    assert "Delete step A1?" in _text(confirm) and "Its 2 arrows will go too" in _text(confirm)
    assert _count(Step) == 3  # asking changed nothing

    response = client.post(chart["step"](action.id, "delete"))
    assert response.status_code == 303
    assert _step("Action") is None
    remaining = db.session.scalars(select(Link)).all()
    assert [(ln.source_step_id, ln.target_step_id) for ln in remaining] == [(cause.id, outcome.id)]


def test_adding_and_deleting_an_arrow_with_a_label(client, chart):
    _add(client, chart, "Delayed speech")
    _add(client, chart, "Coach the TAs", theme="action")
    source, target = _step("Delayed speech"), _step("Coach the TAs")
    page = _text(client.get(chart["map"]))
    assert "S1 · Delayed speech" in page and "A1 · Coach the TAs" in page  # select options

    response = _link(client, chart, source, target, "so we decided")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("#arrows")
    arrows = _text(client.get(chart["map"])).split('id="arrows"')[1]
    assert re.search(
        r"S1</strong>.*Delayed speech.*→.*A1</strong>.*Coach the TAs.*so we decided", arrows, re.S
    )

    link = db.session.scalar(select(Link))
    assert client.post(chart["delete_link"](link.id)).status_code == 303
    assert _count(Link) == 0


def test_an_arrow_from_a_step_to_itself_is_refused_with_a_message(client, chart):
    _add(client, chart, "Lonely step")
    _add(client, chart, "Other step", theme="action")
    step = _step("Lonely step")
    response = _link(client, chart, step, step, "round and round")
    assert response.status_code == 400
    page = _text(response)
    assert "An arrow cannot start and end at the same step." in page
    assert 'value="round and round"' in page
    assert _count(Link) == 0


def test_the_same_arrow_twice_is_refused(client, chart):
    _add(client, chart, "A")
    _add(client, chart, "B", theme="action")
    assert _link(client, chart, _step("A"), _step("B")).status_code == 303
    response = _link(client, chart, _step("A"), _step("B"), "again")
    assert response.status_code == 400
    assert "That arrow is already on the flowchart." in _text(response)
    assert _count(Link) == 1


def test_an_arrow_to_another_settings_step_is_refused(client, chart, make_setting):
    _add(client, chart, "Ours")
    other_setting = make_setting(project=chart["project"])
    version = flowcharts.current_version(db.session, other_setting)
    theirs = flowcharts.add_step(
        db.session,
        None,
        version,
        flowcharts.StepFields("action", chart["groups"]["Staff"], "Theirs"),
    )
    db.session.commit()
    response = _link(client, chart, _step("Ours"), theirs)
    assert response.status_code == 400
    assert "Choose a step of this flowchart." in _text(response)
    assert _count(Link) == 0


def test_a_step_that_is_too_long_is_refused_and_the_typed_text_is_kept(client, chart):
    long_text = "Speech " * 80 + "the end of a long thought"
    response = _add(
        client, chart, long_text, theme="outcome", group="Parents", source=1, quote="delayed"
    )
    assert response.status_code == 400
    page = _text(response)
    assert "A step can be at most 500 characters" in page
    assert long_text in page
    form = _html(response).split('id="add-step"')[1]
    assert '<option selected value="outcome">' in form
    assert f'<option selected value="{chart["groups"]["Parents"]}">' in form
    assert f'<option selected value="{chart["answers"][1]}">' in form
    assert _count(Step) == 0


def test_a_quote_without_its_answer_is_refused_rather_than_dropped(client, chart):
    response = _add(client, chart, "A step", quote="words from somewhere")
    assert response.status_code == 400
    assert "Choose the answer the quoted words come from" in _text(response)
    assert "words from somewhere" in _text(response)


def test_a_frozen_version_refuses_changes_with_a_clear_message(client, chart):
    _add(client, chart, "Shown to staff")
    _add(client, chart, "Also shown", theme="action")
    step = _step("Shown to staff")
    step.version.frozen_at = utcnow()
    db.session.commit()
    page = _text(client.get(chart["map"]))
    assert "Version 1 is frozen" in page
    assert "/edit" not in page.split('id="steps-heading"')[1]
    response = _add(client, chart, "Sneaked in")
    assert response.status_code == 400
    assert "frozen" in _text(response) and "Sneaked in" in _text(response)
    client.post(chart["step"](step.id, "delete"))
    assert _step("Shown to staff") is not None
    edit = client.post(
        chart["step"](step.id, "edit"),
        data={"theme": "situation", "group_id": str(chart["groups"]["Staff"]), "text": "Changed"},
    )
    assert edit.status_code == 400 and "frozen" in _text(edit)
    assert _link(client, chart, step, _step("Also shown")).status_code == 400
    assert _count(Link) == 0


@pytest.fixture
def as_viewer(client, chart, auth, make_user):
    _add(client, chart, "Seen by all")
    _add(client, chart, "Also seen", theme="action")
    _link(client, chart, _step("Seen by all"), _step("Also seen"))
    viewer = make_user()
    studies.add_member(db.session, None, chart["project"], viewer.email, Role.VIEWER)
    db.session.commit()
    auth.logout()
    auth.login(viewer)
    return viewer


def test_viewers_see_the_flowchart_but_cannot_map(client, chart, as_viewer):
    step, link = _step("Seen by all"), db.session.scalar(select(Link))
    assert client.get(chart["show"]).status_code == 200
    assert "/flowchart/map" not in _html(client.get(chart["show"]))
    assert client.get(chart["map"]).status_code == 403
    assert client.get(chart["step"](step.id, "edit")).status_code == 403
    posts = [
        (
            chart["add_step"],
            {
                "theme": "situation",
                "group_id": str(chart["groups"]["Staff"]),
                "text": "Viewer step",
            },
        ),
        (chart["step"](step.id, "edit"), {"theme": "situation", "text": "Changed"}),
        (chart["step"](step.id, "move"), {"direction": "down"}),
        (chart["step"](step.id, "delete"), {}),
        (chart["add_link"], {"arrow-source_id": str(step.id), "arrow-target_id": str(step.id)}),
        (chart["delete_link"](link.id), {}),
    ]
    for url, data in posts:
        assert client.post(url, data=data).status_code == 403, url
    assert _count(Step) == 2 and _count(Link) == 1 and _step("Seen by all") is not None


def test_non_members_get_404_on_every_mapping_url(client, chart, auth, make_user):
    _add(client, chart, "Private")
    _add(client, chart, "Also private", theme="action")
    _link(client, chart, _step("Private"), _step("Also private"))
    step, link = _step("Private"), db.session.scalar(select(Link))
    auth.logout()
    auth.login(make_user())
    for url in (
        chart["map"],
        chart["show"],
        chart["step"](step.id, "edit"),
        chart["step"](step.id, "delete"),
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        chart["add_step"],
        chart["add_link"],
        chart["step"](step.id, "move"),
        chart["step"](step.id, "delete"),
        chart["delete_link"](link.id),
    ):
        assert client.post(url, data={"direction": "up"}).status_code == 404, url
    assert _count(Step) == 2


def test_a_step_is_not_found_through_another_studys_url(client, chart, make_project):
    _add(client, chart, "Ours")
    other = make_project(owner=chart["owner"])
    response = client.post(f"/studies/{other.id}/steps/{_step('Ours').id}/delete")
    assert response.status_code == 404
    assert _step("Ours") is not None


def test_the_flowchart_page_has_a_text_version_of_every_step_and_arrow(client, chart):
    _add(client, chart, "Delayed speech on entry", source=1, quote="delayed speech")
    _add(client, chart, "Coach the TAs", theme="action", group="Staff", source=3)
    _add(client, chart, "Children talk more", theme="outcome", group="Children")
    situation, action, outcome = (
        _step(t) for t in ("Delayed speech on entry", "Coach the TAs", "Children talk more")
    )
    _link(client, chart, situation, action, "so")
    _link(client, chart, action, outcome, "which means")

    response = client.get(chart["show"])
    assert response.status_code == 200
    page = _text(response)
    assert '<figure id="flowchart-figure"' in page
    text = page.split('id="text-version-heading"')[1]
    for heading in ("Starting situation", "Strands of action", "Intended outcomes"):
        assert heading in text
    for step_text in ("Delayed speech on entry", "Coach the TAs", "Children talk more"):
        assert step_text in text
    s1 = text.split('id="outline-S1"')[1].split('id="outline-A1"')[0]
    assert "From the answer to question 1" in s1 and re.search(
        r'<q class="text-literal"[^>]*>delayed speech</q>', s1
    )
    a1 = text.split('id="outline-A1"')[1].split("</ol>")[0]
    assert re.search(
        r"From <a href=\"#outline-S1\">S1</a>.*Delayed speech on entry.*\(.*so.*\)", a1, re.S
    )
    assert re.search(
        r"Leads to <a href=\"#outline-O1\">O1</a>.*Children talk more.*which means", a1, re.S
    )


def test_hostile_text_is_shown_literally_on_the_mapping_pages(client, chart):
    _add(client, chart, HOSTILE, source=1, quote=HOSTILE)
    _add(client, chart, "Plain", theme="action")
    _link(client, chart, _step(" ".join(HOSTILE.split())), _step("Plain"), HOSTILE[:150])
    step = _step(" ".join(HOSTILE.split()))
    assert step is not None
    for url in (
        chart["map"],
        chart["show"],
        chart["step"](step.id, "edit"),
        chart["step"](step.id, "delete"),
    ):
        page = _html(client.get(url))
        assert "<script>alert" not in page, url
        assert "&lt;script&gt;alert(" in page, url
        assert "ŵ ŷ مرحبا" in page and "🌱" in page, url


class TestWithCsrf:
    """The mapping forms carry their CSRF tokens (the arrow form's is prefixed)."""

    @pytest.fixture
    def app_config(self, app_config: dict[str, Any]) -> dict[str, Any]:
        return {**app_config, "WTF_CSRF_ENABLED": True}

    def test_forms_post_with_their_own_tokens(self, client, make_user, make_project, make_setting):
        user = make_user()
        project = make_project(owner=user)
        setting = make_setting(project=project)
        login = _html(client.get("/login"))
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login)[1]
        client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
        map_url = f"/studies/{project.id}/settings/{setting.id}/flowchart/map"
        staff = project.groups[0].id
        for text, theme in (("One", "situation"), ("Two", "action")):
            page = _html(client.get(map_url))
            step_token = re.search(
                r'id="csrf_token" name="csrf_token" type="hidden" '
                r'value="([^"]+)"',
                page,
            )[1]
            response = client.post(
                f"/studies/{project.id}/settings/{setting.id}/flowchart/steps",
                data={
                    "csrf_token": step_token,
                    "theme": theme,
                    "group_id": str(staff),
                    "text": text,
                },
            )
            assert response.status_code == 303
        page = _html(client.get(map_url))
        arrow_token = re.search(r'name="arrow-csrf_token" type="hidden" value="([^"]+)"', page)[1]
        one, two = _step("One"), _step("Two")
        response = client.post(
            f"/studies/{project.id}/settings/{setting.id}/flowchart/links",
            data={
                "arrow-csrf_token": arrow_token,
                "arrow-source_id": str(one.id),
                "arrow-target_id": str(two.id),
            },
        )
        assert response.status_code == 303
        refused = client.post(f"/studies/{project.id}/steps/{one.id}/delete")
        assert refused.status_code == 400
        assert _step("One") is not None
