"""The Markdown section a run appends to ``benchmarks/RESULTS.md``, goals first."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADER = """# Benchmark results

One section per run of `python -m benchmarks` (newest last), written by the suite itself;
the full record of each run is the JSON file it names (`benchmarks/out/`, not in git).
Figures are median (min–max) over repetitions. The machine is shared: the load average
is given with each run.
"""


def _mmm(s: dict | None, fmt: str = "{:.1f}", scale: float = 1.0) -> str:
    """'median (min–max)' of a stats dict."""
    if not s or s.get("median") is None:
        return "—"
    med, lo, hi = (fmt.format(s[k] * scale) for k in ("median", "min", "max"))
    return med if s["n"] == 1 else f"{med} ({lo}–{hi})"


def _med(s: dict | None) -> float | None:
    return None if not s else s.get("median")


def _err(row: dict) -> str:
    return f" {row['error']}" if "error" in row else ""


def _yes(ok: bool | None) -> str:
    return "—" if ok is None else ("yes" if ok else "**no**")


def heaviest_stages(rec: dict, k: int = 3) -> str:
    """The k stages taking most of the day, e.g. 'decisions 45 % (70 ns)'."""
    st = rec.get("stages", {}).get("stages", {})
    order = sorted(st, key=lambda n: -(st[n]["share"]["median"] or 0.0))[:k]
    return ", ".join(f"{n} {st[n]['share']['median']:.0%} ({st[n]['ns_per_agent_day']['median']:.0f} ns)"
                     for n in order)


G_COST = "≤ 30 ns per agent-day at 100,000 agents (one core)"
G_REF = "≥ 300× the reference, same scenario, same run"
G_FLAT = "cost per agent-day within 2× from 1,000 to 1,000,000 agents"
G_MEM = "≤ 300 bytes per agent (peak resident)"
G_ENS = "1,000 runs of commune_50k × 365 days ≤ 60 s on two cores"
G_JOBS = "two processes ≥ 1.8× one"
G_CLI = "`resilience-sim run` default ≤ 3 s warm"


def _why(part: dict | None, rows: dict | None = None) -> str:
    """Why a figure is missing: the part's error, a size's error, or not in this mode."""
    if part is None:
        return "not measured in this run"
    errors = [part.get("error")] + [r.get("error") for k, r in (rows or part).items()
                                    if k.isdigit() and isinstance(r, dict)]
    return next((f"error: {e}" for e in errors if e), "not measured in this mode")


def goals(rec: dict) -> list[tuple[str, str, bool | None, str]]:
    """(goal, measured, met, note) for every goal of the suite, met None if not judged."""
    rows = []
    cost = rec.get("day_cost")
    m = _med((cost or {}).get("100000", {}).get("ns_per_agent_day"))
    if m is None:
        rows.append((G_COST, "not measured", None, _why(cost)))
    else:
        n = rec.get("stages", {}).get("agents")
        note = "" if m <= 30 else f"{m / 30:.1f}× the goal" + (
            f"; heaviest stages at {n:,} agents: {heaviest_stages(rec)}" if n else "")
        rows.append((G_COST, f"{m:.0f} ns", m <= 30, note))

    ref = rec.get("reference")
    sizes = [k for k in (ref or {}) if k.isdigit() and _med(ref[k].get("speedup")) is not None]
    if sizes:
        k = max(sizes, key=int)
        sp = _med(ref[k]["speedup"])
        others = "; ".join(f"{int(j):,} agents {_med(ref[j]['speedup']):.0f}×" for j in sizes if j != k)
        cpu = _med(ref[k].get("speedup_cpu"))
        note = f"{ref['days']} days at {int(k):,} agents" + (f"; {cpu:.0f}× in CPU time" if cpu else "")
        note += f"; {others}" if others else ""
        rows.append((G_REF, f"{sp:.0f}×", sp >= 300, note + (f"; {300 / sp:.1f}× short" if sp < 300 else "")))
    else:
        rows.append((G_REF, "not measured", None, _why(ref)))

    meds = {int(k): _med(v.get("ns_per_agent_day")) for k, v in (cost or {}).items()}
    meds = {k: v for k, v in meds.items() if v is not None}
    if len(meds) >= 2:
        spread = max(meds.values()) / min(meds.values())
        lo, hi = min(meds), max(meds)
        full = lo <= 1_000 and hi >= 1_000_000
        rows.append((G_FLAT, f"{spread:.2f}× over {lo:,}–{hi:,}", spread <= 2 if full else None,
                     "" if full else f"measured {lo:,}–{hi:,} agents only; {_why(cost)}"))
    else:
        rows.append((G_FLAT, "not measured", None, _why(cost)))

    mem = rec.get("memory")
    msizes = [k for k in (mem or {}) if k.isdigit() and _med(mem[k].get("peak_bytes_per_agent")) is not None]
    if msizes:
        k = max(msizes, key=int)
        b = _med(mem[k]["peak_bytes_per_agent"])
        per = mem[k].get("state_bytes_per_agent", {})
        tables = ", ".join(f"{t} {v:.0f}" for t, v in sorted(per.items(), key=lambda kv: -kv[1])[:3])
        total = mem[k].get("state_total_bytes_per_agent", 0)
        note = f"at {int(k):,} agents; state tables {total:.0f} B/agent ({tables})"
        missing = [j for j in mem if j.isdigit() and j not in msizes]
        if missing:
            note += f"; {int(missing[0]):,} agents: {_why(mem)}"
        rows.append((G_MEM, f"{b:.0f} B", b <= 300, (f"{b / 300:.1f}× the goal; " if b > 300 else "") + note))
    else:
        rows.append((G_MEM, "not measured", None, _why(mem)))

    ens = rec.get("ensemble")
    t2, sp = _med((ens or {}).get("seconds_for_runs_jobs")), _med((ens or {}).get("speedup"))
    if t2 is not None:
        runs = ens["batches"] * ens["runs_per_batch"]
        cpu_bound = _med(ens.get("seconds_for_runs_jobs_cpu_bound"))
        rows.append((G_ENS, f"{t2:.0f} s", t2 <= 60, f"start-up + 1,000 runs at the rate of {runs} runs "
                     "on warm processes" + (f"; {t2 / 60:.1f}× the goal" if t2 > 60 else "")
                     + (f"; {cpu_bound:.0f} s on idle cores (CPU time)" if cpu_bound else "")))
        rows.append((G_JOBS, f"{sp:.2f}×", sp >= 1.8,
                     f"for {ens['extrapolate_to']:,} runs, pool start-up included; CPU-bound estimate "
                     f"{_med(ens.get('speedup_cpu_bound')) or float('nan'):.2f}×; warm processes "
                     f"{_med(ens['speedup_steady']):.2f}×; `replicates` of {ens['runs_per_batch']} runs "
                     f"{_med(ens['speedup_end_to_end']):.2f}×"))
    else:
        rows += [(G_ENS, "not measured", None, _why(ens, {})), (G_JOBS, "not measured", None, _why(ens, {}))]
    cli = rec.get("cli")
    w = _med((cli or {}).get("warm_s"))
    if w is not None:
        c = _med(cli.get("cold_s"))
        rows.append((G_CLI, f"{w:.1f} s", w <= 3,
                     (f"cold (empty numba cache) {c:.0f} s; " if c is not None else "")
                     + f"CPU {_med(cli.get('warm_cpu_s')) or float('nan'):.1f} s; "
                     f"`import resilience_sim` alone {_med(cli.get('import_s')) or float('nan'):.1f} s"))
    else:
        rows.append((G_CLI, "not measured", None, _why(cli, {})))
    return rows


def section(rec: dict, json_path: Path | None = None, checks: list | None = None) -> str:
    """The Markdown section of one run."""
    mc = rec["machine"]
    commit = (mc.get("commit") or "?")[:7]
    if mc.get("uncommitted_changes"):
        commit += " + uncommitted changes"
    ram = f"{mc['ram_bytes'] / 2**30:.0f} GiB" if mc.get("ram_bytes") else "?"
    lines = [
        f"## {rec['started_utc'].replace('T', ' ')[:16]} UTC — {rec['plan']['mode']} — commit {commit}", "",
        f"{mc['cpu']}, {mc['cores']} cores, {ram}; Python {mc['python']}, numba {mc['numba']}, "
        f"numpy {mc['numpy']}, mesa {mc['mesa']}; sources {mc['source_digest']}. "
        f"Load average (1/5/15 min) {rec['load_start']} at start, {rec['load_end']} at end. "
        f"Run took {rec['duration_s']:.0f} s"
        + (f"; record `benchmarks/out/{json_path.name}`." if json_path else "."),
        "", "| goal | measured | met? | note |", "|---|---|---|---|",
    ]
    lines += [f"| {g} | {m} | {_yes(ok)} | {n} |" for g, m, ok, n in goals(rec)]
    if rec.get("warning"):
        lines += ["", f"**Warning:** {rec['warning']}."]
    wu = rec["warm_up"]
    lines += ["", f"First day in the process {wu['first_day_s']:.1f} s "
              f"({'compiled' if wu['compiled_signatures'] else 'numba cache loaded'}; "
              f"stages one by one {wu['first_staged_day_s']:.1f} s more, days in chunks "
              f"{wu.get('first_chunk_s', float('nan')):.1f} s more); import {wu['import_s']:.1f} s."]
    cost = rec.get("day_cost")
    if cost:
        lines += ["", "| agents | ns per agent-day | CPU ns per agent-day | first day (s) | build (s) "
                  "| load before |", "|---|---|---|---|---|---|"]
        for row in cost.values():
            lines.append(f"| {row.get('agents', row['requested_agents']):,} "
                         f"| {_mmm(row['ns_per_agent_day'])} | {_mmm(row.get('cpu_ns_per_agent_day'))} "
                         f"| {_mmm(row['first_day_s'], '{:.3f}')} | {_mmm(row['build_s'], '{:.2f}')} "
                         f"| {row['load_before'][0]} |" + _err(row))
    st = rec.get("stages")
    if st and st.get("stages"):
        lines += ["", f"Stages at {st.get('agents', st['requested_agents']):,} agents "
                  f"(sum {_mmm(st['sum_ns_per_agent_day'])} ns per agent-day, "
                  f"{_mmm(st['wall_ns_per_agent_day'])} with Python between stages):", "",
                  "| stage | share of the day | ns per agent-day |", "|---|---|---|"]
        for name, v in st["stages"].items():
            lines.append(f"| {name} | {_mmm(v['share'], '{:.1f}', 100)} % | {_mmm(v['ns_per_agent_day'])} |")
    ref = rec.get("reference")
    if ref:
        if not ref.get("available"):
            lines += ["", f"Reference: not available ({ref.get('error')})."]
        else:
            lines += ["", f"Reference vs kernels, {ref['days']} days, same process (speed-up in wall "
                      "time, and in CPU time):", "",
                      "| agents | kernels ns/agent-day | reference ns/agent-day | speed-up | speed-up (CPU) "
                      "| tables agree |", "|---|---|---|---|---|---|"]
            for k, row in ref.items():
                if k.isdigit():
                    agree = row.get("agree")
                    lines.append(f"| {row.get('agents', int(k)):,} | {_mmm(row['kernel_ns_per_agent_day'])} "
                                 f"| {_mmm(row['reference_ns_per_agent_day'], '{:,.0f}')} "
                                 f"| {_mmm(row['speedup'], '{:.0f}')}× "
                                 f"| {_mmm(row.get('speedup_cpu'), '{:.0f}')}× | "
                                 + ("yes" if agree else
                                    f"**no** {row.get('columns_differing', row.get('error', ''))}")
                                 + " |")
    mem = rec.get("memory")
    if mem:
        lines += ["", "| agents | peak B/agent | resident after run B/agent | state tables B/agent "
                  "| peak MiB |", "|---|---|---|---|---|"]
        for k, row in mem.items():
            if k.isdigit():
                lines.append(f"| {row.get('agents', int(k)):,} "
                             f"| {_mmm(row['peak_bytes_per_agent'], '{:.0f}')} "
                             f"| {_mmm(row['resident_after_run_bytes_per_agent'], '{:.0f}')} "
                             f"| {row.get('state_total_bytes_per_agent', float('nan')):.0f} "
                             f"| {row.get('peak_mib', float('nan')):.0f} |" + _err(row))
    ens = rec.get("ensemble")
    if ens and "runs_per_s_1" in ens:
        j, n = ens["jobs"], ens["runs_per_batch"]
        lines += ["", f"Ensemble (commune_50k, {ens.get('agents')} agents × 365 days, {ens['batches']} "
                  f"batches of {n} runs each way): 1 process {_mmm(ens['runs_per_s_1'])} runs/s; "
                  f"{j} warm processes {_mmm(ens['runs_per_s_jobs_steady'])} runs/s "
                  f"(speed-up {_mmm(ens['speedup_steady'], '{:.2f}')}×); a pool's start-up "
                  f"{_mmm(ens['pool_startup_s'], '{:.2f}')} s, so `results.replicates(s, {n}, {j})` end to "
                  f"end {_mmm(ens['runs_per_s_jobs_end_to_end'])} runs/s "
                  f"({_mmm(ens['speedup_end_to_end'], '{:.2f}')}× serial). {ens['extrapolate_to']:,} runs ≈ "
                  f"{_mmm(ens['seconds_for_runs_1'], '{:.0f}')} s serial, "
                  f"{_mmm(ens['seconds_for_runs_jobs'], '{:.0f}')} s on {j} processes "
                  f"(speed-up {_mmm(ens['speedup'], '{:.2f}')}×). CPU time per run "
                  f"{_mmm(ens.get('cpu_s_per_run_1'), '{:.3f}')} s serial, "
                  f"{_mmm(ens.get('cpu_s_per_run_jobs'), '{:.3f}')} s in the workers: on idle cores "
                  f"{j} processes would give {_mmm(ens.get('speedup_cpu_bound'), '{:.2f}')}×." + _err(ens)]
    cli = rec.get("cli")
    if cli:
        cold = f"cold (empty numba cache) {_mmm(cli['cold_s'])} s, " if cli["cold_s"]["n"] else ""
        lines += ["", f"`{cli['command']}`: {cold}warm {_mmm(cli['warm_s'])} s "
                  f"(CPU {_mmm(cli.get('warm_cpu_s'), '{:.2f}')} s), of which "
                  f"`python -c 'import resilience_sim'` {_mmm(cli.get('import_s'), '{:.2f}')} s."
                  + (f" Error: {cli['error']}" if "error" in cli else "")]
    if checks is not None:
        lines += ["", "Gates (`--check`): " + "; ".join(
            f"{name}: {'pass' if ok else '**FAIL**'} ({msg})" for name, ok, msg in checks) + "."]
    return "\n".join(lines) + "\n"


def append(text: str, path: Path = RESULTS) -> None:
    """Append a section to RESULTS.md (created with its header if missing)."""
    old = path.read_text() if path.exists() else HEADER
    path.write_text(old.rstrip("\n") + "\n\n" + text)
