"""The command line: accounts, the demo study and drawing a chart from JSON without the web app."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from tocapp.extensions import db
from tocapp.models import Project, Setting, User

CHART = {
    "title": 'Hill <Primary> "v1"',
    "groups": ["Staff", "Children"],
    "steps": [
        {"id": "s1", "theme": "situation", "group": "Children", "text": "Delayed speech {x|y}"},
        {"id": "a1", "theme": "action", "group": "Staff", "text": "Coach the TAs 🌱"},
        {"id": "o1", "theme": "outcome", "group": "Children", "text": "Plant ŵ ŷ مرحبا"},
    ],
    "links": [["s1", "a1"], {"from": "a1", "to": "o1", "label": "so that"}],
}


def test_user_create_makes_an_account_that_can_log_in(app, client):
    result = app.test_cli_runner().invoke(
        args=["user", "create", "--email", "ana@example.org", "--name", "Ana"],
        input="long-enough-password\nlong-enough-password\n",
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.email == "ana@example.org")) is not None
    response = client.post(
        "/login", data={"email": "ana@example.org", "password": "long-enough-password"}
    )
    assert response.status_code == 302


def test_demo_load_prints_the_login_and_loads_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "Demo login: demo@tocapp.example / password clarity-demo" in first.output
    second = runner.invoke(args=["demo", "load"])
    assert "Already loaded" in second.output
    assert db.session.scalar(select(func.count()).select_from(Project)) == 1
    assert db.session.scalar(select(func.count()).select_from(Setting)) == 2


def test_render_draws_svg_and_png_from_json(app, tmp_path: Path):
    source = tmp_path / "chart.json"
    source.write_text(json.dumps(CHART), encoding="utf-8")
    runner = app.test_cli_runner()
    svg = tmp_path / "chart.svg"
    result = runner.invoke(args=["render", str(source), "-o", str(svg)])
    assert result.exit_code == 0, result.output
    assert "Drew 3 steps and 2 arrows" in result.output
    text = svg.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml") and "Coach the TAs 🌱" in text
    assert "{x|y}" in text and "&lt;Primary&gt;" in text
    png = tmp_path / "chart.png"
    assert runner.invoke(args=["render", str(source), "-o", str(png)]).exit_code == 0
    assert png.read_bytes().startswith(b"\x89PNG")


def test_render_explains_bad_input_and_writes_nothing(app, tmp_path: Path):
    runner = app.test_cli_runner()
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    out = tmp_path / "out.svg"
    result = runner.invoke(args=["render", str(broken), "-o", str(out)])
    assert result.exit_code != 0 and "is not JSON" in result.output
    loop = tmp_path / "loop.json"
    loop.write_text(json.dumps({**CHART, "links": [["s1", "s1"]]}), encoding="utf-8")
    result = runner.invoke(args=["render", str(loop), "-o", str(out)])
    assert result.exit_code != 0 and "Error:" in result.output
    result = runner.invoke(args=["render", str(loop), "-o", str(tmp_path / "out.pdf")])
    assert result.exit_code != 0 and ".svg or .png" in result.output
    assert not out.exists()
