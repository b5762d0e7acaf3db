"""The measurements, one function each (the plan that calls them is in ``suite.py``).

Every figure is summarised by :func:`stats` (min, median, max over repetitions). A
measurement that fails records ``{"error": ...}`` instead of stopping the suite.
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np
import tqdm

from .machine import REPO
from .machine import load as load_avg

tqdm.tqdm.monitor_interval = 0  # no monitor thread: the ensemble forks worker processes

SCENARIO = "covid_lockdown_2020"
TINY = 20  # agents of the "tiny organisation" whose memory is subtracted
clock = time.perf_counter


def stats(values) -> dict:
    """min, median, max (and the values) of a list of numbers."""
    v = [float(x) for x in values]
    if not v:
        return {"min": None, "median": None, "max": None, "n": 0, "values": []}
    return {"min": min(v), "median": float(np.median(v)), "max": max(v), "n": len(v), "values": v}


def bar(total: int, desc: str) -> tqdm.tqdm:
    """A progress bar on stderr."""
    return tqdm.tqdm(total=total, desc=desc, file=sys.stderr, leave=False, dynamic_ncols=True)


def scenario(agents: int | None = None, days: int | None = None):
    """The benchmark scenario (``covid_lockdown_2020``), resized."""
    from resilience_sim import load

    values = {}
    if agents is not None:
        values["organisation.agents"] = agents
    if days is not None:
        values["run.days"] = days
    s = load(SCENARIO)
    return s.with_values(values, "benchmark") if values else s


def _error(exc: BaseException) -> dict:
    return {"error": f"{type(exc).__name__}: {exc}",
            "where": traceback.format_exc(limit=-2).strip().splitlines()[-3:]}


def kernels() -> list:
    """The compiled functions of the day: ``run_day`` and every stage of ``STAGES``."""
    from resilience_sim.kernels.day import STAGES, run_day

    return [run_day, *STAGES.values()]


def compilations() -> int:
    """Signatures compiled in this process so far (numba cache misses)."""
    return sum(sum(k.stats.cache_misses.values()) for k in kernels())


# --- 0. import and compilation ---------------------------------------------------------
def warm_up() -> dict:
    """Import, then the first day ever (compiles, or loads numba's cache), then the stages."""
    t0 = clock()
    from resilience_sim import Simulation

    imported = clock() - t0
    sim = Simulation(scenario(1000), check=False)
    t1 = clock()
    sim.step()
    t2 = clock()
    sim.step(timings={})
    t3 = clock()
    sim.advance(2)  # the days run in chunks (``run`` without the check): loaded here, not timed later
    t4 = clock()
    return {"import_s": imported, "first_day_s": t2 - t1, "first_staged_day_s": t3 - t2,
            "first_chunk_s": t4 - t3,
            "compiled_signatures": compilations(),
            "numba_cache_dir": os.environ.get("NUMBA_CACHE_DIR")}


# --- 1. cost per agent-day ---------------------------------------------------------------
def day_cost(plan: list[tuple[int, int]]) -> dict:
    """ns per agent-day of the whole day (``sim.run()`` after a first ``sim.step()``), wall
    time (the figure) and this process's CPU time (less sensitive to other processes).

    Args:
        plan: (agents requested, repetitions) pairs.

    """
    from resilience_sim import Simulation

    out = {}
    with bar(sum(r for _, r in plan), "cost per agent-day") as pb:
        for n, reps in plan:
            row: dict = {"requested_agents": n, "load_before": load_avg()}
            build, first, run, cost, cpu = [], [], [], [], []
            try:
                for _ in range(reps):
                    t0 = clock()
                    sim = Simulation(scenario(n), check=False)
                    t1 = clock()
                    sim.step()
                    t2, c2 = clock(), time.process_time()
                    sim.run()
                    t3, c3 = clock(), time.process_time()
                    days, agents = sim.days - 1, sim.org.n_agents
                    cpu.append((c3 - c2) / (days * agents) * 1e9)
                    build.append(t1 - t0)
                    first.append(t2 - t1)
                    run.append(t3 - t2)
                    cost.append((t3 - t2) / (days * agents) * 1e9)
                    row.update(agents=agents, days_timed=days)
                    del sim
                    pb.update()
            except Exception as exc:  # noqa: BLE001 - record and go on
                row.update(_error(exc))
            row.update(build_s=stats(build), first_day_s=stats(first), run_s=stats(run),
                       ns_per_agent_day=stats(cost), cpu_ns_per_agent_day=stats(cpu), load_after=load_avg())
            out[str(n)] = row
    return out


# --- 2. stages ---------------------------------------------------------------------------
def stage_shares(n: int, reps: int) -> dict:
    """Each stage's share of the day and its ns per agent-day (``step(timings=...)``)."""
    from resilience_sim import Simulation
    from resilience_sim.kernels.day import STAGES

    runs = []
    row: dict = {"requested_agents": n, "load_before": load_avg()}
    try:
        with bar(reps, f"stages at {n:,} agents") as pb:
            for _ in range(reps):
                sim = Simulation(scenario(n), check=False)
                sim.step(timings={})  # first day apart (first calls, caches)
                d: dict[str, float] = {}
                t0 = clock()
                while sim.day < sim.days:
                    sim.step(timings=d)
                wall = clock() - t0
                agent_days = (sim.days - 1) * sim.org.n_agents
                row.update(agents=sim.org.n_agents, days_timed=sim.days - 1)
                runs.append((d, wall, agent_days))
                del sim
                pb.update()
    except Exception as exc:  # noqa: BLE001
        row.update(_error(exc))
    names = list(STAGES) + sorted({k for d, _, _ in runs for k in d} - set(STAGES))
    row["stages"] = {
        name: {"share": stats([d.get(name, 0.0) / sum(d.values()) for d, _, _ in runs]),
               "ns_per_agent_day": stats([d.get(name, 0.0) / ad * 1e9 for d, _, ad in runs])}
        for name in names}
    row["sum_ns_per_agent_day"] = stats([sum(d.values()) / ad * 1e9 for d, _, ad in runs])
    row["wall_ns_per_agent_day"] = stats([w / ad * 1e9 for _, w, ad in runs])
    row["load_after"] = load_avg()
    return row


# --- 3. memory ---------------------------------------------------------------------------
def _child(n: int) -> dict:
    """Build and run ``n`` agents in a fresh process; its peak memory and table sizes."""
    cmd = [sys.executable, "-m", "benchmarks._child", str(n)]
    p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=3600)
    if p.returncode != 0:
        tail = (p.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise RuntimeError(f"child process for {n:,} agents failed: {tail}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def _child_warm(n: int) -> dict:
    """As :func:`_child`, again once if the child had to compile (the compiler's memory)."""
    r = _child(n)
    return _child(n) if r["compiled_signatures"] else r


def memory(plan: list[tuple[int, int]]) -> dict:
    """Peak resident memory per agent: (peak at N − peak of a tiny organisation) / ΔN.

    Each repetition runs the tiny organisation and the N-agent one back to back in two
    fresh processes (each builds and runs the whole scenario).
    """
    out: dict = {"tiny_requested_agents": TINY}
    with bar(sum(r for _, r in plan), "memory") as pb:
        for n, reps in plan:
            row: dict = {"requested_agents": n, "load_before": load_avg()}
            peak, resident, tiny_peak, big = [], [], [], None
            try:
                for _ in range(reps):
                    tiny, big = _child_warm(TINY), _child_warm(n)
                    extra = big["agents"] - tiny["agents"]
                    peak.append((big["vmhwm_kib"] - tiny["vmhwm_kib"]) * 1024 / extra)
                    resident.append((big["vmrss_kib"] - tiny["vmrss_kib"]) * 1024 / extra)
                    tiny_peak.append(tiny["vmhwm_kib"] / 1024)
                    pb.update()
            except Exception as exc:  # noqa: BLE001
                row.update(_error(exc))
            row.update(peak_bytes_per_agent=stats(peak), resident_after_run_bytes_per_agent=stats(resident),
                       tiny_peak_mib=stats(tiny_peak))
            if big is not None:
                tables = big["nbytes"]
                row.update(agents=big["agents"], peak_mib=big["vmhwm_kib"] / 1024,
                           peak_after_build_mib=big["vmhwm_after_build_kib"] / 1024,
                           state_nbytes=tables,
                           state_bytes_per_agent={k: v / big["agents"] for k, v in tables.items()},
                           state_total_bytes_per_agent=sum(tables.values()) / big["agents"])
            out[str(n)] = row
    return out


# --- 4. reference vs kernels ---------------------------------------------------------------
def reference(sizes: list[int], days: int, reps: int, inner: int = 5) -> dict:
    """Kernels and reference side by side, same scenario, same process: time and agreement.

    The kernels' time per repetition is the median of ``inner`` runs (a run of 300
    agents takes a few milliseconds). ``speedup`` = reference time / kernel time (wall),
    paired repetition by repetition; ``speedup_cpu`` the same in this process's CPU time,
    which other processes on the cores disturb much less (the CI gate uses it).
    """
    out: dict = {"days": days}
    try:
        from resilience_sim.kernels.record import COLUMNS
        from resilience_sim.reference import ReferenceModel
    except Exception as exc:  # noqa: BLE001
        return {**out, "available": False, **_error(exc)}
    from resilience_sim import Simulation

    out["available"] = True
    kw = {"check": False} if "check" in inspect.signature(ReferenceModel).parameters else {}
    with bar(len(sizes) * reps, "reference vs kernels") as pb:
        for n in sizes:
            row: dict = {"requested_agents": n, "load_before": load_avg()}
            kern, ref_t, speed, kbuild, rbuild, kcpu, rcpu, speed_cpu = ([] for _ in range(8))
            try:
                s = scenario(n, days)
                for _ in range(reps):
                    ks, kc = [], []
                    for _ in range(inner):
                        t0 = clock()
                        sim = Simulation(s, check=False)
                        t1, c1 = clock(), time.process_time()
                        sim.run()
                        ks.append(clock() - t1)
                        kc.append(time.process_time() - c1)
                        kbuild.append(t1 - t0)
                    t0 = clock()
                    ref = ReferenceModel(s, **kw)
                    t1, c1 = clock(), time.process_time()
                    ref.run()
                    tr, cr = clock() - t1, time.process_time() - c1
                    rbuild.append(t1 - t0)
                    agent_days = days * sim.org.n_agents
                    tk, ck = float(np.median(ks)), float(np.median(kc))
                    kern.append(tk / agent_days * 1e9)
                    ref_t.append(tr / agent_days * 1e9)
                    speed.append(tr / tk)
                    kcpu.append(ck / agent_days * 1e9)
                    rcpu.append(cr / agent_days * 1e9)
                    speed_cpu.append(cr / ck)
                    pb.update()
                row.update(agents=sim.org.n_agents, **_agreement(sim.out, ref.out, COLUMNS))
            except Exception as exc:  # noqa: BLE001
                row.update(_error(exc))
            row.update(kernel_ns_per_agent_day=stats(kern), reference_ns_per_agent_day=stats(ref_t),
                       speedup=stats(speed), kernel_cpu_ns_per_agent_day=stats(kcpu),
                       reference_cpu_ns_per_agent_day=stats(rcpu), speedup_cpu=stats(speed_cpu),
                       kernel_build_s=stats(kbuild),
                       reference_build_s=stats(rbuild), load_after=load_avg())
            out[str(n)] = row
    return out


def _agreement(a: np.ndarray, b: np.ndarray, columns) -> dict:
    """Do two daily tables agree (np.allclose, equal_nan)? Where not, which columns."""
    if a.shape != b.shape:
        return {"agree": False, "differ": f"shapes {a.shape} and {b.shape}"}
    close = np.isclose(a, b, equal_nan=True)
    bad = [str(columns[j]) for j in range(a.shape[1]) if not close[:, j].all()]
    diff = np.abs(np.where(np.isnan(a) | np.isnan(b), 0.0, a - b))
    first = int(np.argmax(~close.all(axis=1))) if bad else None
    return {"agree": bool(np.allclose(a, b, equal_nan=True)), "columns_differing": bad,
            "first_day_differing": first, "max_abs_difference": float(diff.max()) if diff.size else 0.0}


# --- 5. ensembles --------------------------------------------------------------------------
def _warm_worker() -> None:
    """Pool initializer: import the package and load the compiled day (numba's cache)."""
    from resilience_sim import Simulation

    Simulation(scenario(TINY), check=False).run()


def _pause(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def _summary(s) -> tuple[dict, float]:
    """One run's summary (as ``results.replicates`` does in its workers) and its CPU time."""
    from resilience_sim import results

    c0 = time.process_time()
    summary = results.run(s).summary
    return summary, time.process_time() - c0


def ensemble(batches: int, runs: int, jobs: int = 2, extrapolate_to: int = 1000) -> dict:
    """Runs per second of commune_50k × 365 days, 1 and ``jobs`` processes, and the time
    of ``extrapolate_to`` runs.

    Per batch of ``runs`` seeds, in turn: ``results.replicates(s, runs, 1)`` (serial,
    warm process); ``results.replicates(s, runs, jobs)`` end to end (its own pool); the
    pool's start-up, ``results.replicates(s, jobs, jobs)`` minus one serial run (start,
    imports, numba cache, first run); and the steady rate of ``jobs`` warm worker
    processes (one pool kept for the whole measure, same start method). The time for
    ``extrapolate_to`` runs is start-up + runs / steady rate (serial: runs / rate).
    CPU seconds per run, serial and in the workers, give the speed-up the processes would
    reach on otherwise idle cores (``speedup_cpu_bound`` = jobs × serial / worker CPU).
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from resilience_sim import results
    from resilience_sim.organisation import build

    s = scenario(days=365)
    out: dict = {"days": 365, "batches": batches, "runs_per_batch": runs, "jobs": jobs,
                 "extrapolate_to": extrapolate_to, "start_method": "forkserver", "load_before": load_avg()}
    serial, e2e, startup, steady, t1k, tjk, sp_e2e, sp, sp_big = ([] for _ in range(9))
    cpu1, cpuj = [], []
    try:
        out["agents"] = build(s).n_agents
        results.replicates(s, 1, 1)  # first run in the process (imports, caches)
        ctx = multiprocessing.get_context("forkserver")
        with (ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_warm_worker) as pool,
              bar(batches * (3 * runs + jobs), "ensemble") as pb):
            list(pool.map(_pause, [0.5] * (2 * jobs)))  # every worker started and warm
            for b in range(batches):
                sb = s.with_values({"run.seed": int(s["run.seed"]) + 1000 * b}, "benchmark")
                t0, c0 = clock(), time.process_time()
                results.replicates(sb, runs, 1, pb.update)
                t1 = clock()
                cpu1.append((time.process_time() - c0) / runs)
                results.replicates(sb, runs, jobs, pb.update)
                t2 = clock()
                results.replicates(sb.with_values({"run.seed": int(sb["run.seed"]) + 1}, "benchmark"),
                                   jobs, jobs, pb.update)
                t3 = clock()
                seeds = results.replicate_seeds(int(sb["run.seed"]), runs)
                cpu = []
                for _, c in pool.map(_summary, [sb.with_values({"run.seed": x}, "benchmark") for x in seeds]):
                    cpu.append(c)
                    pb.update()
                t4 = clock()
                cpuj.append(float(np.median(cpu)))
                serial.append(runs / (t1 - t0))
                e2e.append(runs / (t2 - t1))
                startup.append(max(t3 - t2 - (t1 - t0) / runs, 0.0))
                steady.append(runs / (t4 - t3))
                t1k.append(extrapolate_to / serial[-1])
                tjk.append(startup[-1] + extrapolate_to / steady[-1])
                sp_e2e.append((t1 - t0) / (t2 - t1))
                sp.append(steady[-1] / serial[-1])
                sp_big.append(t1k[-1] / tjk[-1])
    except Exception as exc:  # noqa: BLE001
        out.update(_error(exc))
    out.update(runs_per_s_1=stats(serial), runs_per_s_jobs_end_to_end=stats(e2e),
               pool_startup_s=stats(startup), runs_per_s_jobs_steady=stats(steady),
               seconds_for_runs_1=stats(t1k), seconds_for_runs_jobs=stats(tjk),
               speedup_end_to_end=stats(sp_e2e), speedup_steady=stats(sp), speedup=stats(sp_big),
               cpu_s_per_run_1=stats(cpu1), cpu_s_per_run_jobs=stats(cpuj),
               speedup_cpu_bound=stats([jobs * a / b for a, b in zip(cpu1, cpuj, strict=True)]),
               seconds_for_runs_jobs_cpu_bound=stats([s0 + extrapolate_to * c / jobs
                                                      for s0, c in zip(startup, cpuj, strict=True)]),
               load_after=load_avg())
    return out


# --- 6. command line -----------------------------------------------------------------------
def _children_cpu() -> float:
    """CPU seconds (user + system) used so far by this process's finished children."""
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cli(warm_reps: int, cold: bool = True) -> dict:
    """``resilience-sim run covid_lockdown_2020 --out TMP --quiet`` as a subprocess.

    With ``cold``: once with an empty numba cache (``NUMBA_CACHE_DIR`` a fresh folder),
    then ``warm_reps`` times with that cache filled. Without: ``warm_reps`` times with the
    cache this process already filled (no compilation: quick mode).
    """
    exe = shutil.which("resilience-sim", path=str(Path(sys.executable).parent))
    cmd = [exe] if exe else [sys.executable, "-c", "import sys; from resilience_sim.cli import main; "
                             "sys.exit(main())"]
    out: dict = {"command": "resilience-sim run covid_lockdown_2020 --out TMP --quiet",
                 "load_before": load_avg()}
    times: list[float] = []
    imports: list[float] = []
    cpu: list[float] = []
    try:
        with (tempfile.TemporaryDirectory(prefix="resilience_bench_") as tmp,
              bar(cold + warm_reps, "command line") as pb):
            env = dict(os.environ)
            if cold:
                env["NUMBA_CACHE_DIR"] = str(Path(tmp) / "numba")
                Path(env["NUMBA_CACHE_DIR"]).mkdir()
            for i in range(cold + warm_reps):
                t0, c0 = clock(), _children_cpu()
                p = subprocess.run([*cmd, "run", SCENARIO, "--out", str(Path(tmp) / f"out{i}"), "--quiet"],
                                   env=env, capture_output=True, text=True, timeout=1800)
                if p.returncode != 0:
                    tail = (p.stderr.strip().splitlines() or ["(no message)"])[-1]
                    raise RuntimeError(f"exit {p.returncode}: {tail}")
                times.append(clock() - t0)
                cpu.append(_children_cpu() - c0)
                pb.update()
            for _ in range(warm_reps):  # of which: starting Python and importing the package
                t0 = clock()
                subprocess.run([sys.executable, "-c", "import resilience_sim"], env=env, check=True)
                imports.append(clock() - t0)
    except Exception as exc:  # noqa: BLE001
        out.update(_error(exc))
    out.update(cold_s=stats(times[:1] if cold else []), warm_s=stats(times[1:] if cold else times),
               warm_cpu_s=stats(cpu[1:] if cold else cpu), import_s=stats(imports),
               load_after=load_avg())
    return out
