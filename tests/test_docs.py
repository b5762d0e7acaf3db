import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_parameters_doc_is_in_step_with_the_declarations():
    table = subprocess.run([sys.executable, "-m", "resilience_sim.cli", "params", "--markdown"],
                           capture_output=True, text=True, check=True).stdout
    doc = (ROOT / "docs" / "parameters.md").read_text()
    assert table.strip() in doc, "regenerate docs/parameters.md with `resilience-sim params --markdown`"


def test_readme_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text()
    assert "<!-- test-command -->" in readme and "pytest" in readme
    assert "README.md" in (ROOT / ".ci" / "run").read_text()
