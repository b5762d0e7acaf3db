"""The workshop notebooks: French first, an English twin with the same code, all run top to bottom."""

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
KERNEL = "resilience-sim"
FRENCH = sorted((NOTEBOOKS / "fr").glob("*.ipynb"))
ENGLISH = sorted((NOTEBOOKS / "en").glob("*.ipynb"))


def _code(path: Path) -> list[str]:
    return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def test_every_french_notebook_has_an_english_twin_with_the_same_code():
    assert len(FRENCH) == len(ENGLISH) >= 5
    for fr, en in zip(FRENCH, ENGLISH, strict=True):
        assert fr.name[:3] == en.name[:3]
        code_fr, code_en = _code(fr), _code(en)
        assert code_fr[0] == code_en[0].replace('"en"', '"fr"')
        assert code_fr[1:] == code_en[1:], f"{en.name} differs from {fr.name}"


def test_notebooks_hold_no_model_logic_and_no_outputs():
    for path in FRENCH + ENGLISH:
        nb = nbformat.read(path, as_version=4)
        assert nb.cells[1].cell_type == "markdown" and nb.cells[1].source.startswith("# ")
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert "from resilience_sim import workshop" in code
        assert "numpy" not in code and "Simulation(" not in code
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), path.name


def _kernel_missing() -> str | None:
    from jupyter_client.kernelspec import find_kernel_specs

    if KERNEL not in find_kernel_specs():
        return (f"no Jupyter kernel {KERNEL!r}: register it with "
                f"{sys.executable} -m ipykernel install --sys-prefix --name {KERNEL}")
    return None


def _nbmake(paths: list[Path]) -> subprocess.CompletedProcess:
    env = {**os.environ, "RESILIENCE_SIM_QUICK": "1"}
    return subprocess.run([sys.executable, "-m", "pytest", "--nbmake", f"--nbmake-kernel={KERNEL}", "-q",
                           "-p", "no:cacheprovider", *map(str, paths)], env=env, capture_output=True, text=True,
                          cwd=NOTEBOOKS.parent)


@pytest.mark.skipif(_kernel_missing() is not None, reason=str(_kernel_missing()))
def test_french_notebooks_run_top_to_bottom():
    done = _nbmake(FRENCH)
    assert done.returncode == 0, done.stdout[-4000:]
    assert f"{len(FRENCH)} passed" in done.stdout


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("RESILIENCE_SIM_ALL_NOTEBOOKS"),
                    reason="the English twins run the French notebooks' code (checked above); "
                           "RESILIENCE_SIM_ALL_NOTEBOOKS=1 runs them too")
@pytest.mark.skipif(_kernel_missing() is not None, reason=str(_kernel_missing()))
def test_english_notebooks_run_top_to_bottom():
    done = _nbmake(ENGLISH)
    assert done.returncode == 0, done.stdout[-4000:]
