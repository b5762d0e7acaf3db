"""What the daily conservation check and the rest of a run cost, beside the day loop.

``python -m benchmarks.checked [--reps R] [--days D]`` times, interleaved in one process, on
``commune_50k`` (1,048 staff): the day loop without the check, the day loop with the check
(inside the compiled loop), and a whole run as the command line does it (build, days with the
check, collect, summary). Reported: medians of CPU time, and the ratios checked / unchecked and
whole run / day loop of each repetition (medians and quartiles).
"""

from __future__ import annotations

import argparse
import statistics
import time

from resilience_sim import Simulation, load
from resilience_sim.organisation import build
from resilience_sim.results import collect

from .features import line, save


def _days(scenario, check: bool) -> float:
    sim = Simulation(scenario, org=build(scenario), check=check)  # a run changes its organisation's arrays
    start = time.process_time()
    sim.run()
    return time.process_time() - start


def _whole(scenario) -> float:
    start = time.process_time()
    sim = Simulation(scenario, check=True)
    sim.run()
    collect(sim)
    return time.process_time() - start


def measure(reps: int, days: int) -> dict:
    """Interleaved repetitions; medians (s) and ratios."""
    scenario = load("covid_lockdown_2020").with_values({"run.days": days})
    org = build(scenario)
    _days(scenario, True), _days(scenario, False), _whole(scenario)  # compiled, warm
    rows = []
    for _ in range(reps):
        rows.append((_days(scenario, False), _days(scenario, True), _whole(scenario)))
    plain, checked, whole = (sorted(r[k] for r in rows) for k in range(3))
    ratio_check = sorted(r[1] / r[0] for r in rows)
    ratio_whole = sorted(r[2] / r[1] for r in rows)

    def q(v):
        return {"median": statistics.median(v), "q1": v[len(v) // 4], "q3": v[(3 * len(v)) // 4]}

    return {"agents": org.n_agents, "days": days, "reps": reps,
            "unchecked_s": statistics.median(plain), "checked_s": statistics.median(checked),
            "whole_run_s": statistics.median(whole), "checked_over_unchecked": q(ratio_check),
            "whole_over_loop": q(ratio_whole),
            "ns_per_agent_day_checked": statistics.median(checked) / (org.n_agents * days) * 1e9}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=21)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--no-record", action="store_true", help="print only: keep no record, leave RESULTS.md")
    args = ap.parse_args()
    r = measure(args.reps, args.days)
    c, w = r["checked_over_unchecked"], r["whole_over_loop"]
    print(f"commune_50k, {r['agents']:,} staff × {r['days']} days, {r['reps']} interleaved repetitions (CPU time)")
    print(f"day loop unchecked {r['unchecked_s'] * 1e3:.1f} ms, checked {r['checked_s'] * 1e3:.1f} ms "
          f"({r['ns_per_agent_day_checked']:.0f} ns per agent-day), whole run {r['whole_run_s'] * 1e3:.1f} ms")
    print(f"checked / unchecked {c['median']:.3f} ({c['q1']:.3f}–{c['q3']:.3f}); "
          f"whole run / checked loop {w['median']:.3f} ({w['q1']:.3f}–{w['q3']:.3f})")
    note = f"commune_50k, {r['agents']:,} staff × {r['days']} days, {r['reps']} interleaved repetitions, CPU time"
    save("checked", [
        line("a checked run costs ≤ 1.1× an unchecked one (daily conservation check in the compiled loop)",
             f"{c['median']:.3f}× ({c['q1']:.3f}–{c['q3']:.3f})", c["median"] <= 1.1, note),
        line("the whole run (build, days, collect, summary) ≤ 1.5× its day loop",
             f"{w['median']:.3f}× ({w['q1']:.3f}–{w['q3']:.3f})", w["median"] <= 1.5, note),
    ], r, not args.no_record)


if __name__ == "__main__":
    main()
