"""The plumbing of the day follows the declarations: day parameters, counters, accumulators, columns."""

import numpy as np
import pandas as pd
import pytest

from resilience_sim import load
from resilience_sim.kernels import context, day, record


@pytest.fixture(scope="module")
def small():
    return load("covid_lockdown_2020").with_values({"organisation.agents": 300, "run.days": 40})


def test_a_declared_column_reaches_the_table_the_csv_and_the_datacollector(small, tmp_path, monkeypatch):
    from resilience_sim.model import OrganisationModel
    from resilience_sim.results import run, write

    extra = record.Column("decided_per_manager", "decided", per="managers", unit="decisions/manager")
    monkeypatch.setattr(record, "DECLARED", record.DECLARED + (extra,))
    result = run(small)
    table = result.table
    assert "decided_per_manager" in table.columns
    managers = float(table["decisions_completed"].iloc[-1]) / table["decided_per_manager"].iloc[-1]
    assert managers == pytest.approx(round(managers)) and managers > 10  # the desks' count, read back
    write(result, tmp_path / "out")
    csv = pd.read_csv(tmp_path / "out" / "timeseries.csv")
    assert np.allclose(csv["decided_per_manager"], table["decided_per_manager"], rtol=1e-5)
    model = OrganisationModel(scenario_name="covid_lockdown_2020", n_agents=300, days=40, rng=1)
    for _ in range(3):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert "decided_per_manager" in frame.columns
    assert frame["decided_per_manager"].notna().all()


def test_a_column_reading_an_undeclared_accumulator_is_refused(monkeypatch):
    monkeypatch.setattr(record, "DECLARED", record.DECLARED + (record.Column("nope", "no_such_thing"),))
    with pytest.raises(ValueError, match="no_such_thing"):
        record.layout()


def test_slots_are_numbered_without_holes_and_refuse_a_second_declaration():
    assert sorted(context.COUNTS.index.values()) == list(range(context.COUNTS.size))
    starts = sorted(context.TODAY.index.values())
    assert len(set(starts)) == len(starts) and starts[0] == 0 and starts[-1] < context.TODAY.size
    slots = context.Slots("test")
    assert slots.add("a", "b") == (0, 1)
    assert slots.add("wide", size=3) == (2,) and slots.size == 5
    with pytest.raises(ValueError, match="twice"):
        slots.add("a")


def test_every_day_parameter_is_declared_once_and_typed(small):
    from resilience_sim.organisation import build

    names = [d.name for d in day.DAY_PARAMS]
    assert len(names) == len(set(names))
    p = day.day_params(small, build(small))
    for d in day.DAY_PARAMS:
        value = getattr(p, d.name)
        assert isinstance(value, {int: np.int64, float: float, bool: bool}[d.kind]), d.name


def test_each_stage_declares_the_parameters_its_rules_read():
    import inspect

    for module in day.MODULES:
        source = inspect.getsource(module)
        read = {d.name for d in getattr(module, "DAY_PARAMS", ())}
        for name in read:
            assert f"P.{name}" in source, f"{module.__name__} declares {name} but its rules do not read it"


def test_kernels_read_only_the_sources_that_key_the_compiled_cache():
    """numba's cache folder is keyed by the sources compiled code can read (``_cache.COMPILED``)."""
    import re
    from pathlib import Path

    from resilience_sim import _cache

    root = Path(_cache.__file__).parent
    keyed = {p.resolve() for pattern in _cache.COMPILED for p in root.glob(pattern)}
    for path in (root / "kernels").glob("*.py"):
        for module in re.findall(r"^from \.\.(\w+) import", path.read_text(), flags=re.M):
            assert (root / f"{module}.py").resolve() in keyed, f"{path.name} imports {module}, not in COMPILED"
