"""resilience_sim: how public organisations absorb, adapt to and recover from shocks.

Entry points: :func:`load` a scenario, :class:`Simulation` to run it, and
:class:`OrganisationModel`, the Mesa model.
"""

from ._cache import configure as _configure_cache

_configure_cache()

from .engine import Simulation  # noqa: E402
from .scenario import Scenario, load  # noqa: E402

__all__ = ["OrganisationModel", "Simulation", "Scenario", "load"]


def __getattr__(name: str):
    """Import ``OrganisationModel`` on first use.

    Mesa takes most of a second to import, which the command line does not need.
    """
    if name == "OrganisationModel":
        from .model import OrganisationModel

        return OrganisationModel
    raise AttributeError(f"module 'resilience_sim' has no attribute {name!r}")
__version__ = "0.1.0"
