"""Text, ids and CSV cells that would break a database, a drawing or a spreadsheet are handled in
one place each: control characters refused on every form, ids too big for a column are 404, and
CSV cells that would start a formula are neutralised."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from tocapp.extensions import db
from tocapp.models import Interview, Participant, Setting, Step, StepMark
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


HUGE = ("99999999999999999999", "9223372036854775808", "2147483648")


def test_numbers_too_big_in_a_query_or_a_form_are_unknown_not_database_errors(
    client, comparison_demo
):
    """Ids and numbers that come in a query string or a form, not the path, are checked too: one
    too big for its column (2**31 on PostgreSQL, 2**63 on SQLite) is unknown like any other."""
    project_id, nur_id = comparison_demo
    study = f"/studies/{project_id}"
    setting = f"{study}/settings/{nur_id}"
    voice = db.session.scalar(
        select(Interview.id)
        .where(Interview.setting_id == nur_id, Interview.version_id.is_not(None))
        .order_by(Interview.id)
    )
    marks_before = db.session.query(StepMark).count()
    for huge in HUGE:
        for url, status in (
            (f"{setting}/flowchart.svg?version={huge}", 404),
            (f"{setting}/flowchart?version={huge}", 404),
            (f"{setting}/voices?version={huge}", 200),
            (f"{study}/coverage?setting={huge}", 404),
            (f"{study}/activity?before={huge}", 200),
            (f"{study}/comparison?setting={huge}&detail=off", 200),
            (f"{setting}/interviews/new?schedule={huge}&participant={huge}&round={huge}", 200),
        ):
            assert client.get(url).status_code == status, url
        for export in ("flowchart", "voices", "annotated"):
            started = client.post(
                f"{study}/exports/jobs", data={"fmt": "pdf", "export": export, "target": huge}
            )
            assert started.status_code == 400, export
        refused = client.post(
            f"{study}/interviews/{voice}/voice/marks", data={"step_id": huge, "mark": "achieved"}
        )
        assert refused.status_code == 400
        assert "not on the flowchart" in refused.get_data(as_text=True)
        stale = client.post(
            f"{study}/interviews/{voice}/voice/marks",
            data={"step_id": "1", "mark": "achieved", "revision": huge},
        )
        assert stale.status_code == 400
        for field in ("step_id", "link_id"):
            note = client.post(
                f"{study}/interviews/{voice}/voice/notes", data={"text": "x", field: huge}
            )
            assert note.status_code == 400, field
    assert db.session.query(StepMark).count() == marks_before
