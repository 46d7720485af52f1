"""The flowchart page's body kept as HTML by the study's revision: a repeat view reads no chart,
and any change in the study — a step, the setting's code, a return interview — is seen at once."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from tocapp.extensions import db
from tocapp.models.audit import AuditChain
from tocapp.models.users import Role
from tocapp.services import flowcharts, interviews, studies, voices
from tocapp.web import chart_images, flowchart_body
from tocapp.web.chart_images import InlineChart, PendingChart


@pytest.fixture
def study(make_user, make_project, make_setting, make_participant, auth) -> dict[str, Any]:
    owner = make_user()
    project = make_project(owner=owner)
    setting = make_setting(project=project, code="HIL")
    teacher = make_participant(setting=setting, role_label="Teacher")
    version = flowcharts.current_version(db.session, setting)
    staff = project.groups[0].id
    fields = flowcharts.StepFields
    a = flowcharts.add_step(db.session, None, version, fields("situation", staff, "Quiet rooms"))
    b = flowcharts.add_step(db.session, None, version, fields("action", staff, "Coach the TAs"))
    flowcharts.add_link(db.session, None, version, a.id, b.id)
    db.session.commit()
    auth.login(owner)
    return {
        "project": project,
        "setting": setting,
        "teacher": teacher,
        "page": f"/studies/{project.id}/settings/{setting.id}/flowchart",
    }


def _refuse(why: str) -> Any:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError(why)

    return refuse


def _forbid_reading_the_chart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flowchart_body, "flowchart_page", _refuse("the chart was read again"))


def test_a_repeat_view_reads_no_chart_and_shows_the_same_page(client, study, monkeypatch):
    first = client.get(study["page"]).data
    _forbid_reading_the_chart(monkeypatch)
    again = client.get(study["page"])
    assert again.status_code == 200 and again.data == first
    assert b"Quiet rooms" in again.data and b"<svg" in again.data


def test_a_repeat_view_reads_neither_the_study_nor_its_breadcrumbs(client, study, monkeypatch):
    """The breadcrumbs (the study's title) are kept with the body: a hit loads no project."""
    first = client.get(study["page"]).data
    _forbid_reading_the_chart(monkeypatch)
    monkeypatch.setattr(flowchart_body, "study_trail", _refuse("the breadcrumbs were built"))
    again = client.get(study["page"]).data
    assert again == first
    crumbs = again.split(b'<nav class="breadcrumbs"')[1].split(b"</nav>")[0]
    assert study["project"].title.encode() in crumbs and b"HIL \xc2\xb7" in crumbs
    assert b'<span aria-current="page" dir="auto">Flowchart</span>' in crumbs


def test_the_kept_body_goes_into_the_page_as_it_was_written(client, study):
    """The body travels as UTF-8 bytes into the page: any script's words arrive intact, once,
    where the page puts them, with nothing of the splice left over."""
    version = flowcharts.current_version(db.session, study["setting"])
    staff = study["project"].groups[0].id
    words = "Écoute partagée · 聆听 · تعلّم"
    flowcharts.add_step(db.session, None, version, flowcharts.StepFields("outcome", staff, words))
    db.session.commit()
    for _ in range(2):  # drawn, then kept
        response = client.get(study["page"])
        page = response.data.decode("utf-8")
        assert response.content_type == "text/html; charset=utf-8"
        assert words in page and "kept body" not in page
        main = page.split('<main id="main"')[1]
        assert main.index("<h1>Flowchart") < main.index(words) < main.index("</main>")
        assert page.count("<svg") == page.count("</svg>") >= 1


def test_a_new_study_title_is_seen_in_the_breadcrumbs(client, study):
    client.get(study["page"])
    project = study["project"]
    studies.update_project(db.session, None, project, studies.ProjectFields("Calm <b>rooms</b>"))
    db.session.commit()
    page = client.get(study["page"]).data
    assert b"Calm &lt;b&gt;rooms&lt;/b&gt;</a>" in page  # escaped, as everywhere


def test_a_change_anywhere_in_the_study_is_seen(client, study):
    assert b"HIL theory of change" in client.get(study["page"]).data
    setting = study["setting"]
    studies.update_setting(
        db.session, None, setting, studies.SettingFields(setting.name, "HILL", setting.kind)
    )
    db.session.commit()
    page = client.get(study["page"]).data
    assert b"HILL theory of change" in page and b"shown at 0 return" not in page
    voices.start_return_interview(
        db.session,
        None,
        setting,
        interviews.InterviewFields(
            study["project"].rounds[1].id,
            date(2026, 7, 1),
            "video",
            people=[(study["teacher"].id, "Teacher")],
        ),
    )
    db.session.commit()
    assert b"shown at 1 return interview," in client.get(study["page"]).data


def test_a_reader_who_may_not_map_gets_no_mapping_link(client, study, make_user, auth):
    viewer = make_user()
    studies.add_member(db.session, None, study["project"], viewer.email, Role.VIEWER)
    db.session.commit()
    assert b"Map the interview notes" in client.get(study["page"]).data  # the owner's, kept
    auth.login(viewer)
    page = client.get(study["page"]).data
    assert b"Quiet rooms" in page and b"Map the interview notes" not in page


def test_a_failed_drawing_is_not_kept(client, study, monkeypatch):
    with monkeypatch.context() as patched:
        patched.setattr(
            chart_images,
            "start_inline_chart",
            lambda *_a, **_k: PendingChart(InlineChart(None, "Too slow.")),
        )
        assert b"The drawing could not be made: Too slow." in client.get(study["page"]).data
    page = client.get(study["page"]).data
    assert b"<svg" in page and b"could not be made" not in page


def test_downloading_the_study_keeps_its_pages_and_a_change_does_not(client, study, monkeypatch):
    """A download is audited in the study's chain but changes nothing the page shows: the kept
    body is still used after it. A change after it is seen."""
    first = client.get(study["page"]).data
    setting = study["setting"]
    base = f"/studies/{setting.project_id}/settings/{setting.id}"
    download = client.get(f"{base}/flowchart.svg")
    assert download.status_code == 200
    chain = db.session.scalar(select(AuditChain).filter_by(project_id=setting.project_id))
    assert chain is not None and chain.length > chain.content_length  # the download is audited
    with monkeypatch.context() as patched:
        patched.setattr(flowchart_body, "flowchart_page", _refuse("the chart was read again"))
        assert client.get(study["page"]).data == first
    fields = studies.SettingFields(setting.name, "HIX", setting.kind)
    studies.update_setting(db.session, None, setting, fields)
    db.session.commit()
    assert b"HIX" in client.get(study["page"]).data
