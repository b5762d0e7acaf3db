"""resilience_sim: how public organisations absorb, adapt to and recover from shocks.

Entry points: :func:`load` a scenario, :class:`Simulation` to run it, and
:class:`OrganisationModel`, the Mesa model.
"""

from ._cache import configure as _configure_cache

_configure_cache()

from .engine import Simulation  # noqa: E402
from .model import OrganisationModel  # noqa: E402
from .scenario import Scenario, load  # noqa: E402

__all__ = ["OrganisationModel", "Simulation", "Scenario", "load"]
__version__ = "0.1.0"
