"""Every POST route of the app leaves exactly the audit entries it should, by the right person.

The routes come from the route table, so a new one fails here until it is listed below with what
it records. Each is driven the way a person would: its form is found on a page of the study (by
following the study's own links), filled in and sent.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import lxml.html
import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tocapp.extensions import db
from tocapp.models import AuditEntry, Participant, Step
from tocapp.services.audit_verify import verify_trail

# endpoint → the audit actions one use of it records, in order. (Ordered as they are driven:
# what deletes comes last.)
EXPECTED: dict[str, list[str]] = {
    "studies.new": ["audit.start", "study.create"],  # a new study's chain starts
    "studies.edit": ["study.edit"],
    "studies.members": ["member.add"],
    "studies.remove_member": ["member.remove"],
    "studies.new_schedule": ["schedule.create"],
    "settings.new": ["setting.create"],
    "settings.edit": ["setting.edit"],
    "participants.new": ["participant.create"],
    "participants.edit": ["participant.edit", "consent.change"],  # a role and a consent date
    "rounds.new": ["round.create"],
    "rounds.edit": ["round.edit"],
    "interviews.new": ["interview.create"],
    "interviews.edit": ["interview.edit"],
    "flowcharts.add_step": ["step.create"],
    "flowcharts.edit_step": ["step.edit"],
    "flowcharts.move_step": ["step.move"],
    "flowcharts.add_link": ["link.create"],
    "voices.mark": ["voice.mark"],
    "voices.note": ["voice.note"],
    "voices.edit_note": ["voice.note_edit"],
    "voices.arrow": ["voice.arrow"],
    "voices.add_step": ["voice.step"],
    "voices.undo": ["voice.undo"],
    "report_jobs.start": ["report.request", "report.built"],  # the queue runs it at once here
    "exports.build_later": ["report.request", "report.built"],
    "flowcharts.delete_link": ["link.delete"],
    "flowcharts.delete_step": ["step.delete"],
    "voices.new": ["interview.create"],
    "flowcharts.start_version": ["version.create"],
    "archives.import_archive": ["audit.start", "study.import"],
    "withdrawals.withdraw": ["participant.withdraw"],
    "auth.password": ["password.change", "login.success"],
    "auth.logout": ["logout"],
    "auth.login": ["login.success"],
    "erasure.delete": ["study.delete"],
}

# JSON endpoints that a page's script calls, with no form of their own: they record nothing
# (drafts are autosaves, not audited: services/drafts.py) and tests/web/test_drafts.py drives them.
SCRIPT_ONLY = {"drafts.save", "drafts.discard"}

STUDY_LIST_PAGES = ("/studies/new", "/studies/import")
DOWNLOADS = (".pdf", ".docx", ".csv", ".svg", ".png", ".json", "/download", "/archive")


def _endpoint(app: Any, url: str) -> str:
    adapter = app.url_map.bind("localhost")
    return adapter.match(urlsplit(url).path, method="POST")[0]


def _crawl(app: Any, client: Any, project_id: int) -> dict[str, str]:
    """The first page (by following links from the study) holding each POST route's form."""
    queue, seen, found = ["/", f"/studies/{project_id}", "/account/password"], set(), {}
    while queue:
        url = queue.pop(0).split("#")[0]
        if url in seen or "?" in url or url.endswith(DOWNLOADS):
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        doc = lxml.html.fromstring(response.get_data(as_text=True))
        for form in doc.forms:
            if (form.method or "GET").upper() == "POST":
                found.setdefault(_endpoint(app, form.get("action") or url), url)
        for link in doc.xpath("//a[@href]"):
            path = urlsplit(link.get("href")).path
            if path.startswith(f"/studies/{project_id}/") or path in STUDY_LIST_PAGES:
                queue.append(link.get("href"))
    return found


FILLERS = {"date": "2026-03-01", "number": "3", "email": "", "password": PASSWORD}


def _submit(app: Any, client: Any, page: str, endpoint: str, overrides: dict[str, Any]) -> Any:
    """Fill in the page's form for ``endpoint`` as a person would, and send it."""
    got = client.get(page)
    assert got.mimetype == "text/html", (page, got.status_code, got.mimetype)
    doc = lxml.html.fromstring(got.get_data(as_text=True))
    wanted_action = overrides.pop("__action__", None)
    form = next(
        f
        for f in doc.forms
        if (f.method or "").upper() == "POST"
        and _endpoint(app, f.get("action") or page) == endpoint
        and wanted_action in (None, f.get("action"))
    )
    data: dict[str, Any] = {}
    for name, value in form.form_values():
        data.setdefault(name, value)
    for element in form.inputs:
        name, kind = element.get("name"), (element.get("type") or "text").lower()
        if not name or element.tag == "select" or str(data.get(name, "")).strip():
            continue
        if kind == "radio":
            data[name] = element.get("value")
        elif element.get("required") is None:
            continue  # what a person may leave empty, they do
        elif element.tag == "textarea" or kind in ("text", "search", "date", "number", "email"):
            data[name] = FILLERS.get(kind, "Audit test")
    buttons = form.xpath(".//button[@name] | .//input[@type='submit'][@name]")
    if buttons:
        data.setdefault(buttons[0].get("name"), buttons[0].get("value") or "")
    for key, value in overrides.items():  # a form's fields may carry a prefix ("arrow-…")
        named = next((n for n in data if n.endswith(f"-{key}")), key)
        data[named] = value() if callable(value) else value
    files = {k: v for k, v in data.items() if isinstance(v, tuple)}
    if files:
        data = {**{k: v for k, v in data.items() if k not in files}, **files}
    return client.post(form.get("action") or page, data=data)


def _newest_step(version_id: int) -> int:
    return db.session.scalar(select(func.max(Step.id)).where(Step.version_id == version_id))


def _last_id() -> int:
    return db.session.scalar(select(func.max(AuditEntry.id))) or 0


def _entries_after(last_id: int) -> list[AuditEntry]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id)
        )
    )


@pytest.fixture
def second_member(make_user: Any) -> Any:
    return make_user(email="colleague@school.test", name="A colleague")


def test_every_post_route_records_exactly_its_audit_entries(
    app, client, owned_study, second_member, monkeypatch
):
    from tocapp.services.archive import study_archive

    app.config["EXPORT_IN_REQUEST_MAX_STEPS"] = 0  # so the export page offers its background build
    project = owned_study["project"]
    owner_id = db.session.scalar(
        select(AuditEntry.user_id).where(AuditEntry.action == "report.request")
    )
    routes = {r.endpoint for r in app.url_map.iter_rules() if "POST" in (r.methods or ())}
    assert routes == set(EXPECTED) | SCRIPT_ONLY, "list every POST route here with what it records"

    archive = study_archive(db.session, project, identified=False)
    found = _crawl(app, client, project.id)
    teacher = db.session.get(Participant, owned_study["ids"]["participant_id"])
    shown = sorted(s.id for s in owned_study["later"].version.steps)  # A → B is drawn already
    overrides: dict[str, dict[str, Any]] = {
        "studies.members": {"email": second_member.email, "role": "viewer"},
        "studies.remove_member": {
            "__action__": f"/studies/{project.id}/members/{second_member.id}/remove"
        },
        "settings.new": {"code": "AUD"},
        "voices.mark": {"mark": "elusive"},
        "voices.arrow": {"source_id": str(shown[1]), "target_id": str(shown[0])},
        "voices.note": {"text": "An audit note"},
        "voices.edit_note": {"text": "An edited note"},
        "voices.add_step": {"text": "A step of their own"},
        "flowcharts.add_link": {
            "source_id": lambda: str(_newest_step(owned_study["open_step"].version_id)),
            "target_id": str(owned_study["open_step"].id),
        },
        "participants.edit": {"role_label": "Audit role", "consent_date": "2026-03-01"},
        "interviews.new": {f"person_{teacher.id}": "y"},
        "voices.new": {f"person_{teacher.id}": "y"},
        "auth.password": {
            "current": PASSWORD,
            "new": "a much longer phrase nobody guesses",
            "again": "",
        },
        "withdrawals.withdraw": {"confirm": teacher.reference, "scope": "everything"},
        "erasure.delete": {"title": project.title},
        "archives.import_archive": {"archive": (_bytes_file(archive), "study.zip")},
    }
    overrides["auth.password"]["again"] = overrides["auth.password"]["new"]
    setting_id = owned_study["ids"]["setting_id"]
    found["withdrawals.withdraw"] = f"/studies/{project.id}/participants/{teacher.id}/withdraw"
    # A document too big to build in the request is a page offering the background build.
    found["exports.build_later"] = (
        f"/studies/{project.id}/settings/{setting_id}/exports/flowchart.pdf"
    )

    for endpoint, actions in EXPECTED.items():
        before = _last_id()
        if endpoint == "auth.login":
            client.post("/login", data={"email": "nobody@school.test", "password": "wrong"})
            failed = _entries_after(before)
            assert [e.action for e in failed] == ["login.failure"]
            assert failed[0].user_id is None and "nobody@school.test" in failed[0].actor
            before = _last_id()
            email = db.session.scalar(
                select(AuditEntry.actor).where(AuditEntry.user_id == owner_id)
            )
            response = client.post(
                "/login",
                data={
                    "email": email.split("<")[1].rstrip(">"),
                    "password": overrides["auth.password"]["new"],
                },
            )
        else:
            if endpoint not in found:  # a form that only appears now (Move, a new version)
                for key, page in _crawl(app, client, project.id).items():
                    found.setdefault(key, page)
            assert endpoint in found, f"no page of the study offers a form for {endpoint}"
            response = _submit(app, client, found[endpoint], endpoint, overrides.get(endpoint, {}))
        assert response.status_code < 400, (endpoint, response.status_code, _errors(response))
        entries = _entries_after(before)
        assert [e.action for e in entries] == actions, endpoint
        assert {e.user_id for e in entries} == {owner_id}, endpoint

    verdict = verify_trail(db.session)
    assert verdict.intact, verdict.problems


def _bytes_file(data: bytes) -> Any:
    import io

    return io.BytesIO(data)


def _errors(response: Any) -> list[str]:
    doc = lxml.html.fromstring(response.get_data(as_text=True) or "<p></p>")
    return [
        e.text_content().strip() for e in doc.xpath("//*[@class='field-error' or @role='alert']")
    ]
