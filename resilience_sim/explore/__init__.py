"""Exploration at scale: sweeps, sensitivity analysis and scenario discovery.

A sweep runs a scenario over a plan of designs (a full factorial grid, a Latin
hypercube or a sensitivity sample), each with replicates whose seeds come from
``numpy.random.SeedSequence``; one row per run is streamed to a Parquet dataset
(:mod:`.store`) by one of the backends of :mod:`.backends` (serial, local processes,
Dask). An interrupted sweep resumes where it stopped (:func:`.runner.sweep`).
"""

from .keys import apply_values
from .spec import Factor, Plan, make_plan
from .store import read_runs, read_series

__all__ = ["Factor", "Plan", "apply_values", "make_plan", "read_runs", "read_series"]
