"""Scenarios: criteria, weights, constraints and method, stored as TOML.

A scenario is read with ``tomllib`` (safe: TOML has no code execution) and
validated in full before anything is computed; every error names the file, the
field and the fix. Built-in scenarios live in ``siteplan/scenarios/*.toml``:
``balanced-2030`` (the default) and ``market-led``.

Schema (see ``siteplan scenario show balanced-2030`` for a complete example)::

    [scenario]
    name = "balanced-2030"; title = "..."; description = "..."
    method = "wlc"                  # wlc | wp | topsis | vikor | owa
    nan_policy = "exclude"          # exclude | impute-median | impute-worst
    [method_options]                # vikor_v = 0.5, owa_alpha = 1.0, wp_floor = 0.001
    [layers]                        # layer overrides: name = "path"
    [[criteria]]                    # name, kind, weight, direction, normalize, ...
    [[constraints]]                 # criterion, min and/or max, reason
    [targets] / [plan]              # used by `siteplan plan`
"""

from __future__ import annotations

import difflib
import math
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from siteplan._atomic import read_text
from siteplan.errors import ScenarioError, UsageError


@dataclass(frozen=True)
class MethodInfo:
    """What the rest of siteplan needs to know about an aggregation method.

    ``per_row``: a site's score depends on its own row only, computed from the
    benefit-oriented value matrix (WLC, WP, OWA), so cells can be scored in blocks and
    a site added to the set changes no other score. False: the method scores the raw
    matrix with directions against the set's ideal and anti-ideal (TOPSIS, VIKOR),
    so every score depends on the whole set. ``options``: the scenario's
    ``[method_options]`` keys it reads.
    """

    label: str
    per_row: bool
    options: tuple[str, ...] = ()
    label_fr: str = ""  # the name in French reports

    def label_in(self, lang: str) -> str:
        """The method's name for people in ``lang``."""
        return (self.label_fr or self.label) if lang == "fr" else self.label


#: THE list of aggregation methods (key -> properties); the functions are in
#: :mod:`siteplan.scoring.aggregate` (``AGGREGATORS``, same keys, checked by a test).
METHOD_INFO: dict[str, MethodInfo] = {
    "wlc": MethodInfo("weighted linear combination (weighted sum)", per_row=True,
                      label_fr="combinaison linéaire pondérée (somme pondérée)"),
    "wp": MethodInfo("weighted product", per_row=True, options=("wp_floor",),
                     label_fr="produit pondéré"),
    "topsis": MethodInfo("TOPSIS (Hwang & Yoon)", per_row=False,
                         label_fr="TOPSIS (Hwang et Yoon)"),
    "vikor": MethodInfo("VIKOR (Opricovic & Tzeng)", per_row=False, options=("vikor_v",),
                        label_fr="VIKOR (Opricovic et Tzeng)"),
    "owa": MethodInfo("ordered weighted averaging", per_row=True, options=("owa_alpha",),
                      label_fr="moyenne pondérée ordonnée (OWA)"),
}
METHODS = tuple(METHOD_INFO)
METHOD_NAMES = {key: info.label for key, info in METHOD_INFO.items()}
NAN_POLICIES = ("exclude", "impute-median", "impute-worst")
DIRECTIONS = ("benefit", "cost")
LINEAR_NORMALIZERS = ("minmax", "vector", "max")
NORMALIZERS = ("minmax", "vector", "max", "target", "piecewise", "sigmoid", "saturating")
#: value functions whose result depends on the other sites of the set (relative scales)
RELATIVE_NORMALIZERS = ("minmax", "vector", "max", "target")
#: THE list of lenses: the two indices every ranking of a lens scenario reports
#: (``viability``: the investor's view; ``need``: the territory's need)
LENSES = ("viability", "need")

#: criterion kind -> (required parameters, optional parameters, default unit, default direction)
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str, str]] = {
    "nearest_distance": (("layer",), ("filter",), "km", "cost"),
    "travel_time": (("layer",), ("filter",), "min", "cost"),
    "gravity": (("layer", "column"), ("filter", "decay", "exponent", "scale_km", "cost",
                                      "scale_min"), "weighted access", "benefit"),
    "two_step_fca": (("layer", "column"),
                     ("filter", "competitors", "competitor_column", "competitor_filter",
                      "decay", "site_demand", "radius_km", "cost", "radius_min"), "per site",
                     "benefit"),
    "within_radius": (("layer", "radius_km"), ("filter", "column"), "count", "benefit"),
    "within_time": (("layer", "minutes"), ("filter", "column"), "count", "benefit"),
    "zone_attribute": (("zones", "column"), (), "", "benefit"),
    "attribute": (("column",), (), "", "benefit"),
}
#: kinds that need a candidate's own attributes (cannot be computed on surface cells)
CANDIDATE_ONLY_KINDS = ("attribute",)
DECAYS = ("exponential", "power", "gaussian", "cutoff")
#: what a catchment's distance is measured in: geodesic km, or road minutes on the network
COSTS = ("distance", "time")

#: keys of the ``[scenario]`` table
SCENARIO_KEYS = ("name", "title", "title_fr", "description", "method", "nan_policy",
                 "language")
#: THE list of languages of the reports (``siteplan report --lang``); English first, the default
LANGUAGES = ("en", "fr")
#: keys of the ``[method_options]`` table -> (default, rule, advice); see :func:`_method_option`
METHOD_OPTIONS: dict[str, tuple[float, str, str]] = {
    "vikor_v": (0.5, "must be a number in [0, 1]",
                "VIKOR's weight of group utility against individual regret"),
    "owa_alpha": (1.0, "must be a positive finite number",
                  "OWA risk attitude: 1 neutral as WLC, below 1 optimistic, above 1 "
                  "pessimistic"),
    "wp_floor": (0.001, "must be a number in (0, 1]",
                 "the weighted product's floor for zero value scores"),
}
_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")


@dataclass(frozen=True)
class Criterion:
    """One criterion: how to compute it, which way is better, and its weight."""

    name: str
    kind: str
    weight: float
    direction: str = "benefit"
    label: str = ""
    unit: str = ""
    group: str = ""
    normalize: Mapping[str, Any] = field(default_factory=lambda: {"method": "minmax"})
    params: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    nan_policy: str = ""  # empty: the scenario's policy
    lens: str = ""  # one of LENSES, or empty: the criterion belongs to no lens
    label_fr: str = ""  # French label for reports (falls back to ``label``)
    unit_fr: str = ""  # French unit for reports (falls back to ``unit``)

    @property
    def display(self) -> str:
        """Label for people (falls back to the name)."""
        return self.label or self.name

    def display_in(self, lang: str) -> str:
        """Label for people in ``lang`` (one of :data:`LANGUAGES`)."""
        return (self.label_fr or self.display) if lang == "fr" else self.display

    def unit_in(self, lang: str) -> str:
        """The unit for people in ``lang``."""
        return (self.unit_fr or self.unit) if lang == "fr" else self.unit

    def value_function(self) -> dict[str, Any]:
        """The normalisation spec handed to :func:`siteplan.scoring.normalize.normalize`.

        Linear methods and the sigmoid take the criterion's direction; a target or a
        piecewise table already says which values are good.
        """
        spec = dict(self.normalize)
        if spec.get("method", "minmax") in ("minmax", "vector", "max", "sigmoid", "saturating"):
            spec.setdefault("direction", self.direction)
        return spec


@dataclass(frozen=True)
class Constraint:
    """A hard constraint on a criterion's raw value: excludes a site and says why."""

    criterion: str
    min: float | None = None
    max: float | None = None
    reason: str = ""
    reason_fr: str = ""  # the reason in French reports (falls back to ``reason``)

    def describe(self, unit: str = "") -> str:
        """A phrase such as 'airport_km <= 150 km'."""
        u = f" {unit}" if unit else ""
        parts = []
        if self.min is not None:
            parts.append(f"{self.criterion} >= {self.min:g}{u}")
        if self.max is not None:
            parts.append(f"{self.criterion} <= {self.max:g}{u}")
        return " and ".join(parts)


@dataclass(frozen=True)
class Scenario:
    """A validated scenario. Weights are kept as given; :attr:`weights` normalises them."""

    name: str
    criteria: tuple[Criterion, ...]
    constraints: tuple[Constraint, ...] = ()
    method: str = "wlc"
    method_options: Mapping[str, Any] = field(default_factory=dict)
    nan_policy: str = "exclude"
    title: str = ""
    description: str = ""
    layers: Mapping[str, str] = field(default_factory=dict)
    targets: Mapping[str, Any] = field(default_factory=dict)
    plan: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""
    #: ``[lenses]``: ``viability_floor`` (or None) and, per lens, explicit index weights
    lenses: Mapping[str, Any] = field(default_factory=dict)
    #: French title for reports (falls back to ``title``)
    title_fr: str = ""
    #: default language of the scenario's reports (one of :data:`LANGUAGES`)
    language: str = "en"

    def title_in(self, lang: str) -> str:
        """The scenario's title for people in ``lang``."""
        base = self.title or self.name
        return (self.title_fr or base) if lang == "fr" else base

    @property
    def viability_floor(self) -> float | None:
        """Sites whose viability index is below this are excluded (None: no floor)."""
        v = self.lenses.get("viability_floor")
        return None if v is None else float(v)

    def lens_weights(self, lens: str) -> dict[str, float]:
        """Weights of a lens index, normalised to sum 1 (empty when the lens has none).

        A ``[lenses.<lens>]`` table gives them explicitly (so that an index can be
        reported by a scenario that does not score it, such as the need index of
        market-led); otherwise they are the scoring weights of the criteria tagged
        ``lens = "<lens>"``.
        """
        given = self.lenses.get(lens)
        if given:
            w = {str(k): float(v) for k, v in given.items() if float(v) > 0}
        else:
            w = {c.name: c.weight for c in self.criteria if c.lens == lens and c.weight > 0}
        return _shares(w)

    @property
    def has_lenses(self) -> bool:
        """True when the scenario defines at least one lens index."""
        return any(self.lens_weights(lens) for lens in LENSES)

    @property
    def weighted(self) -> tuple[Criterion, ...]:
        """Criteria with a positive weight (those that enter the score)."""
        return tuple(c for c in self.criteria if c.weight > 0)

    @property
    def weights(self) -> dict[str, float]:
        """Weights of the weighted criteria, normalised to sum 1."""
        return _shares({c.name: c.weight for c in self.weighted})

    def criterion(self, name: str) -> Criterion:
        """The criterion called ``name`` (UsageError listing the known ones otherwise)."""
        for c in self.criteria:
            if c.name == name:
                return c
        raise UsageError(f"unknown criterion '{name}' in scenario '{self.name}'; known: "
                         f"{', '.join(c.name for c in self.criteria)}")

    def with_weights(self, new: Mapping[str, float]) -> Scenario:
        """A copy with some weights replaced (any positive scale); validated."""
        crit = list(self.criteria)
        for key, value in new.items():
            c = self.criterion(key)
            _check_weight(value, f"--weight {key}")
            crit[crit.index(c)] = replace(c, weight=float(value))
        out = replace(self, criteria=tuple(crit))
        _check_weights_total(out, "--weight")
        return out

    def with_method(self, method: str) -> Scenario:
        """A copy using another aggregation method."""
        if method not in METHODS:
            raise UsageError(f"--method '{method}': unknown; choose one of {', '.join(METHODS)}")
        return replace(self, method=method)


def _shares(weights: Mapping[str, float]) -> dict[str, float]:
    """Positive weights rescaled to sum 1 (empty when none is positive).

    Weights near the float limit (1e308) would overflow a plain sum into inf and every
    share into 0, so they are divided by the largest first.
    """
    w = {k: v for k, v in weights.items() if v > 0}
    if not w:
        return {}
    top = max(w.values())
    total = math.fsum(v / top for v in w.values())
    return {k: (v / top) / total for k, v in w.items()}


# --------------------------------------------------------------------------- parsing


def _check_weight(value: Any, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UsageError(f"{where}: weight '{value}' is not a number; give a positive number")
    if math.isnan(value) or math.isinf(value):
        raise UsageError(f"{where}: weight is {value}; give a finite positive number")
    if value < 0:
        raise UsageError(f"{where}: weight {value:g} is negative; weights must be >= 0")


def _check_weights_total(s: Scenario, where: str) -> None:
    if not s.weighted:
        raise UsageError(f"{where}: all weights are zero in scenario '{s.name}'; give at least "
                         "one criterion a positive weight")


def _table(raw: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    """The TOML table ``[key]`` of a scenario document (empty when absent)."""
    value = raw.get(key, {})
    if not isinstance(value, Mapping):
        raise ScenarioError(f"{where}: '{key}' must be a table; write it as [{key}] with "
                            "key = value lines below")
    return dict(value)


TARGET_KEYS: tuple[str, ...] = ("year", "today_year", "today_jobs", "today_exports_mad_bn",
                                 "target_jobs", "target_exports_mad_bn", "sources")
"""Keys of a scenario's ``[targets]`` table (see :mod:`siteplan.analyses.plan.steps`)."""
#: [plan] keys -> the TOML type they take (checked when the scenario is read; the ranges
#: are checked where the plan uses them).
PLAN_TYPES: dict[str, str] = {
    "k": "integer", "max_per_region": "integer", "min_spacing_km": "number",
    "park_spacing_km": "number", "lagging_quota": "integer", "lagging_rule": "text",
    "cap_share": "number", "objective": "text", "coverage_radius_km": "number",
    "coverage_demand": "pair", "solver": "text", "time_limit": "number",
    "include": "ids", "exclude": "ids", "capacity_criterion": "text", "parks_filter": "text",
}
PLAN_KEYS: tuple[str, ...] = tuple(PLAN_TYPES)
"""Keys of a scenario's ``[plan]`` table (see :mod:`siteplan.analyses.plan.steps`)."""


def _check_keys(table: Mapping[str, Any], allowed: Sequence[str], name: str,
                where: str) -> None:
    """Reject keys of the table ``[name]`` not in ``allowed``, suggesting the closest one."""
    unknown = sorted(str(k) for k in set(table) - set(allowed))
    if not unknown:
        return
    parts = []
    for key in unknown:
        close = difflib.get_close_matches(key, allowed, n=1)
        parts.append(f"{key} (did you mean '{close[0]}'?)" if close else key)
    them = "it" if len(unknown) == 1 else "them"
    raise ScenarioError(f"{where}: unknown key(s) in [{name}]: {', '.join(parts)}; fix the "
                        f"spelling or remove {them}; valid keys: {', '.join(allowed)}")


def _check_text(value: Any, where: str) -> None:
    """A field that must be text (a name, title, label, ...): a number, list or table is
    a mistake to report, not to turn into its ``str()``."""
    if not isinstance(value, str):
        raise ScenarioError(f"{where} = {value!r} is not text; write it in quotes, e.g. "
                            f'"{value if isinstance(value, int | float) else "..."}"')


def _method_option(key: str, value: Any, where: str) -> float:
    """A checked ``[method_options]`` value (ranges as in :mod:`siteplan.scoring.aggregate`)."""
    default, rule, advice = METHOD_OPTIONS[key]
    number = not isinstance(value, bool) and isinstance(value, int | float)
    v = float(value) if number else math.nan
    ok = number and math.isfinite(v) and {
        "vikor_v": 0 <= v <= 1, "owa_alpha": v > 0, "wp_floor": 0 < v <= 1}[key]
    if not ok:
        shown = repr(v) if number else repr(value)
        raise ScenarioError(f"{where}: method_options.{key} = {shown}: {rule} ({advice}); "
                            f"give e.g. {key} = {default!r} (the default)")
    return v


def _normalize_spec(raw: Any, where: str) -> dict[str, Any]:
    if raw is not None and not isinstance(raw, str | Mapping):
        raise ScenarioError(f"{where}.normalize: {raw!r} is not a value function; write e.g. "
                            'normalize = "minmax" or normalize = {method = "target", target = 10}')
    spec = {"method": raw} if isinstance(raw, str) else dict(raw or {"method": "minmax"})
    method = str(spec.get("method", "minmax"))
    if method not in NORMALIZERS:
        raise ScenarioError(f"{where}.normalize: unknown method '{method}'; choose one of "
                            f"{', '.join(NORMALIZERS)}")
    need = {"target": ("target",), "piecewise": ("points",),
            "sigmoid": ("midpoint", "scale"), "saturating": ("half",)}.get(method, ())
    for key in need:
        if key not in spec:
            raise ScenarioError(f"{where}.normalize: method '{method}' needs '{key}'")
    spec["method"] = method
    return spec


def _criterion(raw: Any, i: int, where: str) -> Criterion:
    at = f"{where}: criteria[{i}]"
    if not isinstance(raw, Mapping):
        raise ScenarioError(f"{at}: {raw!r} is not a table; write each criterion as a "
                            "[[criteria]] block of key = value lines")
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ScenarioError(f"{at}.name: '{name}' is missing or not a plain name (letters, "
                            "digits, _ and -)")
    at = f"{where}: criterion '{name}'"
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ScenarioError(f"{at}.kind: unknown kind '{kind}'; choose one of {', '.join(KINDS)}")
    required, optional, unit, direction = KINDS[kind]
    known = {"name", "kind", "weight", "direction", "label", "label_fr", "unit", "unit_fr",
             "group",
             "normalize", "description", "nan_policy", "lens", *required, *optional}
    extra = sorted(set(raw) - known)
    if extra:
        raise ScenarioError(f"{at}: unknown field(s) {', '.join(extra)} for kind '{kind}'; "
                            f"allowed: {', '.join(sorted(known))}")
    for key in required:
        if key not in raw:
            raise ScenarioError(f"{at}: kind '{kind}' needs '{key}'")
    weight = raw.get("weight", 0)
    try:
        _check_weight(weight, f"{at}.weight")
    except UsageError as exc:
        raise ScenarioError(str(exc)) from None
    direction = raw.get("direction", direction)
    if direction not in DIRECTIONS:
        raise ScenarioError(f"{at}.direction: '{direction}' is not 'benefit' or 'cost'")
    _check_cost(raw, kind, at)
    for key in ("scale_km", "radius_km", "exponent", "site_demand", "minutes", "scale_min",
                "radius_min"):
        if key in raw:
            v = raw[key]
            if isinstance(v, bool) or not isinstance(v, int | float) or not v > 0:
                raise ScenarioError(f"{at}.{key}: '{v}' must be a positive number")
    if "decay" in raw and raw["decay"] not in DECAYS:
        raise ScenarioError(f"{at}.decay: unknown decay '{raw['decay']}'; choose one of "
                            f"{', '.join(DECAYS)}")
    for key in ("filter", "competitor_filter"):
        if key in raw:
            parse_filter(str(raw[key]), f"{at}.{key}")
    for key in ("label", "label_fr", "unit", "unit_fr", "group", "description", "nan_policy",
                "lens"):
        _check_text(raw.get(key, ""), f"{at}.{key}")
    lens = str(raw.get("lens", ""))
    if lens and lens not in LENSES:
        raise ScenarioError(f"{at}.lens: '{lens}' is not a lens; choose one of "
                            f"{', '.join(LENSES)} (or leave it out)")
    nan_policy = str(raw.get("nan_policy", ""))
    if nan_policy and nan_policy not in NAN_POLICIES:
        raise ScenarioError(f"{at}.nan_policy: '{nan_policy}' is unknown; choose one of "
                            f"{', '.join(NAN_POLICIES)}")
    params = {k: raw[k] for k in (*required, *optional) if k in raw}
    return Criterion(name=name, kind=kind, weight=float(weight), direction=direction,
                     label=str(raw.get("label", "")), unit=str(raw.get("unit", unit)),
                     group=str(raw.get("group", "")),
                     normalize=_normalize_spec(raw.get("normalize"), at), params=params,
                     description=str(raw.get("description", "")), nan_policy=nan_policy,
                     lens=lens, label_fr=str(raw.get("label_fr", "")),
                     unit_fr=str(raw.get("unit_fr", "")))


def _check_cost(raw: Mapping[str, Any], kind: str, at: str) -> None:
    """A gravity criterion measures distance in km (``scale_km``) or, with
    ``cost = "time"``, road minutes (``scale_min``, exponential decay only: it is the decay
    that factors through the access leg, see :func:`siteplan.criteria.routing.node_exp_sums`);
    a two-step floating catchment likewise takes ``radius_km`` or ``radius_min``."""
    if kind not in ("gravity", "two_step_fca"):
        return
    cost = raw.get("cost", "distance")
    if cost not in COSTS:
        raise ScenarioError(f"{at}.cost: '{cost}' is unknown; choose one of {', '.join(COSTS)}")
    km, mins = ("scale_km", "scale_min") if kind == "gravity" else ("radius_km", "radius_min")
    need, other = (mins, km) if cost == "time" else (km, mins)
    if need not in raw:
        raise ScenarioError(f"{at}: {kind} with cost = \"{cost}\" needs '{need}'")
    if other in raw:
        raise ScenarioError(f"{at}: '{other}' does not go with cost = \"{cost}\"; give "
                            f"'{need}' only")
    if (kind == "gravity" and cost == "time"
            and raw.get("decay", "exponential") != "exponential"):
        raise ScenarioError(f"{at}.decay: cost = \"time\" takes the exponential decay only; "
                            "drop 'decay' or use cost = \"distance\"")


def _constraint(raw: Any, names: Sequence[str], i: int, where: str) -> Constraint:
    at = f"{where}: constraints[{i}]"
    if not isinstance(raw, Mapping):
        raise ScenarioError(f"{at}: {raw!r} is not a table; write each constraint as a "
                            "[[constraints]] block with criterion, min and/or max")
    crit = raw.get("criterion")
    if crit not in names:
        raise ScenarioError(f"{at}.criterion: '{crit}' is not a criterion of the scenario; "
                            f"known: {', '.join(names)} (add it with weight = 0 to use it only "
                            "as a constraint)")
    lo, hi = raw.get("min"), raw.get("max")
    for key, v in (("min", lo), ("max", hi)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
            raise ScenarioError(f"{at}.{key}: '{v}' is not a number")
        if v is not None and not math.isfinite(v):
            raise ScenarioError(f"{at}.{key}: {v} is not a finite bound (nan or inf would "
                                f"disable the constraint); give a number or remove '{key}'")
    if lo is None and hi is None:
        raise ScenarioError(f"{at}: give 'min' and/or 'max'")
    extra = sorted(set(raw) - {"criterion", "min", "max", "reason", "reason_fr"})
    if extra:
        raise ScenarioError(f"{at}: unknown field(s) {', '.join(extra)}")
    for key in ("reason", "reason_fr"):
        if not isinstance(raw.get(key, ""), str):
            raise ScenarioError(f"{at}.{key}: give the reason as text in quotes")
    return Constraint(str(crit), None if lo is None else float(lo),
                      None if hi is None else float(hi), str(raw.get("reason", "")),
                      str(raw.get("reason_fr", "")))




def _plan_table(plan: dict[str, Any], where: str) -> dict[str, Any]:
    """The ``[plan]`` table with each key's type checked; a single id given as text for
    ``include``/``exclude`` becomes a one-id list (not a list of its letters)."""
    out = dict(plan)
    for key, value in plan.items():
        kind = PLAN_TYPES.get(key)
        at = f"{where}: plan.{key} = {value!r}"
        if kind == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
            raise ScenarioError(f"{at} is not a whole number; write e.g. {key} = 2")
        if kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)
                                 or not math.isfinite(value)):
            raise ScenarioError(f"{at} is not a finite number; write e.g. {key} = 30")
        if kind == "text" and not isinstance(value, str):
            raise ScenarioError(f"{at} is not text; write it in quotes")
        if kind == "ids":
            ids = [value] if isinstance(value, str) else value
            if not isinstance(ids, list) or not all(isinstance(v, str) and v for v in ids):
                raise ScenarioError(f'{at}: give site ids as a list of text, e.g. {key} = '
                                    '["marrakesh", "oujda"]')
            out[key] = list(ids)
        if kind == "pair" and not (isinstance(value, list) and len(value) == 2
                                   and all(isinstance(v, str) for v in value)):
            raise ScenarioError(f'{at}: give [layer, weight column], e.g. {key} = '
                                '["provinces", "working_age_2024"]')
    return out


def _lenses_table(table: dict[str, Any], criteria: Sequence[Criterion],
                  where: str) -> dict[str, Any]:
    """The checked ``[lenses]`` table: ``viability_floor`` in [0, 1] and optional
    ``[lenses.viability]`` / ``[lenses.need]`` tables of criterion = index weight."""
    _check_keys(table, ("viability_floor", *LENSES), "lenses", where)
    out: dict[str, Any] = {}
    floor = table.get("viability_floor")
    if floor is not None:
        if (isinstance(floor, bool) or not isinstance(floor, int | float)
                or not 0 <= floor < 1):
            raise ScenarioError(f"{where}: lenses.viability_floor = {floor!r} must be a number "
                                "in [0, 1) (a viability index below it excludes the site); "
                                "write e.g. viability_floor = 0.45")
        out["viability_floor"] = float(floor)
    by_name = {c.name: c for c in criteria}
    for lens in LENSES:
        given = table.get(lens)
        if given is None:
            continue
        if not isinstance(given, Mapping) or not given:
            raise ScenarioError(f"{where}: lenses.{lens} must be a table of criterion = weight, "
                                f"e.g. [lenses.{lens}] with lines such as unemployment = 15")
        for key, value in given.items():
            at = f"{where}: lenses.{lens}.{key}"
            if key not in by_name:
                raise ScenarioError(f"{at}: '{key}' is not a criterion of the scenario; add it "
                                    "as a [[criteria]] block (weight = 0 computes it without "
                                    "scoring it)")
            if by_name[key].lens != lens:
                raise ScenarioError(f'{at}: criterion \'{key}\' is not tagged lens = "{lens}"; '
                                    "tag it or remove the line")
            try:
                _check_weight(value, at)
            except UsageError as exc:
                raise ScenarioError(str(exc)) from None
        out[lens] = {str(k): float(v) for k, v in given.items()}
    if "viability_floor" in out and not any(
            c.lens == "viability" for c in criteria) and "viability" not in out:
        raise ScenarioError(f"{where}: lenses.viability_floor is set but no criterion has "
                            'lens = "viability"; tag the viability criteria or drop the floor')
    return out


def scenario_from_dict(raw: Mapping[str, Any], where: str = "<scenario>") -> Scenario:
    """Validate a parsed TOML document and build a :class:`Scenario`."""
    unknown = sorted(set(raw) - {"scenario", "method_options", "layers", "criteria",
                                 "constraints", "targets", "plan", "lenses"})
    if unknown:
        raise ScenarioError(f"{where}: unknown table(s) {', '.join(unknown)}; allowed: scenario, "
                            "method_options, layers, criteria, constraints, targets, plan, "
                            "lenses")
    head = _table(raw, "scenario", where)
    _check_keys(head, SCENARIO_KEYS, "scenario", where)
    raw_options = _table(raw, "method_options", where)
    _check_keys(raw_options, tuple(METHOD_OPTIONS), "method_options", where)
    # the plan tables are read by `siteplan plan`, but a typo must not wait until then
    _check_keys(_table(raw, "targets", where), TARGET_KEYS, "targets", where)
    _check_keys(_table(raw, "plan", where), PLAN_KEYS, "plan", where)
    options = {key: _method_option(key, value, where) for key, value in raw_options.items()}
    name = head.get("name", Path(where).stem)
    _check_text(name, f"{where}: scenario.name")
    if not str(name).strip():
        raise ScenarioError(f"{where}: scenario.name is empty; give the scenario a name, "
                            'e.g. name = "my-scenario"')
    for key in ("title", "title_fr", "description", "language"):
        _check_text(head.get(key, ""), f"{where}: scenario.{key}")
    language = str(head.get("language", "en"))
    if language not in LANGUAGES:
        raise ScenarioError(f"{where}: scenario.language '{language}' is not one of "
                            f"{', '.join(LANGUAGES)}; write e.g. language = \"fr\"")
    method = head.get("method", "wlc")
    if method not in METHODS:
        raise ScenarioError(f"{where}: scenario.method '{method}' is unknown; choose one of "
                            f"{', '.join(METHODS)}")
    nan_policy = head.get("nan_policy", "exclude")
    if nan_policy not in NAN_POLICIES:
        raise ScenarioError(f"{where}: scenario.nan_policy '{nan_policy}' is unknown; choose one "
                            f"of {', '.join(NAN_POLICIES)}")
    raw_criteria = raw.get("criteria", [])
    if not isinstance(raw_criteria, list) or not raw_criteria:
        raise ScenarioError(f"{where}: no [[criteria]]; a scenario needs at least one criterion")
    criteria = tuple(_criterion(c, i, where) for i, c in enumerate(raw_criteria))
    names = [c.name for c in criteria]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ScenarioError(f"{where}: duplicate criterion name(s) {', '.join(dup)}")
    raw_constraints = raw.get("constraints", [])
    if not isinstance(raw_constraints, list):
        raise ScenarioError(f"{where}: 'constraints' is {raw_constraints!r}; write each "
                            "constraint as a [[constraints]] block with criterion, min and/or max")
    constraints = tuple(_constraint(c, names, i, where) for i, c in enumerate(raw_constraints))
    layers = _table(raw, "layers", where)
    for key, value in layers.items():
        if not isinstance(value, str) or not value.strip():
            raise ScenarioError(f"{where}: layers.{key} = {value!r}; give the layer's file path "
                                f'as text, e.g. {key} = "data/{key}.gpkg"')
    s = Scenario(name=name, criteria=criteria, constraints=constraints, method=str(method),
                 method_options=options, nan_policy=str(nan_policy),
                 title=str(head.get("title", "")), description=str(head.get("description", "")),
                 layers=layers, targets=_table(raw, "targets", where),
                 plan=_plan_table(_table(raw, "plan", where), where), source=where,
                 lenses=_lenses_table(_table(raw, "lenses", where), criteria, where),
                 title_fr=str(head.get("title_fr", "")), language=language)
    try:
        _check_weights_total(s, where)
    except UsageError as exc:
        raise ScenarioError(str(exc)) from None
    return s


def builtin_names() -> list[str]:
    """Names of the built-in scenarios."""
    folder = resources.files("siteplan") / "scenarios"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def builtin_text(name: str) -> str:
    """The TOML text of a built-in scenario."""
    if name not in builtin_names():
        raise UsageError(f"unknown scenario '{name}'; built-in: {', '.join(builtin_names())}, "
                         "or give a path to a .toml file")
    return (resources.files("siteplan") / "scenarios" / f"{name}.toml").read_text("utf-8")


DEFAULT_SCENARIO = "balanced-2030"


def load_scenario(name_or_path: str | os.PathLike[str] | None = None) -> Scenario:
    """Load a built-in scenario by name, or a scenario TOML file by path."""
    ref = str(name_or_path or DEFAULT_SCENARIO)
    path = Path(ref)
    if ref in builtin_names():
        text, where = builtin_text(ref), f"scenario {ref}"
    elif path.suffix.lower() == ".toml" or path.exists():
        if not path.exists():
            raise UsageError(f"{path}: no such scenario file; check the path, or use one of "
                             f"{', '.join(builtin_names())}")
        text, where = read_text(path, "the scenario file", ScenarioError), str(path)
    else:
        raise UsageError(f"unknown scenario '{ref}'; built-in: {', '.join(builtin_names())}, "
                         "or give a path to a .toml file")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{where}: not valid TOML ({exc}); fix the syntax") from None
    return scenario_from_dict(raw, where)


# --------------------------------------------------------------------------- filters

_FILTER_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(==|!=|>=|<=|>|<)\s*(.+?)\s*$")
_OPS = ("==", "!=", ">=", "<=", ">", "<")


def parse_filter(text: str, where: str = "filter") -> list[tuple[str, str, Any]]:
    """Parse ``"col op value [and col op value ...]"`` into clauses.

    A deliberately tiny language (no code evaluation): comparisons joined by
    ``and``; values are numbers, ``true``/``false`` or quoted strings.
    """
    clauses = []
    for part in re.split(r"\s+and\s+", text.strip()):
        m = _FILTER_RE.match(part)
        if not m:
            raise ScenarioError(f"{where}: cannot read '{part}'; write comparisons such as "
                                "\"passengers_2024 > 1000000 and international == true\"")
        col, op, val = m.groups()
        value: Any
        low = val.lower()
        if low in ("true", "false"):
            value = low == "true"
        elif len(val) >= 2 and val[0] == val[-1] and val[0] in "'\"":
            value = val[1:-1]
        else:
            try:
                value = float(val)
            except ValueError:
                raise ScenarioError(f"{where}: value '{val}' is not a number, true/false or a "
                                    "quoted string") from None
        clauses.append((col, op, value))
    return clauses


def scenario_to_dict(s: Scenario) -> dict[str, Any]:
    """The TOML-ready document of a scenario (inverse of :func:`scenario_from_dict`)."""
    head: dict[str, Any] = {"name": s.name, "method": s.method, "nan_policy": s.nan_policy}
    if s.title:
        head["title"] = s.title
    if s.title_fr:
        head["title_fr"] = s.title_fr
    if s.description:
        head["description"] = s.description
    if s.language != "en":
        head["language"] = s.language
    out: dict[str, Any] = {"scenario": head}
    if s.method_options:
        out["method_options"] = dict(s.method_options)
    if s.layers:
        out["layers"] = dict(s.layers)
    crit = []
    for c in s.criteria:
        d: dict[str, Any] = {"name": c.name, "kind": c.kind, "weight": c.weight,
                             "direction": c.direction}
        for key, value in (("label", c.label), ("label_fr", c.label_fr), ("unit", c.unit),
                           ("unit_fr", c.unit_fr), ("group", c.group),
                           ("description", c.description), ("nan_policy", c.nan_policy),
                           ("lens", c.lens)):
            if value:
                d[key] = value
        d.update(dict(c.params))
        d["normalize"] = dict(c.normalize)
        crit.append(d)
    out["criteria"] = crit
    if s.constraints:
        out["constraints"] = [{k: v for k, v in (("criterion", k.criterion), ("min", k.min),
                                                  ("max", k.max), ("reason", k.reason),
                                                  ("reason_fr", k.reason_fr))
                               if v not in (None, "")} for k in s.constraints]
    if s.targets:
        out["targets"] = dict(s.targets)
    if s.plan:
        out["plan"] = dict(s.plan)
    if s.lenses:
        out["lenses"] = {k: (dict(v) if isinstance(v, Mapping) else v)
                         for k, v in s.lenses.items()}
    return out


def scenario_to_toml(s: Scenario) -> str:
    """TOML text of a scenario (written with ``tomli_w``)."""
    import tomli_w

    return tomli_w.dumps(scenario_to_dict(s))
