"""Placeholder blueprint; filled in by its feature."""

from flask import Blueprint

bp = Blueprint("rounds", __name__)
