"""Subsidiarity in the decision machinery: known answers and the literature's patterns.

* sign-offs 1 vs 3 under the same load: the latency difference is the tandem-queue
  prediction 2/(μ − λ);
* tacit approval after 0 days: no decision waits;
* no reporting: capacity is exactly what agents and desks have without it;
* Galbraith (1974): with exceptions held at the top, the top desk's queue and the
  backlog grow superlinearly with the share of exceptions; with authority moved down
  they do not (the curve is saved in the test's folder; with
  ``RESILIENCE_SIM_WRITE_DOCS=1`` it replaces docs/galbraith.png);
* Kim & Burton (2002): under high uncertainty, decentralised decisions are faster but
  err more; under low uncertainty the time is about the same.
"""

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from queue_lab import ci95, clean_scenario, replications, staff_only  # noqa: E402

from resilience_sim import Simulation, load  # noqa: E402
from resilience_sim.kernels.record import COL  # noqa: E402
from resilience_sim.results import collect  # noqa: E402
from resilience_sim.scenario import parse  # noqa: E402
from resilience_sim.state import STATUS_ABSENT, STATUS_REMOTE  # noqa: E402

DOCS = Path(__file__).resolve().parents[2] / "docs"


def steady(agents: int, days: int, seed: int, exception_share: float, authority: int, steps: int = 1,
           extra: str = "", information_wait: float = 0.0) -> "Simulation":
    """A commune with no shock, only exceptions reaching the desks.

    The patterns below are about desks' congestion; the information wait (a fixed delay
    per level between the field and the desk, ``decisions.information_wait``, tested in
    ``tests/test_mechanisms.py``) is off unless asked for, as in ``queue_lab``.
    """
    text = f"""
[run]
days = {days}
seed = {seed}
[organisation]
archetype = "commune_50k"
agents = {agents}
[baseline]
exception_share = {exception_share!r}
[decisions]
spending_rate = 0.0
partnership_rate = 0.0
information_wait = {information_wait!r}
[policy.authority]
exception = {authority}
[policy.validation]
steps = {steps}
{extra}
"""
    return Simulation(parse(text, "<subsidiarity>", "steady"))


def test_signoffs_one_vs_three_match_the_tandem_prediction():
    """Same load (λ = 0.8, μ = 1): 3 sign-offs take 2/(μ − λ) = 10 days longer than 1."""
    lam, mu = 0.8, 1.0
    kw = dict(n=40, first_seed=7_000, prepare=staff_only)
    one = replications(lambda seed: clean_scenario([("unit", 5, lam)], seed=seed, capacity=mu,
                                                   authority=2, steps=1, days=2000), warmup=200, **kw)
    three = replications(lambda seed: clean_scenario([("unit", 5, lam)], seed=seed, capacity=mu,
                                                     authority=2, steps=3, days=2000), warmup=200, **kw)
    diff = ci95([b.latency - a.latency for a, b in zip(one, three, strict=True)])
    print(f"latency(3) − latency(1) = {diff} vs 2/(μ − λ) = 10")
    assert diff.half_width < 1.0
    assert 10.0 in diff


def test_tacit_approval_after_zero_days_means_no_wait():
    # the tacit clock runs once the file is complete: a case still waiting for the field's
    # information is not yet silence, so the information wait is set to zero here
    s = load("covid_lockdown_2020").with_values({"organisation.agents": 300, "run.days": 90,
                                                   "policy.validation.tacit_days": 0.0,
                                                   "decisions.information_wait": 0.0})
    sim = Simulation(s)
    out = sim.run()
    lat = out[:, COL["decision_latency_mean"]]
    assert np.nanmax(lat) == 0.0
    assert out[:, COL["decisions_waiting"]].max() == 0
    assert out[:, COL["tacit_approvals"]].sum() == out[:, COL["decisions_completed"]].sum() > 100
    # without tacit approval the same scenario has waits
    out2 = Simulation(s.with_values({"policy.validation.tacit_days": None})).run()
    assert np.nanmax(out2[:, COL["decision_latency_mean"]]) > 0.5


def test_no_reporting_means_full_capacity():
    """Day 0 (no fatigue, no IT outage): capacity is Σ productivity × task share."""
    base = load("covid_lockdown_2020").with_values({"organisation.agents": 400, "run.days": 60,
                                                      "policy.reporting.agent_hours": 0.0,
                                                      "policy.reporting.manager_hours": 0.0})
    sim = Simulation(base)
    sim.step()
    a = sim.agents
    work = (a.productivity.astype(np.float64) * a.task_share) * (a.status != STATUS_ABSENT)
    assert not (a.status == STATUS_REMOTE).any()
    expected = np.bincount(a.assigned, weights=work, minlength=len(sim.services.capacity))
    np.testing.assert_allclose(sim.services.capacity, expected, rtol=1e-6)
    np.testing.assert_allclose(sim.managers.rate[a.status[sim.managers.agent] != STATUS_ABSENT],
                               sim.managers.capacity[a.status[sim.managers.agent] != STATUS_ABSENT])
    # with 7 h/week of reporting the same agents have 1 − 7/35 of that capacity
    sim7 = Simulation(base.with_values({"policy.reporting.agent_hours": 7.0}))
    sim7.step()
    np.testing.assert_allclose(sim7.services.capacity, expected * 0.8, rtol=1e-6)


SHARES = (0.0005, 0.001, 0.002, 0.003, 0.0035, 0.004, 0.005)


def galbraith_curves(seeds=(1, 2, 3)):
    """Mean top-desk queue and task backlog against the share of exceptions."""
    curves = {}
    for name, authority in (("held at the top", 0), ("held by heads of service", 3)):
        top, total, backlog = [], [], []
        for p in SHARES:
            t = q = b = 0.0
            for seed in seeds:
                out = steady(1000, 150, seed, p, authority).run()[30:]
                t += out[:, COL["queue_l0"]].mean()
                q += sum(out[:, COL[f"queue_l{lv}"]].mean() for lv in range(6))
                b += out[:, COL["backlog"]].mean()
            top.append(t / len(seeds))
            total.append(q / len(seeds))
            backlog.append(b / len(seeds))
        curves[name] = (np.array(top), np.array(total), np.array(backlog))
    return curves


def test_galbraith_overload_when_exceptions_climb_to_the_top(tmp_path):
    curves = galbraith_curves()
    top, total, backlog = curves["held at the top"]
    _, total_low, backlog_low = curves["held by heads of service"]
    i1, i3 = SHARES.index(0.001), SHARES.index(0.003)
    # at the top: tripling the exceptions multiplies the queue far more than three times
    assert top[i3] / top[i1] > 6
    k = SHARES.index(0.004) + 1
    slopes = np.diff(top[:k]) / np.diff(SHARES[:k])
    assert np.all(np.diff(slopes) > 0)  # convex up to the top desk's capacity
    assert backlog[-1] > 1.5 * backlog[0]
    # held by the heads of service: queues grow about in proportion, backlog stays put
    assert total_low[i3] / total_low[i1] < 4.5
    assert total_low[-1] / total_low[0] < 1.5 * SHARES[-1] / SHARES[0]
    assert backlog_low[-1] - backlog_low[0] < 0.15 * (backlog[-1] - backlog[0])
    with plt.style.context("default"):  # the same figure whatever other tests set
        _draw(curves, DOCS if os.environ.get("RESILIENCE_SIM_WRITE_DOCS") else tmp_path)


def _draw(curves: dict, folder: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for name, (_, q, b) in curves.items():
        axes[0].plot(np.array(SHARES) * 100, q, marker="o", label=name)
        axes[1].plot(np.array(SHARES) * 100, b, marker="o", label=name)
    axes[0].set_ylabel("decisions waiting at desks (mean)")
    axes[1].set_ylabel("tasks waiting (mean)")
    for ax in axes:
        ax.set_xlabel("exceptions, % of tasks")
        ax.legend(fontsize=8)
    fig.suptitle("Galbraith: exceptions climbing to the top overload it (commune, 1,000 staff)")
    fig.tight_layout()
    fig.savefig(folder / "galbraith.png", dpi=110)
    plt.close(fig)


def kim_burton(share: float, seeds=range(10)):
    """Per seed: (latency, error rate) of exceptions, centralised vs decentralised."""
    rows = []
    for seed in seeds:
        pair = []
        for authority in (2, 4):  # directors vs team leaders, one sign-off each
            sim = steady(600, 120, 100 + seed, share, authority)
            sim.run()
            ex = collect(sim).summary["decisions_by_type"]["exception"]
            pair.append((ex["latency_mean"], ex["errors"] / ex["settled"]))
        rows.append(pair)
    return np.array(rows)  # (seed, design, measure)


@pytest.mark.parametrize("share", [0.05])
def test_kim_burton_high_uncertainty(share):
    """Many exceptions: decentralised is faster but errs more (paired, common random numbers)."""
    r = kim_burton(share)
    faster = ci95(r[:, 1, 0] - r[:, 0, 0])
    errs = ci95(r[:, 1, 1] - r[:, 0, 1])
    print(f"decentralised − centralised: latency {faster} days, error rate {errs}")
    assert faster.high < 0
    assert errs.low > 0


def test_kim_burton_low_uncertainty():
    """Few exceptions: time about the same (within 25 %)."""
    r = kim_burton(0.002)
    ratio = r[:, 1, 0].mean() / r[:, 0, 0].mean()
    print(f"latency decentralised/centralised = {ratio:.3f}")
    assert 0.75 < ratio < 1.25
