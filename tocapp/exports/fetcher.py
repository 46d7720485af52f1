"""The only way WeasyPrint may load anything: the app's own static files, by a made-up origin.

Print templates link their stylesheet and fonts relative to ``STATIC_BASE_URL``. That origin is
under ``.invalid`` (RFC 2606), so nothing could ever be fetched from it over a network even by
mistake; the fetcher maps it onto ``tocapp/static`` and refuses every other URL (``file:``,
``http:``, ``data:`` ...) and every path that would leave that folder.
"""

from __future__ import annotations

import mimetypes
from importlib import resources
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import (  # type: ignore[import-untyped]  # WeasyPrint has no type hints
    URLFetcher,
    URLFetcherResponse,
)

STATIC_BASE_URL = "https://tocapp.invalid/static/"


class RefusedURL(ValueError):
    """WeasyPrint asked for something other than one of our static files."""


def static_folder() -> Path:
    return Path(str(resources.files("tocapp").joinpath("static"))).resolve()


class StaticFilesFetcher(URLFetcher):  # type: ignore[misc]  # its base is untyped (Any)
    """Serves ``STATIC_BASE_URL/<path>`` from tocapp/static and refuses everything else.

    WeasyPrint catches the refusal, logs a warning and goes on without the resource, so a stray
    URL in a stylesheet can never make an export fail, nor reach a file or the network.
    """

    def __init__(self, folder: Path | None = None) -> None:
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        self.folder = (folder or static_folder()).resolve()

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        path = self.resolve(url)
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type})

    def resolve(self, url: str) -> Path:
        """The static file a URL names; RefusedURL for any URL we do not serve."""
        if not url.startswith(STATIC_BASE_URL):
            raise RefusedURL(f"Exports load only the app's own static files, not {url[:200]!r}.")
        parts = urlsplit(url)
        relative = unquote(parts.path.removeprefix(urlsplit(STATIC_BASE_URL).path))
        path = (self.folder / relative).resolve()
        if not path.is_relative_to(self.folder) or not path.is_file():
            raise RefusedURL(f"No such static file: {relative[:200]!r}.")
        return path
