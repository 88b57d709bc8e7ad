"""Cartography shared by the HTML and the static maps: colour ramps, the score scale, zone
choropleths and their classes, with no folium and no figure.

The HTML map (:mod:`siteplan.outputs.html_map`) and the static map
(:mod:`siteplan.outputs.static_map`) both draw from here, so a site has the same colour and a
zone the same class in the browser and in the printed report, and neither map imports the
other.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from siteplan.errors import DataError, UsageError
from siteplan.layers.pack import Pack

if TYPE_CHECKING:
    import geopandas as gpd
    from numpy.typing import NDArray

    from siteplan.scoring.ranking import Ranking

log = logging.getLogger("siteplan")

#: polygon layers usable as choropleth zones
ZONE_LAYERS = ("regions", "provinces")
#: classification scheme (CLI spelling) -> mapclassify class name
SCHEMES = {"quantiles": "Quantiles", "naturalbreaks": "FisherJenks",
           "fisher_jenks": "FisherJenks", "equalinterval": "EqualInterval",
           "equal_interval": "EqualInterval"}
SCHEME_TITLES = {"Quantiles": "quantiles", "FisherJenks": "natural breaks (Fisher-Jenks)",
                 "EqualInterval": "equal intervals"}
#: default indicator, then fall-backs when a pack lacks it
DEFAULT_INDICATORS = ("need_index", "unemployment_rate", "gdp_per_capita")
INDICATOR_LABELS = {"need_index": "regional need", "unemployment_rate": "unemployment rate",
                    "gdp_per_capita": "GDP per capita", "gdp_share": "share of national GDP",
                    "population_2024": "population 2024",
                    "working_age_2024": "working-age population 2024 (15-64)",
                    "higher_education_share": "higher-education share",
                    "literacy_french": "literacy in French",
                    "literacy_english": "literacy in English",
                    "urban_share": "urban share", "offshoring_jobs": "offshoring jobs (estimate)"}
#: zone geometry simplification for display (degrees) and coordinate rounding (decimals)
SIMPLIFY_DEG = 0.01
COORD_DECIMALS = 4
ZONE_CMAP = "PuBu"
SCORE_CMAP = "YlOrRd"
#: a ranked site's circle radius in px: (worst rank, extra for the best); the best is the sum
SITE_RADIUS = (8.0, 7.0)
NO_DATA_COLOUR = "#d9d9d9"
EXCLUDED_COLOUR = "#9e9e9e"
BACKGROUND = "#eef2f5"



#: characters written as ``\\uXXXX`` in the embedded JSON: ``<`` (so no ``</script>`` or
#: ``<!--`` can end the block), ``>`` and ``&``, the template-literal characters `` ` `` and
#: ``$`` (no user string appears raw anywhere in the page), and the line separators
_JSON_ESCAPES = {c: f"\\u{ord(c):04x}" for c in "<>&`$\u2028\u2029"}


def script_json(data: Any) -> str:
    """JSON safe inside a ``<script>`` element (see :data:`_JSON_ESCAPES`): no user string
    can close the script or appear raw in the page; NaN is refused (give None)."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    return "".join(_JSON_ESCAPES.get(ch, ch) for ch in text)


def fmt_number(value: Any, unit: str = "", digits: int = 3) -> str:
    """Short human formatting of a number with its unit ("n/a" when missing)."""
    if value is None or isinstance(value, str):
        return "n/a" if value in (None, "") else str(value)
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(v):
        return "n/a"
    if abs(v) >= 1000:
        text = f"{v:,.0f}"
    elif v == int(v) and abs(v) >= 10:
        text = f"{v:.0f}"
    else:
        text = f"{v:.{digits}g}"
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def _hex(rgba: Any) -> str:
    from matplotlib.colors import to_hex

    return str(to_hex(rgba, keep_alpha=False))


def _colormap(name: str) -> Any:
    import matplotlib

    try:
        return matplotlib.colormaps[name]
    except KeyError:
        raise UsageError(f"unknown colormap '{name}'; use a matplotlib colormap name such as "
                         "viridis or YlOrRd") from None


def ramp_colours(values: Iterable[float], vmin: float, vmax: float, cmap: str) -> list[str]:
    """Hex colours of ``values`` on colormap ``cmap`` over [vmin, vmax] (grey for NaN)."""
    cm = _colormap(cmap)
    span = vmax - vmin if vmax > vmin else 1.0
    out = []
    for v in values:
        f = float(v)
        out.append(NO_DATA_COLOUR if math.isnan(f)
                   else _hex(cm(min(1.0, max(0.0, (f - vmin) / span)))))
    return out


def score_colours(scores: Iterable[float], vmin: float, vmax: float) -> list[str]:
    """Marker colours of site scores (the same scale in HTML and static maps)."""
    return ramp_colours(scores, vmin, vmax, SCORE_CMAP)


def score_range(ranking: Ranking) -> tuple[float, float]:
    """(min, max) of the included sites' scores (padded when all are equal)."""
    s = ranking.included["score"].to_numpy(dtype=float)
    s = s[np.isfinite(s)]
    if not s.size:
        return 0.0, 1.0
    lo, hi = float(s.min()), float(s.max())
    if hi - lo < 1e-12:
        lo, hi = lo - 0.05, hi + 0.05
    return lo, hi


# --------------------------------------------------------------------------- zones & classes


@dataclass
class Choropleth:
    """Zones ready to draw: simplified geometry, indicator values and classes.

    Attributes
    ----------
    zones
        GeoDataFrame (EPSG:4326) with ``sp_name``, ``sp_value``, ``sp_class`` (-1: no
        data) and ``sp_colour`` columns, geometry simplified for display.
    layer, column, label, unit
        Zone layer, indicator column, its readable label and unit.
    scheme
        mapclassify class name (``Quantiles``, ``FisherJenks``, ``EqualInterval``).
    lower, upper
        Class bounds (``len == number of classes``).
    colours
        One hex colour per class.
    bounds
        ``(west, south, east, north)`` of the unsimplified zones, degrees.
    """

    zones: gpd.GeoDataFrame
    layer: str
    column: str
    label: str
    unit: str
    scheme: str
    lower: list[float]
    upper: list[float]
    colours: list[str]
    bounds: tuple[float, float, float, float]

    @property
    def title(self) -> str:
        """Legend title: indicator label with its unit."""
        return f"{self.label} ({self.unit})" if self.unit and self.unit not in self.label else \
            self.label

    def class_labels(self) -> list[str]:
        """``"lo - hi"`` for every class."""
        return [f"{fmt_number(lo)} - {fmt_number(hi)}" for lo, hi in zip(self.lower, self.upper,
                                                                         strict=True)]


def numeric_columns(gdf: Any) -> list[str]:
    """Numeric (not boolean) attribute columns of a (Geo)DataFrame."""
    import pandas as pd

    return [c for c in gdf.columns if c != "geometry"
            and pd.api.types.is_numeric_dtype(gdf[c]) and not pd.api.types.is_bool_dtype(gdf[c])]


def resolve_indicator(gdf: Any, indicator: str | None, layer: str) -> str:
    """The indicator column to map (UsageError listing the numeric columns when unknown)."""
    numeric = numeric_columns(gdf)
    if indicator is None:
        for cand in DEFAULT_INDICATORS:
            if cand in numeric:
                if cand != DEFAULT_INDICATORS[0]:
                    log.info("the %s layer has no '%s'; mapping '%s' instead", layer,
                             DEFAULT_INDICATORS[0], cand)
                return cand
        if not numeric:
            raise DataError(f"layer '{layer}': no numeric column to map; add an indicator "
                            "column or map another zone layer")
        return numeric[0]
    if indicator not in numeric:
        what = "is not numeric" if indicator in gdf.columns else "is not a column"
        raise UsageError(f"--indicator '{indicator}' {what} of layer '{layer}'; numeric "
                         f"columns: {', '.join(numeric) or 'none'}")
    return indicator


def quantile_bins(y: NDArray[np.float64], k: int) -> NDArray[np.float64]:
    """Upper class bounds of quantile classes: ``mapclassify.Quantiles(y, k).bins``, bit for bit.

    ``y`` holds finite values. The ``k`` percentiles ``100/k, 200/k, ..., 100`` are built,
    like mapclassify, with ``np.arange`` (the last one is clipped to 100 when it overshoots;
    for a few k, e.g. 23, it falls a hair short and is kept, so the last bound can be just
    under the maximum), and scored like ``scipy.stats.scoreatpercentile`` (linear
    interpolation between the two nearest order statistics, weights normalised by their
    sum); repeated quantiles (ties) are merged, so fewer than ``k`` bounds may come back.
    """
    w = 100.0 / k
    pcts = np.arange(w, 100 + w, w)
    if pcts[-1] > 100.0:
        pcts[-1] = 100.0
    s = np.sort(np.asarray(y, dtype=np.float64).ravel())
    last = s.size - 1
    q = []
    with np.errstate(all="ignore"):  # mapclassify's warnings were silenced too
        for per in pcts:
            if not 0 <= per <= 100:
                raise ValueError("percentile must be in the range [0, 100]")
            idx = per / 100.0 * last
            i = int(idx)
            # scipy sums with np.add.reduce, which starts from +0.0 (so -0.0 becomes 0.0)
            if i == idx:
                q.append(0.0 + s[i])
            else:
                w_lo, w_hi = (i + 1) - idx, idx - i
                q.append((0.0 + (s[i] * w_lo + s[i + 1] * w_hi)) / (w_lo + w_hi))
    return np.unique(np.asarray(q, dtype=np.float64))


def equal_interval_bins(y: NDArray[np.float64], k: int) -> NDArray[np.float64]:
    """Upper bounds of ``k`` equal-width classes: ``mapclassify.EqualInterval(y, k).bins``.

    ``y`` holds finite values, not all equal. The bounds are ``min + width * j`` laid out,
    like mapclassify, with ``np.arange`` (cut to ``k`` when it overshoots), the last one
    set to the maximum.
    """
    y = np.asarray(y, dtype=np.float64).ravel()
    max_y, min_y = y[np.argmax(y)], y[np.argmin(y)]  # first occurrences, as max()/min()
    if min_y == max_y:
        raise ValueError(f"Not enough unique values in array to form {k} classes. "
                         "All values in `y` are equal.")
    with np.errstate(all="ignore"):  # mapclassify's warnings were silenced too
        width = (max_y - min_y) * 1.0 / k
        cuts = np.arange(min_y + width, max_y + width, width)
    if len(cuts) > k:  # overshooting
        cuts = cuts[0:k]
    cuts[-1] = max_y
    return np.asarray(cuts.copy(), dtype=np.float64)


def _fisher_jenks_bins(y: NDArray[np.float64], k: int) -> NDArray[np.float64]:
    """``mapclassify.FisherJenks(y, k).bins`` (mapclassify, heavy, imported only here)."""
    import warnings

    import mapclassify

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(mapclassify.FisherJenks(y, k=k).bins, dtype=np.float64)


def classify(values: Sequence[float] | NDArray[np.float64], scheme: str = "quantiles",
             k: int = 5) -> tuple[list[float], list[float], NDArray[np.int64]]:
    """Class bounds and class index (-1 for NaN) of ``values``, as mapclassify would class them.

    Quantiles and equal intervals are worked out here with numpy (:func:`quantile_bins`,
    :func:`equal_interval_bins`: the same bounds as mapclassify's ``Quantiles`` and
    ``EqualInterval``), natural breaks by mapclassify's ``FisherJenks``, imported only for
    that scheme (mapclassify pulls in scipy.stats, scikit-learn and matplotlib.pyplot).
    A value equal to a bound belongs to the class below it.

    Parameters
    ----------
    values
        The indicator values (NaN allowed).
    scheme
        ``quantiles``, ``naturalbreaks`` (= ``fisher_jenks``, optimal Fisher-Jenks
        breaks, deterministic) or ``equalinterval``.
    k
        Number of classes (reduced to the number of distinct values when smaller).

    Returns
    -------
    lower, upper, classes
        Lower and upper bound of every class, and the class of every value.
    """
    key = scheme.lower().replace("-", "_").replace(" ", "")
    if key not in SCHEMES:
        raise UsageError(f"unknown classification scheme '{scheme}'; choose quantiles, "
                         "naturalbreaks or equalinterval")
    if int(k) < 1:
        raise UsageError(f"number of classes k={k}; give at least 1")
    y = np.asarray(values, dtype=np.float64)
    ok = np.isfinite(y)
    classes = np.full(len(y), -1, dtype=np.int64)
    if not ok.any():
        return [], [], classes
    uniq = np.unique(y[ok])
    kk = min(int(k), len(uniq))
    if kk <= 1:
        classes[ok] = 0
        return [float(uniq[0])], [float(uniq[-1])], classes
    bins = {"Quantiles": quantile_bins, "EqualInterval": equal_interval_bins,
            "FisherJenks": _fisher_jenks_bins}[SCHEMES[key]](y[ok], kk)
    upper = [float(b) for b in bins]
    # drop duplicate bins (ties in quantiles) and re-assign classes
    upper = sorted(set(upper))
    upper[-1] = max(upper[-1], float(uniq[-1]))
    classes[ok] = np.searchsorted(np.asarray(upper), y[ok], side="left")
    lower = [float(uniq[0]), *upper[:-1]]
    return lower, upper, classes


def class_colours(n: int, cmap: str = ZONE_CMAP) -> list[str]:
    """``n`` colours from light to dark on a sequential colormap."""
    if n <= 0:
        return []
    cm = _colormap(cmap)
    if n == 1:
        return [_hex(cm(0.55))]
    return [_hex(cm(0.15 + 0.8 * i / (n - 1))) for i in range(n)]


def simplify_zones(gdf: gpd.GeoDataFrame, tolerance: float = SIMPLIFY_DEG,
                   decimals: int = COORD_DECIMALS) -> gpd.GeoDataFrame:
    """Zones simplified for display (shared edges kept), coordinates rounded.

    Coverage simplification (Visvalingam-Whyatt on the shared edges) keeps the zones
    edge-matched; when the zones do not form a valid coverage, each polygon is
    simplified on its own with topology preserved.
    """
    import shapely

    out = gdf.copy()
    geoms = np.asarray(out.geometry.array)
    simple = None
    if tolerance > 0:
        try:
            simple = shapely.coverage_simplify(geoms, tolerance)
            if not (shapely.is_valid(simple).all() and not shapely.is_empty(simple).any()):
                simple = None
        except (shapely.errors.GEOSException, ValueError, TypeError):
            simple = None
        if simple is None:
            simple = shapely.simplify(geoms, tolerance, preserve_topology=True)
    else:
        simple = geoms
    rounded = shapely.transform(simple, lambda c: np.round(c, decimals))
    bad = shapely.is_empty(rounded) | ~shapely.is_valid(rounded)
    if bad.any():  # rounding collapsed or broke a small ring: keep its unrounded version
        rounded[bad] = simple[bad]
    out = out.set_geometry(list(rounded), crs=gdf.crs)
    return out


def zone_name_column(gdf: Any) -> str | None:
    """The column naming a zone (``name_fr``, ``name``, else the first string column)."""
    for c in ("name_fr", "name", "name_en"):
        if c in gdf.columns:
            return c
    return None


def default_pack(ranking: Ranking) -> Pack | None:
    """The pack the ranking was made on; else the embedded pack, or None when it differs."""

    if ranking.pack is not None:
        return ranking.pack
    pack = Pack(None)
    if ranking.pack_name and ranking.pack_name != pack.name:
        log.warning("the ranking was made on pack '%s' but no pack was given; the map shows the "
                    "sites without zones or context layers (pass the pack, e.g. --pack)",
                    ranking.pack_name)
        return None
    return pack


def zone_choropleth(pack: Pack, zones: str = "regions", indicator: str | None = None,
                    scheme: str = "quantiles", k: int = 5,
                    simplify: float = SIMPLIFY_DEG) -> Choropleth:
    """Load a zone layer, pick the indicator, classify it and simplify the geometry."""
    if zones not in ZONE_LAYERS:
        raise UsageError(f"--zones '{zones}': choose {' or '.join(ZONE_LAYERS)}")
    if zones not in pack.layer_names:
        raise UsageError(f"pack '{pack.name}' has no '{zones}' layer; known layers: "
                         f"{', '.join(pack.layer_names)}")
    gdf = pack.layer(zones)
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
    column = resolve_indicator(gdf, indicator, zones)
    spec = pack.spec(zones).columns.get(column)
    unit = spec.unit if spec else ""
    label = INDICATOR_LABELS.get(column) or (spec.description if spec and spec.description
                                             else column.replace("_", " "))
    values = gdf[column].to_numpy(dtype=np.float64)
    lower, upper, classes = classify(values, scheme, k)
    colours = class_colours(len(upper))
    name_col = zone_name_column(gdf)
    key = pack.spec(zones).key
    names = (gdf[name_col] if name_col else gdf[key] if key in gdf.columns
             else gdf.index).astype(str).to_numpy()
    w, s, e, n = (float(x) for x in gdf.total_bounds)
    out = gdf[[c for c in (key, "region_code") if c in gdf.columns] + ["geometry"]].copy()
    out = out.loc[:, ~out.columns.duplicated()]
    out["sp_name"] = names
    out["sp_value"] = values
    out["sp_class"] = classes
    out["sp_colour"] = [colours[c] if c >= 0 else NO_DATA_COLOUR for c in classes]
    out = simplify_zones(out, simplify) if simplify > 0 else out
    scheme_key = SCHEMES[scheme.lower().replace("-", "_").replace(" ", "")]
    return Choropleth(zones=out, layer=zones, column=column, label=label, unit=unit,
                      scheme=scheme_key, lower=lower, upper=upper, colours=colours,
                      bounds=(w, s, e, n))


# --------------------------------------------------------------------------- HTML pieces
