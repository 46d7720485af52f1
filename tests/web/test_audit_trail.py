"""The audit trail: tampering is found and named, the Activity page and its CSV, erasure."""

from __future__ import annotations

import csv
import html
import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from tocapp.extensions import db
from tocapp.models import AuditChain, AuditEntry, Project, ReportJob
from tocapp.services import audit, audit_hashing
from tocapp.services.activity import PER_PAGE
from tocapp.services.audit_verify import verify_trail

HOSTILE = 'Ysgol <b>"Gymraeg"</b> \\ {x} | 🙂 مدرسة'


@pytest.fixture
def study(app, client, auth, make_user, make_project, make_setting, make_participant) -> Any:
    owner = make_user(name=HOSTILE)
    project = make_project(owner=owner)
    setting = make_setting(project=project)
    make_participant(setting=setting)
    db.session.commit()
    auth.login(owner)
    return {"owner": owner, "project": project, "setting": setting}


def _verify(app: Any) -> Any:
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def test_audit_verify_passes_then_names_an_edited_entry(app, study):
    ok = _verify(app)
    assert ok.exit_code == 0 and "The audit trail is intact" in ok.output
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "participant.create"))
    db.session.execute(
        text("UPDATE audit_entries SET actor = 'someone else' WHERE id = :id"), {"id": entry.id}
    )
    db.session.commit()
    broken = _verify(app)
    assert broken.exit_code == 1
    assert f"entry {entry.id} (#{entry.seq})" in broken.output
    assert "edited after it was written" in broken.output


def test_editing_what_changed_or_deleting_or_inserting_entries_is_found(app, study):
    project = study["project"]
    chain = db.session.scalar(select(AuditChain).where(AuditChain.project_id == project.id))
    first, second = db.session.scalars(
        select(AuditEntry).where(AuditEntry.chain_id == chain.id).order_by(AuditEntry.seq).limit(2)
    )
    db.session.execute(
        text("UPDATE audit_entries SET changes = :c WHERE id = :id"),
        {"c": '{"title":[null,"forged"]}', "id": first.id},
    )
    db.session.commit()
    assert "summary or what changed was edited" in str(verify_trail(db.session).problems[0])

    db.session.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": second.id})
    db.session.commit()
    reasons = " ".join(str(p) for p in verify_trail(db.session).problems)
    assert "are missing (deleted)" in reasons

    last = db.session.scalar(
        select(AuditEntry).where(AuditEntry.chain_id == chain.id).order_by(AuditEntry.seq.desc())
    )
    db.session.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": last.id})
    db.session.commit()
    reasons = " ".join(str(p) for p in verify_trail(db.session).problems)
    assert "entries were deleted at its end" in reasons


def test_the_trail_stays_intact_through_real_use_and_a_withdrawal(app, client, study):
    project = study["project"]
    for n in range(3):
        client.post(
            f"/studies/{project.id}/rounds/new", data={"title": f"Round {n}", "kind": "return"}
        )
    assert verify_trail(db.session).intact


def test_only_owners_see_the_activity_and_others_get_403_or_404(
    app, client, auth, study, make_user
):
    project = study["project"]
    viewer = make_user()
    client.post(
        f"/studies/{project.id}/members", data={"email": viewer.email, "role": "interviewer"}
    )
    assert client.get(f"/studies/{project.id}/activity").status_code == 200
    auth.logout()
    auth.login(viewer)
    assert client.get(f"/studies/{project.id}/activity").status_code == 403
    assert client.get(f"/studies/{project.id}/activity.csv").status_code == 403
    stranger = make_user()
    auth.logout()
    auth.login(stranger)
    assert client.get(f"/studies/{project.id}/activity").status_code == 404


def test_activity_shows_who_did_what_with_before_and_after_literally(app, client, study):
    project, setting = study["project"], study["setting"]
    response = client.post(
        f"/studies/{project.id}/settings/{setting.id}/edit",
        data={"name": HOSTILE, "code": setting.code},
    )
    assert response.status_code == 302
    page = client.get(f"/studies/{project.id}/activity")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<b>" not in body.split("<main", 1)[1]  # escaped everywhere
    text_ = html.unescape(body)
    assert "Setting edited" in text_ and HOSTILE in text_
    assert "Participant added" in text_ and "Study created" in text_
    # Newest first: the edit is above the study's creation.
    assert text_.index("Setting edited") < text_.index("Study created")


def test_activity_filters_by_kind_person_and_date_and_pages(app, client, study, make_user):
    project = study["project"]
    for n in range(PER_PAGE + 5):
        client.post(f"/studies/{project.id}/rounds/new", data={"title": f"R{n}", "kind": "return"})
    base = f"/studies/{project.id}/activity"
    first = html.unescape(client.get(base, query_string={"kind": "round"}).get_data(as_text=True))
    assert first.count("Round added") == PER_PAGE and "Participant added" not in first
    older = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    second = html.unescape(client.get(older).get_data(as_text=True))
    assert second.count("Round added") == 5 and 'rel="next"' not in second

    owner_id = study["owner"].id
    mine = client.get(base, query_string={"person": str(owner_id)}).get_data(as_text=True)
    assert "Round added" in mine
    nobody = client.get(base, query_string={"person": "999"})
    assert nobody.status_code == 400  # not a choice: said, and the filter is not applied
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    future = client.get(base, query_string={"since": tomorrow}).get_data(as_text=True)
    assert "No entries match these filters." in future
    bad = client.get(base, query_string={"since": "not a date"})
    assert bad.status_code == 400 and "Not a valid date value" in bad.get_data(as_text=True)


def test_activity_csv_streams_every_entry_safe_for_spreadsheets(app, client, study):
    project, setting = study["project"], study["setting"]
    client.post(
        f"/studies/{project.id}/settings/{setting.id}/edit",
        data={"name": "=HYPERLINK(1)", "code": setting.code},
    )
    response = client.get(f"/studies/{project.id}/activity.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    count = db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.project_id == project.id)
    )
    assert len(rows) == count  # the download itself is recorded before the rows stream
    edited = next(r for r in rows if r["action"] == "setting.edit")
    assert '"=HYPERLINK(1)"' in edited["changes"]
    assert all(not r["summary"].startswith("=") for r in rows)
    last = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
    assert last.action == "export.download" and "Activity" in last.summary
    assert rows[-1]["hash"] == last.hash and rows[-1]["action"] == "export.download"


def test_logins_are_recorded_with_failures(app, client, auth, study):
    owner = study["owner"]
    auth.logout()
    client.post("/login", data={"email": owner.email, "password": "not it"})
    auth.login(owner)
    actions = list(
        db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.project_id.is_(None)).order_by(AuditEntry.id)
        )
    )
    assert actions[-3:] == ["logout", "login.failure", "login.success"]
    failure = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "login.failure"))
    assert failure.user_id is None and owner.email in failure.actor
    assert failure.object_id == owner.id and failure.address == "127.0.0.1"


def test_deleting_a_study_removes_every_row_and_file_and_leaves_one_entry(app, client, owned_study):
    project = owned_study["project"]
    reports = Path(app.config["REPORTS_DIR"])
    built = [reports / name for name in db.session.scalars(select(ReportJob.file_name)) if name]
    assert built and all(p.exists() for p in built)
    client.get(f"/studies/{project.id}/settings/{owned_study['ids']['setting_id']}/flowchart")
    cache = Path(app.config["RENDER_CACHE_DIR"])
    assert any(cache.rglob("*.*"))

    refused = client.post(f"/studies/{project.id}/delete", data={"title": "Something else"})
    assert refused.status_code == 400
    assert "Type the study's title exactly" in html.unescape(refused.get_data(as_text=True))
    assert db.session.get(Project, project.id) is not None

    page = html.unescape(client.get(f"/studies/{project.id}/delete").get_data(as_text=True))
    assert "2 interviews" in page and "1 built report" in page
    done = client.post(f"/studies/{project.id}/delete", data={"title": f"  {project.title} "})
    assert done.status_code == 303
    db.session.expire_all()
    for table in db.metadata.sorted_tables:
        if table.name in ("users", "login_sessions", "schedule_questions", "audit_chains"):
            continue  # accounts and the built-in schedules are not the study's; chains below
        if table.name == "schedules":
            own = db.session.execute(text("SELECT COUNT(*) FROM schedules WHERE project_id > 0"))
            assert own.scalar() == 0
            continue
        if table.name == "audit_entries":
            rows = db.session.execute(select(AuditEntry.action, AuditEntry.project_id)).all()
            assert all(project_id is None for _, project_id in rows)
            continue
        count = db.session.execute(text(f'SELECT COUNT(*) FROM "{table.name}"')).scalar()
        assert count == 0, f"{table.name} still has {count} rows"
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditChain).where(AuditChain.project_id.is_not(None))
        )
        == 0
    )
    deleted = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "study.delete"))
    assert deleted.object_id == project.id and "Coaching study" not in deleted.summary
    assert not any(p.exists() for p in built)
    assert not any(cache.rglob("*.svg"))
    assert client.get(f"/studies/{project.id}").status_code == 404
    assert verify_trail(db.session).intact


def test_the_personal_data_date_is_kept_and_reminds_the_owner(app, client, study):
    project = study["project"]
    soon = date.today() + timedelta(days=10)
    response = client.post(
        f"/studies/{project.id}/edit",
        data={
            "title": project.title,
            "groups": "Staff\nChildren",
            "min_group_size": "3",
            "personal_data_until": soon.isoformat(),
        },
    )
    assert response.status_code == 302
    page = html.unescape(client.get(f"/studies/{project.id}").get_data(as_text=True))
    assert "must be deleted in 10 days" in page
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.summary == "Study details edited")
    )
    assert f'"personal_data_until":[null,"{soon.isoformat()}"]' in entry.changes
    project.personal_data_until = date.today() + timedelta(days=90)
    audit.record(db.session, None, "study.edit", project_id=project.id, target=project)
    db.session.commit()
    assert "must be deleted" not in client.get(f"/studies/{project.id}").get_data(as_text=True)


def test_a_chain_rewritten_without_the_secret_key_does_not_verify(app, study):
    """Someone who can change the database but not read the instance's secret key edits an entry
    and recomputes every hash after it, and the chain's head: still found."""
    project = study["project"]
    chain = db.session.scalar(select(AuditChain).where(AuditChain.project_id == project.id))
    entries = list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.chain_id == chain.id).order_by(AuditEntry.seq)
        )
    )
    try:
        audit_hashing.configure("a key guessed by the forger")
        head = ""
        for entry in entries:
            if entry.seq == 1:
                entry.actor = "somebody else"
            entry.prev_hash = head
            entry.hash = audit_hashing.entry_hash(chain.key, entry)
            head = entry.hash
        chain.head = head
        db.session.commit()
    finally:
        audit_hashing.configure(app.config["SECRET_KEY"])
    verdict = verify_trail(db.session)
    assert not verdict.intact
    assert any(p.seq == 1 for p in verdict.problems)


def _entries_of(project_id: int) -> list[AuditEntry]:
    chain = db.session.scalar(select(AuditChain).where(AuditChain.project_id == project_id))
    return list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.chain_id == chain.id).order_by(AuditEntry.seq)
        )
    )


def test_an_entry_passed_off_as_redacted_or_a_head_moved_back_or_a_chain_deleted_is_found(
    app, study
):
    project = study["project"]
    entries = _entries_of(project.id)
    study_entry = next(e for e in entries if e.action == "study.create")
    db.session.execute(
        text("UPDATE audit_entries SET redacted_at = at, summary = 'forged' WHERE id = :id"),
        {"id": study_entry.id},
    )
    db.session.commit()
    assert "marked as redacted" in " ".join(map(str, verify_trail(db.session).problems))

    last, before_last = entries[-1], entries[-2]
    chain_id, before_seq, before_hash = last.chain_id, before_last.seq, before_last.hash
    db.session.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": last.id})
    db.session.execute(
        text("UPDATE audit_chains SET length = :n, head = :h WHERE project_id = :p"),
        {"n": before_seq, "h": before_hash, "p": project.id},
    )
    db.session.commit()
    assert "moved without the key" in " ".join(map(str, verify_trail(db.session).problems))

    db.session.execute(text("DELETE FROM audit_entries WHERE chain_id = :c"), {"c": chain_id})
    db.session.execute(text("DELETE FROM audit_chains WHERE id = :c"), {"c": chain_id})
    db.session.commit()
    reasons = " ".join(map(str, verify_trail(db.session).problems))
    assert f"study:{project.id}" in reasons and "whole audit trail is missing" in reasons


def test_real_names_and_addresses_never_reach_the_trail(app, client, study):
    project, setting = study["project"], study["setting"]
    response = client.post(
        f"/studies/{project.id}/settings/{setting.id}/participants/new",
        data={
            "role_label": "Teacher",
            "perspective": "practice",
            "real_name": "Gwenllian Secret",
            "email": "gwen@secret.test",
        },
    )
    assert response.status_code in (302, 303)
    dump = " ".join(f"{e.summary} {e.changes}" for e in db.session.scalars(select(AuditEntry)))
    assert "Gwenllian" not in dump and "gwen@secret.test" not in dump
    assert '"real_name":[null,"(given)"]' in dump
