"""The top-level API resolves lazily, and the CLI's start-up does not load heavy libraries."""

from __future__ import annotations

import subprocess
import sys

import pytest

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


OLD_PATHS = {  # module path taught before the restructure -> a name it must still give
    "siteplan.engine": "rank", "siteplan.geodesy": "geodesic_km", "siteplan.overlay": "Overlay",
    "siteplan.weights": "random_index", "siteplan.sensitivity": "smaa",
    "siteplan.plan": "select_sites",
    "siteplan.equity": "gini", "siteplan.surface": "SurfaceModel", "siteplan.mapping": "save_map",
    "siteplan.charts": "static_map",
}


@pytest.mark.parametrize("old", sorted(OLD_PATHS))
def test_old_module_paths_warn_and_still_resolve(old: str) -> None:
    import importlib
    import sys

    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match="deprecated"):
        module = importlib.import_module(old)
    assert callable(getattr(module, OLD_PATHS[old]))
