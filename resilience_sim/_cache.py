"""Point numba's cache at a folder keyed by the package's source.

numba's ``cache=True`` checks only the file of the function it compiles, so a kernel
that calls a changed function in another module would keep stale machine code. The
cache folder is keyed by a hash of every file compiled code can read — the kernels and
the modules whose functions and constants they use (``COMPILED``) — so that any change
there compiles afresh, and a change elsewhere (the command line, metrics, figures) does
not. ``NUMBA_CACHE_DIR`` set by the user wins.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

#: the sources compiled code depends on: the kernels, and what they import (numba functions and
#: constants frozen at compile time)
COMPILED = ("kernels/*.py", "rng.py", "state.py", "params.py", "schema.py")


def configure() -> Path | None:
    """Set numba's cache folder for this version of the sources; return it."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return None
    root = Path(__file__).resolve().parent
    digest = hashlib.sha1()
    for path in sorted(p for pattern in COMPILED for p in root.glob(pattern)):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    folder = base / "resilience_sim" / "numba" / digest.hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    import numba

    numba.config.CACHE_DIR = str(folder)
    return folder
