"""Cost of the levers: cost per agent-day with each lever on, relative to the baseline.

Run side by side in one process, interleaved, medians over repetitions, compile time
apart (a first day is run before timing). ``python -m benchmarks.levers [agents] [reps]
[--no-record]``. Goal (issue 16): initiatives on add ≤ 20 % to the cost per agent-day at
100,000 agents; "off adds nothing" is a comparison of builds (``benchmarks.builds``).
"""

from __future__ import annotations

import statistics
import sys
import time

from resilience_sim import Simulation, load

from .features import line, save

DESIGNS = {
    "baseline (today, no mobility)": {},
    "subsidiarity: centralised preset": {"policy.authority.preset": "centralised"},
    "subsidiarity: subsidiary preset, freedom 0.3, tacit 5 d": {
        "policy.authority.preset": "subsidiary", "policy.freedom.risk_limit": 0.3,
        "policy.validation.tacit_days": 5.0, "hr.advice": 0.5, "support.peer": 0.5},
    "mobility: central, institution scope": {"mobility.mode": "central"},
    "mobility: central + registry 0.6 + plans + volunteers": {
        "mobility.mode": "central", "organisation.secondary_known_share": 0.6,
        "hr.reassignment_plan_share": 0.3, "mobility.volunteer_days": 2.0},
    "initiatives: on (defaults)": {"initiatives.enabled": True},
    "initiatives: on + risk compensation, testimony call, innovation cell": {
        "initiatives.enabled": True, "initiatives.risk_compensation": 0.5,
        "initiatives.testimony_period": 14, "initiatives.cell_capacity": 5.0},
}


def cost(scenario) -> tuple[float, float]:
    """(ns per agent-day after the first day, decisions created per agent-day)."""
    sim = Simulation(scenario, check=False)
    sim.step()
    start = time.perf_counter()
    sim.run()
    seconds = time.perf_counter() - start
    n = sim.org.n_agents * (sim.days - 1)
    return seconds / n * 1e9, float(sim.buffers.counts[2]) / (n + sim.org.n_agents)


def main(agents: int = 100_000, reps: int = 3, record: bool = True) -> dict[str, tuple[float, float]]:
    base = load("covid_lockdown_2020").with_values({"organisation.agents": agents})
    times: dict[str, list[float]] = {k: [] for k in DESIGNS}
    load_per: dict[str, float] = {}
    for change in DESIGNS.values():  # warm-up: compile, build
        cost(base.with_values({**change, "run.days": 40}))
    for _ in range(reps):
        for name, change in DESIGNS.items():
            ns, per = cost(base.with_values(change))
            times[name].append(ns)
            load_per[name] = per
    ref = statistics.median(times["baseline (today, no mobility)"])
    print(f"| design ({agents:,} agents, covid_lockdown_2020, 180 days) | ns per agent-day (median of {reps}) "
          f"| vs baseline | decisions per agent-day |")
    print("|---|---|---|---|")
    out = {}
    for name in DESIGNS:
        med = statistics.median(times[name])
        out[name] = (med, med / ref)
        print(f"| {name} | {med:.1f} ({min(times[name]):.1f}–{max(times[name]):.1f}) | {med / ref:.2f}× "
              f"| {load_per[name]:.3f} |")
    on = out["initiatives: on (defaults)"][1]
    full = out["initiatives: on + risk compensation, testimony call, innovation cell"][1]
    lines = [line(f"initiatives on add ≤ 20 % to the cost per agent-day at {agents:,} agents",
                  f"+{on - 1:.0%} (defaults), +{full - 1:.0%} (with the initiatives design's levers)",
                  max(on, full) <= 1.2, f"median of {reps} interleaved runs; baseline {ref:.1f} ns per agent-day")]
    save("levers", lines, {"agents": agents, "reps": reps, "ns_per_agent_day": times}, record)
    return out


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--no-record"]
    main(*(int(a) for a in args[:2]), record="--no-record" not in sys.argv)
