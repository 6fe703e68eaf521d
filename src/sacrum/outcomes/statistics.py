"""Single-case and cohort statistics: small, pure functions, each with its source.

Phase A is the baseline (before sessions began), phase B the observations after.
"Better" means lower on a higher-is-worse scale. Sources and worked examples are in
``docs/outcomes.md`` and in the tests (``tests/outcomes/test_statistics.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist, fmean, stdev


def _z(confidence: float) -> float:
    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def _oriented(values: Sequence[float], higher_is_worse: bool) -> list[float]:
    """Flip a higher-is-worse scale so that "better" is always "larger" below."""
    return [-v for v in values] if higher_is_worse else [float(v) for v in values]


def _bisect(f: Callable[[float], float], low: float, high: float) -> float:
    """A root of ``f`` between ``low`` and ``high`` (where ``f`` changes sign)."""
    f_low = f(low)
    for _ in range(200):
        mid = (low + high) / 2
        f_mid = f(mid)
        if f_mid == 0 or high - low < 1e-14:
            return mid
        if (f_mid > 0) == (f_low > 0):
            low, f_low = mid, f_mid
        else:
            high = mid
    return (low + high) / 2


# --- Non-overlap: NAP, Tau, Tau-U --------------------------------------------------------


@dataclass(frozen=True)
class Nap:
    estimate: float
    lower: float
    upper: float
    se: float  # Hanley & McNeil (1982)
    m: int
    n: int

    @property
    def tau(self) -> float:
        """Tau = 2 NAP - 1: pairs better minus pairs worse, over all pairs."""
        return 2 * self.estimate - 1

    @property
    def tau_interval(self) -> tuple[float, float]:
        return 2 * self.lower - 1, 2 * self.upper - 1


def nap(
    baseline: Sequence[float],
    treatment: Sequence[float],
    *,
    higher_is_worse: bool,
    confidence: float = 0.95,
) -> Nap:
    """Non-overlap of all pairs (Parker & Vannest 2009, Behav Ther 40:357).

    Over all m x n pairs (a from A, b from B) count 1 where b is better than a and 0.5
    where they tie, divided by m x n. The interval is Newcombe's (2006, Stat Med 25:559)
    method 5, the score-type interval SingleCaseES reports; the standard error is Hanley
    & McNeil's (1982, Radiology 143:29).
    """
    a = _oriented(baseline, higher_is_worse)
    b = _oriented(treatment, higher_is_worse)
    m, n = len(a), len(b)
    if not m or not n:
        raise ValueError("NAP needs at least one observation in each phase")
    q = [[1.0 if bj > ai else 0.5 if bj == ai else 0.0 for bj in b] for ai in a]
    estimate = sum(map(sum, q)) / (m * n)

    q1 = sum(sum(row) ** 2 for row in q) / (m * n * n)
    q2 = sum(sum(q[i][j] for i in range(m)) ** 2 for j in range(n)) / (m * m * n)
    variance = (
        estimate * (1 - estimate) + (n - 1) * (q1 - estimate**2) + (m - 1) * (q2 - estimate**2)
    ) / (m * n)
    se = math.sqrt(max(variance, 0.0))

    z = _z(confidence)
    h = (m + n) / 2 - 1

    def f(x: float) -> float:
        return m * n * (estimate - x) ** 2 * (2 - x) * (1 + x) - z**2 * x * (1 - x) * (
            2 + h + (1 + 2 * h) * x * (1 - x)
        )

    lower = _bisect(f, 0.0, estimate) if estimate > 0 else 0.0
    upper = _bisect(f, estimate, 1.0) if estimate < 1 else 1.0
    return Nap(estimate, lower, upper, se, m, n)


def kendall_s(series: Sequence[float]) -> int:
    """Kendall's S of a series against time: sum over i < j of sign(x_j - x_i)."""
    return sum(
        (series[j] > series[i]) - (series[j] < series[i])
        for i in range(len(series))
        for j in range(i + 1, len(series))
    )


def tau_u(baseline: Sequence[float], treatment: Sequence[float], *, higher_is_worse: bool) -> float:
    """Tau-U, A vs B minus trend in A (Parker, Vannest, Davis & Sauber 2011, Behav Ther 42:284).

    (S_AB - S_A) / (m x n), with S_AB = pairs better minus pairs worse and S_A Kendall's
    S within the baseline (in time order). It is not bounded by +-1: a strong baseline
    trend in the wrong direction can push it past 1.
    """
    a = _oriented(baseline, higher_is_worse)
    b = _oriented(treatment, higher_is_worse)
    m, n = len(a), len(b)
    if not m or not n:
        raise ValueError("Tau-U needs at least one observation in each phase")
    s_ab = sum((bj > ai) - (bj < ai) for ai in a for bj in b)
    return (s_ab - kendall_s(a)) / (m * n)


# --- Reliable change ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReliableChange:
    rc: float
    se: float  # standard error of measurement
    s_diff: float
    reliable: bool
    direction: str  # "improved", "worse" or "none"


def reliable_change(
    before: float,
    after: float,
    *,
    sd: float,
    r: float,
    higher_is_worse: bool,
    criterion: float = 1.96,
) -> ReliableChange:
    """Jacobson & Truax (1991, J Consult Clin Psychol 59:12).

    RC = (x2 - x1) / S_diff, S_diff = sqrt(2) x SE, SE = s1 x sqrt(1 - r), where s1 is the
    standard deviation of the pre-treatment group and r the test-retest reliability.
    |RC| > 1.96 is a change unlikely (p < .05) to come from measurement error alone.
    """
    if sd <= 0 or not 0 < r < 1:
        raise ValueError("reliable change needs sd > 0 and 0 < r < 1")
    se = sd * math.sqrt(1 - r)
    s_diff = math.sqrt(2) * se
    rc = (after - before) / s_diff
    reliable = abs(rc) > criterion
    better = rc < 0 if higher_is_worse else rc > 0
    direction = "none" if not reliable else "improved" if better else "worse"
    return ReliableChange(rc, se, s_diff, reliable, direction)


def mic_status(
    baseline: float,
    latest: float,
    *,
    higher_is_worse: bool,
    mic_absolute: float | None,
    mic_relative: float | None,
) -> str:
    """'improved' when the change reaches the MIC (absolute or relative to the baseline),
    'worse' when it does so in the other direction, else 'not_yet'. 'no_mic' without one.

    Percent change = (baseline - follow-up) / baseline for higher-is-worse scales.
    """
    if mic_absolute is None and mic_relative is None:
        return "no_mic"
    gain = (baseline - latest) if higher_is_worse else (latest - baseline)
    tolerance = 1e-9

    def reaches(amount: float) -> bool:
        if mic_absolute is not None and amount >= mic_absolute - tolerance:
            return True
        return bool(
            mic_relative is not None
            and baseline > 0
            and amount / baseline >= mic_relative - tolerance
        )

    if gain > 0 and reaches(gain):
        return "improved"
    if gain < 0 and reaches(-gain):
        return "worse"
    return "not_yet"


# --- Cohort statistics --------------------------------------------------------------------


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson's (1927) score interval for a proportion, as in Newcombe (1998) method 3."""
    if n <= 0 or not 0 <= successes <= n:
        raise ValueError("need 0 <= successes <= n and n > 0")
    z = _z(confidence)
    p = successes / n
    centre = (2 * n * p + z * z) / (2 * (n + z * z))
    half = z * math.sqrt(z * z + 4 * n * p * (1 - p)) / (2 * (n + z * z))
    lower = 0.0 if successes == 0 else max(0.0, centre - half)
    upper = 1.0 if successes == n else min(1.0, centre + half)
    return lower, upper


def quantile(sorted_values: Sequence[float], p: float) -> float:
    """Linear interpolation between order statistics (Hyndman & Fan type 7), the same
    rule as PostgreSQL's ``percentile_cont`` and R's default."""
    if not sorted_values:
        raise ValueError("no values")
    h = (len(sorted_values) - 1) * p
    lower = math.floor(h)
    upper = min(lower + 1, len(sorted_values) - 1)
    return sorted_values[lower] + (h - lower) * (sorted_values[upper] - sorted_values[lower])


def median_iqr(values: Sequence[float]) -> tuple[float, float, float]:
    """(median, first quartile, third quartile)."""
    ordered = sorted(values)
    return quantile(ordered, 0.5), quantile(ordered, 0.25), quantile(ordered, 0.75)


def _incomplete_beta(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b) by its continued fraction (Lentz's method)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    if x > (a + 1) / (a + b + 2):
        return 1.0 - _incomplete_beta(b, a, 1 - x)
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(1 - x)
    )
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for k in range(1, 500):
        m2 = 2 * k
        numerator = k * (b - k) * x / ((a + m2 - 1) * (a + m2))
        d = 1.0 + numerator * d
        c = 1.0 + numerator / c
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = c if abs(c) > tiny else tiny
        result *= d * c
        numerator = -(a + k) * (a + b + k) * x / ((a + m2) * (a + m2 + 1))
        d = 1.0 + numerator * d
        c = 1.0 + numerator / c
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = c if abs(c) > tiny else tiny
        delta = d * c
        result *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return math.exp(log_front) * result / a


def t_cdf(t: float, df: float) -> float:
    """Student's t distribution function."""
    tail = 0.5 * _incomplete_beta(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t >= 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t with ``df`` degrees of freedom."""
    if not 0 < p < 1:
        raise ValueError("p must lie between 0 and 1")
    if p < 0.5:
        return -t_quantile(1 - p, df)
    high = 1.0
    while t_cdf(high, df) < p:
        high *= 2
    return _bisect(lambda t: t_cdf(t, df) - p, 0.0, high)


def mean_ci(values: Sequence[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """(mean, lower, upper): the t-based interval for a mean."""
    if len(values) < 2:
        raise ValueError("a mean's interval needs at least two values")
    mean = fmean(values)
    half = (
        t_quantile(1 - (1 - confidence) / 2, len(values) - 1)
        * stdev(values)
        / math.sqrt(len(values))
    )
    return mean, mean - half, mean + half
