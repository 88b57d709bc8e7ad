"""Criterion weights: AHP (single and group), rank-order weights, entropy and CRITIC.

Every function here is pure except :func:`read_pairwise` (reads a CSV or TOML file). Weights
are returned normalised to sum to 1 and are unitless; writing them into a scenario file is
:func:`siteplan.outputs.scenario_file.write_weights_into`.

Analytic hierarchy process (AHP)
--------------------------------
A pairwise comparison matrix ``A`` (n x n) holds judgements ``a_ij`` = "how many times
criterion i is more important than criterion j" on Saaty's 1..9 scale, with reciprocals
``a_ji = 1 / a_ij`` and ``a_ii = 1``.

* Priorities: the principal (Perron) eigenvector of ``A`` normalised to sum 1
  (Saaty 1980) and, as a cross-check, the normalised row geometric means
  (Crawford & Williams 1985).
* Consistency: ``CI = (lambda_max - n) / (n - 1)``, ``CR = CI / RI(n)``; judgements are
  called consistent when ``CR <= 0.10`` (Saaty 1980). Matrices with n <= 2 are always
  consistent.
* Random index ``RI(n)``: see :func:`random_index` for the tables used.

References
----------
Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill.
Saaty, T. L. (2008). Decision making with the analytic hierarchy process.
    *Int. J. Services Sciences* 1(1), 83-98.
Alonso, J. A. & Lamata, M. T. (2006). Consistency in the analytic hierarchy process: a new
    approach. *Int. J. Uncertainty, Fuzziness and Knowledge-Based Systems* 14(4), 445-459.
Goepel, K. D. (2013). Implementing the analytic hierarchy process as a standard method for
    multi-criteria decision making in corporate enterprises - a new AHP Excel template with
    multiple inputs. *Proc. International Symposium on the AHP*, Kuala Lumpur.
Diakoulaki, D., Mavrotas, G. & Papayannakis, L. (1995). Determining objective weights in
    multiple criteria problems: the CRITIC method. *Computers & Operations Research* 22(7),
    763-770.
Barron, F. H. & Barrett, B. E. (1996). Decision quality using ranked attribute weights.
    *Management Science* 42(11), 1515-1523 (rank-order centroid, rank-sum).
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from siteplan._atomic import read_text
from siteplan.errors import DataError, UsageError
from siteplan.scoring.aggregate import complete_matrix

__all__ = [
    "RI_ALONSO_LAMATA_2006",
    "RI_SAATY_1980",
    "SAATY_SCALE",
    "AhpResult",
    "GroupAhpResult",
    "InconsistentJudgement",
    "PairwiseMatrix",
    "ahp",
    "critic_weights",
    "entropy_weights",
    "goepel_consensus",
    "group_ahp",
    "random_index",
    "rank_order_centroid",
    "rank_sum",
    "read_pairwise",
]

FloatArray = NDArray[np.float64]

#: Saaty's fundamental scale and its reciprocals, ascending (1/9 ... 1 ... 9).
SAATY_SCALE: tuple[float, ...] = tuple([1.0 / k for k in range(9, 1, -1)] + [float(k) for k in
                                                                            range(1, 10)])

#: Saaty (1980) random consistency index for n = 1..10 (the table reproduced in most AHP texts).
RI_SAATY_1980: dict[int, float] = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32,
                                   8: 1.41, 9: 1.45, 10: 1.49}

#: Alonso & Lamata (2006) random index for n = 3..15 (mean lambda_max of random reciprocal
#: matrices on the 1/9..9 scale, converted to RI = (lambda_mean - n) / (n - 1)).
RI_ALONSO_LAMATA_2006: dict[int, float] = {1: 0.0, 2: 0.0, 3: 0.5245, 4: 0.8815, 5: 1.1086,
                                           6: 1.2479, 7: 1.3417, 8: 1.4056, 9: 1.4499,
                                           10: 1.4854, 11: 1.5141, 12: 1.5365, 13: 1.5551,
                                           14: 1.5713, 15: 1.5838}

#: Alonso & Lamata (2006) linear fit of the mean principal eigenvalue of random matrices:
#: lambda_mean(n) ~= 2.7699 n - 4.3513.
_AL_SLOPE = 2.7699
_AL_INTERCEPT = 4.3513

CR_THRESHOLD = 0.10
_SCALE_TOL = 0.01   # relative tolerance on the 1/9..9 bounds ("0.11" is accepted as 1/9)
_RECIP_TOL = 0.01   # |a_ij * a_ji - 1| tolerated before a matrix is called non-reciprocal


# --------------------------------------------------------------------------------------------
# Random index
# --------------------------------------------------------------------------------------------

def random_index(n: int, table: str = "saaty") -> float:
    """Random consistency index RI(n) (dimensionless).

    Parameters
    ----------
    n : int
        Matrix order (number of criteria), n >= 1.
    table : {"saaty", "alonso-lamata"}
        ``"saaty"`` (default): Saaty (1980) for n <= 10 (0, 0, 0.58, 0.90, 1.12, 1.24, 1.32,
        1.41, 1.45, 1.49), Alonso & Lamata (2006) for 11 <= n <= 15 (1.5141, 1.5365, 1.5551,
        1.5713, 1.5838). ``"alonso-lamata"``: Alonso & Lamata (2006) for every n <= 15
        (0.5245, 0.8815, 1.1086, 1.2479, 1.3417, 1.4056, 1.4499, 1.4854, ...).
        For n > 15 both use Alonso & Lamata's (2006) linear fit of the mean random
        eigenvalue, lambda_mean = 2.7699 n - 4.3513, i.e.
        ``RI = (lambda_mean - n) / (n - 1) = (1.7699 n - 4.3513) / (n - 1)``
        (the same constants are used by Goepel's AHP-OS, ``AhpCalc::setAlonsoCr``).
        The fit agrees with the tabulated values within 0.006 for n = 6..15 (and within
        0.002 for n = 12..15, where it takes over).
    """
    if n < 1:
        raise UsageError(f"random index: matrix order n={n} is invalid; give n >= 1")
    key = table.lower().replace("_", "-").replace("&", "-")
    if key not in ("saaty", "alonso-lamata"):
        raise UsageError(f"random index: unknown table {table!r}; use 'saaty' or 'alonso-lamata'")
    if n <= 2:
        return 0.0
    if key == "saaty" and n in RI_SAATY_1980:
        return RI_SAATY_1980[n]
    if n in RI_ALONSO_LAMATA_2006:
        return RI_ALONSO_LAMATA_2006[n]
    return ((_AL_SLOPE - 1.0) * n - _AL_INTERCEPT) / (n - 1)


# --------------------------------------------------------------------------------------------
# Pairwise matrices: reading and validation
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class PairwiseMatrix:
    """A validated reciprocal pairwise comparison matrix.

    Attributes
    ----------
    names : tuple of str
        Criterion names, in row/column order.
    matrix : ndarray, shape (n, n)
        ``matrix[i, j]`` = importance of ``names[i]`` relative to ``names[j]`` (ratio).
    source : str
        Where the matrix came from (file path or "matrix"), used in messages.
    """

    names: tuple[str, ...]
    matrix: FloatArray
    source: str = "matrix"


def _parse_value(raw: Any, where: str) -> float:
    """Parse a judgement value: number, "3", "1/3", "0.333"; blank -> NaN."""
    if isinstance(raw, bool):
        raise UsageError(f"{where}: {raw!r} is not a number; write a ratio such as 3 or 1/3")
    if isinstance(raw, (int, float)):
        return float(raw)
    text = str(raw).strip()
    if text == "":
        return math.nan
    try:
        if "/" in text:
            return float(Fraction(text.replace(" ", "")))
        return float(text)
    except (ValueError, ZeroDivisionError):
        raise UsageError(f"{where}: {text!r} is not a number; write a ratio such as 3 or 1/3"
                         ) from None


def _check_names(names: Sequence[str], source: str) -> tuple[str, ...]:
    clean = tuple(str(n).strip() for n in names)
    if any(n == "" for n in clean):
        raise UsageError(f"{source}: empty criterion name; name every row and column")
    dups = sorted({n for n in clean if clean.count(n) > 1})
    if dups:
        raise UsageError(f"{source}: duplicate criterion name(s) {', '.join(dups)}; "
                         "each criterion must appear once")
    return clean


def _validate_matrix(a: FloatArray, names: tuple[str, ...], source: str,
                     complete_from_upper: bool = False) -> FloatArray:
    """Check a pairwise matrix and return an exactly reciprocal copy.

    Raises UsageError naming the offending cells.
    """
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise UsageError(f"{source}: pairwise matrix is not square (shape {a.shape}); "
                         "give one row and one column per criterion")
    n = a.shape[0]
    if n == 0:
        raise UsageError(f"{source}: pairwise matrix is empty; give at least one criterion")
    if len(names) != n:
        raise UsageError(f"{source}: {len(names)} names for a {n}x{n} matrix; "
                         "give one name per row")
    a = np.array(a, dtype=float, copy=True)
    iu = np.triu_indices(n, 1)

    def cell(i: int, j: int) -> str:
        return f"({names[i]}, {names[j]})"

    upper_missing = [(int(i), int(j)) for i, j in zip(*iu, strict=True) if np.isnan(a[i, j])]
    if upper_missing:
        cells = ", ".join(cell(i, j) for i, j in upper_missing[:6])
        raise UsageError(f"{source}: missing judgement(s) at {cells}; fill the upper triangle")
    if complete_from_upper:
        diag = np.diag(a)
        bad = [i for i in range(n) if not (np.isnan(diag[i]) or abs(diag[i] - 1.0) < 1e-9)]
        if bad:
            raise UsageError(f"{source}: diagonal cell {cell(bad[0], bad[0])} is "
                             f"{a[bad[0], bad[0]]:g}; a criterion compared with itself is 1")
        np.fill_diagonal(a, 1.0)
        up = a[iu]
        if np.any(~np.isfinite(up)) or np.any(up <= 0):
            k = int(np.flatnonzero(~np.isfinite(up) | (up <= 0))[0])
            i, j = int(iu[0][k]), int(iu[1][k])
            raise UsageError(f"{source}: judgement at {cell(i, j)} is {a[i, j]:g}; judgements "
                             "must be positive ratios such as 3 or 1/3")
        a[iu[1], iu[0]] = 1.0 / up
    missing = np.argwhere(np.isnan(a))
    if missing.size:
        cells = ", ".join(cell(int(i), int(j)) for i, j in missing[:6])
        raise UsageError(f"{source}: missing judgement(s) at {cells}; fill them or pass "
                         "complete_from_upper=True to derive the lower triangle")
    bad_pos = np.argwhere(~np.isfinite(a) | (a <= 0))
    if bad_pos.size:
        i, j = (int(v) for v in bad_pos[0])
        raise UsageError(f"{source}: judgement at {cell(i, j)} is {a[i, j]:g}; judgements "
                         "must be positive ratios such as 3 or 1/3")
    diag_bad = [i for i in range(n) if abs(a[i, i] - 1.0) > 1e-9]
    if diag_bad:
        i = diag_bad[0]
        raise UsageError(f"{source}: diagonal cell {cell(i, i)} is {a[i, i]:g}; "
                         "a criterion compared with itself is 1")
    lo, hi = (1.0 / 9.0) * (1 - _SCALE_TOL), 9.0 * (1 + 1e-9)
    out = np.argwhere((a < lo) | (a > hi))
    if out.size:
        i, j = (int(v) for v in out[0])
        raise UsageError(f"{source}: judgement at {cell(i, j)} is {a[i, j]:g}, outside "
                         "Saaty's scale 1/9..9; use a value between 1/9 and 9")
    prod = a * a.T
    nonrec = [(int(i), int(j)) for i, j in zip(*iu, strict=True)
              if abs(prod[i, j] - 1.0) > _RECIP_TOL]
    if nonrec:
        parts = [f"{cell(i, j)}={a[i, j]:g} vs {cell(j, i)}={a[j, i]:g}"
                 for i, j in nonrec[:3]]
        more = f" and {len(nonrec) - 3} more" if len(nonrec) > 3 else ""
        raise UsageError(f"{source}: matrix is not reciprocal at {'; '.join(parts)}{more}; "
                         "make a_ji = 1/a_ij or pass complete_from_upper=True to fill the "
                         "lower triangle from the upper")
    # symmetric clean-up so that a_ij * a_ji == 1 exactly
    g = np.sqrt(a / a.T)
    np.fill_diagonal(g, 1.0)
    return g


_JUDGEMENT_RE = re.compile(
    r"^\s*(?P<a>[^<>=]+?)\s*(?P<op>[<>=])\s*(?P<b>[^<>=]+?)\s*(?:=\s*(?P<v>[^<>=]+?))?\s*$")


def _parse_judgements(items: Sequence[Any], criteria: Sequence[str] | None,
                      source: str) -> PairwiseMatrix:
    """Build a matrix from strings such as ``"talent > connectivity = 3"``."""
    parsed: list[tuple[str, str, float, str]] = []
    for k, item in enumerate(items):
        where = f"{source}: judgements[{k}]"
        if not isinstance(item, str):
            raise UsageError(f"{where}: {item!r} is not a string; write e.g. \"a > b = 3\"")
        m = _JUDGEMENT_RE.match(item)
        if m is None:
            raise UsageError(f"{where}: cannot read {item!r}; write \"a > b = 3\", "
                             "\"a < b = 2\" or \"a = b\"")
        a, op, b, v = m.group("a").strip(), m.group("op"), m.group("b").strip(), m.group("v")
        if a == b:
            raise UsageError(f"{where}: {item!r} compares {a!r} with itself; compare two "
                             "different criteria")
        if op == "=":
            value = 1.0 if v is None else _parse_value(v, where)
            if abs(value - 1.0) > 1e-9:
                raise UsageError(f"{where}: {item!r} says equal but gives {value:g}; write "
                                 f"\"{a} > {b} = {v}\" or \"{a} = {b}\"")
        else:
            if v is None:
                raise UsageError(f"{where}: {item!r} has no intensity; write "
                                 f"\"{a} {op} {b} = 3\" (1..9)")
            value = _parse_value(v, where)
            if not math.isfinite(value) or value <= 0:
                raise UsageError(f"{where}: intensity {v!r} must be a positive number 1..9")
            if value > 9 * (1 + 1e-9):
                raise UsageError(f"{where}: intensity {value:g} is outside Saaty's scale "
                                 "1..9; use a value between 1 and 9")
            if value < 1 - 1e-9:
                flip = "<" if op == ">" else ">"
                raise UsageError(f"{where}: intensity {value:g} is below 1; write "
                                 f"\"{a} {flip} {b} = {1 / value:g}\" instead")
            if op == "<":
                value = 1.0 / value
        parsed.append((a, b, value, item))

    if criteria is not None:
        names = _check_names([str(c) for c in criteria], f"{source}: criteria")
    else:
        order: list[str] = []
        for a, b, _, _ in parsed:
            for x in (a, b):
                if x not in order:
                    order.append(x)
        names = tuple(order)
    index = {n: i for i, n in enumerate(names)}
    n = len(names)
    if n == 0:
        raise UsageError(f"{source}: no judgements; add strings such as \"a > b = 3\"")
    a_mat = np.full((n, n), np.nan)
    np.fill_diagonal(a_mat, 1.0)
    first: dict[tuple[int, int], str] = {}
    for a, b, value, item in parsed:
        for x in (a, b):
            if x not in index:
                raise UsageError(f"{source}: judgement {item!r} names unknown criterion {x!r}; "
                                 f"known criteria: {', '.join(names)}")
        i, j = index[a], index[b]
        key = (min(i, j), max(i, j))
        if key in first:
            raise UsageError(f"{source}: pair ({names[key[0]]}, {names[key[1]]}) is judged "
                             f"twice ({first[key]!r} and {item!r}); keep one")
        first[key] = item
        a_mat[i, j] = value
        a_mat[j, i] = 1.0 / value
    missing = [(names[i], names[j]) for i in range(n) for j in range(i + 1, n)
               if (i, j) not in first]
    if missing:
        pairs = ", ".join(f"({x}, {y})" for x, y in missing[:8])
        more = f" and {len(missing) - 8} more" if len(missing) > 8 else ""
        raise UsageError(f"{source}: incomplete judgements, missing pairs {pairs}{more}; "
                         f"add e.g. \"{missing[0][0]} > {missing[0][1]} = 3\" or "
                         f"\"{missing[0][0]} = {missing[0][1]}\"")
    return PairwiseMatrix(names, _validate_matrix(a_mat, names, source), source)


def _read_csv_matrix(path: Path, complete_from_upper: bool) -> PairwiseMatrix:
    source = str(path)
    text = read_text(path, "the judgements file", UsageError)
    rows = [r for r in csv.reader(io.StringIO(text, newline="")) if any(c.strip() for c in r)
            and not r[0].lstrip().startswith("#")]
    if not rows:
        raise UsageError(f"{source}: file is empty; give a header row of criterion names and "
                         "one row per criterion")
    header = rows[0]
    names = _check_names(header[1:], f"{source}: header")
    n = len(names)
    body = rows[1:]
    if len(body) != n:
        raise UsageError(f"{source}: pairwise matrix is not square ({len(body)} rows for "
                         f"{n} columns); give one row per criterion")
    row_names = _check_names([r[0] for r in body], f"{source}: first column")
    if set(row_names) != set(names):
        extra = sorted(set(row_names) - set(names))
        lacking = sorted(set(names) - set(row_names))
        raise UsageError(f"{source}: row names {extra} do not match header names {lacking}; "
                         "use the same criterion names in the first column and the header")
    a = np.full((n, n), np.nan)
    for r, row in enumerate(body):
        if len(row) - 1 != n:
            raise UsageError(f"{source}: row {row_names[r]!r} has {len(row) - 1} values for "
                             f"{n} criteria; the matrix must be square")
        i = names.index(row_names[r])
        for j, raw in enumerate(row[1:]):
            a[i, j] = _parse_value(raw, f"{source}: cell ({row_names[r]}, {names[j]})")
    return PairwiseMatrix(names, _validate_matrix(a, names, source, complete_from_upper), source)


def _read_toml_matrix(path: Path, complete_from_upper: bool) -> PairwiseMatrix:
    source = str(path)
    try:
        data = tomllib.loads(read_text(path, "the judgements file", UsageError))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{source}: invalid TOML ({exc}); fix the syntax") from None
    has_matrix = "matrix" in data
    has_judgements = "judgements" in data or "judgments" in data
    if has_matrix == has_judgements:
        raise UsageError(f"{source}: give exactly one of a [matrix] table or a judgements "
                         "list (e.g. judgements = [\"a > b = 3\"])")
    criteria = data.get("criteria")
    if criteria is not None and not (isinstance(criteria, list)
                                     and all(isinstance(c, str) for c in criteria)):
        raise UsageError(f"{source}: criteria must be a list of names, e.g. "
                         "criteria = [\"talent\", \"need\"]")
    if has_judgements:
        items = data.get("judgements", data.get("judgments"))
        if not isinstance(items, list):
            raise UsageError(f"{source}: judgements must be a list of strings such as "
                             "\"a > b = 3\"")
        return _parse_judgements(items, criteria, source)
    table = data["matrix"]
    if not isinstance(table, dict) or not table:
        raise UsageError(f"{source}: [matrix] must map each criterion to its row, e.g. "
                         "talent = [1, 3, \"1/2\"]")
    names = _check_names(list(table), f"{source}: [matrix]")
    if criteria is not None:
        if set(criteria) != set(names):
            raise UsageError(f"{source}: criteria {sorted(criteria)} do not match [matrix] "
                             f"rows {sorted(names)}; list the same names")
        order = _check_names(criteria, f"{source}: criteria")
    else:
        order = names
    n = len(order)
    a = np.full((n, n), np.nan)
    for name in names:
        row = table[name]
        if not isinstance(row, list):
            raise UsageError(f"{source}: matrix.{name} must be a list of {n} values")
        if len(row) != n:
            raise UsageError(f"{source}: matrix.{name} has {len(row)} values for {n} "
                             "criteria; the matrix must be square")
        i = order.index(name)
        for j, raw in enumerate(row):
            a[i, j] = _parse_value(raw, f"{source}: matrix.{name}[{j}]")
    return PairwiseMatrix(order, _validate_matrix(a, order, source, complete_from_upper),
                          source)


def read_pairwise(path: str | os.PathLike[str],
                  complete_from_upper: bool = False) -> PairwiseMatrix:
    """Read a pairwise comparison matrix from a CSV or TOML file.

    Formats
    -------
    CSV
        A full square matrix: a header row (first cell ignored, then the criterion names)
        and one row per criterion (name in the first column). Cells are numbers or
        fractions (``3``, ``1/3``, ``0.333``). With ``complete_from_upper=True`` only the
        upper triangle is read (lower cells may be blank or anything).
    TOML
        Either a ``[matrix]`` table of full rows (``talent = [1, 3, "1/2"]``; order of rows
        = order of columns, or the optional ``criteria = [...]`` list), or a list of
        judgements with an optional ``criteria`` list fixing the names and their order::

            criteria = ["talent", "connectivity", "need"]
            judgements = ["talent > connectivity = 3",   # talent is 3x connectivity
                          "need < talent = 2",           # talent is 2x need
                          "connectivity = need"]         # equal importance

    Raises
    ------
    UsageError
        Not square, missing judgements (lists the pairs), non-positive or non-numeric
        values, values outside 1/9..9, non-reciprocal cells (lists them), unknown or
        duplicate names, unknown extension.
    """
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"{p}: pairwise matrix file not found; check the path")
    suffix = p.suffix.lower()
    if suffix == ".csv":
        return _read_csv_matrix(p, complete_from_upper)
    if suffix == ".toml":
        return _read_toml_matrix(p, complete_from_upper)
    raise UsageError(f"{p}: unknown pairwise matrix format {suffix!r}; use .csv or .toml")


# --------------------------------------------------------------------------------------------
# AHP
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class InconsistentJudgement:
    """One judgement ranked by its contribution to the inconsistency.

    ``error = a_ij * w_j / w_i`` equals 1 for a judgement consistent with the priorities.
    Because ``lambda_max - n = (1/n) * sum_{i<j} (e_ij + 1/e_ij - 2)``, ranking by
    ``|ln e_ij|`` ranks the judgements by their share of ``lambda_max - n`` (``share``).
    """

    row: str
    column: str
    value: float               #: current judgement a_ij
    consistent_value: float    #: w_i / w_j, the value consistent with the priorities
    suggested: float           #: nearest value of Saaty's scale (1/9..9, log distance)
    error: float               #: e_ij = a_ij w_j / w_i
    share: float               #: share of (lambda_max - n) due to this pair, 0..1

    def describe(self) -> str:
        """One-line human description, e.g. ``talent vs need: 5 -> 2 (consistent 2.1)``."""
        return (f"{self.row} vs {self.column}: {_fmt_ratio(self.value)} -> "
                f"{_fmt_ratio(self.suggested)} (consistent {self.consistent_value:.3g})")


def _fmt_ratio(x: float) -> str:
    if x >= 1:
        return f"{x:g}"
    return f"1/{1 / x:g}"


def _nearest_scale(x: float) -> float:
    scale = np.asarray(SAATY_SCALE)
    return float(scale[np.argmin(np.abs(np.log(scale) - math.log(x)))])


@dataclass(frozen=True, eq=False)
class AhpResult:
    """Priorities and consistency of one pairwise comparison matrix."""

    names: tuple[str, ...]
    weights_eigen: FloatArray       #: principal eigenvector, sum 1
    weights_geometric: FloatArray   #: normalised row geometric means, sum 1
    lambda_max: float
    ci: float
    ri: float
    cr: float
    verdict: str                    #: "consistent" (cr <= 0.10 or n <= 2) or "inconsistent"
    worst_judgements: tuple[InconsistentJudgement, ...] = ()
    matrix: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))

    @property
    def weights(self) -> dict[str, float]:
        """Eigenvector weights by criterion name."""
        return {n: float(w) for n, w in zip(self.names, self.weights_eigen, strict=True)}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "criteria": list(self.names),
            "weights_eigen": self.weights,
            "weights_geometric": {n: float(w) for n, w in
                                  zip(self.names, self.weights_geometric, strict=True)},
            "lambda_max": self.lambda_max, "ci": self.ci, "ri": self.ri, "cr": self.cr,
            "verdict": self.verdict,
            "worst_judgements": [
                {"row": j.row, "column": j.column, "value": j.value,
                 "consistent_value": j.consistent_value, "suggested": j.suggested,
                 "error": j.error, "share": j.share} for j in self.worst_judgements],
        }


def _as_pairwise(matrix: PairwiseMatrix | ArrayLike, names: Sequence[str] | None,
                 source: str = "pairwise matrix") -> tuple[FloatArray, tuple[str, ...], str]:
    if isinstance(matrix, PairwiseMatrix):
        if names is None or tuple(names) == matrix.names:
            return matrix.matrix, matrix.names, matrix.source
        want = _check_names(names, matrix.source)
        if set(want) != set(matrix.names):
            raise UsageError(f"{matrix.source}: criteria {sorted(matrix.names)} do not match "
                             f"the expected {sorted(want)}; use the same criterion names")
        idx = [matrix.names.index(n) for n in want]
        return matrix.matrix[np.ix_(idx, idx)], want, matrix.source
    try:
        a = np.asarray(matrix, dtype=float)
    except (TypeError, ValueError):
        raise UsageError(f"{source}: not a numeric square matrix; give an n x n array of "
                         "ratios") from None
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise UsageError(f"{source}: pairwise matrix is not square (shape {a.shape}); give "
                         "one row and one column per criterion")
    if names is None:
        nm = tuple(f"c{i + 1}" for i in range(a.shape[0]))
    else:
        nm = _check_names(names, source)
    return _validate_matrix(a, nm, source), nm, source


def _principal(a: FloatArray) -> tuple[float, FloatArray]:
    vals, vecs = np.linalg.eig(a)
    k = int(np.argmax(vals.real))
    w = np.abs(vecs[:, k].real)
    return float(vals[k].real), w / w.sum()


def ahp(matrix: PairwiseMatrix | ArrayLike, names: Sequence[str] | None = None,
        ri_table: str = "saaty", n_worst: int = 3) -> AhpResult:
    """Priorities and consistency of a pairwise comparison matrix (Saaty 1980).

    Parameters
    ----------
    matrix : PairwiseMatrix or array_like, shape (n, n)
        Positive reciprocal matrix on Saaty's 1/9..9 scale.
    names : sequence of str, optional
        Criterion names (default c1..cn, or the PairwiseMatrix's names; when both are given
        the matrix is reordered to ``names``).
    ri_table : {"saaty", "alonso-lamata"}
        Random index table, see :func:`random_index`.
    n_worst : int
        How many judgements to report in ``worst_judgements`` when CR > 0.10.

    Returns
    -------
    AhpResult
        ``weights_eigen`` (principal eigenvector, sum 1), ``weights_geometric`` (row
        geometric means, sum 1), ``lambda_max``, ``ci = (lambda_max - n)/(n - 1)``,
        ``ri``, ``cr = ci/ri``, ``verdict`` and, when inconsistent, the judgements with the
        largest ``|ln(a_ij w_j / w_i)|`` with the value consistent with the weights
        (``w_i / w_j``) and its nearest Saaty scale value.
    """
    a, nm, _source = _as_pairwise(matrix, names)
    n = a.shape[0]
    lam, w = _principal(a)
    g = np.exp(np.log(a).mean(axis=1))
    g = g / g.sum()
    if n <= 2:
        # a 2x2 reciprocal matrix is always consistent (lambda_max = 2 exactly)
        return AhpResult(nm, w, g, float(n), 0.0, 0.0, 0.0, "consistent", (), a)
    ci = (lam - n) / (n - 1)
    ri = random_index(n, ri_table)
    cr = max(ci, 0.0) / ri
    verdict = "consistent" if cr <= CR_THRESHOLD else "inconsistent"
    worst: tuple[InconsistentJudgement, ...] = ()
    if verdict == "inconsistent":
        iu = np.triu_indices(n, 1)
        e = a[iu] * w[iu[1]] / w[iu[0]]
        contrib = e + 1.0 / e - 2.0
        total = float(contrib.sum())
        order = np.argsort(-np.abs(np.log(e)), kind="stable")[:max(n_worst, 0)]
        items = []
        for k in order:
            i, j = int(iu[0][k]), int(iu[1][k])
            cv = float(w[i] / w[j])
            items.append(InconsistentJudgement(
                row=nm[i], column=nm[j], value=float(a[i, j]), consistent_value=cv,
                suggested=_nearest_scale(cv), error=float(e[k]),
                share=float(contrib[k] / total) if total > 0 else 0.0))
        worst = tuple(items)
    return AhpResult(nm, w, g, lam, float(ci), float(ri), float(cr), verdict, worst, a)


# --------------------------------------------------------------------------------------------
# Group AHP
# --------------------------------------------------------------------------------------------

_CONSENSUS_WORDS = ((0.5, "very low"), (0.625, "low"), (0.75, "moderate"), (0.875, "high"))


@dataclass(frozen=True, eq=False)
class GroupAhpResult:
    """Group AHP by aggregation of individual judgements (AIJ, element-wise geometric mean).

    Attributes
    ----------
    aggregated : ndarray (n, n)
        Element-wise geometric mean of the participants' matrices (still reciprocal).
    group : AhpResult
        AHP of the aggregated matrix.
    participants : tuple of AhpResult
        Each participant's own AHP (weights and CR).
    weight_std, weight_range : ndarray (n,)
        Population standard deviation (ddof=0) and max - min of the participants'
        eigenvector weights, per criterion.
    consensus : float
        Goepel's (2013) AHP consensus indicator S*, 0 (no consensus) .. 1 (identical
        priorities); see :func:`goepel_consensus`.
    """

    names: tuple[str, ...]
    aggregated: FloatArray
    group: AhpResult
    participants: tuple[AhpResult, ...]
    participant_names: tuple[str, ...]
    weight_std: FloatArray
    weight_range: FloatArray
    consensus: float

    @property
    def consensus_label(self) -> str:
        """Goepel's word scale: very low (<0.5), low, moderate, high, very high (>0.875)."""
        for limit, word in _CONSENSUS_WORDS:
            if self.consensus < limit:
                return word
        return "very high"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "group": self.group.to_dict(),
            "participants": {p: {"weights": r.weights, "cr": r.cr, "verdict": r.verdict}
                             for p, r in zip(self.participant_names, self.participants,
                                             strict=True)},
            "weight_std": dict(zip(self.names, map(float, self.weight_std), strict=True)),
            "weight_range": dict(zip(self.names, map(float, self.weight_range), strict=True)),
            "consensus": self.consensus,
            "consensus_label": self.consensus_label,
        }


def goepel_consensus(priorities: ArrayLike, scale_max: float = 9.0) -> float:
    """Goepel's AHP consensus indicator S* from participants' priority vectors.

    With K participants' priorities ``p_k`` over n criteria (rows sum to 1):

    * ``H_alpha = mean_k( -sum_j p_kj ln p_kj )`` (mean within-participant Shannon entropy),
    * ``H_gamma = -sum_j pbar_j ln pbar_j`` with ``pbar`` the arithmetic mean priorities,
    * ``H_beta = H_gamma - H_alpha``; relative homogeneity ``S = 1 / exp(H_beta)``;
    * ``D_alpha_min = exp(H_alpha_min)`` where ``H_alpha_min`` is the entropy of a priority
      vector with one criterion ``M`` times (``M = scale_max = 9``) as important as each of
      the others: ``p = (M, 1, ..., 1) / (M + n - 1)``; ``D_gamma_max = n``;
    * ``S* = (S - D_alpha_min / n) / (1 - D_alpha_min / n)``.

    Source: Goepel (2013), and the AHP-OS implementation (``AhpGroup::getConsensus``,
    ``ahpShannonCor``, bpmsg/ahp-os on GitHub), which use exactly these formulas.
    A single participant gives 1.
    """
    p = np.asarray(priorities, dtype=float)
    if p.ndim != 2 or p.shape[0] < 1 or p.shape[1] < 2:
        raise UsageError("consensus: priorities must be a (participants, criteria) array "
                         "with at least 2 criteria")
    p = p / p.sum(axis=1, keepdims=True)
    n = p.shape[1]

    def entropy(x: FloatArray) -> FloatArray:
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(x > 0, -x * np.log(x), 0.0)
        return np.asarray(t.sum(axis=-1), dtype=float)

    h_alpha = float(entropy(p).mean())
    h_gamma = float(entropy(p.mean(axis=0)))
    h_beta = h_gamma - h_alpha
    m = float(scale_max)
    q = np.array([m] + [1.0] * (n - 1)) / (m + n - 1)
    d_alpha_min = math.exp(float(entropy(q)))
    floor = d_alpha_min / n
    s = 1.0 / math.exp(h_beta)
    return float((s - floor) / (1.0 - floor))


def group_ahp(matrices: Sequence[PairwiseMatrix | ArrayLike], names: Sequence[str] | None = None,
              participants: Sequence[str] | None = None,
              ri_table: str = "saaty") -> GroupAhpResult:
    """Group AHP: aggregate individual judgements (AIJ) by element-wise geometric mean.

    Parameters
    ----------
    matrices : sequence of PairwiseMatrix or (n, n) arrays
        One matrix per participant (PairwiseMatrix objects are reordered to ``names``).
    names : sequence of str, optional
        Criterion names (default: those of the first PairwiseMatrix, else c1..cn).
    participants : sequence of str, optional
        Participant labels (default p1..pK).
    ri_table : {"saaty", "alonso-lamata"}
        Random index table.

    Returns
    -------
    GroupAhpResult
        Aggregated matrix, group AhpResult, each participant's AhpResult, per-criterion
        std (ddof=0) and range of individual eigenvector weights, Goepel's consensus S*.
    """
    mats = list(matrices)
    if not mats:
        raise UsageError("group AHP: no participant matrices; give at least one")
    if names is None and isinstance(mats[0], PairwiseMatrix):
        names = mats[0].names
    first, nm, _ = _as_pairwise(mats[0], names, source="participant 1 matrix")
    arrays: list[FloatArray] = [first]
    for k, m in enumerate(mats[1:], start=2):
        a, _, _ = _as_pairwise(m, nm, source=f"participant {k} matrix")
        if a.shape != first.shape:
            raise UsageError(f"participant {k} matrix: shape {a.shape} differs from "
                             f"{first.shape}; every participant compares the same criteria")
        arrays.append(a)
    if participants is None:
        labels = tuple(f"p{k + 1}" for k in range(len(arrays)))
    else:
        labels = tuple(str(p) for p in participants)
        if len(labels) != len(arrays):
            raise UsageError(f"group AHP: {len(labels)} participant names for {len(arrays)} "
                             "matrices; give one name per matrix")
    stack = np.stack(arrays)
    agg = np.exp(np.log(stack).mean(axis=0))
    group = ahp(agg, nm, ri_table=ri_table)
    indiv = tuple(ahp(a, nm, ri_table=ri_table) for a in arrays)
    w = np.stack([r.weights_eigen for r in indiv])
    return GroupAhpResult(
        names=nm, aggregated=agg, group=group, participants=indiv, participant_names=labels,
        weight_std=w.std(axis=0), weight_range=w.max(axis=0) - w.min(axis=0),
        consensus=goepel_consensus(w) if len(nm) >= 2 else 1.0)


# --------------------------------------------------------------------------------------------
# Rank-order weights
# --------------------------------------------------------------------------------------------

def _check_order(order: Sequence[str], what: str) -> tuple[str, ...]:
    if isinstance(order, str):
        raise UsageError(f"{what}: give a list of criterion names, most important first, "
                         "not a single string")
    names = _check_names(list(order), what)
    if not names:
        raise UsageError(f"{what}: empty ordering; list the criteria, most important first")
    return names


def rank_order_centroid(order: Sequence[str]) -> dict[str, float]:
    """Rank-order centroid weights: ``w_k = (1/n) sum_{i=k}^{n} 1/i`` (k = 1 most important).

    For n = 4: 0.5208, 0.2708, 0.1458, 0.0625 (Barron & Barrett 1996).
    """
    names = _check_order(order, "rank-order centroid")
    n = len(names)
    inv = 1.0 / np.arange(1, n + 1)
    w = np.cumsum(inv[::-1])[::-1] / n
    return {nm: float(x) for nm, x in zip(names, w, strict=True)}


def rank_sum(order: Sequence[str]) -> dict[str, float]:
    """Rank-sum weights: ``w_k = 2 (n + 1 - k) / (n (n + 1))`` (k = 1 most important)."""
    names = _check_order(order, "rank-sum")
    n = len(names)
    k = np.arange(1, n + 1)
    w = 2.0 * (n + 1 - k) / (n * (n + 1))
    return {nm: float(x) for nm, x in zip(names, w, strict=True)}


# --------------------------------------------------------------------------------------------
# Objective weights
# --------------------------------------------------------------------------------------------

def entropy_weights(matrix: ArrayLike) -> FloatArray:
    """Shannon-entropy objective weights.

    For a non-negative decision matrix ``x`` (n sites x m criteria): proportions
    ``p_ij = x_ij / sum_i x_ij`` (column sum normalisation, no direction applied: entropy
    measures dispersion only), entropy ``E_j = -(1/ln n) sum_i p_ij ln p_ij`` (0 ln 0 = 0),
    diversification ``d_j = 1 - E_j`` and ``w_j = d_j / sum_k d_k``. An all-zero column has
    ``E_j = 1`` (no information). Pass the benefit-oriented [0, 1] value matrix to weight
    criteria by their dispersion after normalisation, or raw values (must be >= 0) for the
    raw-scale variant.

    Raises
    ------
    UsageError
        Negative values, NaN, fewer than 2 sites.
    DataError
        Every criterion is constant (all d_j = 0): entropy weights are undefined.
    """
    x = complete_matrix(matrix, "entropy weights", min_sites=2)
    if np.any(x < 0):
        j = int(np.argwhere(x < 0)[0][1])
        raise UsageError(f"entropy weights: criterion column {j} has negative values; the "
                         "entropy method needs non-negative values (use normalised values)")
    n = x.shape[0]
    col = x.sum(axis=0)
    safe = np.where(col > 0, col, 1.0)
    p = x / safe
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    e = -plogp.sum(axis=0) / math.log(n)
    e = np.where(col > 0, e, 1.0)
    d = np.clip(1.0 - e, 0.0, None)
    if d.sum() <= 1e-15:
        raise DataError("entropy weights: every criterion is constant across sites; entropy "
                        "weights are undefined (use equal or subjective weights)")
    return np.asarray(d / d.sum(), dtype=float)


def critic_weights(matrix: ArrayLike, directions: ArrayLike | None = None) -> FloatArray:
    """CRITIC objective weights (Diakoulaki et al. 1995).

    Each column is min-max normalised by its direction (benefit: ``(x - min)/(max - min)``,
    cost: ``(max - x)/(max - min)``); ``C_j = sigma_j * sum_k (1 - r_jk)`` with ``sigma_j``
    the standard deviation of the normalised column and ``r_jk`` Pearson's correlation of
    the normalised columns; ``w_j = C_j / sum_k C_k``. A constant column carries no
    information: it gets weight 0 and is left out of the other columns' conflict sums.

    Parameters
    ----------
    matrix : array_like (n sites, m criteria)
    directions : array_like of +1 (benefit) / -1 (cost), optional
        Default all benefit.
    """
    x = complete_matrix(matrix, "CRITIC weights", min_sites=2)
    m = x.shape[1]
    if directions is None:
        d = np.ones(m)
    else:
        d = np.asarray(directions, dtype=float).ravel()
        if d.shape != (m,) or not np.all(np.isin(d, (-1.0, 1.0))):
            raise UsageError(f"CRITIC weights: directions must be {m} values of +1 (benefit) "
                             "or -1 (cost)")
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = hi - lo
    live = span > 0
    if not np.any(live):
        raise DataError("CRITIC weights: every criterion is constant across sites; CRITIC "
                        "weights are undefined (use equal or subjective weights)")
    z = np.zeros_like(x)
    z[:, live] = np.where(d[live] > 0, (x[:, live] - lo[live]) / span[live],
                          (hi[live] - x[:, live]) / span[live])
    sigma = z.std(axis=0)
    c = np.zeros(m)
    zl = z[:, live]
    if zl.shape[1] == 1:
        c[live] = sigma[live]
    else:
        r = np.corrcoef(zl, rowvar=False)
        c[live] = sigma[live] * (1.0 - r).sum(axis=1)
    if c.sum() <= 0:
        raise DataError("CRITIC weights: no contrast or conflict between criteria; weights "
                        "are undefined")
    return np.asarray(c / c.sum(), dtype=float)
