"""Point numba's cache at a folder keyed by the package's source.

numba's ``cache=True`` checks only the file of the function it compiles, so a kernel
that calls a changed function in another module would keep stale machine code. The
cache folder is keyed by a hash of every source file of the package: any change
compiles afresh. ``NUMBA_CACHE_DIR`` set by the user wins.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def configure() -> Path | None:
    """Set numba's cache folder for this version of the sources; return it."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return None
    root = Path(__file__).resolve().parent
    digest = hashlib.sha1()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    folder = base / "resilience_sim" / "numba" / digest.hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    import numba

    numba.config.CACHE_DIR = str(folder)
    return folder
