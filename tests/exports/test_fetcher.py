"""WeasyPrint may load the app's own static files and nothing else."""

from __future__ import annotations

import pytest

from tocapp.exports.fetcher import STATIC_BASE_URL, RefusedURL, StaticFilesFetcher


def test_serves_the_fonts_and_the_print_stylesheet():
    fetcher = StaticFilesFetcher()
    font = fetcher.fetch(STATIC_BASE_URL + "fonts/DejaVuSans.ttf")
    assert font.read()[:4] == b"\x00\x01\x00\x00"
    css = fetcher.fetch(STATIC_BASE_URL + "css/export-print.css")
    assert b"@page" in css.read()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/x.css",
        "https://example.com/static/css/export-print.css",
        "data:text/css,body{}",
        STATIC_BASE_URL + "../../../../etc/passwd",
        STATIC_BASE_URL + "%2e%2e/%2e%2e/config.py",
        STATIC_BASE_URL + "css/no-such-file.css",
        STATIC_BASE_URL + "fonts",
    ],
)
def test_refuses_anything_else(url):
    with pytest.raises(RefusedURL):
        StaticFilesFetcher().fetch(url)


def test_the_fonts_ship_with_their_licence():
    fetcher = StaticFilesFetcher()
    licence = fetcher.fetch(STATIC_BASE_URL + "fonts/LICENSE").read().decode()
    assert "Bitstream Vera" in licence and "Arev" in licence
