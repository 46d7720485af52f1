"""Placeholder blueprint; filled in by its feature."""

from flask import Blueprint

bp = Blueprint("flowcharts", __name__)
