"""A decision on its way up the validation chain (a plain object, not a Mesa agent)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .manager import Manager
    from .service import Service
    from .staff import Staff

from ..params import EXCEPTION


@dataclass(eq=False)
class Decision:
    """A decision in flight.

    Attributes:
        uid: creation number; the entity of its random draws.
        service: the service whose task waits for it.
        created: time it was raised (day, continuous).
        authority: level that holds the authority for it.
        kind: decision kind (index into params.DECISION_KINDS; only exceptions carry a task).
        desk: the desk it is at.
        t_in: arrival time at the current desk.
        t_out: sign-off time at the current desk (None while it waits in the queue).
        task_alive: its task can still be served (False once the task is unmet).
        withdrawn: dropped at the head of a queue because its task became unmet.
        tacit: approved tacitly, nobody signed it.
        subject: the member of staff a redeployment decision would move.

    """

    uid: int
    service: Service
    created: float
    authority: int
    kind: int = EXCEPTION
    desk: Manager | None = None
    t_in: float = 0.0
    t_out: float | None = None
    task_alive: bool = True
    withdrawn: bool = False
    tacit: bool = False
    subject: Staff | None = None

    @property
    def final(self) -> bool:
        """The current desk takes the decision: its level holds the authority, or it is the top."""
        return self.desk.level <= self.authority or self.desk.parent is None

    def arrival_order(self) -> tuple[float, int]:
        """Sort key of a desk's FIFO queue: arrival time, then creation order."""
        return (self.t_in, self.uid)
