"""Browser fixtures of the map tests: Debian's chromium through playwright, network cut.

``offline_page(path)`` opens a file in a fresh 1280 x 800 page whose every request other
than ``file:``/``data:``/``blob:``/``about:`` is aborted and recorded (a self-contained map
must make none), and which records console errors, page errors and dialogs.
``map_page(path, width, height)`` opens a map file the same way and adds view helpers
(``view``, ``wait_tiles``, ``client_point``) for the surface and stability maps.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


class OfflinePage:
    """A page with the network cut; ``requests``, ``errors`` and ``dialogs`` it saw."""

    def __init__(self, browser: Any, width: int = 1280, height: int = 800) -> None:
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error"
                     else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.route("**/*", self._route)

    def _dialog(self, d: Any) -> None:
        self.dialogs.append(d.message)
        d.dismiss()

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:", "about:")):
            route.continue_()
        else:
            self.requests.append(url)
            route.abort()

    def open(self, path: Path, selector: str = "path.sp-site") -> Any:
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_selector(selector)
        self.page.wait_for_timeout(300)  # the scripts placed after whenReady
        return self.page


class MapPage(OfflinePage):
    """A map file open in a page, offline (as OfflinePage), with view helpers."""

    def __init__(self, browser: Any, path: Path, width: int, height: int) -> None:
        super().__init__(browser, width, height)
        self.page.goto(path.resolve().as_uri())
        self.map = self.page.evaluate("Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))")

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
    """A headless chromium (skips when chromium or playwright is missing)."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (/usr/bin/chromium or chromium on PATH)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def offline_page(chromium: Any) -> Iterator[Callable[..., OfflinePage]]:
    """Factory of offline pages; every page it made is closed after the test."""
    made: list[OfflinePage] = []

    def make(width: int = 1280, height: int = 800) -> OfflinePage:
        made.append(OfflinePage(chromium, width, height))
        return made[-1]

    yield make
    for off in made:
        off.page.close()


@pytest.fixture()
def map_page(chromium: Any) -> Iterator[Callable[..., MapPage]]:
    """Factory of open map pages (the surface and stability maps' tests)."""
    pages: list[MapPage] = []

    def open_page(path: Path, width: int = 1280, height: int = 800) -> MapPage:
        pages.append(MapPage(chromium, path, width, height))
        return pages[-1]

    yield open_page
    for p in pages:
        p.close()
