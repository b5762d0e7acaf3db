"""The dashboard's speed in a browser: days of ``commune_50k`` stepped per second while drawing.

``python -m benchmarks.dashboard [--repeat 3] [--no-record]`` runs the browser test
(``tests/test_dashboard.py::test_dashboard_in_a_browser``: headless Debian Chromium on a
dashboard started on localhost, play pressed, days 20 to 150 timed while the page draws)
``--repeat`` times and records the median of the days per second it measured. Goal
(issue 18): ≥ 20 days per second, reported, not asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from .features import line, save

REPO = Path(__file__).resolve().parent.parent
TEST = "tests/test_dashboard.py::test_dashboard_in_a_browser"
SPEED = REPO / "out" / "test-artefacts" / "dashboard_speed.json"


def once() -> float:
    """Days per second of one run of the browser test."""
    SPEED.unlink(missing_ok=True)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", TEST], cwd=REPO,
                          capture_output=True, text=True)
    if done.returncode != 0 or not SPEED.exists():
        raise SystemExit(f"the browser test did not pass or measured nothing:\n{done.stdout[-3000:]}")
    return float(json.loads(SPEED.read_text())["days_per_second"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.dashboard", description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-record", action="store_true", help="print only: keep no record, leave RESULTS.md")
    args = ap.parse_args(argv)
    speeds = [once() for _ in range(args.repeat)]
    med = statistics.median(speeds)
    save("dashboard", [line("the dashboard steps commune_50k at ≥ 20 days per second while drawing",
                            f"{med:.1f} days/s ({min(speeds):.1f}–{max(speeds):.1f})", med >= 20.0,
                            f"headless Chromium, 10 days per frame, median of {len(speeds)} runs of the browser test")],
         {"days_per_second": speeds}, not args.no_record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
