import numpy as np
import pytest
from scipy import stats

import resilience_sim.rng as rng
from resilience_sim.rng import exponential, poisson, uniform, uniforms


def stream_key(seed, stream, day):
    # numba returns the uint64 key as a Python int; keep it unsigned for the next call
    return np.uint64(rng.stream_key(seed, stream, day))


def test_uniform_is_a_pure_function_of_its_coordinates():
    key = stream_key(7, 3, 11)
    a = [uniform(key, e, k) for e in range(50) for k in range(3)]
    b = [uniform(stream_key(7, 3, 11), e, k) for e in range(50) for k in range(3)]
    assert a == b
    assert uniform(stream_key(7, 3, 12), 0, 0) != a[0]
    assert uniform(stream_key(8, 3, 11), 0, 0) != a[0]
    assert uniform(stream_key(7, 4, 11), 0, 0) != a[0]


def test_uniforms_are_uniform_and_independent():
    u = uniforms(123, 2, 5, 200_000, 0)
    assert 0.0 <= u.min() and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    v = uniforms(123, 2, 5, 200_000, 1)
    assert abs(np.corrcoef(u, v)[0, 1]) < 0.01
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.01


def test_exponential_mean_one():
    key = stream_key(1, 1, 0)
    x = np.array([exponential(key, e, 0) for e in range(100_000)])
    assert abs(x.mean() - 1.0) < 0.02
    assert stats.kstest(x, "expon").pvalue > 1e-3


@pytest.mark.parametrize("lam", [0.3, 4.0, 9.9, 10.0, 37.5, 400.0])
def test_poisson_matches_its_distribution(lam):
    key = stream_key(99, 4, 2)
    x = np.array([poisson(key, e, lam) for e in range(40_000)])
    assert abs(x.mean() - lam) < 4 * np.sqrt(lam / len(x))
    assert abs(x.var() - lam) < 0.05 * lam + 0.02
    # chi-square on the bulk of the distribution
    lo, hi = int(stats.poisson.ppf(0.01, lam)), int(stats.poisson.ppf(0.99, lam))
    edges = np.arange(lo, hi + 2) - 0.5
    observed, _ = np.histogram(x, bins=edges)
    expected = len(x) * np.diff(stats.poisson.cdf(edges + 0.5 - 1, lam))
    keep = expected > 5
    chi2 = ((observed[keep] - expected[keep]) ** 2 / expected[keep]).sum()
    assert stats.chi2.sf(chi2, keep.sum() - 1) > 1e-4


def test_poisson_zero_mean():
    assert poisson(stream_key(1, 1, 1), 0, 0.0) == 0


def _candidates(key, chance, n):
    out, a, k = [], -1, 0
    while True:
        a = rng.next_candidate(key, k, a, chance, n)
        k += 1
        if a >= n:
            return np.array(out)
        out.append(a)


@pytest.mark.parametrize("chance", [0.003, 0.05, 0.3])
def test_candidates_are_a_bernoulli_thinning(chance):
    """Each entity is a candidate with probability ``chance``, independently (geometric gaps)."""
    n = 200_000
    drawn = _candidates(stream_key(7, 14, 3), chance, n)
    assert np.all(np.diff(drawn) > 0) and drawn.min() >= 0 and drawn.max() < n
    assert abs(len(drawn) - chance * n) < 4 * np.sqrt(n * chance * (1 - chance))
    gaps = np.diff(drawn) - 1  # geometric on {0, 1, …} with success probability chance
    assert abs(gaps.mean() - (1 - chance) / chance) < 4 * np.sqrt((1 - chance) / chance**2 / len(gaps))
    halves = [(drawn < n // 2).sum(), (drawn >= n // 2).sum()]  # no drift along the entities
    assert abs(halves[0] - halves[1]) < 4 * np.sqrt(len(drawn))


def test_candidates_at_the_edges():
    key = stream_key(1, 14, 0)
    assert list(_candidates(key, 1.0, 5)) == [0, 1, 2, 3, 4]
    assert len(_candidates(key, 0.0, 5)) == 0
    assert len(_candidates(key, 1e-12, 1000)) == 0  # a huge gap ends the list, no overflow
