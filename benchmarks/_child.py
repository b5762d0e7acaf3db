"""Child process of the memory benchmark: ``python -m benchmarks._child N``.

Builds and runs the benchmark scenario with N agents, then prints one JSON line: peak
resident memory (VmHWM, and ru_maxrss), resident memory after the run (VmRSS), the
sizes of the state tables (``resilience_sim.state.nbytes``) and whether it compiled.
"""

import json
import resource
import sys
from pathlib import Path


def status_kib(key: str) -> int:
    """A field of /proc/self/status in KiB (ru_maxrss for VmHWM where /proc is missing)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    n = int(sys.argv[1])
    from resilience_sim import Simulation, state

    from .measures import compilations, scenario

    sim = Simulation(scenario(n), check=False)
    after_build = status_kib("VmHWM")
    sim.run()
    tables = {name: state.nbytes(getattr(sim, name))
              for name in ("agents", "services", "managers", "decisions", "buffers")}
    tables["out"] = int(sim.out.nbytes)
    print(json.dumps({
        "agents": sim.org.n_agents, "vmhwm_kib": status_kib("VmHWM"),
        "vmhwm_after_build_kib": after_build, "vmrss_kib": status_kib("VmRSS"),
        "ru_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "nbytes": tables, "compiled_signatures": compilations(),
    }))


if __name__ == "__main__":
    main()
