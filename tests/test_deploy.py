"""The production files are valid: gunicorn reads its config and finds the app."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_gunicorn_accepts_the_config_and_the_app(tmp_path):
    env = {
        **os.environ,
        "TOCAPP_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'check.sqlite'}",
        "TOCAPP_SECRET_KEY": "deploy-check",
        "TOCAPP_WORKERS": "3",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--check-config",
            "-c",
            "deploy/gunicorn.conf.py",
            "--print-config",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    settings = {
        name.strip(): value.strip()
        for name, value in (
            line.split("=", 1) for line in result.stdout.splitlines() if "=" in line
        )
    }
    assert settings["workers"] == "3" and settings["max_requests"] == "1000"
    assert settings["timeout"] == "120" and settings["bind"] == "['127.0.0.1:8000']"


def test_the_systemd_units_run_the_app_and_the_worker():
    web = (ROOT / "deploy/tocapp.service").read_text()
    worker = (ROOT / "deploy/tocapp-worker.service").read_text()
    assert "gunicorn -c deploy/gunicorn.conf.py wsgi:app" in web
    assert "flask --app tocapp jobs worker" in worker and "KillSignal=SIGINT" in worker
    assert "UMask=0077" in web and "UMask=0077" in worker
