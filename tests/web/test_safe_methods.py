"""GET and HEAD change nothing: every route of the route table, driven with real ids of a
populated study by its owner, leaves every row of every table as it was — except the audit
trail, which records downloads and identified exports (and only those)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text

from tocapp.extensions import db
from tocapp.models import AuditEntry


def _snapshot() -> dict[str, list[tuple[Any, ...]]]:
    db.session.expire_all()
    return {
        table.name: sorted(
            (
                tuple(str(v) for v in row)
                for row in db.session.execute(text(f'SELECT * FROM "{table.name}"'))
            ),
        )
        for table in db.metadata.sorted_tables
        if table.name not in AUDIT_TABLES
    }


AUDIT_TABLES = {"audit_chains", "audit_entries"}
SERVED = {"download", "identified"}  # the audit kinds a GET may record: what it served


def _kinds_since(count: int) -> set[str]:
    return set(db.session.scalars(select(AuditEntry.kind).order_by(AuditEntry.id).offset(count)))


def test_get_and_head_on_every_route_change_nothing(app, client, owned_study):
    ids, project, later = owned_study["ids"], owned_study["project"], owned_study["later"]
    before = _snapshot()
    entries = db.session.scalar(select(func.count()).select_from(AuditEntry))
    driven = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "auth.logout"):
            continue
        url = rule.build({name: ids[name] for name in rule.arguments})[1]
        for method in ("GET", "HEAD"):
            response = client.open(url, method=method)
            response.close()  # a download streams a file: let it go
            assert response.status_code < 500, f"{method} {url}: {response.status_code}"
            driven += 1
        after = _snapshot()
        changed = {t for t in before if before[t] != after[t]}
        assert not changed, f"GET or HEAD of {url} changed {changed}"
        assert _kinds_since(entries) <= SERVED, f"GET or HEAD of {url} recorded a change"
    assert driven > 80
    # The step a HEAD once deleted is still there; and a POST does change the database, so the
    # comparison above is able to fail.
    step = owned_study["open_step"]
    assert db.session.get(type(step), step.id) is not None
    note = client.post(
        f"/studies/{project.id}/interviews/{later.id}/voice/notes", data={"text": "x"}
    )
    assert note.status_code == 303
    assert _snapshot()["voice_notes"] != before["voice_notes"]
