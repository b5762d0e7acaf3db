"""Solara's front-end assets, installed into the environment so the dashboard works offline.

Solara's page loads its JavaScript and fonts through its server, which fetches them
from a public CDN the first time and keeps them in ``<prefix>/share/solara/cdn/``. A
workshop room often has no network, so this module fills that folder ahead of time
with the exact npm packages the pinned solara version asks for, fetched with
``npm pack`` from the npm registry::

    python -m resilience_sim.dashboard.assets          # install what is missing
    python -m resilience_sim.dashboard.assets --check  # exit 1 if something is missing

Each package is extracted into ``cdn/<name>@<version>/``; a request for the bare
package (``requirejs@2.3.6``) is answered by ``__main.js``, the package's browser entry.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

#: the npm packages solara's page loads, for the solara version pinned in pyproject.toml
SOLARA_VERSION = "1.64.1"
PACKAGES = (
    ("@widgetti/solara-vuetify3-app", "5.2.0"),
    ("requirejs", "2.3.6"),
    ("font-awesome", "4.5.0"),
    ("@widgetti/vue-grid-layout", "2.3.13-alpha.2"),
)
#: the browser entry of a package whose ``main`` is for node
ENTRY = {"requirejs": "require.js"}


def cdn_folder() -> Path:
    """The folder the solara server reads its cached front-end assets from."""
    from solara.server.settings import assets

    return Path(assets.proxy_cache_dir)


def missing(folder: Path | None = None) -> list[str]:
    """The ``name@version`` of each package not yet installed in ``folder``."""
    folder = folder or cdn_folder()
    return [f"{n}@{v}" for n, v in PACKAGES if not (folder / f"{n}@{v}" / "package.json").is_file()]


def install(folder: Path | None = None, quiet: bool = False) -> list[str]:
    """Fetch and extract every missing package; return what was installed.

    Raises:
        RuntimeError: npm is missing or could not fetch a package (the message says how to fix).

    """
    folder = folder or cdn_folder()
    todo = missing(folder)
    if not todo:
        return []
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to fetch solara's front-end assets once: apt-get install -y npm")
    with tempfile.TemporaryDirectory() as tmp:
        for spec in todo:
            if not quiet:
                print(f"fetching {spec}", file=sys.stderr)
            done = subprocess.run([npm, "pack", spec, "--silent", "--pack-destination", tmp],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"npm pack {spec} failed: {done.stderr.strip()[-300:]}")
            tarball = Path(tmp) / done.stdout.strip().splitlines()[-1]
            _extract(tarball, folder / spec)
    return todo


def _extract(tarball: Path, target: Path) -> None:
    """Extract an npm tarball's ``package/`` into ``target`` whole (temporary sibling, then rename)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        with tarfile.open(tarball) as tar:
            tar.extractall(staging, filter="data")
        package = staging / "package"
        meta = json.loads((package / "package.json").read_text(encoding="utf-8"))
        entry = ENTRY.get(meta["name"]) or meta.get("unpkg") or meta.get("jsdelivr") or meta.get("main")
        if entry and (package / entry).is_file():
            shutil.copyfile(package / entry, package / "__main.js")
        if target.exists():
            shutil.rmtree(target)
        package.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Install (or ``--check``) solara's front-end assets; exit 1 if something is missing."""
    ap = argparse.ArgumentParser(prog="python -m resilience_sim.dashboard.assets", description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check; exit 1 if an asset is missing")
    args = ap.parse_args(argv)
    if args.check:
        gone = missing()
        for spec in gone:
            print(f"missing {spec} in {cdn_folder()}", file=sys.stderr)
        return 1 if gone else 0
    try:
        done = install()
    except RuntimeError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"solara assets in {cdn_folder()}" + (f" (installed {', '.join(done)})" if done else " (already there)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
