"""Writing weights into a scenario file: the line editor that keeps comments and layout,
and the rule for partial weights (the other criteria keep their share).

Expected files are worked out by hand and read back with ``tomllib`` and the scenario
loader, not with the editor itself.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from siteplan.errors import UsageError
from siteplan.outputs.scenario_file import weights_to_scenario_toml, write_weights_into

THREE = "".join(
    f'[[criteria]]\nname = "{n}"\nkind = "nearest_distance"\nlayer = "airports"\n'
    f'direction = "cost"\nweight = {w}\n\n' for n, w in (("a", 20), ("b", 20), ("c", 60)))
THREE = '[scenario]\nname = "t"\n\n' + THREE


def test_weights_to_scenario_toml(tmp_path: Path) -> None:
    sc = tmp_path / "scenario.toml"
    sc.write_text(
        '[scenario]\nname = "t"\n\n[[criteria]]\nname = "talent"\nweight = 1\n\n'
        '[[criteria]]\nname = "need"\nweight = 1\nkind = "zone"\n'
    )
    weights_to_scenario_toml(sc, {"talent": 0.75, "need": 0.25})
    data = tomllib.loads(sc.read_text())
    assert [c["weight"] for c in data["criteria"]] == [0.75, 0.25]
    assert data["criteria"][1]["kind"] == "zone"
    with pytest.raises(UsageError, match="scenario criteria are talent, need"):
        weights_to_scenario_toml(sc, {"jobs": 0.5})
    with pytest.raises(UsageError, match="not found"):
        weights_to_scenario_toml(tmp_path / "missing.toml", {"talent": 1.0})


def test_weights_to_scenario_toml_keeps_comments_and_layout(tmp_path: Path) -> None:
    sc = tmp_path / "scenario.toml"
    original = (
        "# planners' notes: keep me\n"
        '[scenario]\nname = "t"  # the name\n\n'
        "[[criteria]]\n"
        'name = "talent"\n'
        "weight = 15  # was agreed in May\n"
        'description = """Multi-line text that mentions\nweight = 99\nand must not change."""\n'
        "\n[[criteria]]\n"
        'name = "need"\n'
        'kind = "zone"\n'
    )
    sc.write_text(original)
    weights_to_scenario_toml(sc, {"talent": 0.75, "need": 0.25})
    text = sc.read_text()
    data = tomllib.loads(text)
    assert [c["weight"] for c in data["criteria"]] == [0.75, 0.25]
    assert "weight = 0.75  # was agreed in May\n" in text
    assert "# planners' notes: keep me\n" in text and 'name = "t"  # the name' in text
    assert data["criteria"][0]["description"].count("weight = 99") == 1
    # every original line but the weight line is still there, in order
    kept = [ln for ln in original.splitlines() if not ln.startswith("weight = 15")]
    new_lines = text.splitlines()
    it = iter(new_lines)
    assert all(any(ln == other for other in it) for ln in kept)  # an ordered subsequence
    assert len(new_lines) == len(kept) + 2  # the replaced weight and the added one
    assert new_lines[new_lines.index('name = "need"') + 1] == "weight = 0.25"


def test_weights_into_the_shipped_scenario_keeps_its_comments(tmp_path: Path) -> None:
    from importlib import resources

    from siteplan.scenario import load_scenario

    src = resources.files("siteplan") / "scenarios" / "balanced-2030.toml"
    sc = tmp_path / "b.toml"
    sc.write_text(src.read_text(encoding="utf-8"))
    before = sc.read_text()
    weights_to_scenario_toml(sc, {"graduates": 30, "income": 0})
    after = sc.read_text()
    comments = [ln for ln in before.splitlines() if ln.lstrip().startswith("#")]
    assert comments and all(c in after.splitlines() for c in comments)
    assert len(after.splitlines()) == len(before.splitlines())
    scen = load_scenario(sc)
    w = scen.weights  # normalised to sum 1
    raw = {c["name"]: c["weight"] for c in tomllib.loads(before)["criteria"]}
    raw.update(graduates=30, income=0)
    total = sum(raw.values())
    for name, v in raw.items():
        assert w.get(name, 0.0) == pytest.approx(v / total)  # weight 0: not weighted


def test_partial_weights_are_scaled_so_the_others_keep_their_share(tmp_path: Path) -> None:
    sc = tmp_path / "s.toml"
    sc.write_text(THREE)
    up = write_weights_into(sc, {"a": 0.75, "b": 0.25})
    raw = {c["name"]: c["weight"] for c in tomllib.loads(sc.read_text())["criteria"]}
    assert raw == pytest.approx({"a": 30.0, "b": 10.0, "c": 60.0})   # a + b kept their 40
    assert up.scale == pytest.approx(40.0) and up.kept == ("c",) and not up.unscaled
    assert up.normalised == pytest.approx({"a": 0.3, "b": 0.1, "c": 0.6})


def test_weights_for_every_criterion_are_written_as_given(tmp_path: Path) -> None:
    sc = tmp_path / "s.toml"
    sc.write_text(THREE)
    up = write_weights_into(sc, {"a": 0.5, "b": 0.3, "c": 0.2})
    assert up.scale == 1.0 and up.kept == ()
    assert up.normalised == pytest.approx({"a": 0.5, "b": 0.3, "c": 0.2})


def test_criteria_that_had_no_weight_are_set_beside_the_others(tmp_path: Path) -> None:
    sc = tmp_path / "s.toml"
    sc.write_text(THREE.replace("weight = 20", "weight = 0"))
    up = write_weights_into(sc, {"a": 0.5, "b": 0.5})
    assert up.unscaled and up.scale == 1.0 and up.kept == ("c",)
    # 0.5 + 0.5 beside c = 60: the new criteria get 1/61 of the total between them
    assert up.normalised == pytest.approx({"a": 0.5 / 61, "b": 0.5 / 61, "c": 60 / 61})


def test_unknown_criteria_fail_before_the_file_changes(tmp_path: Path) -> None:
    sc = tmp_path / "s.toml"
    sc.write_text(THREE)
    with pytest.raises(UsageError, match="'d' are not in the scenario; its criteria are a, b, c"):
        write_weights_into(sc, {"a": 0.5, "d": 0.5})
    assert sc.read_text() == THREE
    with pytest.raises(UsageError, match="scenario file not found"):
        write_weights_into(tmp_path / "none.toml", {"a": 1.0})
