"""File names for downloads: readable, ASCII-only and the same on every operating system."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_NOT_WORD = re.compile(r"[^A-Za-z0-9]+")
MAX_PART = 40


def slug(text: str) -> str:
    """ "Ysgol Gynradd Ŵy: CLARITY!" -> "Ysgol-Gynradd-Wy-CLARITY"; "" when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_WORD.sub("-", ascii_text).strip("-")[:MAX_PART].strip("-")


def download_name(parts: Iterable[str], extension: str) -> str:
    """Join the non-empty slugs of ``parts`` with underscores: "CLARITY_NUR_flowchart-v1.svg"."""
    words = [s for s in (slug(p) for p in parts) if s]
    return "_".join(words or ["tocapp"]) + "." + extension
