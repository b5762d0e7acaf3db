"""Compare two organisation designs on the same scenario, with common random numbers.

Design A is the scenario as given, design B the same with some parameters changed.
Both run the same ``r`` seeds (``results.replicate_seeds``): every draw that does not
depend on the change is the same in both (DESIGN §2), so the paired differences B − A
are sharp with few replicates. For each outcome: the means of A and B, the mean
difference and its 95 % confidence interval (Student t over the paired replicates).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from .results import replicate_seeds, run_many
from .scenario import Scenario

#: summary keys that are not measures of the run (identity and size of the organisation)
NOT_MEASURES = ("seed", "onset", "days")


def numeric_keys(summaries: list[dict]) -> list[str]:
    """Every scalar numeric summary measure found in ``summaries``, in the summary's order."""
    keys: list[str] = []
    for s in summaries:
        for k, v in s.items():
            if k not in keys and k not in NOT_MEASURES and not k.startswith("organisation_") and is_num(v):
                keys.append(k)
    return keys


def is_num(v) -> bool:
    """A number that is not a bool."""
    return isinstance(v, (int, float)) and not isinstance(v, bool)

# Student t 97.5 % quantiles by degrees of freedom (1 … 30); above, the normal 1.96 is close enough
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
         2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
         2.052, 2.048, 2.045, 2.042)


def t975(df: int) -> float:
    """97.5 % quantile of Student's t with ``df`` degrees of freedom."""
    return _T975[df - 1] if df <= len(_T975) else 1.96


def interval(values: list[float]) -> dict:
    """Mean and 95 % confidence interval of paired differences."""
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return {"mean": mean, "low": None, "high": None, "n": n}
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = t975(n - 1) * sd / math.sqrt(n)
    return {"mean": mean, "low": mean - half, "high": mean + half, "n": n}


def compare(scenario: Scenario, change: dict, r: int, jobs: int = 1, outcomes: list[str] | None = None,
            progress: Callable[[int], None] | None = None) -> dict:
    """Paired comparison of design B (``change`` applied) against design A.

    ``outcomes`` default to every scalar summary measure (:func:`numeric_keys`); a measure
    with no value in some replicates (e.g. ``react_days`` when nobody reacts) is compared
    on the pairs where both have one, and ``missing`` counts the others.
    """
    seeds = replicate_seeds(scenario["run.seed"], r)
    a_runs = [scenario.with_values({"run.seed": s}) for s in seeds]
    b_runs = [sc.with_values(change, "design B") for sc in a_runs]
    summaries = run_many(a_runs + b_runs, jobs, progress)
    a, b = summaries[:r], summaries[r:]
    out = {"scenario": scenario.name, "replicates": r, "seeds": seeds, "change": change, "outcomes": {}}
    for key in outcomes or numeric_keys(a + b):
        pairs = [(x.get(key), y.get(key)) for x, y in zip(a, b, strict=True)]
        ok = [(x, y) for x, y in pairs if is_num(x) and is_num(y)]
        if not ok:
            out["outcomes"][key] = {"a_mean": _mean([x for x, _ in pairs]), "b_mean": _mean([y for _, y in pairs]),
                                    "difference": None, "missing": len(pairs)}
            continue
        out["outcomes"][key] = {
            "a_mean": sum(x for x, _ in ok) / len(ok), "b_mean": sum(y for _, y in ok) / len(ok),
            "difference": interval([y - x for x, y in ok]), "missing": len(pairs) - len(ok),
        }
    return out


def _mean(xs: list) -> float | None:
    nums = [x for x in xs if is_num(x)]
    return sum(nums) / len(nums) if nums else None


def markdown(result: dict, lang: str = "en") -> str:
    """The comparison as a Markdown table (English or French, outcome names in the language)."""
    from .report.catalogue import Words

    w = Words(lang)
    head = {"en": ("outcome", "design A", "design B", "B − A", "95 % interval", "pairs"),
            "fr": ("indicateur", "organisation A", "organisation B", "B − A", "intervalle à 95 %", "paires")}[lang]
    change = ", ".join(f"`{k} = {v}`" for k, v in result["change"].items())
    title = {"en": f"Design B = design A with {change}; {result['replicates']} paired replicates "
                   f"(common random numbers), scenario `{result['scenario']}`.",
             "fr": f"Organisation B = organisation A avec {change} ; {result['replicates']} tirages appariés "
                   f"(mêmes nombres aléatoires), scénario `{result['scenario']}`."}[lang]
    lines = [title, "", "| " + " | ".join(head) + " |", "|---|---|---|---|---|---|"]
    for key, o in result["outcomes"].items():
        m = w.measure(key)
        d = o["difference"]
        if d is None:
            lines.append(f"| {m['label']} | {w.number(o['a_mean'], m['kind'])} | {w.number(o['b_mean'], m['kind'])} "
                         f"| — | — | 0 |")
            continue
        ci = w.interval(d, m["kind"]) or "—"
        lines.append(f"| {m['label']} | {w.number(o['a_mean'], m['kind'])} | {w.number(o['b_mean'], m['kind'])} "
                     f"| {w.number(d['mean'], m['kind'], True)} | {ci} | {d['n']} |")
    return "\n".join(lines) + "\n"
