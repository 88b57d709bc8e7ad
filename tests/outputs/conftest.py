"""A headless chromium with the network cut, for the analysis maps' browser tests.

``offline_page(path, width, height)`` opens a map file in a new page where every request
that is not ``file:``, ``data:``, ``blob:`` or ``about:`` is aborted and recorded in
``.requests``; console errors and page errors land in ``.errors``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class OfflinePage:
    """One page of a map, offline: ``.page`` (playwright), ``.requests``, ``.errors``."""

    def __init__(self, browser: Any, path: Path, width: int, height: int) -> None:
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error"
                     else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.route("**/*", self._route)
        self.page.goto(path.resolve().as_uri())
        self.map = self.page.evaluate("Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))")

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:", "about:")):
            route.continue_()
        else:
            self.requests.append(url)
            route.abort()

    def view(self, lat: float, lon: float, zoom: int) -> None:
        """Centre the map without animation and wait for every tile layer to be drawn."""
        self.page.evaluate(f"window['{self.map}'].setView([{lat}, {lon}], {zoom}, "
                           "{animate: false})")
        self.wait_tiles()

    def wait_tiles(self) -> None:
        self.page.wait_for_function(
            "(name) => { let busy = false; window[name].eachLayer(l => {"
            " if (l.isLoading && l.isLoading()) busy = true; }); return !busy; }",
            arg=self.map)
        self.page.wait_for_timeout(150)

    def client_point(self, lat: float, lon: float) -> tuple[float, float]:
        """Page coordinates (px) of a lat/lon."""
        x, y = self.page.evaluate(
            f"(() => {{ const m = window['{self.map}'];"
            f" const p = m.latLngToContainerPoint([{lat}, {lon}]);"
            " const r = m.getContainer().getBoundingClientRect();"
            " return [p.x + r.left, p.y + r.top]; })()")
        return float(x), float(y)

    def close(self) -> None:
        self.page.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (/usr/bin/chromium or chromium on PATH)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def offline_page(chromium: Any) -> Iterator[Callable[..., OfflinePage]]:
    pages: list[OfflinePage] = []

    def open_page(path: Path, width: int = 1280, height: int = 800) -> OfflinePage:
        pages.append(OfflinePage(chromium, path, width, height))
        return pages[-1]

    yield open_page
    for p in pages:
        p.close()
