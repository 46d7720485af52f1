"""Text, ids and CSV cells that would break a database, a drawing or a spreadsheet are handled in
one place each: control characters refused on every form, ids too big for a column are 404, and
CSV cells that would start a formula are neutralised."""

from __future__ import annotations

import csv
import io

import pytest

from tocapp.extensions import db
from tocapp.models import Participant, Setting, Step
from tocapp.render.csv_cells import spreadsheet_safe
from tocapp.web.forms.base import control_character


@pytest.mark.parametrize(
    ("text", "multi_line", "found"),
    [
        ("Head\x00teacher", False, "\x00"),
        ("Tab\there", False, "\t"),
        ("Two\nlines", False, "\n"),
        ("Two\r\nlines\tand a tab", True, None),
        ("Bell\x07", True, "\x07"),
        ("Ŵ مرحبا 🌱 <b>", False, None),
    ],
)
def test_control_characters_by_kind_of_field(text, multi_line, found):
    assert control_character(text, multi_line) == found


def test_a_nul_in_a_form_is_refused_with_a_message_and_nothing_saved(
    client, auth, make_user, make_project, make_setting
):
    owner = make_user()
    project = make_project(owner=owner)
    setting = make_setting(project=project)
    auth.login(owner)
    response = client.post(
        f"/studies/{project.id}/settings/{setting.id}/participants/new",
        data={"role_label": "Head\x00teacher", "perspective": "leadership", "pseudonym": "Ŵyn"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "invisible control character (U+0000)" in page and 'value="Ŵyn"' in page
    assert db.session.query(Participant).count() == 0
    renamed = client.post(
        f"/studies/{project.id}/edit",
        data={"title": "Study", "groups": "Staff\nChil\x00dren"},
    )
    assert renamed.status_code == 400 and "U+0000" in renamed.get_data(as_text=True)
    assert db.session.get(Setting, setting.id).project.group_names == [
        "Staff",
        "Children",
        "Parents",
    ]


def test_ids_too_big_for_a_column_are_404(client, auth, make_user, make_project):
    owner = make_user()
    project = make_project(owner=owner)
    auth.login(owner)
    assert client.get(f"/studies/{project.id}").status_code == 200
    for url in (
        "/studies/99999999999999999999",
        f"/studies/{project.id}/settings/2147483648",
        f"/studies/{project.id}/interviews/9223372036854775808/voice",
    ):
        assert client.get(url).status_code == 404, url


def test_csv_cells_that_would_be_formulas_are_neutralised(client, comparison_demo):
    project_id, nur_id = comparison_demo
    step = db.session.query(Step).filter(Step.interview_id.is_(None)).first()
    step.text = '=HYPERLINK("http://example.invalid","Click")'
    db.session.commit()
    text = client.get(f"/studies/{project_id}/comparison.csv").data.decode("utf-8-sig")
    cells = {cell for row in csv.reader(io.StringIO(text)) for cell in row}
    assert "'" + step.text in cells and step.text not in cells
    assert spreadsheet_safe("-3") == "'-3" and spreadsheet_safe("3") == "3"
    assert spreadsheet_safe("@SUM(A1)") == "'@SUM(A1)" and spreadsheet_safe("\tx") == "'\tx"


def test_an_unexpected_error_gets_our_own_page_and_saves_nothing(
    app, client, auth, make_user, monkeypatch
):
    from tocapp.services import studies as service

    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug")

    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production, where the page is shown
    auth.login(make_user())
    monkeypatch.setattr(service, "studies_for", broken)
    response = client.get("/")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong" in page and "nothing of it was saved" in page
    assert "Traceback" not in page and "a bug" not in page


def test_a_body_too_large_gets_a_page_that_says_so(app, client, auth, make_user, make_project):
    owner = make_user()
    project = make_project(owner=owner)
    auth.login(owner)
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    response = client.post(f"/studies/{project.id}/edit", data={"title": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "too much to send" in response.get_data(as_text=True)
