"""Configuration: defaults here, then ``instance/config.py``, then ``TOCAPP_*`` variables."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

DEFAULTS: dict[str, Any] = {
    "SQLALCHEMY_DATABASE_URI": None,  # filled in from the instance folder
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,  # set TOCAPP_SESSION_COOKIE_SECURE=true behind HTTPS
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    # "Keep me logged in" is opt-in on the login form, and lasts at most 30 days.
    "REMEMBER_COOKIE_DURATION": timedelta(days=30),
    # Failed logins allowed before the login waits (Flask-Limiter's notation); counts live in
    # RATELIMIT_STORAGE_URI: memory for one server, a Redis URL for several sharing the counts.
    "LOGIN_LIMIT_PER_ACCOUNT": "5 per 5 minutes",
    "LOGIN_LIMIT_PER_ADDRESS": "30 per 10 minutes",
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": True,
    "WTF_CSRF_TIME_LIMIT": None,  # a long interview must not expire its form
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "DOT_TIMEOUT_SECONDS": 20,
    "DOT_MAX_SOURCE_BYTES": 2 * 1024 * 1024,
    "DOT_MAX_OUTPUT_BYTES": 20 * 1024 * 1024,
    "RENDER_CACHE_DIR": None,  # filled in from the instance folder
    "RENDER_CACHE_MAX_MB": 200,  # the render cache is pruned to this size…
    "RENDER_CACHE_MAX_DAYS": 30,  # …and of files older than this
    "JOBS_QUEUE": "sqlite",  # or "redis", or "immediate" (no worker; see tocapp/jobs.py)
    "JOBS_SQLITE_PATH": None,  # filled in from the instance folder
    "JOBS_REDIS_URL": None,
    "REPORTS_DIR": None,  # built reports wait here for download; filled in from the instance
    "REPORT_JOBS_KEEP_DAYS": 7,
    # Setting × round matrices the comparison page shows at once (four times as many without
    # step-by-step detail); a bigger choice is built as a PDF or Word report in the background.
    "COMPARISON_PAGE_MAX": 40,
    # Beyond this many settings the coverage page shows one round at a time, a line per setting
    # (who is not yet heard), and each setting's people round by round on a page of its own.
    "COVERAGE_DETAIL_MAX_SETTINGS": 40,
    # A PDF or Word export whose chart has more steps than this is built by the job worker.
    "EXPORT_IN_REQUEST_MAX_STEPS": 120,
}

# The secret key generated on first run, in the instance folder (backups carry it).
SECRET_KEY_FILE = "secret_key"


def load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Apply defaults, the instance file, the environment and the test overrides, in that order."""
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(DEFAULTS)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'tocapp.sqlite'}"
    app.config["RENDER_CACHE_DIR"] = str(instance / "render-cache")
    app.config["JOBS_SQLITE_PATH"] = str(instance / "jobs.sqlite")
    app.config["REPORTS_DIR"] = str(instance / "reports")
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("TOCAPP")
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(instance)
    # With a Redis server configured for the reports, the login counts live there too, so that
    # several app servers count together (unless a storage is named explicitly).
    redis_url = str(app.config.get("JOBS_REDIS_URL") or "")
    if app.config["RATELIMIT_STORAGE_URI"] == "memory://" and redis_url.startswith("redis"):
        app.config["RATELIMIT_STORAGE_URI"] = redis_url
    # The remember-me cookie is as secure as the session's unless set otherwise.
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config["SESSION_COOKIE_SECURE"])


def _instance_secret_key(instance: Path) -> str:
    """Read the secret key generated on first run; never fall back to a literal."""
    key_file = instance / SECRET_KEY_FILE
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
