"""Checkpoint and fork: save a run's whole state at day D, continue it or branch designs from it.

"The shock is under way; which lever now?" A run is simulated to day D and its state
saved in one ``.npz`` file: every array of the agents, services, manager desks and
working buffers, the decision pool (its memory maps, byte for byte), the daily table
so far and the scenario. The random numbers are counter-based (a function of seed,
stream, day and entity, see :mod:`.rng`), so the day and the seed are the whole
position of the random streams. A fork rebuilds the run's fixed tables from the saved
scenario, applies a design's changes to the rules and the shock from day D on, restores
the state and continues; continued unchanged it is bit-identical to the uninterrupted run.

What a fork can change: any policy, lever, shock or run parameter that acts day by day
(and the seed of the days after D). What it cannot: the parameters declared ``built``
(:func:`built_keys`): ``organisation.*`` (the organisation is built before day 0) and
what is drawn when the run starts (flying pool, HR crisis cell, reassignment plans,
twins' training), which the state at day D holds; nor twinning, set up with the
organisation's network.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .engine import Simulation
from .organisation import build
from .results import RunResult, atomic_file, collect
from .results import write as write_out
from .scenario import Scenario, _rebuild
from .schema import ScenarioError

FORMAT = 1
#: state tables of a Simulation, saved field by field
TABLES = ("agents", "services", "managers", "buffers")
#: buffers that are views of the decision pool's memory maps (saved with the pool)
POOL_VIEWS = ("free", "held", "queue_store")


def snapshot(sim: Simulation) -> dict[str, np.ndarray]:
    """Copies of every array of a run's state, and its metadata under ``meta``."""
    arrays = {}
    for table in TABLES:
        for name, value in getattr(sim, table)._asdict().items():
            if not (table == "buffers" and name in POOL_VIEWS):
                arrays[f"{table}.{name}"] = np.array(value, copy=True)
    for name, kept in sim._maps.items():  # the pool, byte for byte (records have padding)
        arrays[f"pool.{name}"] = np.array(kept.array.view(np.uint8), copy=True)
    arrays["out"] = sim.out[: sim.day].copy()
    meta = {"format": FORMAT, "day": int(sim.day), "pool": int(sim._maps["records"].n),
            "resilience_sim": __version__, "scenario": _scenario_dict(sim.scenario)}
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    return arrays


def write(arrays: dict[str, np.ndarray], path: str | Path) -> Path:
    """Write a snapshot to ``path`` (``.npz``) whole or not at all."""
    path = Path(path)

    def fill(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)

    return atomic_file(path, fill)


def save(sim: Simulation, path: str | Path) -> Path:
    """Save a run's state at its current day."""
    return write(snapshot(sim), path)


def read(path: str | Path) -> tuple[dict, dict[str, np.ndarray]]:
    """The metadata and arrays of a saved state."""
    path = Path(path)
    try:
        with np.load(path) as data:
            arrays = {k: data[k] for k in data.files}
        meta = json.loads(arrays.pop("meta").tobytes())
    except (OSError, ValueError, KeyError) as err:
        raise ScenarioError(str(path), "state", f"not a saved state ({err}); make one with "
                            "`resilience-sim run SCENARIO --save-at DAY`") from None
    if meta.get("format") != FORMAT:
        raise ScenarioError(str(path), "format", f"state format {meta.get('format')} is not {FORMAT}; "
                            "save it again with this version")
    return meta, arrays


def scenario_of(path: str | Path, settings: list[str] | None = None) -> Scenario:
    """The scenario of a saved state, with ``KEY=VALUE`` settings applied."""
    meta, _ = read(path)
    s = _from_dict(meta["scenario"])
    return s.with_settings(settings) if settings else s


def restore(path: str | Path, values: dict[str, Any] | None = None) -> Simulation:
    """A Simulation at the saved day, with a design's ``values`` in force from that day on."""
    meta, arrays = read(path)
    saved = _from_dict(meta["scenario"])
    values = dict(values or {})
    built = built_keys(values)
    if built:
        raise ScenarioError(str(path), built[0], "is built before day 0 (the organisation, the flying pool, "
                            f"the plans, the training); a fork from day {meta['day']} can change policies, "
                            "levers acting day by day and the shock, not it")
    from .explore.keys import apply_values

    seed = values.pop("run.seed", saved["run.seed"])
    design = apply_values(saved, values, "fork")
    if design["run.days"] < meta["day"]:
        raise ScenarioError(str(path), "run.days", f"the state is at day {meta['day']}; the horizon cannot be "
                            "shorter")
    sim = Simulation(design, build(saved))
    if seed != saved["run.seed"]:  # the days after D draw from the new seed
        sim.params = sim.params._replace(seed=np.int64(seed))
        sim.scenario = design.with_values({"run.seed": seed}, "fork")
    _restore_arrays(sim, arrays, meta, str(path))
    return sim


def fork_values(path: str | Path, given: Scenario) -> dict[str, Any]:
    """What the command line changes in a saved state's scenario (``given`` is the same scenario, set)."""
    meta, _ = read(path)
    if given.name != meta["scenario"]["name"]:
        raise ScenarioError(str(path), "scenario", f"the state is of {meta['scenario']['name']!r}, "
                            f"not {given.name!r}; give the same scenario")
    return {k: given[k] for k in given.params if given[k] != meta["scenario"]["params"].get(k)}


def state_day(path: str | Path) -> int:
    """The day a state was saved at."""
    return int(read(path)[0]["day"])


def built_keys(values: dict[str, Any]) -> list[str]:
    """The keys of ``values`` that a fork cannot change (declared ``built``)."""
    from .params import PARAMS

    return [k for k in values if k in PARAMS and PARAMS[k].built]


def _restore_arrays(sim: Simulation, arrays: dict, meta: dict, source: str) -> None:
    if meta["pool"] > sim._maps["records"].n:
        sim._grow_pool(meta["pool"])
    for table in TABLES:
        for name, value in getattr(sim, table)._asdict().items():
            if table == "buffers" and name in POOL_VIEWS:
                continue
            saved = arrays[f"{table}.{name}"]
            if np.shape(value) != saved.shape:
                raise ScenarioError(source, f"{table}.{name}", f"has shape {saved.shape} in the state but "
                                    f"{np.shape(value)} in this design: the change alters the organisation, "
                                    "which a fork cannot do")
            np.copyto(value, saved)
    for name, kept in sim._maps.items():
        kept.array.view(np.uint8)[:] = arrays[f"pool.{name}"]
    day = meta["day"]
    sim.out[:day] = arrays["out"]
    sim.day = day


def resume_run(path: str | Path, values: dict[str, Any] | None = None) -> RunResult:
    """Continue a saved state to the horizon with a design's values; return the run's results."""
    sim = restore(path, values)
    sim.run()
    return collect(sim)


def run_to(sim: Simulation, day: int, progress=None) -> None:
    """Simulate up to (not including) ``day``, checking conservation every day."""
    if not 0 < day <= sim.days:
        raise ScenarioError("--save-at", str(day), f"must be a day within the horizon (1–{sim.days})")
    while sim.day < day:
        sim.step()
        if progress:
            progress(1)


def _scenario_dict(s: Scenario) -> dict:
    d = {f.name: getattr(s, f.name) for f in dataclasses.fields(s)}
    d["params"] = dict(d["params"])
    for key in ("services", "institutions", "shocks", "twinning"):
        d[key] = [dict(x) for x in d[key]]
    return d


def _from_dict(d: dict) -> Scenario:
    return _rebuild(d["name"], d["title"], d["description"], d["source"], d["params"],
                    tuple(d["services"]), tuple(d["institutions"]), tuple(d["shocks"]), tuple(d["twinning"]))


def cmd_run(args) -> int:
    """``run --save-at DAY`` (save the state on the way) or ``run --from STATE`` (continue it)."""
    from .cli import _bar, _load, _print_table

    if args.replicates != 1:
        raise ScenarioError("command line", "--replicates", "a saved or forked run is one run; for several "
                            "designs or seeds from one state use `sweep SCENARIO --from STATE`")
    if args.from_state and args.save_at is not None:
        raise ScenarioError("command line", "--save-at", "give either --save-at or --from")
    if args.from_state:
        meta, _ = read(args.from_state)
        given = _load(args)
        values = fork_values(args.from_state, given)
        sim = restore(args.from_state, values)
        out = Path(args.out or Path("out") / f"{given.name}-from-day{meta['day']}")
        extra = None
    else:
        sim = Simulation(_load(args))
        out = Path(args.out or Path("out") / sim.scenario.name)
    bar = _bar(sim.days - sim.day, "days", args.quiet)
    if args.save_at is not None:
        run_to(sim, args.save_at, bar.update if bar else None)
        state = snapshot(sim)

        def extra(tmp: Path) -> None:
            write(state, tmp / f"state_day{args.save_at}.npz")

    sim.run(bar.update if bar else None)
    if bar:
        bar.close()
    result = collect(sim)
    write_out(result, out, args.lang, extra)
    if not args.quiet:
        _print_table(result.summary, out)
    return 0
