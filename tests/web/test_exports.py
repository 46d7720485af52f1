"""The exports page and downloads: plain links, sensible names, pseudonymised by default."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document

from tests.exports.helpers import EMAILS, REAL_NAMES, WITHHELD_NOTE, make_export_study, pdf_text
from tocapp.extensions import db
from tocapp.models import Role
from tocapp.services import flowcharts, studies
from tocapp.services.studies import add_member
from tocapp.services.versions import start_next_version

PDF, DOCX = (
    "application/pdf",
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
)


@pytest.fixture
def study(make_user, make_setting, make_participant, make_interview, auth):
    """The export study, with its owner logged in; a viewer and an interviewer to log in later."""
    study = make_export_study(make_setting, make_participant, make_interview)
    project = study.setting.project
    owner = project.memberships[0].user
    viewer, interviewer = make_user(), make_user()
    add_member(db.session, None, project, viewer.email, Role.VIEWER)
    add_member(db.session, None, project, interviewer.email, Role.INTERVIEWER)
    db.session.commit()
    auth.login(owner)
    setting_url = f"/studies/{project.id}/settings/{study.setting.id}/exports"
    interview_url = f"/studies/{project.id}/interviews/{study.teacher_interview.id}/exports"
    return {
        "study": study,
        "owner": owner,
        "viewer": viewer,
        "interviewer": interviewer,
        "index": setting_url,
        "flowchart": setting_url + "/flowchart",
        "voices": setting_url + "/voices",
        "sheet": setting_url + "/sheet",
        "annotated": interview_url + "/annotated",
    }


def filename(response) -> str:
    match = re.search(r'filename="([^"]+)"', response.headers["Content-Disposition"])
    assert match, response.headers["Content-Disposition"]
    return match.group(1)


def test_the_setting_page_links_to_an_exports_page_listing_every_document(client, study):
    setting = study["study"].setting
    page = client.get(f"/studies/{setting.project_id}/settings/{setting.id}").get_data(True)
    assert study["index"] in page
    page = client.get(study["index"]).get_data(as_text=True)
    for kind in ("flowchart", "voices", "sheet", "annotated"):
        assert study[kind] + ".pdf" in page and study[kind] + ".docx" in page
    assert study["voices"] + ".svg" in page and study["annotated"] + ".png" in page
    assert 'value="identified"' in page  # the owner is offered identified exports
    assert "Teacher, Ms Heron (RIV-P02)" in page
    assert not any(name in page for name in REAL_NAMES)


@pytest.mark.parametrize("kind", ["flowchart", "annotated", "voices", "sheet"])
def test_each_document_downloads_as_pdf_and_word_with_a_sensible_name(client, study, kind):
    pdf = client.get(study[kind] + ".pdf")
    assert pdf.status_code == 200 and pdf.mimetype == PDF
    assert pdf.headers["Cache-Control"] == "no-store"
    name = filename(pdf)
    assert name.startswith("Coaching-study_RIV_round-") and name.endswith(".pdf")
    assert re.search(r"_\d{4}-\d{2}-\d{2}_", name)
    text = pdf_text(pdf.data)
    assert not any(secret in text for secret in (*REAL_NAMES, *EMAILS, WITHHELD_NOTE))

    word = client.get(study[kind] + ".docx")
    assert word.status_code == 200 and word.mimetype == DOCX
    assert filename(word) == name.removesuffix(".pdf") + ".docx"
    assert Document(io.BytesIO(word.data)).inline_shapes


def test_the_annotated_file_is_named_after_the_voices_role_and_interview_date(client, study):
    name = filename(client.get(study["annotated"] + ".pdf"))
    assert name == "Coaching-study_RIV_round-2_Teacher-RIV-P02_2026-07-14_annotated.pdf"


@pytest.mark.parametrize("kind", ["annotated", "voices"])
def test_the_annotated_charts_download_as_svg_and_png(client, study, kind):
    svg = client.get(study[kind] + ".svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert b"Achieved" in svg.data
    png = client.get(study[kind] + ".png")
    assert png.status_code == 200 and png.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert filename(png).endswith(".png")


def test_only_an_owner_gets_an_identified_export(client, auth, study):
    response = client.get(study["voices"] + ".pdf?identified=1")
    assert response.status_code == 200 and filename(response).endswith("_identified.pdf")
    text = pdf_text(response.data)
    assert all(name in text for name in REAL_NAMES)
    assert WITHHELD_NOTE not in text and not any(email in text for email in EMAILS)
    for someone in (study["viewer"], study["interviewer"]):
        auth.logout()
        auth.login(someone)
        assert client.get(study["voices"] + ".pdf?identified=1").status_code == 403
        assert client.get(study["annotated"] + ".docx?identified=1").status_code == 403
        page = client.get(study["index"]).get_data(as_text=True)
        assert "identified=1" not in page


def test_a_viewer_may_download_pseudonymised_documents(client, auth, study):
    auth.logout()
    auth.login(study["viewer"])
    response = client.get(study["sheet"] + ".pdf")
    assert response.status_code == 200
    assert not any(name in pdf_text(response.data) for name in REAL_NAMES)


def test_a4_only_paper_and_unknown_paper(client, study):
    assert client.get(study["flowchart"] + ".pdf?paper=a4").status_code == 200
    assert client.get(study["flowchart"] + ".pdf?paper=letter").status_code == 400


def test_non_members_get_404(client, auth, make_user, study):
    auth.logout()
    auth.login(make_user())
    for kind in ("index", "flowchart", "annotated"):
        url = study[kind] if kind == "index" else study[kind] + ".pdf"
        assert client.get(url).status_code == 404


def test_exports_change_nothing(client, study):
    """A GET export of an unfrozen version leaves it unfrozen (only a return interview freezes)."""
    setting = study["study"].setting
    version = start_next_version(db.session, None, setting)
    db.session.commit()
    assert version.frozen_at is None
    for kind in ("flowchart", "sheet"):
        assert client.get(study[kind] + ".pdf").status_code == 200
    db.session.expire_all()
    assert flowcharts.latest_version(db.session, setting).frozen_at is None


def test_nothing_to_export_says_so_on_the_exports_page(client, make_setting, make_user, auth):
    owner = make_user()
    project = studies.create_project(db.session, owner, studies.ProjectFields(title="Empty"))
    setting = make_setting(project=project)
    db.session.commit()
    auth.logout()
    auth.login(owner)
    index = f"/studies/{project.id}/settings/{setting.id}/exports"
    assert "nothing to export yet" in client.get(index).get_data(as_text=True)
    response = client.get(index + "/voices.pdf")
    assert response.status_code == 303 and response.headers["Location"].endswith(index)
    assert "no steps yet" in client.get(index).get_data(as_text=True)


def test_a_round_one_interview_has_no_annotated_document(client, study):
    first = next(i for i in study["study"].setting.interviews if i.version is None)
    url = f"/studies/{first.setting.project_id}/interviews/{first.id}/exports/annotated.pdf"
    response = client.get(url)
    assert response.status_code == 303 and response.headers["Location"].endswith(study["index"])
