"""The top-level API resolves lazily, and the CLI's start-up does not load heavy libraries."""

from __future__ import annotations

import subprocess
import sys

import siteplan


def test_every_public_name_resolves() -> None:
    for name in siteplan._LAZY:
        assert getattr(siteplan, name) is not None, name


def test_help_does_not_import_heavy_libraries() -> None:
    code = ("import sys\nfrom siteplan.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('geopandas', 'folium', 'scipy', 'pandas', 'shapely', 'h3') "
            "if m in sys.modules]\nprint('HEAVY', heavy)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert "HEAVY []" in out, out
