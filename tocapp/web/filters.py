"""Template helpers shared by every page."""

from __future__ import annotations

from datetime import date

from flask import Flask

from tocapp.domain.theory import Theme


def register_filters(app: Flask) -> None:
    @app.template_filter("ukdate")
    def ukdate(value: date | None) -> str:
        return value.strftime("%-d %B %Y") if value else ""

    @app.context_processor
    def inject_vocabulary() -> dict[str, object]:
        return {"THEMES": list(Theme)}
