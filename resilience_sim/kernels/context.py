"""Typed tuples the kernels take besides the state tables.

``DayParams`` holds the scalar parameters of the day's rules (built once per run by
:func:`resilience_sim.engine.day_params`); ``Buffers`` holds the run's working arrays
that are not per-entity state: the task queues, the decision desks' free times, the
latency histograms and the counters.
"""

from collections import namedtuple

import numpy as np

DayParams = namedtuple("DayParams", [
    "seed",                 # run seed
    "slots",                # width of the task ring buffer, days
    "agent_reporting",      # share of agents' time on reporting, normal times
    "manager_reporting",    # share of managers' time on reporting, normal times
    "crisis_reporting",     # reporting multiplier on crisis days
    "hours_per_day",        # working hours per day
    "remote_productivity",  # remote productivity factor
    "sickness_spell",       # days of a sickness spell
    "interim",              # decision capacity kept when a manager is absent
    "tacit_days",           # tacit approval delay, days (< 0: never)
    "freedom",              # risk limit below which agents settle exceptions themselves
    "field_level",          # level of the field (deepest manager level + 1)
    "delay_per_level",      # information delay per level above the field, days
    "base_error", "staleness_error", "local_error",  # decision error model
    "quality",              # error multiplier from HR advice (1 = no advice)
    "manager_boost",        # manager capacity multiplier (HR advice, support)
    "manager_relief",       # multiplier of managers' fatigue gain (support)
    "agent_tolerance",      # reporting share agents accept without losing engagement
    "manager_tolerance",    # reporting share managers accept without losing engagement
    "spending_rate",        # spending requests per staff member per day
    "partnership_rate",     # partnership requests per staff member per day
    "mobility_mode",        # 0 off, 1 central, 2 peer
    "mobility_scope",       # 0 none, 1 service, 2 twinned, 3 institution, 4 territory
    "coordinator_moves",    # moves the coordination can propose a day
    "learning_days", "known_learning_days", "ramp_start", "wrong_move_productivity",
    "permanent_after",      # days after which a move becomes a reallocation
    "reveal_rate",          # daily revelation rate of latent skills per share of ties
    "volunteer_share",      # share of time a volunteer gives
    "time_bank_cap",        # hours
    "training_share",       # share of staff without a secondary skill who are trained
    "training_days",        # length of the training, days
    "sponsorship",          # agents may be lent to external actors
    "fatigue_gain", "fatigue_recovery", "fatigue_effect",
    "burnout_threshold", "burnout_hazard", "burnout_days",
    "engagement_baseline", "engagement_recovery", "reporting_cost", "fatigue_cost",
    "pressure_cap",
])

Buffers = namedtuple("Buffers", [
    "backlog",     # (S, slots) int64: workable tasks by arrival day (ring)
    "cap_remote",  # (S,) float64: today's remote capacity (scratch)
    "agent_scratch",  # (agents,) float64: a value per agent within a stage (scratch)
    "latents",     # (agents,) uint8: which latent draws of each agent are below today's prevalences (kernels.shock)
    "latents_for",  # (6,) float64: the day and the prevalences those bits hold for (kernels.shock)
    "free_at",     # (deciders,) float64: when each decider is next free, day
    "serving",     # (deciders,) int64: decision slot a decider signs past a day's end, or -1
    "queue_store",  # (store,) int32: the desks' queues of decision slots (see kernels.queues)
    "queue_start",  # (managers,) int64: first entry of each desk's queue in the store
    "queue_end",    # (managers,) int64: one past its last entry
    "queue_base",   # (managers,) int64: start of each desk's segment of the store
    "queue_cap",    # (managers,) int64: length of that segment
    "queue_new",   # (managers,) int64: decisions pushed at each desk since it was last served (see kernels.queues)
    "desk_load",   # (managers,) int64: decisions at each desk now (queued or being signed)
    "desk_active",  # (⌈managers/64⌉,) uint64: a bit per desk that may have work (see kernels.decisions)
    "pending_by_day",  # (S, slots) int64: exceptions waiting for their decision, by day raised (ring)
    "latency",     # (KINDS, LATENCY_BINS + 1) int64: histograms of decision latencies
    "by_level",    # (KINDS, LEVELS) int64: decisions settled, by type and level settled at
    "errors",      # (KINDS,) int64: decisions that were wrong, by type
    "flows",       # (F, F) int64: agent-days worked by staff of one service family for another
    "free",        # (pool,) int32: free slots of the decision pool (a stack of COUNT_FREE slots)
    "counts",      # (24,) int64: see COUNT_* indices
    "today",       # (40,) float64: the day's accumulators, see TODAY_* indices
])

KINDS = 5                 # len(params.DECISION_KINDS)
LEVELS = 8                # levels 0 … 7 (the field level included)
LATENCY_BIN = 1.0 / 24.0  # one hour, in days
LATENCY_BINS = 24 * 365   # a year of hours; longer latencies go in the last bin
UNCERTAINTY_UNIT = 0.1    # exception share counted as uncertainty 1

# counters (cumulative over the run)
COUNT_ACTIVE, COUNT_NEXT_UID, COUNT_CREATED, COUNT_COMPLETED = 0, 1, 2, 3
COUNT_INSTANT, COUNT_ARRIVED, COUNT_PROCESSED, COUNT_UNMET = 4, 5, 6, 7
COUNT_WITHDRAWN = 8
COUNT_FREE = 9            # free slots on the stack (10: not used)
COUNT_SETTLED_LOCALLY, COUNT_TACIT, COUNT_REWORK = 11, 12, 13
COUNT_NEXT_MOVE_UID = 14  # redeployment decisions have their own numbering
COUNT_MOVED = 15          # agents working away from home now
COUNT_QUEUE_USED = 16     # end of the desks' segments in the queue store

# the day's accumulators (reset each day)
(TODAY_ABSENT, TODAY_REMOTE, TODAY_FATIGUE, TODAY_ENGAGEMENT, TODAY_BURNOUT_STARTS,
 TODAY_BURNOUT_DAYS, TODAY_REPORTING_HOURS, TODAY_DECIDED, TODAY_LATENCY_SUM,
 TODAY_SPECIAL_LEAVE, TODAY_MANAGER_FATIGUE, TODAY_ERRORS, TODAY_REWORK, TODAY_SETTLED,
 TODAY_TACIT) = range(15)
TODAY_REALLOCATED = 15
TODAY_QUEUE = 16  # TODAY_QUEUE + level: decisions at desks of that level at the end of the day
(TODAY_REDEPLOYED, TODAY_REDEPLOYED_ACROSS, TODAY_MOVES, TODAY_REFUSED_SKILL,
 TODAY_REFUSED_DECISION, TODAY_RAMP_LOST, TODAY_VOLUNTEER_HOURS, TODAY_REVEALED) = range(24, 32)
TODAY_MANAGERS_PRESENT = 32


def desk_words(n_managers: int) -> int:
    """64-bit words of a bitmap with one bit per desk (``desk_active``, the level masks)."""
    return (n_managers + 63) // 64


def new_buffers(n_agents: int, n_services: int, slots: int, n_deciders: int, n_managers: int,
                n_families: int = 1) -> Buffers:
    """Zeroed working arrays for a run."""
    counts = np.zeros(24, dtype=np.int64)
    return Buffers(
        backlog=np.zeros((n_services, slots), dtype=np.int64),
        cap_remote=np.zeros(n_services, dtype=np.float64),
        agent_scratch=np.zeros(n_agents, dtype=np.float64),
        latents=np.zeros(n_agents, dtype=np.uint8),
        latents_for=np.full(6, np.nan),  # none yet
        free_at=np.zeros(n_deciders, dtype=np.float64),
        serving=np.full(n_deciders, -1, dtype=np.int64),
        queue_store=np.zeros(0, dtype=np.int32),  # grown with the decision pool
        queue_start=np.zeros(n_managers, dtype=np.int64),
        queue_end=np.zeros(n_managers, dtype=np.int64),
        queue_base=np.zeros(n_managers, dtype=np.int64),
        queue_cap=np.zeros(n_managers, dtype=np.int64),
        queue_new=np.zeros(n_managers, dtype=np.int64),
        desk_load=np.zeros(n_managers, dtype=np.int64),
        desk_active=np.zeros(desk_words(n_managers), dtype=np.uint64),
        pending_by_day=np.zeros((n_services, slots), dtype=np.int64),
        latency=np.zeros((KINDS, LATENCY_BINS + 1), dtype=np.int64),
        by_level=np.zeros((KINDS, LEVELS), dtype=np.int64),
        errors=np.zeros(KINDS, dtype=np.int64),
        flows=np.zeros((n_families, n_families), dtype=np.int64),
        free=np.zeros(0, dtype=np.int32),  # grows with the decision pool
        counts=counts,
        today=np.zeros(40, dtype=np.float64),
    )
