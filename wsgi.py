"""Entry point for gunicorn: ``gunicorn wsgi:app``."""

from tocapp import create_app

app = create_app()
