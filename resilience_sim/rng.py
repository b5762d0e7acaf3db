"""Counter-based random numbers: every draw is a pure function of its coordinates.

A draw is addressed by ``(seed, stream, day, entity, k)``: the run seed, a stream
(one per kind of random decision, see :data:`STREAMS`), the day, the entity (an
agent, a service, a decision...) and a sub-counter ``k`` for several draws of the
same entity on the same day. The generator hashes the coordinates with the
SplitMix64 finaliser (Steele, Lea & Flood 2014), so that

* the same seed gives bit-identical draws in any process, in any order;
* two designs that differ by one lever draw the same numbers everywhere else
  (common random numbers), because no draw depends on how many came before.

``stream_key`` folds ``(seed, stream, day)`` once per stage and day; the per-entity
functions then cost one hash each.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# One stream per kind of random decision. Never renumber: results depend on them.
BUILD, ABSENCE, REMOTE, ARRIVALS, EXCEPTION_TIME, EXCEPTION_TEAM, DECISION_TIME, BURNOUT = range(1, 9)
DECISION_ERROR, EXCEPTION_RISK, REQUESTS, REVEAL, TRAINING = range(9, 14)  # REVEAL: no longer drawn
INITIATIVE = 14  # spontaneous initiatives (launch, success, testimony, blocking, external)
#: stream numbers by name, for people and docs
STREAMS: dict[str, int] = {
    "build": BUILD, "absence": ABSENCE, "remote": REMOTE, "arrivals": ARRIVALS,
    "exception_time": EXCEPTION_TIME, "exception_team": EXCEPTION_TEAM,
    "decision_time": DECISION_TIME, "burnout": BURNOUT, "decision_error": DECISION_ERROR,
    "exception_risk": EXCEPTION_RISK, "requests": REQUESTS, "reveal": REVEAL, "training": TRAINING,
    "initiative": INITIATIVE,
}

#: a redeployment decision draws its random numbers as MOVE_KEYS + its move number (apart from
#: every other decision's, which are keyed on their number)
MOVE_KEYS = 1 << 48
#: initiative and external partnership decisions draw theirs as INIT_KEYS + their number (issue 16)
INIT_KEYS = MOVE_KEYS + (1 << 29)

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0


@njit(cache=True, inline="always")
def mix(z: np.uint64) -> np.uint64:
    """SplitMix64 finaliser: a bijective avalanche of a 64-bit word."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True)
def stream_key(seed: int, stream: int, day: int) -> np.uint64:
    """Fold the run seed, a stream and a day into one 64-bit key."""
    h = mix(np.uint64(seed) * _GOLDEN + np.uint64(stream))
    h = mix(h ^ (np.uint64(day + 1) * _M2))
    return h


@njit(cache=True, inline="always")
def uniform(key: np.uint64, entity: int, k: int) -> float:
    """A uniform number in [0, 1) for ``(key, entity, k)``."""
    z = key ^ (np.uint64(entity) * _GOLDEN) ^ (np.uint64(k) * _M1)
    return float(mix(z) >> _S11) * _INV53


@njit(cache=True, inline="always")
def exponential(key: np.uint64, entity: int, k: int) -> float:
    """A unit-rate exponential number for ``(key, entity, k)``."""
    return -math.log(1.0 - uniform(key, entity, k))


@njit(cache=True)
def _log_factorial(n: int) -> float:
    return math.lgamma(n + 1.0)


@njit(cache=True)
def poisson(key: np.uint64, entity: int, lam: float) -> int:
    """A Poisson number of mean ``lam`` for ``(key, entity)``.

    Inversion by sequential search below a mean of 10; above it the transformed
    rejection method PTRS (Hörmann 1993), which costs O(1) draws whatever the mean.
    Sub-counters ``k = 0, 1, ...`` are used in order, so the result is a pure
    function of ``(key, entity, lam)``.
    """
    if lam <= 0.0:
        return 0
    if lam < 10.0:
        u = uniform(key, entity, 0)
        p = math.exp(-lam)
        f = p
        n = 0
        while u > f and n < 1000:
            n += 1
            p *= lam / n
            f += p
        return n
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    k = 0
    while True:
        u = uniform(key, entity, k) - 0.5
        v = uniform(key, entity, k + 1)
        k += 2
        us = 0.5 - abs(u)
        n = int(math.floor((2.0 * a / us + b) * u + lam + 0.43))
        if us >= 0.07 and v <= vr:
            return n
        if n < 0 or (us < 0.013 and v > us):
            continue
        lhs = math.log(v) + math.log(inv_alpha) - math.log(a / (us * us) + b)
        if lhs <= -lam + n * loglam - _log_factorial(n):
            return n


@njit(cache=True, inline="always")
def next_candidate(key: np.uint64, k: int, after: int, chance: float, n: int) -> int:
    """The next entity after ``after`` when each of ``0..n-1`` is drawn with probability ``chance``.

    Bernoulli thinning by geometric gaps: the gap to the next candidate is
    ⌊log(1 − v)/log(1 − chance)⌋, v the uniform of ``(key, k, 3)`` for the ``k``-th candidate
    (number them from 0). Returns ``n`` when no entity before ``n`` is drawn. A loop over
    the candidates visits about chance·n entities instead of n, with the same law as
    drawing each entity's uniform against ``chance``.
    """
    if chance >= 1.0:
        return after + 1
    if chance <= 0.0:
        return n
    gap = math.log(1.0 - uniform(key, k, 3)) / math.log(1.0 - chance)
    if gap >= n - after:  # compared as floats: a huge gap does not overflow
        return n
    return after + 1 + int(gap)


@njit(cache=True)
def uniforms(seed: int, stream: int, day: int, n: int, k: int) -> np.ndarray:
    """``n`` uniform numbers for entities ``0..n-1`` (vectorised helper)."""
    key = stream_key(seed, stream, day)
    out = np.empty(n, dtype=np.float64)
    for i in range(n):
        out[i] = uniform(key, i, k)
    return out


@njit(cache=True, inline="always")
def request_entity(service, kind):
    """The entity a service's daily count of requests of a decision type is drawn for."""
    return 8 * service + kind
