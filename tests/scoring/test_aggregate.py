"""Tests of siteplan.scoring.aggregate (WLC, WP, TOPSIS, VIKOR, OWA, ranks).

Published worked examples used as references:

* Hwang, C. L., & Yoon, K. (1981). *Multiple Attribute Decision Making: Methods
  and Applications*. Springer. TOPSIS fighter-aircraft example, pp. 131-134
  (closeness on p. 133/134: 0.643, 0.268, 0.613, 0.312).
* Opricovic, S., & Tzeng, G.-H. (2004). Compromise solution by MCDM methods: A
  comparative analysis of VIKOR and TOPSIS. *EJOR* 156(2), 445-455, section 5
  (numerical example: two criteria, three alternatives, v = 0.5; Q = 1, 0, 1
  and A2 the compromise solution).
* Yang, W., & Wu, Y. (2020). A new improvement method to avoid rank reversal in
  VIKOR. *IEEE Access* 8, 21261-21271 (VIKOR example, Q = 0.5679, 0.7667, 1,
  0.7493, 0).
* Triantaphyllou, E. (2000). *Multi-Criteria Decision Making Methods: A
  Comparative Study*. Kluwer, ch. 2 (WSM and WPM numerical examples: WSM
  scores 21.50, 22.00, 22.00; WPM ratios R(A1/A2) = 1.007, R(A1/A3) = 1.067,
  R(A2/A3) = 1.059).

pymcdm (an independent implementation) is used only here, as a second method.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pymcdm.methods import TOPSIS as PymcdmTOPSIS
from pymcdm.methods import VIKOR as PymcdmVIKOR
from pymcdm.normalizations import vector_normalization

from siteplan.errors import DataError, UsageError
from siteplan.scoring import aggregate as ag

NAN = np.nan


def close(a: object, b: object, atol: float = 1e-12) -> None:
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), atol=atol)


def test_methods_tuple() -> None:
    assert ag.METHODS == ("wlc", "wp", "topsis", "vikor", "owa")


def test_every_method_in_the_registry_has_one_aggregator() -> None:
    from siteplan.scenario import METHOD_INFO, METHOD_OPTIONS

    assert tuple(ag.AGGREGATORS) == tuple(METHOD_INFO)
    read = {key for info in METHOD_INFO.values() for key in info.options}
    assert read == set(METHOD_OPTIONS)


@pytest.mark.parametrize("method", ag.METHODS)
def test_per_row_methods_score_a_site_without_looking_at_the_others(method: str) -> None:
    """The registry's ``per_row`` flag is what the surface relies on to score cells in
    blocks: check it against the aggregators themselves."""
    from siteplan.scenario import METHOD_INFO

    rng = np.random.default_rng(7)
    values = rng.uniform(0.05, 0.95, size=(12, 4))
    weights = np.array([0.4, 0.3, 0.2, 0.1])
    dirs = np.ones(4)
    fn = ag.AGGREGATORS[method]
    whole = fn(values, values, dirs, weights, {})
    # a new site better than all on one criterion, worse on another: moves the ideals
    extra = np.vstack([values, [1.0, 0.0, 0.5, 0.5]])
    with_extra = fn(extra, extra, dirs, weights, {})[:12]
    same = bool(np.allclose(whole, with_extra, atol=1e-12))
    assert same is METHOD_INFO[method].per_row


# ----------------------------------------------------------------------------- weights


def test_normalize_weights() -> None:
    close(ag.normalize_weights([1, 1, 2]), [0.25, 0.25, 0.5])
    close(ag.normalize_weights([[1, 3], [0, 5]]), [[0.25, 0.75], [0, 1]])


@pytest.mark.parametrize(
    ("w", "match"),
    [
        ([0.5, -0.1, 0.6], "non-negative"),
        ([0.5, math.nan], "NaN or infinite"),
        ([0.5, math.inf], "NaN or infinite"),
        ([0, 0, 0], "all zero"),
        ([[1, 1], [0, 0]], "row 1 is all zero"),
        ([], "shape"),
        ([[[1.0]]], "shape"),
        (["a", "b"], "numbers"),
    ],
)
def test_normalize_weights_errors(w: object, match: str) -> None:
    with pytest.raises(UsageError, match=match) as err:
        ag.normalize_weights(w)  # type: ignore[arg-type]
    assert "\n" not in str(err.value)


def test_weight_count_must_match_criteria() -> None:
    with pytest.raises(UsageError, match="3 entries but the matrix has 2 criteria"):
        ag.wlc([[0.1, 0.2]], [1, 1, 1])


def test_values_must_be_in_unit_interval() -> None:
    with pytest.raises(DataError, match=r"\[0, 1\]"):
        ag.wlc([[0.1, 1.2]], [1, 1])
    with pytest.raises(DataError, match="infinite"):
        ag.topsis([[1.0, math.inf]], [1, 1], [1, 1])
    with pytest.raises(UsageError, match="2-D"):
        ag.wlc([0.1, 0.2], [1, 1])


def test_directions_checked() -> None:
    with pytest.raises(UsageError, match=r"\+1 \(benefit\) or -1 \(cost\)"):
        ag.topsis([[1, 2]], [1, 1], [1, 0])
    with pytest.raises(UsageError, match="one entry per criterion"):
        ag.vikor([[1, 2]], [1, 1], [1])
    # strings are accepted
    close(
        ag.topsis([[1, 2], [2, 1]], [1, 1], ["benefit", "cost"]),
        ag.topsis([[1, 2], [2, 1]], [1, 1], [1, -1]),
    )


# ----------------------------------------------------------------------------- WLC / WP


HAND_VALUES = [[1.0, 0.5, 0.0], [0.2, 0.4, 0.6]]
HAND_WEIGHTS = [2, 1, 1]  # -> 0.5, 0.25, 0.25


def test_wlc_hand_computed() -> None:
    # site 1: 0.5*1.0 + 0.25*0.5 + 0.25*0.0 = 0.5 + 0.125 + 0 = 0.625
    # site 2: 0.5*0.2 + 0.25*0.4 + 0.25*0.6 = 0.1 + 0.1 + 0.15 = 0.35
    close(ag.wlc(HAND_VALUES, HAND_WEIGHTS), [0.625, 0.35])


def test_wp_hand_computed() -> None:
    # floor 1e-3 replaces the 0.0:
    # site 1: 1.0**0.5 * 0.5**0.25 * 0.001**0.25 = 1 * 0.8408964 * 0.1778279 = 0.1495349
    # site 2: 0.2**0.5 * 0.4**0.25 * 0.6**0.25 = 0.4472136 * 0.7952707 * 0.8801117 = 0.3130169
    close(ag.weighted_product(HAND_VALUES, HAND_WEIGHTS), [0.1495349, 0.3130169], atol=1e-7)
    # a larger floor: 0.01**0.25 = 0.3162278 -> 0.8408964 * 0.3162278 = 0.2659148
    close(ag.weighted_product(HAND_VALUES, HAND_WEIGHTS, floor=0.01)[0], 0.2659148, atol=1e-7)


def test_wp_floor_checked() -> None:
    for bad in (0, -1, 2, math.nan):
        with pytest.raises(UsageError, match="floor"):
            ag.weighted_product(HAND_VALUES, HAND_WEIGHTS, floor=bad)


# Triantaphyllou (2000), ch. 2: three alternatives, four benefit criteria.
TRIANT = np.array([[25.0, 20, 15, 30], [10, 30, 20, 30], [30, 10, 30, 10]])
TRIANT_W = [0.20, 0.15, 0.40, 0.25]


def test_wlc_triantaphyllou_wsm_example() -> None:
    # WSM scores 21.50, 22.00, 22.00 on the raw (same-unit) data; dividing every
    # value by 100 puts them in [0, 1] and divides the scores by 100.
    close(ag.wlc(TRIANT / 100, TRIANT_W) * 100, [21.5, 22.0, 22.0], atol=1e-9)


def test_wp_triantaphyllou_wpm_example() -> None:
    # WPM ratios P(AK/AL) = prod (a_Kj / a_Lj)^w_j are unchanged by dividing each
    # column by its maximum, which puts the data in [0, 1] (all above the floor).
    p = ag.weighted_product(TRIANT / TRIANT.max(axis=0), TRIANT_W)
    assert round(p[0] / p[1], 3) == 1.007
    assert round(p[0] / p[2], 3) == 1.067
    assert round(p[1] / p[2], 3) == 1.059
    assert list(ag.rank_scores(p)) == [1, 2, 3]


def test_nan_site_gets_nan_and_does_not_affect_others() -> None:
    v = np.array([[0.2, 0.8], [NAN, 0.5], [0.6, 0.4]])
    w = [1, 3]
    for f in (ag.wlc, ag.weighted_product):
        out = f(v, w)
        assert np.isnan(out[1])
        close(out[[0, 2]], f(v[[0, 2]], w))
    out = ag.owa(v, w, [0.7, 0.3])
    assert np.isnan(out[1])
    close(out[[0, 2]], ag.owa(v[[0, 2]], w, [0.7, 0.3]))
    raw = np.array([[2.0, 8], [NAN, 5], [6, 4], [1, 1]])
    out = ag.topsis(raw, w, [1, -1])
    assert np.isnan(out[1])
    close(out[[0, 2, 3]], ag.topsis(raw[[0, 2, 3]], w, [1, -1]))
    res = ag.vikor(raw, w, [1, -1])
    assert np.isnan(res.Q[1]) and not res.compromise[1]
    close(res.Q[[0, 2, 3]], ag.vikor(raw[[0, 2, 3]], w, [1, -1]).Q)


# ----------------------------------------------------------------------------- TOPSIS

# Hwang & Yoon (1981), pp. 131-134: fighter aircraft A1..A4; attributes X1 maximum
# speed (Mach), X2 ferry range (NM), X3 maximum payload (lb), X4 acquisition cost
# ($10^6, a cost), X5 reliability and X6 maneuverability (interval scale 1..9).
AIRCRAFT = np.array(
    [
        [2.0, 1500, 20000, 5.5, 5, 9],
        [2.5, 2700, 18000, 6.5, 3, 5],
        [1.8, 2000, 21000, 4.5, 7, 7],
        [2.2, 1800, 20000, 5.0, 5, 5],
    ]
)
AIRCRAFT_W = [0.2, 0.1, 0.1, 0.1, 0.2, 0.3]
AIRCRAFT_DIR = [1, 1, 1, -1, 1, 1]


def test_topsis_hwang_yoon_fighter_aircraft() -> None:
    c = ag.topsis(AIRCRAFT, AIRCRAFT_W, AIRCRAFT_DIR)
    # Published C* (3 decimals): 0.643, 0.268, 0.613, 0.312 -> A1 > A3 > A4 > A2
    close(c, [0.643, 0.268, 0.613, 0.312], atol=6e-4)
    assert list(ag.rank_scores(c)) == [1, 4, 2, 3]


def test_topsis_hand_computed() -> None:
    # Opricovic & Tzeng (2004) data (f1 cost, f2 benefit), w = (0.5, 0.5), worked by hand:
    # ||f1|| = sqrt(1 + 4 + 25) = 5.4772; ||f2|| = sqrt(3000^2 + 3750^2 + 4500^2) = 6581.2
    # weighted v: f1 0.0913, 0.1826, 0.4564; f2 0.2279, 0.2849, 0.3419
    # ideal (0.0913, 0.3419), anti-ideal (0.4564, 0.2279)
    # A1: d+ = 0.1140, d- = 0.3651 -> C = 0.3651 / 0.4791 = 0.762
    # A2: d+ = sqrt(0.0913^2 + 0.0570^2) = 0.1076, d- = sqrt(0.2738^2 + 0.0570^2) = 0.2797
    #     -> C = 0.2797 / 0.3873 = 0.722
    # A3: d+ = 0.3651, d- = 0.1140 -> C = 0.238
    m = [[1, 3000], [2, 3750], [5, 4500]]
    close(ag.topsis(m, [0.5, 0.5], [-1, 1]), [0.762, 0.722, 0.238], atol=6e-4)


def test_topsis_degenerate() -> None:
    # every site ties on every criterion: C = 1 for all
    close(ag.topsis([[3, 3], [3, 3]], [1, 1], [1, -1]), [1, 1])
    # an all-zero column does not discriminate
    close(ag.topsis([[0, 1], [0, 2]], [1, 1], [1, 1]), [0, 1])
    # all sites missing
    assert np.isnan(ag.topsis([[NAN, 1]], [1, 1], [1, 1])).all()


def test_topsis_against_pymcdm_random() -> None:
    rng = np.random.default_rng(20261129)
    body = PymcdmTOPSIS(normalization_function=vector_normalization)
    for _ in range(50):
        n, m = rng.integers(3, 15), rng.integers(2, 8)
        x = rng.uniform(0.5, 100.0, (n, m))
        w = rng.dirichlet(np.ones(m))
        d = rng.choice([-1, 1], m)
        d[0] = 1
        close(ag.topsis(x, w, d), body(x, w, d, validation=False), atol=1e-10)


# ----------------------------------------------------------------------------- VIKOR


def test_vikor_opricovic_tzeng_2004() -> None:
    # O&T (2004) section 5: f1 to be minimised, f2 maximised, w = (0.5, 0.5), v = 0.5.
    # Hand check: f1* = 1, f1- = 5; f2* = 4500, f2- = 3000.
    # A1: d = (0, 1)        -> S = 0.5,   R = 0.5
    # A2: d = (0.25, 0.5)   -> S = 0.375, R = 0.25
    # A3: d = (1, 0)        -> S = 0.5,   R = 0.5
    # Q = 0.5 (S - 0.375)/0.125 + 0.5 (R - 0.25)/0.25 = 1, 0, 1 (published Q), A2 the
    # compromise: Q(A(2)) - Q(A(1)) = 1 >= DQ = 1/(3-1) = 0.5 and A2 also best by S and R.
    res = ag.vikor([[1, 3000], [2, 3750], [5, 4500]], [0.5, 0.5], [-1, 1], v=0.5)
    close(res.S, [0.5, 0.375, 0.5])
    close(res.R, [0.5, 0.25, 0.5])
    close(res.Q, [1, 0, 1])
    close(res.score, [0, 1, 0])
    assert res.dq == 0.5
    assert res.advantage is True and res.stable is True
    assert res.compromise.tolist() == [False, True, False]


def test_vikor_yang_wu_2020() -> None:
    x = [[78, 56, 34, 6], [4, 45, 3, 97], [18, 2, 50, 63], [9, 14, 11, 92], [85, 9, 100, 29]]
    res = ag.vikor(x, [0.25] * 4, [1, 1, 1, 1])
    close(res.Q, [0.5679, 0.7667, 1.0, 0.7493, 0.0], atol=5e-5)


def test_vikor_advantage_fails() -> None:
    # f1 benefit, f2 benefit, equal weights; f1: 6, 0, 0 -> d1 = 0, 1, 1;
    # f2: 1, 1, 4 -> d2 = 1, 1, 0.  S = 0.5, 1, 0.5; R = 0.5, 0.5, 0.5; Q = 0, 0.5, 0.
    # Q(A(2)) - Q(A(1)) = 0 < DQ = 0.5: C1 fails; compromise = {Q - 0 < 0.5} = {A1, A3}.
    res = ag.vikor([[6, 1], [0, 1], [0, 4]], [1, 1], [1, 1])
    close(res.Q, [0, 0.5, 0])
    assert res.advantage is False
    assert res.compromise.tolist() == [True, False, True]


def test_vikor_stability_fails() -> None:
    # benefit criteria, w = (0.5, 0.5); f1 = 8, 1, 0, 2 (span 8); f2 = 1, 6, 7, 2 (span 6)
    # w*d: A1 (0, 0.5), A2 (0.4375, 0.0833), A3 (0.5, 0), A4 (0.375, 0.4167)
    # S = 0.5, 0.5208, 0.5, 0.7917;  R = 0.5, 0.4375, 0.5, 0.4167
    # Q(A2) = 0.5*(0.0208/0.2917) + 0.5*(0.0208/0.0833) = 0.1607, the others 0.5.
    # C1: 0.5 - 0.1607 = 0.339 >= DQ = 1/3 holds; C2: A2 is neither best by S (0.5)
    # nor by R (0.4167): fails -> compromise A(1) = A2 and A(2), here a three-way tie.
    res = ag.vikor([[8, 1], [1, 6], [0, 7], [2, 2]], [0.5, 0.5], [1, 1])
    close(res.Q, [0.5, 0.1607143, 0.5, 0.5], atol=1e-7)
    assert res.advantage is True
    assert res.stable is False
    assert res.compromise.tolist() == [True, True, True, True]


def test_vikor_v_checked_and_constant_column() -> None:
    with pytest.raises(UsageError, match="VIKOR v"):
        ag.vikor([[1, 2], [2, 1]], [1, 1], [1, 1], v=1.5)
    # a constant criterion gives no regret: same as dropping it
    res = ag.vikor([[1, 5], [2, 5], [4, 5]], [1, 1], [1, 1])
    close(res.Q, ag.vikor([[1], [2], [4]], [1], [1]).Q)


def test_vikor_against_pymcdm_random() -> None:
    rng = np.random.default_rng(7)
    for _ in range(50):
        n, m = rng.integers(3, 15), rng.integers(2, 8)
        x = rng.uniform(0.0, 100.0, (n, m))
        w = rng.dirichlet(np.ones(m))
        d = rng.choice([-1, 1], m)
        for v in (0.0, 0.5, 0.8):
            close(ag.vikor(x, w, d, v=v).Q, PymcdmVIKOR(v=v)(x, w, d, validation=False), atol=1e-10)


# ----------------------------------------------------------------------------- OWA


def test_orness_known_vectors() -> None:
    # Yager (1988): orness(max) = 1, orness(min) = 0, orness(mean) = 0.5
    assert ag.orness([1, 0, 0]) == 1.0
    assert ag.orness([0, 0, 1]) == 0.0
    assert ag.orness([1 / 3, 1 / 3, 1 / 3]) == pytest.approx(0.5)
    # (0.2, 0.3, 0.5): (2*0.2 + 1*0.3) / 2 = 0.35
    assert ag.orness([0.2, 0.3, 0.5]) == pytest.approx(0.35)
    assert ag.orness([5.0]) == 0.5


def test_order_weights_from_risk() -> None:
    # alpha = 2, m = 3: (1/3)^2 - 0 = 1/9; (2/3)^2 - 1/9 = 3/9; 1 - 4/9 = 5/9
    close(ag.order_weights_from_risk(3, 2.0), [1 / 9, 3 / 9, 5 / 9])
    # orness = (2*1/9 + 1*3/9) / 2 = 5/18
    assert ag.orness(ag.order_weights_from_risk(3, 2.0)) == pytest.approx(5 / 18)
    close(ag.order_weights_from_risk(4, 1.0), [0.25] * 4)
    assert ag.orness(ag.order_weights_from_risk(5, 0.5)) > 0.5  # optimistic
    assert ag.orness(ag.order_weights_from_risk(5, 3.0)) < 0.5  # pessimistic
    # Yager (1996): orness -> 1 / (1 + alpha) for many criteria
    assert ag.orness(ag.order_weights_from_risk(2000, 3.0)) == pytest.approx(0.25, abs=1e-3)
    for bad_m, bad_alpha in ((0, 1.0), (3, 0.0), (3, -1.0), (3, math.inf), (True, 1.0)):
        with pytest.raises(UsageError):
            ag.order_weights_from_risk(bad_m, bad_alpha)


def test_owa_hand_computed_malczewski() -> None:
    # Malczewski (2006), eq. (4). Site values (0.2, 0.9, 0.5), criterion weights
    # u = (0.5, 0.3, 0.2), order weights v = (0.5, 0.3, 0.2).
    # sorted descending: z = 0.9 (u 0.3), 0.5 (u 0.2), 0.2 (u 0.5)
    # u*v = 0.15, 0.06, 0.10; sum 0.31
    # OWA = (0.15*0.9 + 0.06*0.5 + 0.10*0.2) / 0.31 = (0.135 + 0.03 + 0.02) / 0.31 = 0.596774
    close(ag.owa([[0.2, 0.9, 0.5]], [0.5, 0.3, 0.2], [0.5, 0.3, 0.2]), [0.185 / 0.31])


def test_owa_neutral_equals_wlc() -> None:
    rng = np.random.default_rng(3)
    v = rng.random((30, 6))
    w = rng.dirichlet(np.ones(6), 5)
    close(ag.owa(v, w, ag.order_weights_from_risk(6, 1.0)), ag.wlc(v, w), atol=1e-12)


def test_owa_max_and_min() -> None:
    v = np.array([[0.1, 0.7, 0.4], [0.9, 0.9, 0.2], [0.3, 0.3, 0.3]])
    close(ag.owa(v, [1, 1, 1], [1, 0, 0]), v.max(axis=1))
    close(ag.owa(v, [1, 1, 1], [0, 0, 1]), v.min(axis=1))


def test_owa_ties_do_not_depend_on_column_order() -> None:
    v = np.array([[0.5, 0.5, 0.1]])
    w = np.array([0.6, 0.1, 0.3])
    ow = [0.6, 0.3, 0.1]
    perm = [1, 0, 2]
    close(ag.owa(v, w, ow), ag.owa(v[:, perm], w[perm], ow))
    # tied criteria share v: 0.45 each -> (0.6*0.45*0.5 + 0.1*0.45*0.5 + 0.3*0.1*0.1)
    #                                       / (0.6*0.45 + 0.1*0.45 + 0.3*0.1)
    num = 0.6 * 0.45 * 0.5 + 0.1 * 0.45 * 0.5 + 0.3 * 0.1 * 0.1
    den = 0.6 * 0.45 + 0.1 * 0.45 + 0.3 * 0.1
    close(ag.owa(v, w, ow), [num / den])


def test_owa_errors() -> None:
    with pytest.raises(UsageError, match="one entry per criterion"):
        ag.owa([[0.1, 0.2]], [1, 1], [1, 0, 0])
    with pytest.raises(DataError, match="undefined"):
        # the only positive order weight falls on the top value, whose criterion weighs 0
        ag.owa([[0.9, 0.1]], [0, 1], [1, 0])


# ----------------------------------------------------------------------------- ranks


def test_rank_scores() -> None:
    # ties share the smallest rank; NaN ranks last, after the 4 scored sites
    assert ag.rank_scores([0.3, 0.9, 0.3, NAN, 0.1]).tolist() == [2, 1, 2, 5, 4]
    assert ag.rank_scores([[1, 2], [2, 1]]).tolist() == [[2, 1], [1, 2]]
    assert ag.rank_scores([NAN, NAN]).tolist() == [1, 1]
    assert ag.rank_scores([]).tolist() == []
    assert ag.rank_scores([0.5]).dtype == np.int64
    with pytest.raises(UsageError):
        ag.rank_scores([[[1.0]]])


# ----------------------------------------------------------------------------- properties

GRID = st.integers(0, 20).map(lambda k: k / 20)


@st.composite
def problems(draw: st.DrawFn, max_n: int = 7, max_m: int = 5) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(2, max_n))
    m = draw(st.integers(1, max_m))
    values = np.array(draw(st.lists(GRID, min_size=n * m, max_size=n * m))).reshape(n, m)
    w = draw(st.lists(st.integers(0, 10), min_size=m, max_size=m))
    assume(sum(w) > 0)
    return values, np.array(w, dtype=float)


def _all_scores(values: np.ndarray, w: np.ndarray, dirs: np.ndarray) -> dict[str, np.ndarray]:
    m = values.shape[1]
    raw = values * 100 + 1  # positive raw data for TOPSIS / VIKOR
    return {
        "wlc": ag.wlc(values, w),
        "wp": ag.weighted_product(values, w),
        "topsis": ag.topsis(raw, w, dirs),
        "vikor": ag.vikor(raw, w, dirs).score,
        "owa": ag.owa(values, w, ag.order_weights_from_risk(m, 2.0)),
    }


def _dirs(m: int, seed: int) -> np.ndarray:
    return np.where(np.random.default_rng(seed).random(m) < 0.5, 1.0, -1.0)


def _no_strict_inversion(a: np.ndarray, b: np.ndarray, tol: float = 1e-9) -> None:
    """Every pair clearly ordered by ``a`` is ordered the same way by ``b``."""
    for i in range(len(a)):
        for k in range(len(a)):
            if a[i] > a[k] + tol:
                assert b[i] > b[k]


@settings(deadline=None, max_examples=80)
@given(
    problems(),
    st.one_of(st.sampled_from([0.25, 2.0, 1024.0]), st.floats(1e-3, 1e3)),
    st.integers(0, 1000),
)
def test_property_weight_scale_changes_no_rank(
    prob: tuple[np.ndarray, np.ndarray], c: float, seed: int
) -> None:
    values, w = prob
    dirs = _dirs(values.shape[1], seed)
    base = _all_scores(values, w, dirs)
    scaled = _all_scores(values, c * w, dirs)
    exact = math.log2(c).is_integer()  # c * w is then exact: identical scores
    for name in ag.METHODS:
        close(scaled[name], base[name], atol=1e-9)
        _no_strict_inversion(base[name], scaled[name])
        if exact:
            assert (ag.rank_scores(scaled[name]) == ag.rank_scores(base[name])).all(), name


@settings(deadline=None, max_examples=80)
@given(problems(), st.integers(0, 1000), st.data())
def test_property_dominance(
    prob: tuple[np.ndarray, np.ndarray], seed: int, data: st.DataObject
) -> None:
    values, w = prob
    n, m = values.shape
    i, k = data.draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True))
    # make site i dominate site k: at least as good everywhere, strictly better once
    gain = np.array(data.draw(st.lists(st.integers(0, 5), min_size=m, max_size=m))) / 20
    assume(gain.any())
    values = values.copy()
    values[i] = np.minimum(values[k] + gain, 1.0)
    assume((values[i] > values[k]).any())
    for f in (ag.wlc, ag.weighted_product):
        s = f(values, w)
        assert s[i] >= s[k] - 1e-12
        r = ag.rank_scores(s)
        assert r[i] <= r[k] or s[k] - s[i] <= 1e-12
    # TOPSIS on raw data with directions: orient the dominance per criterion
    dirs = _dirs(m, seed)
    raw = np.where(dirs > 0, values * 100 + 1, 101 - values * 100)
    s = ag.topsis(raw, w, dirs)
    assert s[i] >= s[k] - 1e-12


@settings(deadline=None, max_examples=80)
@given(problems(), st.integers(0, 1000))
def test_property_scores_in_unit_interval(prob: tuple[np.ndarray, np.ndarray], seed: int) -> None:
    values, w = prob
    for name, s in _all_scores(values, w, _dirs(values.shape[1], seed)).items():
        assert s.shape == (values.shape[0],)
        assert ((s >= 0) & (s <= 1)).all(), name
    res = ag.vikor(values + 1, w, _dirs(values.shape[1], seed))
    for a in (res.Q, res.S, res.R):
        assert ((a >= 0) & (a <= 1)).all()
    assert res.compromise.any()


@settings(deadline=None, max_examples=50)
@given(problems(), st.integers(1, 6), st.integers(0, 1000))
def test_property_batched_equals_row_by_row(
    prob: tuple[np.ndarray, np.ndarray], s: int, seed: int
) -> None:
    values, _ = prob
    n, m = values.shape
    rng = np.random.default_rng(seed)
    w = rng.dirichlet(np.ones(m), s) * rng.uniform(0.1, 10, (s, 1))
    w[0, 0] = 0.0 if m > 1 else w[0, 0]
    dirs = _dirs(m, seed)
    ow = ag.order_weights_from_risk(m, 0.5)
    raw = values * 100 + 1
    batched = {
        "wlc": ag.wlc(values, w),
        "wp": ag.weighted_product(values, w),
        "topsis": ag.topsis(raw, w, dirs),
        "owa": ag.owa(values, w, ow),
    }
    vb = ag.vikor(raw, w, dirs)
    for out in batched.values():
        assert out.shape == (s, n)
    for row in range(s):
        close(batched["wlc"][row], ag.wlc(values, w[row]))
        close(batched["wp"][row], ag.weighted_product(values, w[row]))
        close(batched["topsis"][row], ag.topsis(raw, w[row], dirs))
        close(batched["owa"][row], ag.owa(values, w[row], ow))
        vr = ag.vikor(raw, w[row], dirs)
        close(vb.S[row], vr.S)
        close(vb.R[row], vr.R)
        close(vb.Q[row], vr.Q)
        assert bool(vb.advantage[row]) == vr.advantage  # type: ignore[index]
        assert bool(vb.stable[row]) == vr.stable  # type: ignore[index]
        assert (vb.compromise[row] == vr.compromise).all()
    ranks = ag.rank_scores(batched["wlc"])
    for row in range(s):
        assert (ranks[row] == ag.rank_scores(batched["wlc"][row])).all()


@settings(deadline=None, max_examples=50)
@given(problems(), st.floats(0.1, 5.0), st.integers(0, 1000))
def test_property_owa_permutation_invariant_and_bounded(
    prob: tuple[np.ndarray, np.ndarray], alpha: float, seed: int
) -> None:
    values, w = prob
    m = values.shape[1]
    ow = ag.order_weights_from_risk(m, alpha)
    assume((w > 0).all())
    s = ag.owa(values, w, ow)
    perm = np.random.default_rng(seed).permutation(m)
    close(ag.owa(values[:, perm], w[perm], ow), s)
    assert (s >= values.min(axis=1) - 1e-12).all()
    assert (s <= values.max(axis=1) + 1e-12).all()


def test_smaa_sized_batch_is_fast() -> None:
    """10,000 weight vectors x 500 sites x 12 criteria: well under 0.5 s (generous bound)."""
    import time

    rng = np.random.default_rng(0)
    v = rng.random((500, 12))
    w = rng.dirichlet(np.ones(12), 10_000)
    d = np.where(rng.random(12) < 0.5, 1, -1)
    for f in (lambda: ag.wlc(v, w), lambda: ag.topsis(v * 100 + 1, w, d)):
        best = math.inf
        for _ in range(3):
            t0 = time.perf_counter()
            out = f()
            best = min(best, time.perf_counter() - t0)
        assert out.shape == (10_000, 500)
        assert best < 1.5  # 0.05-0.15 s measured; loose bound for loaded CI machines


def test_analyses_share_one_complete_matrix_check() -> None:
    """SMAA, sweeps and objective weights reject the same incomplete matrices alike."""
    from siteplan.analyses.sensitivity.maths import smaa
    from siteplan.analyses.weights import entropy_weights
    from siteplan.errors import UsageError as Usage

    with pytest.raises(Usage, match=r"SMAA: decision matrix has NaN"):
        smaa([[0.5, math.nan], [0.2, 0.3]], None, [[0.5, 0.5]])
    with pytest.raises(Usage, match=r"entropy weights: .* at least 2 sites"):
        entropy_weights([[1.0, 2.0]])
    with pytest.raises(Usage, match=r"SMAA: decision matrix is not numeric"):
        smaa([["a", "b"]], None, [[0.5, 0.5]])
