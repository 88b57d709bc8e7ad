"""Browser fixtures of the map tests: Debian's chromium through playwright, network cut.

``offline_page(path)`` opens a file in a fresh 1280 x 800 page whose every request other
than ``file:``/``data:``/``blob:``/``about:`` is aborted and recorded (a self-contained map
must make none), and which records console errors, page errors and dialogs.
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
