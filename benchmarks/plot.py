"""The scaling figure from a run's JSON: ``python -m benchmarks.plot JSON [--out PNG]``.

Cost per agent-day against organisation size, log–log: the kernels (whole day) and,
from the side-by-side runs, the reference and the kernels on the same runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

FIGURE = Path(__file__).resolve().parent / "scaling.png"


def _series(rows: dict, key: str) -> tuple[list, list, list]:
    """x (agents), median and [below, above] error bars of a stats field, by size."""
    pts = sorted((r.get("agents", int(k)), r[key]) for k, r in rows.items()
                 if k.isdigit() and r.get(key, {}).get("median") is not None)
    x = [a for a, _ in pts]
    y = [s["median"] for _, s in pts]
    err = [[s["median"] - s["min"] for _, s in pts], [s["max"] - s["median"] for _, s in pts]]
    return x, y, err


def plot(rec: dict, out: Path = FIGURE) -> Path:
    """Draw the figure of a run record into ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.4), layout="constrained")
    x, y, e = _series(rec.get("day_cost", {}), "ns_per_agent_day")
    if x:
        ax.errorbar(x, y, yerr=e, marker="o", capsize=3, color="C0", label="kernels, whole day")
    ref = rec.get("reference", {})
    if ref.get("available"):
        days = ref.get("days")
        x, y, e = _series(ref, "reference_ns_per_agent_day")
        if x:
            ax.errorbar(x, y, yerr=e, marker="s", capsize=3, color="C3",
                        label=f"reference (Mesa, agent by agent), {days} days")
        x, y, e = _series(ref, "kernel_ns_per_agent_day")
        if x:
            ax.errorbar(x, y, yerr=e, marker="o", mfc="none", ls=":", capsize=3, color="C0",
                        label=f"kernels, same runs ({days} days)")
    ax.axhline(30, color="grey", ls="--", lw=1, label="goal: 30 ns at 100,000 agents")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("agents")
    ax.set_ylabel("ns per agent-day")
    mc = rec["machine"]
    ax.set_title(f"{rec['scenario']}: cost per agent-day\n{rec['started_utc'][:10]}, "
                 f"{(mc.get('commit') or '?')[:7]}, {mc['cpu']} ({mc['cores']} cores)", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.plot", description=__doc__.splitlines()[0])
    ap.add_argument("json", help="a run record, benchmarks/out/<timestamp>.json")
    ap.add_argument("--out", default=str(FIGURE), help=f"PNG to write (default {FIGURE.name})")
    args = ap.parse_args(argv)
    print(plot(json.loads(Path(args.json).read_text()), Path(args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
