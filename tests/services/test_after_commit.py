"""Files are deleted only once the transaction that stopped needing them commits."""

from __future__ import annotations

from pathlib import Path

from tocapp.extensions import db
from tocapp.services.after_commit import delete_after_commit, empty_after_commit


def test_a_rollback_keeps_the_files_and_a_commit_deletes_them(app, tmp_path: Path):
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF")
    delete_after_commit(db.session, [report])
    db.session.rollback()
    db.session.commit()
    assert report.exists()  # the rollback forgot the request

    delete_after_commit(db.session, [report])
    assert report.exists()  # nothing happens before the commit
    db.session.commit()
    assert not report.exists()


def test_a_folder_is_emptied_but_kept(app, tmp_path: Path):
    cache = tmp_path / "render-cache"
    (cache / "ab").mkdir(parents=True)
    (cache / "ab" / "abcd.svg").write_text("<svg>words</svg>")
    (cache / "top.png").write_bytes(b"png")
    empty_after_commit(db.session, cache)
    db.session.commit()
    assert cache.is_dir() and [p.name for p in cache.iterdir()] == [".emptied"]  # the stamp
