"""The offline basemap shipped with the Morocco pack (siteplan/outputs/basemap.py draws it)."""

from __future__ import annotations

from siteplan.layers.pack import Pack
from siteplan.outputs.basemap import PLACE_FLOORS, basemap_places


def test_basemap_has_no_line_inside_morocco() -> None:
    """Official Moroccan maps show no boundary inside the country: no basemap border line
    runs inside the pack's regions (shapely, on the shipped file). The regions are eroded
    by 0.15 degree (~15 km): Natural Earth's land borders differ from the pack's by up to
    ~10 km along the edge; Natural Earth's Western Sahara/Morocco line, left out, would run
    9.3 degrees inside that eroded area."""
    import shapely

    pack = Pack(None)
    base = pack.layer("basemap")
    inside = shapely.union_all(pack.layer("regions").geometry.array).buffer(-0.15)
    lines = base[base["kind"] == "boundary"]
    assert len(lines) >= 5  # the neighbours' borders are there
    crossing = {b: shapely.intersection(g, inside).length
                for b, g in zip(lines["between"], lines.geometry, strict=True)}
    assert max(crossing.values()) == 0.0, crossing
    # and the land and the places are there: Casablanca the largest place
    places = base[base["kind"] == "place"].sort_values("population", ascending=False)
    assert places["name"].iloc[0] == "Casablanca"
    assert (base["kind"] == "land").sum() == 1


def test_place_names_are_the_largest_first_and_every_zoom_has_a_floor() -> None:
    """Labels are placed largest first (the declutter keeps the first of two that collide),
    and the population floor falls as the zoom rises, down to every place at zoom 9."""
    places = basemap_places(Pack(None))
    pops = [p[3] for p in places]
    assert len(places) > 100 and pops == sorted(pops, reverse=True)
    floors = [f[1] for f in PLACE_FLOORS]
    assert floors == sorted(floors, reverse=True) and floors[-1] == 0
    # Rabat, Fès and Tanger are named from zoom 6 (their populations pass the 150,000 floor)
    named6 = {p[0] for p in places if p[3] >= dict(PLACE_FLOORS)[6]}
    assert {"Rabat", "Fès", "Tanger"} <= named6, named6
