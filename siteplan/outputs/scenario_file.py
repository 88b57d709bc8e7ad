"""Write derived weights into a scenario file, keeping its comments and layout.

:func:`write_weights_into` is what ``siteplan weights ... --into SCENARIO.toml`` does, so a
notebook and the CLI follow the same rule for partial weights: when the new weights cover
only some of the scenario's weighted criteria, they are scaled to the total those criteria
had before, so that the other criteria keep their share. :func:`weights_to_scenario_toml`
is the lower-level edit (set these weights, nothing else).
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from siteplan._atomic import read_text, write_text_atomic
from siteplan.errors import ScenarioError, UsageError
from siteplan.scenario import load_scenario


@dataclass(frozen=True)
class WeightsUpdate:
    """What :func:`write_weights_into` did.

    Attributes
    ----------
    path
        The scenario file updated.
    written
        The weights written for the given criteria (after scaling).
    scale
        The factor applied to the given weights: the previous total of those criteria
        when other weighted criteria keep theirs, else 1.
    kept
        The other criteria with a positive weight, left as they were.
    unscaled
        True when the given criteria all had weight 0 before while others were weighted:
        nothing to scale to, so the new weights (sum 1) are set beside the others as given.
    normalised
        The scenario's weights after the update, normalised to sum 1 (as the loader reads them).
    """

    path: Path
    written: dict[str, float]
    scale: float
    kept: tuple[str, ...]
    unscaled: bool
    normalised: dict[str, float]


def scenario_weights(path: str | os.PathLike[str]) -> dict[str, float]:
    """Current ``weight`` of each ``[[criteria]]`` entry of a scenario file.

    ``{}`` when the file cannot be read: :func:`weights_to_scenario_toml` then raises the
    proper error. A missing or non-numeric weight counts as 0.
    """
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
    out: dict[str, float] = {}
    for c in data.get("criteria", []) if isinstance(data.get("criteria"), list) else []:
        if isinstance(c, dict) and "name" in c:
            w = c.get("weight", 0.0)
            out[str(c["name"])] = float(w) if isinstance(w, int | float) else 0.0
    return out


def check_weights_target(path: str | os.PathLike[str], names: Sequence[str]) -> None:
    """Fail before any work when ``path`` is not a scenario file or lacks criteria ``names``."""
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"{p}: scenario file not found; create one with 'siteplan scenario "
                         "init' or check the path given to --into")
    old = scenario_weights(p)
    unknown = [k for k in names if old and k not in old]
    if unknown:
        raise UsageError(f"{p}: criterion name(s) {', '.join(map(repr, unknown))} are not in "
                         f"the scenario; its criteria are {', '.join(old)}; rename the rows "
                         "of the pairwise matrix (or the ordering) to match")


def write_weights_into(path: str | os.PathLike[str],
                       weights: Mapping[str, float]) -> WeightsUpdate:
    """Write ``weights`` (normalised over the given criteria) into a scenario file.

    When the weights cover only some of the scenario's weighted criteria they are scaled to
    the total those criteria had before, so the other criteria keep their share: weights
    ``{a: 0.75, b: 0.25}`` written into a scenario ``a = 20, b = 20, c = 60`` give
    ``a = 30, b = 10, c = 60``. The file keeps its comments and layout
    (:func:`weights_to_scenario_toml`) and is replaced atomically.
    """

    p = Path(path)
    check_weights_target(p, list(weights))
    old = scenario_weights(p)
    others = tuple(k for k, v in old.items() if k not in weights and v > 0)
    share = sum(old.get(k, 0.0) for k in weights)
    scale = share if others and share > 0 else 1.0
    written = {k: v * scale for k, v in weights.items()}
    weights_to_scenario_toml(p, written)
    scen = load_scenario(str(p))
    return WeightsUpdate(path=p, written=written, scale=scale, kept=others,
                         unscaled=bool(others) and share <= 0,
                         normalised=dict(scen.weights))



def weights_to_scenario_toml(path: str | os.PathLike[str], weights: Mapping[str, float],
                             digits: int = 6) -> Path:
    """Set ``weight`` of each ``[[criteria]]`` entry whose ``name`` is in ``weights``.

    The file is edited in place, line by line, so that its comments, order and layout
    survive: each matching entry's ``weight = ...`` value is replaced (its trailing
    comment kept), or a ``weight`` line is added after the entry's ``name`` line. The
    edit is then checked by parsing both versions: everything but those weights must be
    equal. A layout the line editor cannot follow (e.g. a weight inside an inline
    table) falls back to rewriting the whole table with ``tomli_w`` (comments lost,
    values kept). The file is replaced atomically. Weights are rounded to ``digits``
    decimals; the scenario loader renormalises them to sum 1.

    Raises
    ------
    ScenarioError
        File missing, invalid TOML, or no ``[[criteria]]`` entries.
    UsageError
        A weight name that is not a scenario criterion (lists the scenario criteria), or a
        negative / non-finite weight.
    """
    import tomli_w

    p = Path(path)
    if not p.is_file():
        raise ScenarioError(f"{p}: scenario file not found; check the path")
    text = read_text(p, "the scenario file", ScenarioError)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{p}: invalid TOML ({exc}); fix the syntax") from None
    crit = data.get("criteria")
    if not isinstance(crit, list) or not crit or not all(isinstance(c, dict) for c in crit):
        raise ScenarioError(f"{p}: no [[criteria]] entries; add [[criteria]] tables with a "
                            "name and a weight")
    names = [str(c.get("name", "")) for c in crit]
    unknown = [k for k in weights if k not in names]
    if unknown:
        raise UsageError(f"{p}: unknown criterion name(s) {', '.join(map(repr, unknown))}; "
                         f"scenario criteria are {', '.join(names)}")
    for k, v in weights.items():
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v) \
                or v < 0:
            raise UsageError(f"{p}: weight for {k!r} is {v!r}; give a finite number >= 0")
    new = {k: round(float(v), digits) for k, v in weights.items()}
    for c in crit:
        name = str(c.get("name", ""))
        if name in new:
            c["weight"] = new[name]
    edited = _edit_weights(text, new)
    if edited is not None:
        try:
            if tomllib.loads(edited) == data:
                return write_text_atomic(p, edited)
        except tomllib.TOMLDecodeError:
            pass
        import logging

        logging.getLogger(__name__).warning(
            "%s: layout not editable line by line; rewrote the file (comments not kept)", p)
    return write_text_atomic(p, tomli_w.dumps(data))


_TABLE = re.compile(r"^\s*\[")
_CRITERIA_TABLE = re.compile(r"^\s*\[\[\s*criteria\s*\]\]\s*(#.*)?$")
_KEY_LINE = re.compile(r"^(\s*)(name|weight)(\s*=\s*)(.*)$")


def _edit_weights(text: str, weights: Mapping[str, float]) -> str | None:
    """``text`` with the weights of the named ``[[criteria]]`` entries replaced.

    Returns None when a named entry has no ``name`` line the editor can read. Lines
    inside multi-line strings are left alone.
    """
    lines = text.splitlines(keepends=True)
    entries: list[dict[str, int]] = []  # per [[criteria]] entry: line of name / weight
    current: dict[str, int] | None = None
    in_string: str | None = None
    for i, line in enumerate(lines):
        if in_string is not None:
            if line.count(in_string) % 2 == 1:
                in_string = None
            continue
        if _TABLE.match(line):
            current = {} if _CRITERIA_TABLE.match(line) else None
            if current is not None:
                entries.append(current)
            continue
        for quote in ('"""', "'''"):
            if line.count(quote) % 2 == 1:
                in_string = quote
                break
        m = _KEY_LINE.match(line)
        if current is not None and m and in_string is None:
            current[m.group(2)] = i
    inserts: dict[int, str] = {}
    for entry in entries:
        if "name" not in entry:
            continue
        try:
            name = str(tomllib.loads(lines[entry["name"]]).get("name"))
        except tomllib.TOMLDecodeError:
            return None
        if name not in weights:
            continue
        value = _toml_number(weights[name])
        if "weight" in entry:
            m = _KEY_LINE.match(lines[entry["weight"]])
            assert m is not None
            rest = m.group(4)
            hash_at = rest.find("#")
            comment = "" if hash_at < 0 else "  " + rest[hash_at:].rstrip("\r\n")
            eol = "\r\n" if lines[entry["weight"]].endswith("\r\n") else "\n"
            lines[entry["weight"]] = f"{m.group(1)}weight{m.group(3)}{value}{comment}{eol}"
        else:
            m = _KEY_LINE.match(lines[entry["name"]])
            assert m is not None
            inserts[entry["name"]] = f"{m.group(1)}weight = {value}\n"
    out = []
    for i, line in enumerate(lines):
        out.append(line)
        if i in inserts:
            if not line.endswith("\n"):
                out[-1] = line + "\n"
            out.append(inserts[i])
    return "".join(out)


def _toml_number(x: float) -> str:
    """A TOML float literal for ``x`` (integers keep a trailing ``.0``)."""
    r = repr(float(x))
    return r if ("." in r or "e" in r or "inf" in r or "nan" in r) else r + ".0"
