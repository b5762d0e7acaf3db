"""Calibration of the lockdown against the 2020 figures (DESIGN §3).

``python -m resilience_sim.calibration`` runs the shipped ``covid_lockdown_2020``
scenario on ``--replicates`` seeds, prints the shares of staff stopped (absent for any
reason, special leave included), working remotely and on site, averaged over days
50–80 of the run (the heart of the lockdown, 6 April – 6 May 2020), next to the
territorial civil service's figures of the BVA-Casden poll (14–18 May 2020: 30 %
stopped, 39 % remote, 29 % on site), and the remote-capable share of every archetype
(:mod:`resilience_sim.archetypes`); it draws ``docs/lockdown_performance.png``: P(t)
with its 90 % band over the replicates and the three shares day by day.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from . import archetypes
from .organisation import build
from .results import atomic_file, replicate_seeds, run
from .scenario import load

SCENARIO = "covid_lockdown_2020"
WINDOW = (50, 80)  # days, both included
#: BVA-Casden, territorial civil service, mid-May 2020 (DESIGN §3), shares of staff
TARGETS = {"stopped": 0.30, "remote": 0.39, "on_site": 0.29}
TOLERANCE = 0.05
FIGURE = Path(__file__).resolve().parent.parent / "docs" / "lockdown_performance.png"


def remote_capable() -> dict[str, float]:
    """Share of staff whose job can be done remotely, in each archetype as built (lockdown seed).

    Staff by their service's on-site share (Dingel & Neiman 2020 by occupation); heads of
    service and above always (:mod:`resilience_sim.organisation`).
    """
    base = load(SCENARIO)
    return {name: float(build(base.with_values({"organisation.archetype": name})).agents.can_remote.mean())
            for name in archetypes.ARCHETYPES}


def daily_shares(table, staff: int) -> dict[str, np.ndarray]:
    """Shares of ``staff`` stopped, remote and on site, day by day, from a run's daily table."""
    stopped = table["absent"].to_numpy() / staff
    remote = table["remote"].to_numpy() / staff
    return {"stopped": stopped, "remote": remote, "on_site": 1.0 - stopped - remote}


def calibrate(replicates: int = 5, agents: int | None = None) -> dict:
    """Run the lockdown on ``replicates`` seeds; return the daily curves and the window means."""
    base = load(SCENARIO)
    if agents:
        base = base.with_values({"organisation.agents": agents})
    curves: dict[str, list[np.ndarray]] = {"performance": [], "stopped": [], "remote": [], "on_site": []}
    for seed in replicate_seeds(base["run.seed"], replicates):
        res = run(base.with_values({"run.seed": seed}))
        curves["performance"].append(res.table["performance"].to_numpy())
        for k, v in daily_shares(res.table, res.summary["organisation_agents"]).items():
            curves[k].append(v)
    arrays = {k: np.array(v) for k, v in curves.items()}
    lo, hi = WINDOW
    means = {k: float(arrays[k][:, lo:hi + 1].mean()) for k in TARGETS}
    return {"curves": arrays, "window": means, "replicates": replicates, "start": base["run.start_date"]}


def table(result: dict) -> str:
    """The calibration table (Markdown): model vs 2020, days 50–80, and remote-capable shares."""
    lines = [f"Lockdown, days {WINDOW[0]}–{WINDOW[1]}, mean of {result['replicates']} replicates",
             "", "| share of staff | model | 2020 (BVA-Casden, FPT) | difference | within ±5 points |",
             "|---|---|---|---|---|"]
    for k, target in TARGETS.items():
        v = result["window"][k]
        lines.append(f"| {k.replace('_', ' ')} | {v:.1%} | {target:.0%} | {100 * (v - target):+.1f} points "
                     f"| {'yes' if abs(v - target) <= TOLERANCE else 'no'} |")
    lines += ["", "| archetype | remote-capable share of staff (Dingel & Neiman 2020 by occupation; "
              "heads of service and above) |", "|---|---|"]
    lines += [f"| {name} | {share:.1%} |" for name, share in remote_capable().items()]
    return "\n".join(lines)


def figure(result: dict, path: Path = FIGURE) -> Path:
    """Draw P(t) (median and 90 % band) and the shares stopped / remote / on site."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = result["curves"]
    days = np.arange(c["performance"].shape[1])
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6.5), sharex=True)
    p = c["performance"]
    top.fill_between(days, np.percentile(p, 5, axis=0), np.percentile(p, 95, axis=0), alpha=0.3,
                     label="90 % band")
    top.plot(days, np.median(p, axis=0), label="median P(t)")
    top.axvspan(30, 85, color="grey", alpha=0.15, label="lockdown (17 March – 11 May 2020)")
    top.set_ylabel("performance P(t)")
    top.legend(loc="lower right", fontsize=8)
    top.set_title(f"First lockdown, commune of 50,000 inhabitants ({result['replicates']} replicates)")
    for k, colour in (("stopped", "tab:red"), ("remote", "tab:blue"), ("on_site", "tab:green")):
        bottom.plot(days, np.median(c[k], axis=0), color=colour, label=k.replace("_", " "))
        bottom.hlines(TARGETS[k], *WINDOW, colors=colour, linestyles="dashed")
    bottom.axvspan(*WINDOW, color="grey", alpha=0.1)
    bottom.set_ylabel("share of staff")
    bottom.set_xlabel(f"day (day 0 = {result['start']}); dashed: 2020 figures (BVA-Casden)")
    bottom.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    atomic_file(Path(path), lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    plt.close(fig)
    return Path(path)


def main(argv: list[str] | None = None) -> int:
    """Print the calibration table and draw the figure."""
    ap = argparse.ArgumentParser(prog="python -m resilience_sim.calibration", description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=5, help="seeds (default 5)")
    ap.add_argument("--agents", type=int, help="rescale the commune (default: as shipped)")
    ap.add_argument("--figure", default=str(FIGURE), help="where to draw the figure")
    args = ap.parse_args(argv)
    if args.replicates < 1:
        print("error: --replicates: must be ≥ 1", file=sys.stderr)
        return 2
    try:
        result = calibrate(args.replicates, args.agents)
        print(table(result))
        print(f"figure: {figure(result, Path(args.figure))}")
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
