"""Profile the day with Linux ``perf``, the compiled kernels named.

numba's code has no symbols ``perf`` can read, so this runs the benchmark scenario after
writing ``/tmp/perf-<pid>.map`` (the perf map format: address, size, name) from numba's
compiled libraries. Run it under ``perf record``::

    perf record -e cpu-clock -F 8000 -o perf.data -- python -m benchmarks.profile 100000 3
    python -m benchmarks.profile --shares perf.data
    python -m benchmarks.profile --annotate perf.data decisions.sign_offs

With ``--debug`` the kernels are compiled with numba's debug information and the day
loop's object code is saved; ``--lines perf.data`` then sums the day loop's samples by
source line (``addr2line``). Inlined code keeps its own line numbers but is filed under
``day.py``, so each line number is printed with the text it has in every kernel module.

The kernels are compiled afresh into a temporary numba cache (about 90 s): a library
loaded from the cache keeps no module to read the addresses from. ``--shares`` prints
each kernel's share of the samples taken in the kernels (the figures quoted as "share of
a perf profile" in RESULTS.md). Kernels compiled inline (the stages, and the kernels
that take the state tuples: see ``resilience_sim.kernels.day``) count under
``day.run_days``; ``--annotate`` shows where in it. Sampling skid puts a stall on the
instruction after the load that waited.
"""

from __future__ import annotations

import argparse
import collections
import importlib
import os
import pickle
import pkgutil
import subprocess
import sys
import tempfile
import time

CODE = "/tmp/resilience_sim-kernels.code"  # code bytes of the last profiled run
OBJECT = "/tmp/resilience_sim-run_days.o"  # the day loop's object code, with --debug


def _short(name: str) -> str:
    """``module.function`` from an Itanium-mangled numba name (``_ZN<len><part>...``)."""
    if not name.startswith("_ZN"):
        return name[:60]
    i, parts = 3, []
    while i < len(name) and name[i].isdigit():
        j = i
        while name[j].isdigit():
            j += 1
        k = int(name[i:j])
        parts.append(name[j:j + k])
        i = j + k
    return ".".join(parts[-2:])


def write_map() -> int:
    """Write the perf map of every compiled kernel of ``resilience_sim.kernels``; return its size."""
    from numba.core.registry import CPUDispatcher

    import resilience_sim.kernels as kernels

    symbols = {}
    for info in pkgutil.iter_modules(kernels.__path__):
        module = importlib.import_module(f"resilience_sim.kernels.{info.name}")
        for obj in vars(module).values():
            if not isinstance(obj, CPUDispatcher):
                continue
            for cres in obj.overloads.values():
                module_ir = getattr(cres.library, "_final_module", None)
                if module_ir is None:  # loaded from numba's cache: no addresses to read
                    continue
                for f in module_ir.functions:
                    if not f.is_declaration:
                        address = cres.library._codegen._engine.get_function_address(f.name)
                        if address:
                            symbols[address] = _short(f.name)
    addresses = sorted(symbols)
    code = {}
    with open(f"/tmp/perf-{os.getpid()}.map", "w") as fh:
        for i, a in enumerate(addresses):
            gap = min(addresses[i + 1] - a if i + 1 < len(addresses) else 4096, 1 << 20)
            fh.write(f"{a:x} {gap:x} {symbols[a]}\n")
            code[a] = (symbols[a], _read(a, gap))
    with open(CODE, "wb") as fh:  # the code bytes, for --annotate
        pickle.dump(code, fh)
    return len(addresses)


def _read(address: int, size: int) -> bytes:
    """Up to ``size`` bytes of this process's memory from ``address``, stopping at an unmapped page."""
    fd = os.open("/proc/self/mem", os.O_RDONLY)
    try:
        got = b""
        while len(got) < size:
            try:
                chunk = os.pread(fd, min(4096, size - len(got)), address + len(got))
            except OSError:
                break
            if not chunk:
                break
            got += chunk
        return got
    finally:
        os.close(fd)


def _samples(data: str) -> list[tuple[int, str]]:
    """(address, symbol) of every sample of a ``perf.data`` file that has a symbol."""
    out = subprocess.run(["perf", "script", "-i", data, "-F", "ip,sym"], capture_output=True, text=True,
                         check=True).stdout
    fields = (line.split() for line in out.splitlines())
    return [(int(f[0], 16), f[1]) for f in fields if len(f) == 2]


def _kernel_hits(data: str, name: str) -> tuple[int, bytes, collections.Counter]:
    """(address, code bytes, samples by offset) of kernel ``name`` in a ``perf.data`` file."""
    with open(CODE, "rb") as fh:
        code = pickle.load(fh)
    ips = [ip for ip, sym in _samples(data) if sym == name]
    entries = [(a, blob) for a, (n, blob) in code.items() if n == name]  # one per compiled signature
    start, blob = max(entries, key=lambda e: sum(e[0] <= ip < e[0] + len(e[1]) for ip in ips))
    return start, blob, collections.Counter(ip - start for ip in ips if start <= ip < start + len(blob))


def annotate(data: str, name: str) -> None:
    """Print every instruction of kernel ``name``, each with its share of the kernel's samples."""
    start, blob, hits = _kernel_hits(data, name)
    with tempfile.NamedTemporaryFile(suffix=".bin") as fh:
        fh.write(blob)
        fh.flush()
        asm = subprocess.run(["objdump", "-D", "-b", "binary", "-m", "i386:x86-64", "--no-show-raw-insn", fh.name],
                             capture_output=True, text=True, check=True).stdout
    total = sum(hits.values()) or 1
    for line in asm.splitlines():
        head = line.split(":")[0].strip()
        if not head or any(c not in "0123456789abcdef" for c in head):
            continue
        n = hits.get(int(head, 16), 0)
        mark = f"{100 * n / total:5.1f}" if n else "     "
        print(f"{mark} {line.strip()}")


def lines(data: str, top: int = 40) -> None:
    """Print the source lines of the day loop that hold most of its samples (see module doc)."""
    import resilience_sim.kernels as kernels

    start, blob, hits = _kernel_hits(data, "day.run_days")
    offsets = sorted(hits)
    found = subprocess.run(["addr2line", "-e", OBJECT, "-j", ".ltext", *map(hex, offsets)],
                           capture_output=True, text=True, check=True).stdout.splitlines()
    by_line = collections.Counter()
    for offset, where in zip(offsets, found, strict=True):
        by_line[where.split(" (")[0].rsplit(":", 1)[-1]] += hits[offset]
    folder = os.path.dirname(kernels.__file__)
    sources = {f[:-3]: open(os.path.join(folder, f)).read().splitlines()
               for f in sorted(os.listdir(folder)) if f.endswith(".py")}
    total = sum(hits.values()) or 1
    for line, n in by_line.most_common(top):
        print(f"{100 * n / total:5.1f} %  line {line}")
        if line.isdigit():
            for module, text in sources.items():
                if int(line) <= len(text) and text[int(line) - 1].strip():
                    print(f"          {module}: {text[int(line) - 1].strip()[:100]}")


def run(agents: int, reps: int, settings: list[str] | None = None) -> None:
    """Compile, write the map, then run the benchmark scenario (``KEY=VALUE`` settings) ``reps`` times."""
    from resilience_sim import Simulation

    from .measures import scenario

    s = scenario(agents).with_settings(settings or [])
    sim = Simulation(s, check=False)
    sim.step()
    sim.advance(2)  # every kernel compiled
    print(f"perf map: {write_map()} symbols, pid {os.getpid()}", file=sys.stderr)
    if os.environ.get("NUMBA_DEBUGINFO") == "1":
        from resilience_sim.kernels.day import run_days

        for cres in run_days.overloads.values():  # the object code, for --lines
            with open(OBJECT, "wb") as fh:
                fh.write(cres.library._get_compiled_object())
    start = time.perf_counter()
    for _ in range(reps):
        Simulation(s, check=False).run()
    print(f"{reps} runs of {agents:,} agents: {time.perf_counter() - start:.1f} s", file=sys.stderr)


def shares(data: str) -> list[tuple[str, int]]:
    """Samples per kernel (``module.function``) in a ``perf.data`` file, most first."""
    modules = {info.name for info in pkgutil.iter_modules(importlib.import_module("resilience_sim.kernels").__path__)}
    count = collections.Counter(sym for _, sym in _samples(data) if sym.split(".")[0] in modules)
    return count.most_common()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__.splitlines()[0])
    ap.add_argument("agents", nargs="?", type=int, default=100_000)
    ap.add_argument("reps", nargs="?", type=int, default=3)
    ap.add_argument("--shares", metavar="PERF_DATA", help="print each kernel's share of a recorded profile")
    ap.add_argument("--annotate", nargs=2, metavar=("PERF_DATA", "KERNEL"),
                    help="print a kernel's instructions with their share of its samples (e.g. decisions.sign_offs)")
    ap.add_argument("--debug", action="store_true", help="compile with debug information (for --lines)")
    ap.add_argument("--lines", metavar="PERF_DATA", help="print the day loop's samples by source line")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="a parameter of the profiled scenario (e.g. initiatives.enabled=true); repeatable")
    args = ap.parse_args(argv)
    if args.lines:
        lines(args.lines)
        return 0
    if args.annotate:
        annotate(*args.annotate)
        return 0
    if args.shares:
        rows = shares(args.shares)
        total = sum(n for _, n in rows) or 1
        for name, n in rows:
            print(f"{100 * n / total:5.1f} %  {n:7d}  {name}")
        return 0
    with tempfile.TemporaryDirectory() as cache:
        os.environ["NUMBA_CACHE_DIR"] = cache  # before numba is imported: compile afresh
        if args.debug:
            os.environ["NUMBA_DEBUGINFO"] = "1"
        run(args.agents, args.reps, args.set)
    return 0


if __name__ == "__main__":
    sys.exit(main())
