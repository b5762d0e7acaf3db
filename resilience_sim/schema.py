"""The declaration type for parameters, and the checks it drives.

A :class:`Param` is declared once (type, range, unit, default, source) and drives the
scenario validation, the documentation table, the CLI ``--set`` parser and the
Mesa model's keyword parameters.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any


class ScenarioError(ValueError):
    """A scenario that cannot be used, with where and how to fix it.

    Attributes:
        source: file name (or ``--set``) the bad value came from.
        where: dotted field name, or ``line N`` for a syntax error.
        message: what is wrong and how to fix it.

    """

    def __init__(self, source: str, where: str, message: str, line: int | None = None):
        self.source = source
        self.where = where
        self.message = message
        self.line = line
        loc = f"{source}" + (f":{line}" if line else "")
        super().__init__(f"{loc}: {where}: {message}")


@dataclass(frozen=True)
class Param:
    """One parameter of the model.

    Attributes:
        key: dotted name, as written in the TOML file and in ``--set``.
        kind: ``int``, ``float``, ``bool``, ``str`` or ``choice``.
        default: value when the scenario does not set it (``None`` = optional).
        low: smallest allowed value (numbers).
        high: largest allowed value (numbers).
        unit: physical unit, for people.
        doc: what it means in the model.
        source: where the default comes from (a figure of DESIGN §3, or "assumption").
        choices: allowed values for ``choice``.
        built: its effect is drawn when the run starts (the organisation, the flying pool,
            the plans, the training): a fork from a saved state cannot change it.

    """

    key: str
    kind: str
    default: Any
    low: float | None = None
    high: float | None = None
    unit: str = ""
    doc: str = ""
    source: str = "assumption"
    choices: tuple[str, ...] = field(default_factory=tuple)
    built: bool = False

    @property
    def name(self) -> str:
        """The last component of the dotted key."""
        return self.key.rsplit(".", 1)[-1]

    def check(self, value: Any, source: str, where: str | None = None) -> Any:
        """Return ``value`` converted to the declared type, or raise ScenarioError."""
        where = where or self.key
        if value is None and self.default is None:
            return None
        kind = self.kind
        if kind == "bool":
            if not isinstance(value, bool):
                raise ScenarioError(source, where, f"must be true or false (got {value!r})")
            return value
        if kind in ("str", "choice"):
            if not isinstance(value, str):
                raise ScenarioError(source, where, f"must be a text value (got {value!r})")
            if kind == "choice" and value not in self.choices:
                hint = suggest(value, self.choices)
                raise ScenarioError(
                    source, where,
                    f"unknown value {value!r}; choose one of {', '.join(self.choices)}{hint}",
                )
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ScenarioError(source, where, f"must be a number (got {value!r})")
        if kind == "int":
            if isinstance(value, float) and not value.is_integer():
                raise ScenarioError(source, where, f"must be a whole number (got {value!r})")
            value = int(value)
        else:
            value = float(value)
        if self.low is not None and value < self.low:
            raise ScenarioError(source, where, f"must be ≥ {self.low:g}{_unit(self)} (got {value:g})")
        if self.high is not None and value > self.high:
            raise ScenarioError(source, where, f"must be ≤ {self.high:g}{_unit(self)} (got {value:g})")
        return value

    def parse_text(self, text: str, source: str) -> Any:
        """Parse a command-line value (``--set key=text``) and check it."""
        if self.kind == "bool":
            low = text.strip().lower()
            if low not in ("true", "false", "1", "0", "yes", "no"):
                raise ScenarioError(source, self.key, f"must be true or false (got {text!r})")
            return self.check(low in ("true", "1", "yes"), source)
        if self.kind in ("str", "choice"):
            return self.check(text, source)
        try:
            value = int(text) if self.kind == "int" and text.strip().lstrip("+-").isdigit() else float(text)
        except ValueError:
            raise ScenarioError(source, self.key, f"must be a number (got {text!r})") from None
        return self.check(value, source)


def _unit(p: Param) -> str:
    return f" {p.unit}" if p.unit and p.unit not in ("share", "count") else ""


def suggest(word: str, candidates) -> str:
    """A ``; did you mean X?`` hint with the closest candidate, or ``""``."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else ""
