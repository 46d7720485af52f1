"""Data at rest: what tocapp writes is readable by the user it runs as, and nobody else.

The instance folder holds interview notes and participants' words (the database and its -wal and
-shm files, built reports, charts in the render cache, the job queue's file, backups) and the
secret key that signs every login. Rather than give each writer a mode of its own, the process
umask is set once, at app start, to 077: every file and folder made afterwards — by tocapp,
SQLite, Huey, WeasyPrint or ``tempfile`` — is 0600 or 0700. Files left from before (an older
tocapp, a copy made by hand) lose their group and other permissions at the same moment.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077


def keep_instance_private(instance_path: str | os.PathLike[str]) -> None:
    """Set the process umask to 077 and take group/other permissions off the instance folder."""
    os.umask(PRIVATE_UMASK)
    root = Path(instance_path)
    if not root.is_dir():
        return  # made later, already private
    _tighten(root)
    for folder, names, files in os.walk(root):
        for name in (*names, *files):
            _tighten(Path(folder) / name)


def _tighten(path: Path) -> None:
    try:
        info = path.lstat()
        # A link is followed by nobody here; another user's file is not ours to change.
        if stat.S_ISLNK(info.st_mode) or info.st_uid != os.geteuid():
            return
        mode = stat.S_IMODE(info.st_mode)
        if mode & PRIVATE_UMASK:
            path.chmod(mode & ~PRIVATE_UMASK)
    except OSError:
        log.warning("Could not make %s private to tocapp's user", path, exc_info=True)
