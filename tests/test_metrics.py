import numpy as np
import pytest

from resilience_sim.metrics import latency_quantile, resilience, smooth
from resilience_sim.params import defaults


def params(**kw):
    p = defaults()
    p.update({"run.warmup": 10, "outcomes.smoothing_days": 1, "outcomes.recovery_days": 3,
              "outcomes.recovery_share": 0.95})
    p.update(kw)
    return p


def triangle():
    """P0 = 1 for 20 days, drops to 0.6 at onset 20, back linearly to 1 by day 40."""
    p = np.ones(60)
    p[20:40] = 0.6 + 0.4 * np.arange(20) / 20
    return p


def test_known_triangle():
    r = resilience(triangle(), 20, params())
    assert r["p0"] == pytest.approx(1.0)
    assert r["depth"] == pytest.approx(0.4)
    assert r["days_to_min"] == 0
    # back to 0.95 when 0.6 + 0.02 k >= 0.95, i.e. k = 18 (float: 17.5 → 18)
    assert r["days_to_recover"] == 18
    # measured over the shock's window: onset to recovery (a longer horizon changes nothing)
    assert r["window_days"] == 18
    assert r["area_lost"] == pytest.approx(sum(0.4 - 0.4 * k / 20 for k in range(18)))
    assert r["resilience_index"] == pytest.approx(triangle()[20:38].sum() / 18)


def test_never_recovers():
    p = np.ones(50)
    p[20:] = 0.5
    assert resilience(p, 20, params())["days_to_recover"] is None


def test_no_shock():
    r = resilience(np.full(30, 0.9), None, params())
    assert r["depth"] == 0.0 and r["area_lost"] == 0.0


def test_smoothing_is_a_trailing_mean():
    assert np.allclose(smooth(np.array([1.0, 3, 5, 7]), 2), [1, 2, 4, 6])


def test_latency_quantile_from_histogram():
    h = np.zeros(100, dtype=np.int64)
    h[10] = 95
    h[50] = 5
    assert latency_quantile(h, 0.5) == pytest.approx(10.5 / 24)
    assert latency_quantile(h, 0.99) == pytest.approx(50.5 / 24)
    assert latency_quantile(np.zeros(5), 0.5) is None
