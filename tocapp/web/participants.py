"""Placeholder blueprint; filled in by its feature."""

from flask import Blueprint

bp = Blueprint("participants", __name__)
