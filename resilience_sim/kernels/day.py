"""The whole day, stage after stage (DESIGN §1.2), in one compiled call."""

from numba import njit

from . import arrivals, decisions, record, reporting, shock, wellbeing, work

STAGES = ("shock", "arrivals", "decisions", "work", "reporting", "wellbeing", "record")


@njit(cache=True)
def reset(services, today):
    """Zero the day's per-service counters and accumulators."""
    services.arrived[:] = 0
    services.processed[:] = 0
    services.unmet[:] = 0
    today[:] = 0.0


@njit(cache=True)
def run_day(day, P, agents, services, managers, decs, buf, origin_ptr, origin_agent,
            level_ptr, level_desks, prevalence, remote, exc_share, crisis, demand, closed,
            it_factor, out):
    """Run one day: shock, arrivals, decisions, work, reporting, wellbeing, record."""
    reset(services, buf.today)
    agent_share, manager_share = reporting.shares(P, crisis)
    shock.apply_shock(day, P, agents, prevalence, remote, closed, buf.today)
    arrivals.arrive(day, P, services, demand, exc_share, origin_ptr, origin_agent,
                    agents.manager, managers, decs, buf)
    decisions.desk_rates(P, agents, managers, manager_share)
    decisions.sign_offs(day, P, services, managers, decs, buf, level_ptr, level_desks)
    decisions.expire(day, services, managers, decs, buf)
    work.capacities(P, agents, services, it_factor, agent_share, buf.cap_remote)
    work.process(day, P, services, buf)
    reporting.hours(P, agents, agent_share, manager_share, buf.today)
    wellbeing.update(day, P, agents, services, agent_share, manager_share, buf.today)
    record.record(day, services, agents.home.shape[0], managers.agent.shape[0], buf, out)
