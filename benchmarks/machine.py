"""Where and on what the benchmarks run: machine, versions, commit, load."""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (platform.processor() elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def ram_bytes() -> int | None:
    """Total RAM (MemTotal of /proc/meminfo)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _git(*args: str) -> str | None:
    try:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True,
                              check=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def source_digest() -> str:
    """Hash of the package's sources (as its numba cache key): identifies uncommitted code."""
    root = REPO / "resilience_sim"
    digest = hashlib.sha1()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def load() -> list[float]:
    """Load averages over 1, 5 and 15 minutes."""
    return [round(x, 2) for x in os.getloadavg()]


def describe() -> dict:
    """The machine, the versions and the code measured."""
    export = os.environ.get("BENCH_SOURCE_COMMIT")  # a `git archive` export, outside a checkout
    status = "" if export else _git("status", "--porcelain", "--", "resilience_sim")
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "ram_bytes": ram_bytes(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "numba": _version("numba"), "numpy": _version("numpy"), "mesa": _version("mesa"),
        "resilience_sim": _version("resilience_sim"),
        "commit": export or _git("rev-parse", "HEAD"),
        "uncommitted_changes": bool(status) if status is not None else None,
        "source_digest": source_digest(),
    }
