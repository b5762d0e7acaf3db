"""The report's words in English and French (``catalogue.toml``) and numbers for each language.

Numbers are formatted by Babel with the language's conventions (French: decimal comma,
narrow no-break spaces between thousands and before %).
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from babel import Locale
from babel.numbers import parse_pattern

from ..schema import ScenarioError, suggest

LANGUAGES = ("en", "fr")
_LOCALE = {"en": "en_GB", "fr": "fr_FR"}
_FILE = Path(__file__).with_name("catalogue.toml")


@cache
def catalogue() -> dict:
    """The parsed catalogue: ``measure`` and ``text`` tables."""
    return tomllib.loads(_FILE.read_text(encoding="utf-8"))


def check_language(lang: str) -> str:
    """``lang`` if the report speaks it, else a ScenarioError naming the choices."""
    if lang not in LANGUAGES:
        raise ScenarioError("--lang", lang, "unknown language" + suggest(lang, LANGUAGES) +
                            f"; choose one of {', '.join(LANGUAGES)}")
    return lang


class Words:
    """The catalogue in one language, with number formatting.

    Args:
        lang: ``en`` or ``fr``.

    """

    def __init__(self, lang: str):
        self.lang = check_language(lang)
        self.locale = _LOCALE[lang]
        self._cat = catalogue()

    def t(self, key: str, **fields) -> str:
        """The text ``key`` with ``{fields}`` filled in."""
        text = self._cat["text"][key][self.lang]
        return text.format(**fields) if fields else text

    def has_measure(self, key: str) -> bool:
        """Whether the catalogue names the measure ``key``."""
        return key in self._cat["measure"]

    def measure(self, key: str) -> dict:
        """Label, phrase, unit, kind and better direction of a summary measure."""
        m = self._cat["measure"].get(key)
        if m is None:  # a measure added to the summary after this catalogue: shown by its key
            return {"label": key, "phrase": key, "unit": "", "kind": "count", "better": "none"}
        return {"label": m[self.lang], "phrase": m[f"phrase_{self.lang}"], "unit": m.get(f"unit_{self.lang}", ""),
                "kind": m["kind"], "better": m["better"]}

    # --- numbers ------------------------------------------------------------------------
    def number(self, x: float | None, kind: str = "count", signed: bool = False) -> str:
        """A measure's value for people (share as %, counts without decimals, etc.)."""
        if x is None:
            return "—"
        if kind == "share":
            return self.percent(x, signed)
        digits = 0 if kind == "count" and float(x).is_integer() else _digits(x)
        if kind == "count" and abs(x) >= 100:
            digits = 0
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        if signed:
            pattern = f"+{pattern};-{pattern}"
        return _format(x, pattern, self.locale).replace("-", "−")

    def plain(self, x: float) -> str:
        """A setting's value as written, in the language's notation (no padding zeros)."""
        return _format(x, "#,##0.###", self.locale).replace("-", "−")

    def percent(self, x: float | None, signed: bool = False) -> str:
        """A share as a percentage (0.18 → 18 %), one decimal under 10 %."""
        if x is None:
            return "—"
        digits = 1 if abs(x) < 0.1 else 0
        pattern = _locale(self.locale).percent_formats[None].pattern  # the language's own spacing
        if digits:
            pattern = pattern.replace("#,##0", "#,##0.0")
        if signed:
            pattern = f"+{pattern};-{pattern}"
        text = _format(x, pattern, self.locale).replace("-", "−")
        return text.replace("\xa0%", "\u202f%")  # a narrow no-break space before % (French typography)

    def band(self, o: dict, kind: str) -> str:
        """``median [p05, p95]`` of an outcome block."""
        if o.get("median") is None:
            return "—"
        return self.t("band", median=self.number(o["median"], kind), low=self.number(o["p05"], kind),
                      high=self.number(o["p95"], kind))

    def interval(self, d: dict | None, kind: str, signed: bool = True) -> str:
        """``[low, high]`` of a difference block."""
        if not d or d.get("low") is None:
            return ""
        return self.t("interval", low=self.number(d["low"], kind, signed), high=self.number(d["high"], kind, signed))


def _digits(x: float) -> int:
    a = abs(x)
    if a >= 100:
        return 0
    if a >= 10:
        return 1
    if a >= 1:
        return 2
    return 3


@cache
def _locale(name: str) -> Locale:
    return Locale.parse(name)


@cache
def _pattern(pattern: str):
    return parse_pattern(pattern)


def _format(x: float, pattern: str, locale: str) -> str:
    """Babel's formatting with the parsed pattern and locale kept (parsing dominates the cost)."""
    return _pattern(pattern).apply(x, _locale(locale))
