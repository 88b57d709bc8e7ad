"""Validation of the `[scenario]` and `[method_options]` tables of a scenario TOML.

Specifications: a misspelt key is rejected (exit code 2, one line naming the file, the
table and the key, suggesting the right key and listing the valid ones) instead of being
silently ignored; an out-of-range method option names the file and the field; valid keys
still load and change the scenario.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from siteplan.cli import cli
from siteplan.errors import ScenarioError, UsageError
from siteplan.scenario import (
    builtin_names,
    load_scenario,
    scenario_from_dict,
    scenario_to_toml,
)
from siteplan.scoring import aggregate as agg

BALANCED = (
    Path(__file__).resolve().parents[1] / "siteplan" / "scenarios" / "balanced-2030.toml"
).read_text(encoding="utf-8")
TESTS = Path(__file__).parent


def write(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """balanced-2030 with one line edited, written to ``tmp_path / name``."""
    assert BALANCED.count(old) == 1, old
    path = tmp_path / name
    path.write_text(BALANCED.replace(old, new), encoding="utf-8")
    return path


def rank(path: Path) -> Result:
    return CliRunner().invoke(cli, ["rank", "-s", str(path)], catch_exceptions=False)


def one_line_usage_error(res: Result) -> str:
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1, res.output
    assert lines[0].startswith("Error: ")
    return lines[0]


# ----------------------------------------------------------------- misspelt keys


@pytest.mark.parametrize(
    ("old", "new", "table", "typo", "right"),
    [
        ('method = "wlc"', 'methd = "topsis"', "scenario", "methd", "method"),
        ('nan_policy = "exclude"', 'nan_polcy = "exclude"', "scenario", "nan_polcy",
         "nan_policy"),
        ('title = "Balanced', 'titel = "Balanced', "scenario", "titel", "title"),
        ("owa_alpha = 1.0", "owa_alpa = 3.0", "method_options", "owa_alpa", "owa_alpha"),
        ("vikor_v = 0.5", "vikor = 0.5", "method_options", "vikor", "vikor_v"),
        ("vikor_v = 0.5", "wp_flor = 0.01", "method_options", "wp_flor", "wp_floor"),
    ],
)
def test_typo_in_scenario_and_method_options_is_rejected(
    tmp_path: Path, old: str, new: str, table: str, typo: str, right: str
) -> None:
    path = write(tmp_path, "typo.toml", old, new)
    line = one_line_usage_error(rank(path))
    assert str(path) in line
    assert f"[{table}]" in line
    assert typo in line
    assert f"did you mean '{right}'?" in line
    valid = ("name, title, title_fr, description, method, nan_policy, language"
             if table == "scenario" else "vikor_v, owa_alpha, wp_floor")
    assert f"valid keys: {valid}" in line


def test_typo_message_in_full(tmp_path: Path) -> None:
    path = write(tmp_path, "methd.toml", 'method = "wlc"', 'methd = "topsis"')
    assert one_line_usage_error(rank(path)) == (
        f"Error: {path}: unknown key(s) in [scenario]: methd (did you mean 'method'?); "
        "fix the spelling or remove it; valid keys: name, title, title_fr, description, method, "
        "nan_policy, language"
    )


def test_several_unknown_keys_are_all_named(tmp_path: Path) -> None:
    path = write(tmp_path, "two.toml", "owa_alpha = 1.0", "owa_alpa = 1.0\nzzz_unrelated = 1")
    line = one_line_usage_error(rank(path))
    assert "owa_alpa (did you mean 'owa_alpha'?)" in line
    assert "zzz_unrelated" in line
    assert "remove them" in line


def test_typo_is_rejected_through_the_api_too() -> None:
    raw = tomllib.loads(BALANCED.replace('method = "wlc"', 'methd = "topsis"'))
    with pytest.raises(ScenarioError, match=r"^mine\.toml: unknown key\(s\) in \[scenario\]"):
        scenario_from_dict(raw, "mine.toml")
    raw = tomllib.loads(BALANCED.replace("vikor_v = 0.5", "vikor_w = 0.5"))
    with pytest.raises(ScenarioError, match=r"\[method_options\]: vikor_w .*'vikor_v'"):
        scenario_from_dict(raw, "mine.toml")


def test_scenario_and_method_options_must_be_tables() -> None:
    raw = tomllib.loads(BALANCED)
    raw["method_options"] = 0.5
    with pytest.raises(ScenarioError, match=r"'method_options' must be a table"):
        scenario_from_dict(raw, "mine.toml")


# ----------------------------------------------------------------- valid keys still load


def test_valid_keys_change_the_loaded_scenario(tmp_path: Path) -> None:
    text = (BALANCED.replace('method = "wlc"', 'method = "topsis"')
            .replace('nan_policy = "exclude"', 'nan_policy = "impute-median"')
            .replace("vikor_v = 0.5", "vikor_v = 0.3")
            .replace("owa_alpha = 1.0", "owa_alpha = 2\nwp_floor = 0.01"))
    path = tmp_path / "valid.toml"
    path.write_text(text, encoding="utf-8")
    s = load_scenario(path)
    assert s.method == "topsis"
    assert s.nan_policy == "impute-median"
    assert s.title == "Balanced territorial development 2030"
    assert dict(s.method_options) == {"vikor_v": 0.3, "owa_alpha": 2.0, "wp_floor": 0.01}
    assert all(isinstance(v, float) for v in s.method_options.values())
    # the saved scenario reads back the same
    again = tmp_path / "again.toml"
    again.write_text(scenario_to_toml(s), encoding="utf-8")
    back = load_scenario(again)
    assert (back.method, dict(back.method_options)) == (s.method, dict(s.method_options))


def test_valid_method_is_used_by_rank(tmp_path: Path) -> None:
    path = write(tmp_path, "topsis.toml", 'method = "wlc"', 'method = "topsis"')
    res = rank(path)
    assert res.exit_code == 0, res.output
    assert "TOPSIS" in res.output
    assert "weighted linear combination" not in res.output


@pytest.mark.parametrize(
    ("key", "value"),
    [("vikor_v", 0), ("vikor_v", 1), ("owa_alpha", 0.25), ("owa_alpha", 40), ("wp_floor", 1)],
)
def test_boundary_values_are_accepted(tmp_path: Path, key: str, value: float) -> None:
    old = {"vikor_v": "vikor_v = 0.5", "owa_alpha": "owa_alpha = 1.0",
           "wp_floor": "owa_alpha = 1.0"}[key]
    new = f"{key} = {value}" if key != "wp_floor" else f"{old}\n{key} = {value}"
    path = write(tmp_path, "edge.toml", old, new)
    assert load_scenario(path).method_options[key] == float(value)


def test_shipped_and_test_scenarios_still_load() -> None:
    for name in builtin_names():
        assert load_scenario(name).name == name
    assert load_scenario(TESTS / "data" / "tiny-scenario.toml").name == "tiny"
    minimal = scenario_from_dict(
        {"criteria": [{"name": "a", "kind": "attribute", "column": "c", "weight": 1}]}
    )
    assert minimal.method == "wlc" and dict(minimal.method_options) == {}


# ----------------------------------------------------------------- invalid option values


@pytest.mark.parametrize(
    ("method", "old", "new", "expected"),
    [
        ("vikor", "vikor_v = 0.5", "vikor_v = 5",
         "v.toml: method_options.vikor_v = 5.0: must be a number in [0, 1]"),
        ("vikor", "vikor_v = 0.5", "vikor_v = -0.1",
         "v.toml: method_options.vikor_v = -0.1: must be a number in [0, 1]"),
        ("vikor", "vikor_v = 0.5", 'vikor_v = "high"',
         "v.toml: method_options.vikor_v = 'high': must be a number in [0, 1]"),
        ("vikor", "vikor_v = 0.5", "vikor_v = true",
         "v.toml: method_options.vikor_v = True: must be a number in [0, 1]"),
        ("owa", "owa_alpha = 1.0", "owa_alpha = -1",
         "v.toml: method_options.owa_alpha = -1.0: must be a positive finite number"),
        ("owa", "owa_alpha = 1.0", "owa_alpha = 0",
         "v.toml: method_options.owa_alpha = 0.0: must be a positive finite number"),
        ("owa", "owa_alpha = 1.0", "owa_alpha = inf",
         "v.toml: method_options.owa_alpha = inf: must be a positive finite number"),
        ("wp", "owa_alpha = 1.0", "owa_alpha = 1.0\nwp_floor = 0",
         "v.toml: method_options.wp_floor = 0.0: must be a number in (0, 1]"),
    ],
)
def test_out_of_range_option_names_file_and_field(
    tmp_path: Path, method: str, old: str, new: str, expected: str
) -> None:
    text = BALANCED.replace('method = "wlc"', f'method = "{method}"').replace(old, new)
    path = tmp_path / "v.toml"
    path.write_text(text, encoding="utf-8")
    line = one_line_usage_error(rank(path))
    assert expected in line
    assert str(path) in line
    assert "give e.g." in line


def test_out_of_range_option_is_rejected_whatever_the_method(tmp_path: Path) -> None:
    # balanced-2030 ranks by WLC: a bad vikor_v is still an error (--method vikor would use it)
    path = write(tmp_path, "v.toml", "vikor_v = 0.5", "vikor_v = 5")
    line = one_line_usage_error(rank(path))
    assert "method_options.vikor_v = 5.0" in line


def test_vikor_message_in_full(tmp_path: Path) -> None:
    path = write(tmp_path, "v.toml", "vikor_v = 0.5", "vikor_v = 5")
    assert one_line_usage_error(rank(path)) == (
        f"Error: {path}: method_options.vikor_v = 5.0: must be a number in [0, 1] (VIKOR's "
        "weight of group utility against individual regret); give e.g. vikor_v = 0.5 "
        "(the default)"
    )


def test_aggregation_keeps_its_own_checks_for_api_users() -> None:
    with pytest.raises(UsageError, match="VIKOR v must be a number in"):
        agg.vikor([[1.0, 2.0], [2.0, 1.0]], [0.5, 0.5], [1, 1], v=5.0)
    with pytest.raises(UsageError, match="OWA risk alpha must be a positive"):
        agg.order_weights_from_risk(3, -1.0)
    with pytest.raises(UsageError, match="weighted product floor"):
        agg.weighted_product([[0.5, 0.5]], [0.5, 0.5], floor=0.0)


def test_plan_and_target_typos_are_caught_when_the_scenario_loads(tmp_path: Path) -> None:
    """`siteplan rank` does not read [targets]/[plan], but a typo there is still an error."""
    from siteplan.analyses.plan.steps import DEFAULT_TARGETS
    from siteplan.scenario import TARGET_KEYS

    assert set(TARGET_KEYS) == set(DEFAULT_TARGETS)  # one list of keys, two modules
    for old, new, table in (("target_jobs = ", "target_job = ", "targets"),
                            ("max_per_region = ", "max_per_regoin = ", "plan")):
        path = write(tmp_path, f"{table}.toml", old, new)
        line = one_line_usage_error(rank(path))
        assert f"unknown key(s) in [{table}]" in line and str(path) in line


@pytest.mark.parametrize(("extra", "message"), [
    ({"cost": "time"}, r"criterion 'g': gravity with cost = \"time\" needs 'scale_min'"),
    ({"cost": "time", "scale_min": 20, "scale_km": 15},
     r"'scale_km' does not go with cost = \"time\""),
    ({"cost": "time", "scale_min": 20, "decay": "power", "exponent": 2},
     r"g'.decay: cost = \"time\" takes the exponential decay only"),
    ({"cost": "hours", "scale_min": 20}, r"g'.cost: 'hours' is unknown; choose one of "
                                         r"distance, time"),
    ({"scale_min": 20}, r"gravity with cost = \"distance\" needs 'scale_km'"),
    ({"cost": "time", "scale_min": -5}, r"g'.scale_min: '-5' must be a positive number"),
    ({"kind": "two_step_fca", "cost": "time", "radius_km": 30},
     r"two_step_fca with cost = \"time\" needs 'radius_min'"),
    ({"kind": "two_step_fca"}, r"two_step_fca with cost = \"distance\" needs 'radius_km'"),
])
def test_gravity_in_minutes_is_validated(extra: dict, message: str) -> None:
    raw = {"criteria": [{"name": "g", "kind": "gravity", "layer": "settlements",
                         "column": "working_age_2024", "weight": 1, **extra}]}
    with pytest.raises(ScenarioError, match=message):
        scenario_from_dict(raw, "mine.toml")


def test_minute_kinds_load_with_their_units() -> None:
    raw = {"criteria": [
        {"name": "air", "kind": "travel_time", "layer": "airports", "weight": 1},
        {"name": "pop", "kind": "within_time", "layer": "settlements", "minutes": 45,
         "column": "population_2024", "weight": 1},
        {"name": "lab", "kind": "gravity", "layer": "settlements", "column": "working_age_2024",
         "cost": "time", "scale_min": 20, "weight": 1}]}
    s = scenario_from_dict(raw, "mine.toml")
    assert [(c.unit, c.direction) for c in s.criteria] == [
        ("min", "cost"), ("count", "benefit"), ("weighted access", "benefit")]
    with pytest.raises(ScenarioError, match=r"criterion 'pop'.minutes: '0' must be a positive"):
        scenario_from_dict({"criteria": [{**raw["criteria"][1], "minutes": 0}]}, "mine.toml")
    with pytest.raises(ScenarioError, match=r"kind 'within_time' needs 'minutes'"):
        scenario_from_dict({"criteria": [{"name": "p", "kind": "within_time",
                                          "layer": "settlements", "weight": 1}]}, "mine.toml")
