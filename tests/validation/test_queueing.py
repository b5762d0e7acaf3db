"""The decision machinery against queueing theory (DESIGN §1.2 step 3, §3 anchors).

Every test builds a clean queue out of the organisation model (see ``queue_lab``),
runs independent replications of 3,650 days with a warm-up of 365 days (100 days
for the tests on a ten times faster time scale), and asserts
that the analytic values lie inside simultaneous 95 % confidence intervals of the
simulated ones, and that the intervals are narrow enough for a biased engine to
fail. Run with ``-s`` to see the estimates.
"""

from __future__ import annotations

import math

import numpy as np
from queue_lab import LEVEL, Family, clean_scenario, mmc_sojourn, replications, staff_only

from resilience_sim.organisation import TASK_SHARE_BY_LEVEL


def test_mm1_sojourn_time_and_littles_law():
    """M/M/1: one desk, λ = 0.8/day, μ = 1/day.

    Every task of one service (demand 0.8/day, exception share 1) raises a decision
    that goes straight to the executive (authority 0, one sign-off): a single FIFO
    desk with Poisson arrivals and exponential sign-offs. Theory:

    * arrival rate λ = 0.8/day;
    * W = 1/(μ − λ) = 5 days;
    * Little's law: L = λW = 4 decisions at the desk at any time;
    * sojourn time ~ Exp(μ − λ): P(W > 10 days) = e^(−2) = 0.1353;
    * Little's law on the measured quantities too: L̂ − λ̂·Ŵ = 0.
    """
    lam, mu = 0.8, 1.0
    reps = replications(lambda seed: clean_scenario([("unit", 3, lam)], seed=seed, capacity=mu),
                        n=80, first_seed=1_000)
    # deadlines practically never bite: P(wait > 59 days) = ρ·e^(−0.2·59) ≈ 6e-6
    assert sum(r.expired for r in reps) <= 1e-4 * sum(r.completed for r in reps)
    # the executive's desk is the only one in use
    for r in reps:
        assert np.isclose(r.by_level()[LEVEL["executive"]], r.in_system)
    f = Family("M/M/1, λ = 0.8, μ = 1")
    f.add("arrival rate λ", [r.arrival_rate for r in reps], lam, 0.02)
    f.add("W (days)", [r.latency for r in reps], 1 / (mu - lam), 0.06)
    f.add("L (decisions at the desk)", [r.in_system for r in reps], lam / (mu - lam), 0.07)
    f.add("P(W > 10 days)", [r.share_longer(10.0) for r in reps], math.exp(-2.0), 0.12)
    f.add("L̂ − λ̂Ŵ", [r.in_system - r.arrival_rate * r.latency for r in reps], 0.0, 0.05)
    f.verify()


def test_mmc_erlang_c():
    """M/M/c: c = 3 parallel deciders at one desk, λ = 2.4/day, μ = 1/day per decider.

    Offered load a = λ/μ = 2.4, utilisation ρ = a/c = 0.8. Erlang C:
    C(3, 2.4) = (a³/3! · c/(c − a)) / (Σ_{k<3} a^k/k! + a³/3! · c/(c − a))
    = 11.52/17.80 = 0.6472, so W = C/(cμ − λ) + 1/μ = 0.6472/0.6 + 1 = 2.0787 days
    and L = λW = 4.989.
    """
    c, lam, mu = 3, 2.4, 1.0
    w = mmc_sojourn(c, lam, mu)
    assert abs(w - 2.0787) < 1e-4
    reps = replications(
        lambda seed: clean_scenario([("unit", 3, lam)], seed=seed, capacity=mu, deciders=c),
        n=30, first_seed=2_000)
    f = Family("M/M/3, λ = 2.4, μ = 1")
    f.add("W (days)", [r.latency for r in reps], w, 0.05)
    f.add("L", [r.in_system for r in reps], lam * w, 0.05)
    f.verify()


def test_tandem_three_sign_offs():
    """Tandem (Jackson) network: team leader → head of service → director.

    One service of 5 agents (a head, one team leader, 3 staff), exceptions at
    λ = 0.8/day raised by the staff, authority at the director (level 2) and
    ``validation.steps`` = 3: every decision is signed off by the team leader, the
    head and the director, each an exponential server with μ = 1/day. By Burke's
    theorem each stage is an M/M/1 with λ = 0.8, so

    * W = Σ_k 1/(μ_k − λ_k) = 3 × 5 = 15 days (DESIGN §3);
    * L_k = λ/(μ − λ) = 4 decisions at each of the three desks.

    (The builder also lets the head raise exceptions, which start at its own desk and
    skip the team leader; ``staff_only`` keeps the pure tandem, and the next test
    checks the builder's own mix.)
    """
    lam, mu = 0.8, 1.0
    reps = replications(
        lambda seed: clean_scenario([("unit", 5, lam)], seed=seed, capacity=mu, authority=2, steps=3),
        n=80, first_seed=3_000, prepare=staff_only)
    assert sorted(reps[0].levels.tolist()) == [0, 1, 2, 3, 4]  # one desk per level
    # the sojourn is a sum of three independent Exp(0.2) (Reich), P(W > 59 days) ≈ 6e-4:
    # expired tasks, whose decisions may be withdrawn unfinished, must stay that rare
    assert sum(r.expired for r in reps) <= 2e-3 * sum(r.completed for r in reps)
    for r in reps:
        assert r.by_level()[LEVEL["executive"]] == r.by_level()[LEVEL["deputy"]] == 0
    f = Family("tandem of 3 M/M/1 stages, λ = 0.8, μ = 1")
    f.add("W (days)", [r.latency for r in reps], 3 / (mu - lam), 0.05)
    for name in ("team_leader", "head", "director"):
        f.add(f"L at the {name}", [r.by_level()[LEVEL[name]] for r in reps], lam / (mu - lam), 0.07)
    f.verify()


def test_tandem_entry_levels_follow_the_reporting_line():
    """Jackson network with entries at two levels (the builder's own raisers).

    Same service as above (head h, team leader t, 3 staff) and the same rules
    (authority 2, 3 sign-offs), but every worker raises exceptions, in proportion to
    its share of time on tasks: staff 1 each, the team leader 0.5, the head 0.2
    (``TASK_SHARE_BY_LEVEL``), 3.7 in all. Staff's exceptions start at the team
    leader's desk, a manager's at its own desk: chains t → h → d for 3.5/3.7 of
    them, h → d for the head's 0.2/3.7. Ten times faster time scale (λ = 8/day,
    μ = 10/day) to keep the test short. Stage loads: λ_t = 8·3.5/3.7 = 7.568,
    λ_h = λ_d = 8, so L_t = 7.568/2.432 = 3.111, L_h = L_d = 8/2 = 4, and by
    Little's law W = (L_t + L_h + L_d)/λ = 1.389 days.
    """
    assert TASK_SHARE_BY_LEVEL[LEVEL["head"]] == 0.2 and TASK_SHARE_BY_LEVEL[LEVEL["team_leader"]] == 0.5
    lam, mu = 8.0, 10.0
    loads = {"team_leader": lam * 3.5 / 3.7, "head": lam, "director": lam}
    queue = {k: v / (mu - v) for k, v in loads.items()}
    reps = replications(
        lambda seed: clean_scenario([("unit", 5, lam)], seed=seed, capacity=mu, authority=2, steps=3),
        n=15, first_seed=4_000, warmup=100)
    f = Family("entries at two levels, λ = 8, μ = 10")
    for name, value in queue.items():
        f.add(f"L at the {name}", [r.by_level()[LEVEL[name]] for r in reps], value, 0.05)
    f.add("W (days)", [r.latency for r in reps], sum(queue.values()) / lam, 0.05)
    f.verify()


def test_centralisation_blow_up():
    """A top approver fed by 10 units escalating a share q of their cases.

    Ten services with exception share q; every exception goes to the executive
    (authority 0, one sign-off). In the units of DESIGN §3 (each unit λ = 1 case per
    time unit, μ = 1) the approver is an M/M/1 with λ = 10q (Galbraith 1974):

    W = 1/(1 − 10q) = 2, 3.333 and 6.667 time units for q = 0.05, 0.07, 0.085.

    The time unit is a tenth of a day (each unit 10 cases/day, μ = 10/day), so that
    each run holds ten times more decisions and the heavy-traffic case needs few
    replications; the day-scale mechanics are covered by the tests above. W grows
    superlinearly: the slope ΔW/Δq is 66.7 between the first two points and 222
    between the last two; the test asserts convexity from the intervals.
    """
    scale = 10.0  # time units per day
    units = [(f"unit{k}", 3, 1.0 * scale) for k in range(10)]
    # replications and bound on the half-width: the variance of the mean grows like
    # 1/(1 − ρ)⁴, so more replications where ρ = 10q is close to 1
    plan = {0.05: (10, 0.05), 0.07: (12, 0.06), 0.085: (24, 0.07)}
    f = Family("top approver, λ = 10q, μ = 1 (time unit 0.1 day)")
    for i, (q, (n, width)) in enumerate(plan.items()):
        reps = replications(
            lambda seed, q=q: clean_scenario(units, seed=seed, capacity=scale, exception_share=q),
            n=n, first_seed=5_000 + 1_000 * i, warmup=100)
        f.add(f"W at q = {q}", [r.latency * scale for r in reps], 1 / (1 - 10 * q), width)
    found = f.verify()
    (q1, q2, q3), (w1, w2, w3) = plan, found.values()
    assert w1.high < w2.low and w2.high < w3.low
    slope_low = (w2.high - w1.low) / (q2 - q1)
    slope_high = (w3.low - w2.high) / (q3 - q2)
    print(f"slopes ΔW/Δq: at most {slope_low:.0f}, then at least {slope_high:.0f}")
    assert slope_high > 2 * slope_low
    # and by the predicted amount: W(q3)/W(q1) = (1 − 10 q1)/(1 − 10 q3) = 3.33
    assert np.isclose(w3.mean / w1.mean, (1 - 10 * q1) / (1 - 10 * q3), rtol=0.08)


def test_mg1_pollaczek_khinchine():
    """M/G/1: one desk, deterministic and lower-variance sign-off times.

    As the M/M/1 test, on a ten times faster time scale (λ = 8/day, μ = 10/day, ρ =
    0.8), with sign-off times S = (1 − cv) + cv·E in units of 1/μ (mean 1/μ, coefficient
    of variation cv; ``decisions.signoff_cv``). Pollaczek–Khinchine: the mean wait in
    queue is Wq = ρ·E[S]·(1 + cv²)/(2(1 − ρ)), so W = Wq + 1/μ:

    * cv = 0 (M/D/1): W = 0.2 + 0.1 = 0.3 day;
    * cv = 0.5: W = 0.25 + 0.1 = 0.35 day;

    against 0.5 day for the exponential (cv = 1). Little's law holds too.
    """
    lam, mu = 8.0, 10.0
    rho = lam / mu
    f = Family("M/G/1, λ = 8, μ = 10, shifted exponential sign-offs")
    for i, cv in enumerate((0.0, 0.5)):
        w = rho / mu * (1 + cv * cv) / (2 * (1 - rho)) + 1 / mu
        reps = replications(
            lambda seed, cv=cv: clean_scenario([("unit", 3, lam)], seed=seed, capacity=mu, signoff_cv=cv,
                                               days=1000),
            n=40, first_seed=6_000 + 1_000 * i, warmup=100)
        f.add(f"W (days), cv = {cv}", [r.latency for r in reps], w, 0.04)
        f.add(f"L, cv = {cv}", [r.in_system for r in reps], lam * w, 0.05)
    f.verify()
