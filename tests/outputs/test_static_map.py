"""The static map (siteplan.charts.static_map): PNG and SVG files of the expected size."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

from siteplan.errors import LayerError, OutputError, UsageError
from siteplan.layers.pack import Pack
from siteplan.outputs import static_map as charts
from siteplan.scoring.ranking import Ranking, rank

TINY = str(Path(__file__).parents[1] / "data" / "tiny-scenario.toml")
#: 10 x 10 inches at 150 dpi
EXPECTED_PX = (1500, 1500)


@pytest.fixture()
def tiny(tiny_pack_dir: Path) -> tuple[Ranking, Pack]:
    pack = Pack(tiny_pack_dir)
    return rank(TINY, pack=pack), pack


def test_png_has_expected_size_and_is_not_blank(tiny: tuple[Ranking, Pack],
                                                tmp_path: Path) -> None:
    r, pack = tiny
    out = charts.static_map(r, tmp_path / "map.png", pack=pack, top_n=2)
    assert out == tmp_path / "map.png" and out.stat().st_size > 10_000
    with Image.open(out) as im:
        assert im.format == "PNG" and im.size == EXPECTED_PX
        colours = im.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50  # zones, sites, text: not an empty canvas


def test_svg_is_written_with_text(tiny: tuple[Ranking, Pack], tmp_path: Path) -> None:
    r, pack = tiny
    out = charts.static_map(r, tmp_path / "map.svg", pack=pack, indicator="gdp_per_capita")
    text = out.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    size = re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', text)
    assert size is not None
    w, h = (float(x) for x in size.groups())
    assert (w, h) == (720.0, 720.0)  # 10 in = 720 pt
    assert "<dc:date>" not in text  # reproducible output


def test_static_map_errors(tiny: tuple[Ranking, Pack], tmp_path: Path) -> None:
    r, pack = tiny
    with pytest.raises(OutputError, match=r"\.png or \.svg"):
        charts.static_map(r, tmp_path / "map.jpg", pack=pack)
    with pytest.raises(UsageError, match="numeric columns"):
        charts.static_map(r, tmp_path / "map.png", pack=pack, indicator="nope")
    assert not (tmp_path / "map.png").exists()


def test_save_png_respects_overwrite(tiny: tuple[Ranking, Pack], tmp_path: Path) -> None:
    r, pack = tiny
    target = tmp_path / "map.png"
    target.write_bytes(b"old")
    with pytest.raises(OutputError, match="exists"):
        charts.save_png(r, target, pack=pack)
    assert target.read_bytes() == b"old"
    charts.save_png(r, target, pack=pack, overwrite=True)
    with Image.open(target) as im:
        assert im.size == EXPECTED_PX


def test_nice_scale_lengths() -> None:
    assert charts._nice_length(340) == 200
    assert charts._nice_length(99) == 50
    assert charts._nice_length(1.5) == 1


@pytest.mark.slow
def test_morocco_static_map(output_dir: Path) -> None:
    try:
        r = rank()
    except LayerError as exc:
        pytest.skip(f"the embedded Morocco pack is not available ({exc})")
    out = charts.static_map(r, output_dir / "static-map.png")
    with Image.open(out) as im:
        assert im.size == EXPECTED_PX


def test_french_static_map_speaks_french(tiny: tuple[Ranking, Pack], tmp_path: Path) -> None:
    import matplotlib

    r, pack = tiny
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # text as text, to read it back
        en = charts.static_map(r, tmp_path / "en.svg", pack=pack, top_n=2).read_text("utf-8")
        fr = charts.static_map(r, tmp_path / "fr.svg", pack=pack, top_n=2,
                               lang="fr").read_text("utf-8")
    assert "Method:" in en and "sites ranked" in en
    assert "Méthode" in fr and "sites classés" in fr and "Method:" not in fr
    assert "score du site" in fr and "échelle exacte" in fr
