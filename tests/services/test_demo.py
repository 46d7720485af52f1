"""The demo study: everything in the shipped JSON arrives, including the return interviews."""

from __future__ import annotations

import json
from importlib import resources

from sqlalchemy import select

from tocapp.extensions import db
from tocapp.models import Setting
from tocapp.services.demo import load_demo_study
from tocapp.services.flowcharts import latest_version
from tocapp.services.voice_read import setting_voices


def _spec() -> dict:
    text = resources.files("tocapp.fixtures").joinpath("clarity-study.json").read_text("utf-8")
    return json.loads(text)


def test_the_demo_loads_every_voice_of_every_setting(app):
    login = load_demo_study(db.session)
    db.session.commit()
    assert login.created
    for spec in _spec()["settings"]:
        setting = db.session.scalar(select(Setting).where(Setting.code == spec["code"]))
        assert setting is not None
        version = latest_version(db.session, setting)
        assert version is not None and version.is_frozen
        # Frozen on the day its first return interview was held, not the day the demo loaded.
        first_shown = min(v["date"] for v in spec["return_interviews"])
        assert version.frozen_at.date().isoformat() == first_shown
        assert len(version.steps) == len(spec["steps"])
        assert len(version.links) == len(spec["links"])  # the leader's map stays the leader's
        layers = {layer.person: layer for layer in setting_voices(db.session, setting).voices}
        for voice_spec in spec["return_interviews"]:
            role = next(
                p["role"]
                for p in spec["participants"]
                if p["pseudonym"] == voice_spec["participant"]
            )
            person = next(
                p for p in setting.participants if p.pseudonym == voice_spec["participant"]
            )
            layer = layers[person.reference]
            assert role.lower() in layer.label.lower() and person.reference in layer.label
            assert sorted(layer.marks.values()) == sorted(m["mark"] for m in voice_spec["marks"])
            notes = {n.text for n in layer.notes}
            for mark in voice_spec["marks"]:
                if mark.get("note"):
                    assert mark["note"] in notes
            for thread in voice_spec["thread_notes"]:
                assert thread["text"] in {n.text for n in layer.thread_notes}
            assert len(layer.links) == len(voice_spec["new_links"])
            added = {
                s.text
                for i in setting.interviews
                for s in i.added_steps
                if i.id == int(layer.voice_id)
            }
            assert added == {s["text"] for s in voice_spec.get("new_steps", [])}
    assert not load_demo_study(db.session).created


def test_the_demo_says_each_perspective(app):
    """Perspectives are set explicitly in the shipped JSON, never guessed from round 1."""
    load_demo_study(db.session)
    for spec in _spec()["settings"]:
        setting = db.session.scalar(select(Setting).where(Setting.code == spec["code"]))
        said = {p["pseudonym"]: p["perspective"] for p in spec["participants"]}
        assert {p.pseudonym: p.perspective for p in setting.participants} == said
        assert [p.reference for p in setting.participants] == [
            f"{spec['code']}-P{n:02d}" for n in range(1, len(said) + 1)
        ]
