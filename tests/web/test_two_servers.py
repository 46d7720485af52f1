"""Two app servers (gunicorn on two ports, standing in for two hosts) on one database and one
Redis, with built reports in one shared folder, work as one: a login made on one is valid on the
other, failed logins are counted across both, and a report built on one downloads from the other.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tocapp.extensions import db
from tocapp.services.demo import load_demo_study

ROOT = Path(__file__).resolve().parents[2]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    """One person's cookies, used against either server."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )
        self.token = ""

    def get(self, url: str) -> tuple[int, bytes, dict[str, str]]:
        return self._open(url, None)

    def post(self, url: str, fields: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        data = urllib.parse.urlencode({"csrf_token": self.token, **fields}).encode()
        return self._open(url, data)

    def _open(self, url: str, data: bytes | None) -> tuple[int, bytes, dict[str, str]]:
        try:
            with self.opener.open(url, data=data, timeout=60) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read(), dict(error.headers)

    def form_token(self, url: str) -> None:
        page = self.get(url)[1].decode()
        self.token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def two_servers(app, database_uri, redis_url, tmp_path) -> Iterator[tuple[str, str, Any]]:
    login = load_demo_study(db.session)
    db.session.commit()
    db.session.remove()  # let go of SQLite's lock: the servers write to the same database
    shared = {
        "TOCAPP_SQLALCHEMY_DATABASE_URI": database_uri,
        "TOCAPP_SECRET_KEY": "shared-between-servers",
        "TOCAPP_REPORTS_DIR": str(tmp_path / "shared-reports"),
        "TOCAPP_RENDER_CACHE_DIR": str(tmp_path / "shared-cache"),
        "TOCAPP_RATELIMIT_STORAGE_URI": redis_url,
        "TOCAPP_JOBS_QUEUE": "immediate",
    }
    servers, urls = [], []
    for n in range(2):
        port = _free_port()
        log = open(tmp_path / f"server-{n}.log", "wb")  # noqa: SIM115 (closed below)
        servers.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--workers",
                    "2",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "wsgi:app",
                ],
                cwd=ROOT,
                env={**os.environ, **shared},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        log.close()
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url in urls:
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(url + "/login", timeout=2).read()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        pytest.fail(f"gunicorn on {url} did not start", pytrace=False)
                    time.sleep(0.1)
        yield urls[0], urls[1], login
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)


def test_two_servers_share_sessions_throttles_and_reports(two_servers):
    a, b, login = two_servers
    person = Browser()
    person.form_token(a + "/login")
    status, _, _ = person.post(a + "/login", {"email": login.email, "password": login.password})
    assert status == 302
    status, page, _ = person.get(b + "/")  # the session made on A is valid on B
    assert status == 200 and b"Your studies" in page

    # A report built on A is downloaded from B.
    status, _, headers = person.post(
        a + f"/studies/{login.project_id}/comparison/reports", {"fmt": "pdf"}
    )
    assert status == 303
    job = headers["Location"].split("?")[0].rstrip("/")
    job_path = urllib.parse.urlsplit(job).path
    status, pdf, _ = person.get(b + job_path + "/download")
    assert status == 200 and pdf.startswith(b"%PDF")

    # Failed logins are counted across both servers.
    guesser = Browser()
    guesser.form_token(a + "/login")
    for n in range(5):
        server = (a, b)[n % 2]
        status, _, _ = guesser.post(server + "/login", {"email": login.email, "password": "no"})
        assert status == 200
    status, page, headers = guesser.post(
        b + "/login", {"email": login.email, "password": login.password}
    )
    assert status == 429 and b"Try again in" in page and int(headers["Retry-After"]) > 0
