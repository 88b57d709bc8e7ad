"""The stability map's encoding: shapes for the verdicts, a colour-blind-safe share scale.

The palettes are checked with a colour-vision-deficiency simulation from a second library
used only here (``colorspacious``: Machado et al. 2009 at severity 100, i.e. deuteranopia,
protanopia and tritanopia), with distances in CAM02-UCS (Luo et al. 2006), a space where
about 1 unit is a just-noticeable difference. A sequential legend stays readable when, under
each simulation, (1) every two of its classes are at least :data:`MIN_DISTANCE` apart, and
(2) their lightness J' rises strictly, so that "more" reads the same without hue. The
red-yellow-green ramp of earlier versions must fail, or the test could not fail.
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import numpy as np
import pytest

from siteplan.analyses.sensitivity.report import analyse
from siteplan.layers.pack import Pack
from siteplan.outputs.cartography import _colormap
from siteplan.outputs.overlay import stability_overlay
from siteplan.outputs.stability_map import (
    LEGEND_STOPS,
    STABILITY_CMAP,
    VERDICT_SHAPES,
    marker_svg,
    verdicts_legend,
)
from siteplan.outputs.surface_map import SURFACE_CMAP
from siteplan.scoring.ranking import rank

colorspacious = pytest.importorskip("colorspacious")

TINY = str(Path(__file__).parents[1] / "data" / "tiny-scenario.toml")
#: CAM02-UCS distance every two legend classes keep under each simulated deficiency
MIN_DISTANCE = 12.0
DEFICIENCIES = ("deuteranomaly", "protanomaly", "tritanomaly")


def _simulated(cmap: str, cvd: str) -> np.ndarray:
    """The legend classes of ``cmap`` as seen with ``cvd`` at severity 100, in CAM02-UCS."""
    rgb = np.asarray(_colormap(cmap)(np.asarray(LEGEND_STOPS)))[:, :3]
    seen = colorspacious.cspace_convert(
        rgb, {"name": "sRGB1+CVD", "cvd_type": cvd, "severity": 100}, "sRGB1")
    return colorspacious.cspace_convert(np.clip(seen, 0, 1), "sRGB1", "CAM02-UCS")


def readable(cmap: str) -> tuple[bool, float]:
    """Whether every class pair stays apart and lightness rises, under each deficiency;
    and the smallest pairwise distance found."""
    ok, smallest = True, np.inf
    for cvd in DEFICIENCIES:
        ucs = _simulated(cmap, cvd)
        d = min(float(np.linalg.norm(a - b)) for a, b in combinations(ucs, 2))
        smallest = min(smallest, d)
        ok &= d >= MIN_DISTANCE and bool(np.all(np.diff(ucs[:, 0]) > 0))
    return ok, smallest


@pytest.mark.parametrize("cmap", [STABILITY_CMAP, SURFACE_CMAP])
def test_the_palettes_read_under_every_deficiency(cmap: str) -> None:
    ok, smallest = readable(cmap)
    assert ok, (cmap, smallest)
    assert smallest > MIN_DISTANCE


def test_the_old_red_yellow_green_fails() -> None:
    """Under deuteranopia RdYlGn's red and green ends nearly merge (about 8 units) and its
    lightness goes up then down: the test rejects it."""
    ok, smallest = readable("RdYlGn")
    assert not ok
    assert smallest < MIN_DISTANCE


def test_each_verdict_has_its_own_shape() -> None:
    shapes = {marker_svg(v, "#123456", 10.0)[0].split("/>")[1].split()[0]
              for v in VERDICT_SHAPES}
    assert shapes == {"<circle", "<polygon", "<rect"}
    for v in VERDICT_SHAPES:  # the white disc covers a candidate circle of that radius + 1
        svg, side = marker_svg(v, "#123456", 10.0)
        assert 'r="12.0" fill="#ffffff"' in svg and side >= 24


def test_the_legend_says_each_shape_in_french(tiny_pack_dir: Path) -> None:
    report = analyse(rank(TINY, pack=Pack(tiny_pack_dir)), samples=500, seed=7, top_k=2)
    legend = verdicts_legend(stability_overlay(report, "fr"), "fr")
    assert "robuste : dans les 2 premiers dans au moins 80\u202f% des tirages" in legend
    assert "hors des 2 premiers" in legend and "cividis" in legend
    assert legend.count("<svg") == len(VERDICT_SHAPES) and "100\u202f%" in legend
