"""Scenario discovery on the lockdown: the region of shocks in which a design fails.

The EMA Workbench drives the model (uncertainties: four intensities of the lockdown
shock; outcome: the minimum performance), evaluated on one of the package's backends;
PRIM then finds the box of shocks where performance falls below a threshold.

    python docs/examples/prim_lockdown.py --scenarios 120 --backend processes --threshold 0.8

Writes ``prim_box.png`` and ``prim_box.md`` next to ``--out`` (default docs/examples/).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from resilience_sim.explore.backends import make_backend
from resilience_sim.explore.ema import WORKBENCH_COLUMNS, BackendEvaluator, workbench_model, workbench_name
from resilience_sim.explore.figures import box_figure, save
from resilience_sim.scenario import load

#: the shock's intensities explored (components of covid_lockdown_2020.toml) and their ranges
SHOCKS = {
    "shock.components[1].value": (0.0, 0.25),  # childcare absence, share of staff
    "shock.components[3].value": (0.5, 1.0),  # remote work, share of remote-capable staff
    "shock.components[7].value": (1.0, 3.0),  # demand on social services, multiplier
    "shock.components[11].value": (0.0, 0.3),  # share of tasks raising an exception
}


def main() -> None:
    """Run the shocks through the workbench, find the PRIM box, write the figure and table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenarios", type=int, default=120, help="Latin hypercube of shocks (default 120)")
    ap.add_argument("--threshold", type=float, default=0.8, help="failure: minimum performance below this")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="the design examined")
    ap.add_argument("--backend", default="processes", choices=("serial", "processes", "dask"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", default=str(Path(__file__).parent))
    args = ap.parse_args()
    scenario = load("covid_lockdown_2020").with_settings(args.set)
    model = workbench_model(scenario, SHOCKS, {}, ["min_performance", "unmet_essential"])
    with make_backend(args.backend, args.jobs) as backend, BackendEvaluator(model, backend) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=args.scenarios)
    from ema_workbench.analysis import prim

    x = experiments.drop(columns=WORKBENCH_COLUMNS)
    y = np.asarray(outcomes["min_performance"]) < args.threshold
    print(f"{len(y)} runs, {int(y.sum())} below {args.threshold:g} "
          f"(minimum performance from {np.min(outcomes['min_performance']):.3f} "
          f"to {np.max(outcomes['min_performance']):.3f})")
    if not 0 < y.sum() < len(y):
        raise SystemExit("no contrast: change --threshold so that some runs fail and some do not")
    box = prim.Prim(x, y, peel_alpha=0.1).find_box()
    names = {workbench_name(k): k for k in SHOCKS}
    lims = box.box_lim.T.set_axis(["min", "max"], axis=1)
    full = box.box_lims[0].T.set_axis(["min", "max"], axis=1)
    restricted = lims[(lims != full).any(axis=1)].rename(index=names)
    coverage, density = float(box.coverage), float(box.density)
    fig = box_figure(restricted, {names[n]: tuple(full.loc[n]) for n in full.index},
                     f"min_performance < {args.threshold:g}", coverage, density)
    out = Path(args.out)
    save(fig, out / "prim_box.png")
    table = ["| shock | box min | box max | explored |", "|---|---|---|---|"]
    for key, row in restricted.iterrows():
        lo, hi = SHOCKS[key]
        table.append(f"| `{key}` | {row['min']:.3g} | {row['max']:.3g} | {lo:g}–{hi:g} |")
    text = (f"{len(y)} runs; {int(y.sum())} with minimum performance below {args.threshold:g}. PRIM box: "
            f"coverage {coverage:.0%}, density {density:.0%}.\n\n" + "\n".join(table) + "\n")
    (out / "prim_box.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
