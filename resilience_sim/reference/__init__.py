"""The reference implementation: the day's rules agent by agent, in plain Mesa.

Same rules and same random numbers as the numba kernels, written for people to
read (the specification of the model) and used to verify the kernels and as their
performance baseline. See :class:`ReferenceModel`.
"""

from .decision import Decision
from .manager import Manager
from .model import ReferenceModel
from .service import Service
from .staff import Staff

__all__ = ["Decision", "Manager", "ReferenceModel", "Service", "Staff"]
