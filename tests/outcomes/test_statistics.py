"""Single-case and cohort statistics against published worked examples.

Where the published figure itself could not be retrieved for this work, the test says
so and checks an independent hand calculation instead.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sacrum.outcomes.statistics import (
    kendall_s,
    mean_ci,
    median_iqr,
    mic_status,
    nap,
    reliable_change,
    t_quantile,
    tau_u,
    wilson_interval,
)

# Parker & Vannest (2009), Behav Ther 40:357, the example series of their NAP paper, as
# transcribed in SingleCaseES (R/non-overlap-measures.R, "Example from Parker & Vannest (2009)").
PV2009_A = [4, 3, 4, 3, 4, 7, 5, 2, 3, 2]
PV2009_B = [5, 9, 7, 9, 7, 5, 9, 11, 11, 10, 9]

# Parker, Vannest & Davis (2011), Behav Modif 35:303 ("nine nonoverlap techniques"),
# examples 1 and 2 as transcribed in SingleCaseES tests/testthat/test-parker-vannest-davis-2011.R.
PVD2011_A1 = [20, 20, 26, 25, 22, 23]
PVD2011_B1 = [28, 25, 24, 27, 30, 30, 29]
PVD2011_A2 = [3, 3, 4, 5]
PVD2011_B2 = [4, 5, 6, 7, 7]


def test_nap_parker_vannest_2009_example() -> None:
    """Parker & Vannest (2009) example data. The paper's own NAP figure was not available
    to us; the expected value is a hand count of the 110 pairs: every B point beats the
    eight A points of 2-4 (88 pairs); against A = 7, seven B points are higher and two tie
    (8); against A = 5, nine are higher and two tie (10). 106 / 110."""
    result = nap(PV2009_A, PV2009_B, higher_is_worse=False)
    assert result.estimate == pytest.approx(106 / 110)
    assert (result.m, result.n) == (10, 11)


def test_nap_and_tau_parker_vannest_davis_2011_example_1() -> None:
    """Parker, Vannest & Davis (2011) example 1: NAP = 38.5 / 42 and Tau = (38 - 3) / 42."""
    result = nap(PVD2011_A1, PVD2011_B1, higher_is_worse=False)
    assert result.estimate == pytest.approx(38.5 / 42)
    assert result.tau == pytest.approx((38 - 3) / 42)


def test_tau_and_tau_u_parker_vannest_davis_2011_example_2() -> None:
    """Parker, Vannest & Davis (2011) example 2: Tau = 16 / 20, Tau-U (A vs B minus trend
    in A) = 11 / 20. The Tau-U paper itself (Parker et al. 2011, Behav Ther 42:284) was not
    available to us; this review by the same authors works the same index."""
    assert nap(PVD2011_A2, PVD2011_B2, higher_is_worse=False).tau == pytest.approx(16 / 20)
    assert tau_u(PVD2011_A2, PVD2011_B2, higher_is_worse=False) == pytest.approx(11 / 20)
    assert kendall_s(PVD2011_A2) == 5


def test_a_higher_is_worse_scale_reads_lower_as_better() -> None:
    """The same series mirrored (a pain score falling instead of rising) gives the same values."""
    flipped_a = [-x for x in PVD2011_A2]
    flipped_b = [-x for x in PVD2011_B2]
    assert nap(flipped_a, flipped_b, higher_is_worse=True).estimate == pytest.approx(18 / 20)
    assert tau_u(flipped_a, flipped_b, higher_is_worse=True) == pytest.approx(11 / 20)


def test_tau_u_can_exceed_one() -> None:
    """Hand example: a baseline getting steadily worse (S_A = -10) and a treatment phase
    wholly better (S_AB = 15): (15 - (-10)) / 15 = 5/3, beyond the +-1 of a correlation."""
    assert tau_u([5, 4, 3, 2, 1], [6, 7, 8], higher_is_worse=False) == pytest.approx(25 / 15)


def test_nap_hanley_mcneil_standard_error() -> None:
    """For example 1 the scda package documents SE = 0.07739185 (Hanley & McNeil 1982)
    in its NAP reference page; we compute the same formula."""
    assert nap(PVD2011_A1, PVD2011_B1, higher_is_worse=False).se == pytest.approx(
        0.07739185, abs=1e-8
    )


@pytest.mark.parametrize(
    ("a", "b"), [(PV2009_A, PV2009_B), (PVD2011_A1, PVD2011_B1), (PVD2011_A2, PVD2011_B2)]
)
def test_nap_interval_solves_newcombe_method_5(a: list[int], b: list[int]) -> None:
    """Newcombe (2006) method 5: each limit theta solves
    m n (NAP - theta)^2 (2 - theta)(1 + theta) = z^2 theta (1 - theta) (2 + h + (1 + 2h) theta (1 - theta)),
    h = (m + n)/2 - 1. No published interval for these series was available to us, so the
    test checks the limits against the equation itself, independently of the root finder."""
    result = nap(a, b, higher_is_worse=False)
    m, n, z = len(a), len(b), 1.959963984540054
    h = (m + n) / 2 - 1
    for theta in (result.lower, result.upper):
        left = m * n * (result.estimate - theta) ** 2 * (2 - theta) * (1 + theta)
        right = z**2 * theta * (1 - theta) * (2 + h + (1 + 2 * h) * theta * (1 - theta))
        assert left == pytest.approx(right, rel=1e-6, abs=1e-9)
    assert 0 <= result.lower < result.estimate < result.upper <= 1


def test_nap_interval_at_the_edges() -> None:
    complete = nap([5, 5, 6], [1, 2, 2, 3], higher_is_worse=True)
    assert complete.estimate == 1 and complete.upper == 1 and complete.lower < 1
    none = nap([1, 2], [5, 6], higher_is_worse=True)
    assert none.estimate == 0 and none.lower == 0 and none.upper > 0


@given(
    st.lists(st.integers(0, 10), min_size=1, max_size=12),
    st.lists(st.integers(0, 10), min_size=1, max_size=12),
    st.booleans(),
)
def test_nap_tau_properties(a: list[int], b: list[int], worse: bool) -> None:
    result = nap(a, b, higher_is_worse=worse)
    assert 0 <= result.lower <= result.estimate <= result.upper <= 1
    assert -1 <= result.tau <= 1
    # Tau-U removes the baseline trend from Tau, so it differs by S_A / (m n) exactly.
    sign = -1 if worse else 1
    s_a = kendall_s([sign * x for x in a])
    assert tau_u(a, b, higher_is_worse=worse) == pytest.approx(result.tau - s_a / (len(a) * len(b)))


def test_reliable_change_hand_calculation() -> None:
    """Jacobson & Truax (1991) define RC = (x2 - x1) / S_diff, S_diff = sqrt(2 SE^2),
    SE = s1 sqrt(1 - r). Their worked figures were not available to us; by hand with
    s1 = 7.5, r = 0.80: SE = 7.5 x sqrt(0.2) = 3.3541, S_diff = 4.7434, and a fall from
    32 to 22 gives RC = -10 / 4.7434 = -2.108: beyond 1.96, a reliable improvement on a
    higher-is-worse scale."""
    result = reliable_change(32, 22, sd=7.5, r=0.80, higher_is_worse=True)
    assert result.se == pytest.approx(3.3541, abs=1e-4)
    assert result.s_diff == pytest.approx(4.7434, abs=1e-4)
    assert result.rc == pytest.approx(-2.1082, abs=1e-4)
    assert result.reliable and result.direction == "improved"

    small = reliable_change(32, 26, sd=7.5, r=0.80, higher_is_worse=True)  # RC = -1.26
    assert not small.reliable and small.direction == "none"
    worse = reliable_change(10, 22, sd=7.5, r=0.80, higher_is_worse=True)
    assert worse.direction == "worse"
    better_up = reliable_change(2, 8, sd=1.5, r=0.5, higher_is_worse=False)  # RC = 4
    assert better_up.rc == pytest.approx(4.0) and better_up.direction == "improved"


def test_reliable_change_needs_usable_inputs() -> None:
    with pytest.raises(ValueError):
        reliable_change(1, 2, sd=0, r=0.8, higher_is_worse=True)
    with pytest.raises(ValueError):
        reliable_change(1, 2, sd=3, r=1.0, higher_is_worse=True)


@pytest.mark.parametrize(
    ("baseline", "latest", "absolute", "relative", "worse_high", "expected"),
    [
        (7, 5, 2, 0.3, True, "improved"),  # 2 points (Farrar 2001)
        (4, 3, 2, 0.3, True, "not_yet"),  # 1 point but only 25 %
        (3, 2, 2, 0.3, True, "improved"),  # 1 point is 33 %
        (5, 7, 2, 0.3, True, "worse"),
        (12, 9, 5, None, True, "not_yet"),
        (3.0, 5.5, 2, None, False, "improved"),  # PSFS: higher is better
        (10, 4, None, None, True, "no_mic"),
        (20, 10, None, 0.5, True, "improved"),  # 50 % fewer headache days
    ],
)
def test_mic_status(
    baseline: float,
    latest: float,
    absolute: float | None,
    relative: float | None,
    worse_high: bool,
    expected: str,
) -> None:
    assert (
        mic_status(
            baseline,
            latest,
            higher_is_worse=worse_high,
            mic_absolute=absolute,
            mic_relative=relative,
        )
        == expected
    )


@pytest.mark.parametrize(
    ("k", "n", "lower", "upper"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_interval_newcombe_1998_examples(k: int, n: int, lower: float, upper: float) -> None:
    """Newcombe (1998), Stat Med 17:857, Table II, method 3 (Wilson 1927 score interval)
    for his four illustrative proportions. The figures are quoted from that table as we
    know it (the paper's text could not be opened here); all eight limits also agree to
    4 decimals with a hand evaluation of Wilson's formula, e.g. 0/20: z^2/(n+z^2) = 3.8415/23.8415 = 0.1611."""
    low, high = wilson_interval(k, n)
    assert low == pytest.approx(lower, abs=5e-5)
    assert high == pytest.approx(upper, abs=5e-5)


@given(st.integers(1, 500), st.data())
def test_wilson_interval_contains_the_proportion(n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(0, n))
    low, high = wilson_interval(k, n)
    assert 0 <= low <= k / n <= high <= 1


def test_median_and_iqr_interpolate_like_percentile_cont() -> None:
    """Hand: for 1..8, positions (n-1)p = 3.5, 1.75, 5.25 give 4.5, 2.75 and 6.25."""
    assert median_iqr([8, 1, 7, 2, 6, 3, 5, 4]) == (4.5, 2.75, 6.25)
    assert median_iqr([3]) == (3, 3, 3)


@pytest.mark.parametrize(("df", "expected"), [(1, 12.706), (2, 4.303), (10, 2.228), (30, 2.042)])
def test_t_quantiles_match_the_printed_table(df: int, expected: float) -> None:
    """Two-sided 5 % points of Student's t as printed in standard tables (Fisher & Yates)."""
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=5e-4)


def test_mean_ci_hand_calculation() -> None:
    """2, 4, 6, 8: mean 5, s = 2.5820, SE = 1.2910, t(3) = 3.1824 -> 5 +- 4.1084."""
    mean, low, high = mean_ci([2, 4, 6, 8])
    assert mean == 5
    assert low == pytest.approx(5 - 4.1084, abs=1e-3)
    assert high == pytest.approx(5 + 4.1084, abs=1e-3)
    assert math.isclose(high - mean, mean - low)
