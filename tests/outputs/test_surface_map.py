"""The surface map's payload, decoded here independently of the browser code.

The payload is read back by a decoder written for this test from the format's description
(base64, zlib, int32 byte planes, delta coding, bit masks) and compared with independent
references: the H3 library's own cell boundaries (``h3.cell_to_boundary``) for the
hexagons the browser draws from the fitted templates, and the model's ``raw_frame`` and
scores for the values. The browser tests (``test_surface_map_browser.py``) check what a
person sees.
"""

from __future__ import annotations

import base64
import zlib
from typing import Any

import numpy as np
import pytest

from siteplan.outputs.surface_map import COORD_STEP, VERTEX_TOLERANCE_M, decimals_for, surface_cells


def _ints(buf: bytes, spec: list[int]) -> np.ndarray:
    off, n = spec
    planes = np.frombuffer(buf[off:off + 4 * n], dtype=np.uint8).reshape(4, n)
    return np.ascontiguousarray(planes.T).view("<i4").ravel().astype(np.int64)


def _values(buf: bytes, cols: dict[str, list[int]], key: str, n: int, d: int) -> np.ndarray:
    off = cols[key + ":mask"][0]
    mask = np.unpackbits(np.frombuffer(buf[off:off + (n + 7) // 8], dtype=np.uint8),
                         bitorder="little")[:n].astype(bool)
    out = np.full(n, np.nan)
    out[mask] = np.cumsum(_ints(buf, cols[key])) / 10.0 ** d
    return out


def decode(payload: dict[str, Any]) -> dict[str, Any]:
    """Centres, hexagon vertices, values and criteria of a payload, in degrees and units."""
    buf = zlib.decompress(base64.b64decode(payload["blob"]))
    cols, n, step = payload["cols"], payload["n"], payload["step"]
    lon = np.cumsum(_ints(buf, cols["lon"])) * step
    lat = np.cumsum(_ints(buf, cols["lat"])) * step
    group = _ints(buf, cols["group"])
    verts = np.zeros((n, 6, 2))
    for i in range(n):
        t = payload["templates"][group[i]]
        dx, dy = lon[i] - t["o"][0], lat[i] - t["o"][1]
        terms = np.array([1, dx, dy, dx * dx, dy * dy, dx * dy])
        off = np.asarray(t["c"]) @ terms
        verts[i] = np.column_stack([lon[i] + off[0::2], lat[i] + off[1::2]])
    return {"lon": lon, "lat": lat, "verts": verts,
            "value": _values(buf, cols, "value", n, payload["value"]["d"]),
            "why": _ints(buf, cols["why"]),
            "criteria": [_values(buf, cols, c["key"], n, c["d"]) for c in payload["criteria"]]}


@pytest.fixture(scope="module")
def decoded(tiny_model: Any) -> tuple[Any, np.ndarray, dict[str, Any], dict[str, Any]]:
    scores = tiny_model.score()
    cells = surface_cells(tiny_model, scores)
    return tiny_model, scores, cells.payload, decode(cells.payload)


def test_centres_and_values_come_back(decoded: Any) -> None:
    model, scores, payload, got = decoded
    np.testing.assert_allclose(got["lon"], model.lon, atol=COORD_STEP / 2 + 1e-9)
    np.testing.assert_allclose(got["lat"], model.lat, atol=COORD_STEP / 2 + 1e-9)
    assert np.array_equal(np.isnan(got["value"]), np.isnan(scores))
    np.testing.assert_allclose(got["value"], scores, atol=0.0005 + 1e-12)
    raw = model.raw_frame()
    for c, values in zip(payload["criteria"], got["criteria"], strict=True):
        name = model.criteria[int(c["key"][1:])]
        ref = raw[name].to_numpy(dtype=np.float64)
        assert np.array_equal(np.isnan(values), np.isnan(ref)), name
        np.testing.assert_allclose(values, ref, atol=0.5 * 10.0 ** -c["d"] * 1.0001, rtol=1e-6,
                                   err_msg=name)


def test_drawn_hexagons_are_the_h3_cells(decoded: Any) -> None:
    """Each fitted vertex lies within the tolerance of a true H3 vertex of that cell."""
    import h3

    model, _, _, got = decoded
    for i, cell in enumerate(model.cells.tolist()):
        true = np.asarray(h3.cell_to_boundary(h3.int_to_str(cell)))[:, ::-1]  # lon, lat
        d = got["verts"][i][:, None, :] - true[None, :, :]
        metres = np.hypot(d[..., 0] * np.cos(np.radians(true[None, :, 1])), d[..., 1]) * 111_320
        assert metres.min(axis=1).max() < VERTEX_TOLERANCE_M, (i, metres.min(axis=1))
        assert sorted(np.argmin(metres, axis=1).tolist()) == list(range(6))


def test_excluded_cells_carry_their_reasons(decoded: Any) -> None:
    model, _, payload, got = decoded
    assert len(payload["reasons"]) == len(model.scenario.constraints) + 1
    assert np.all(got["why"][model.valid] == 0)
    assert np.all(got["why"][~model.valid] > 0)


def test_decimals_keep_three_significant_digits() -> None:
    assert decimals_for(np.array([1.0, 2.0, 30.0, np.nan])) == 0
    assert decimals_for(np.array([0.15, 0.2, 0.31])) == 3
    assert decimals_for(np.array([120.5, 250.2, 401.7])) == 0
    assert decimals_for(np.array([11.6, 142.6, 17.6, 250.0])) == 1
    assert decimals_for(np.array([10.5, 24.2, 49.3])) == 1
