"""Every parameter of the model, declared once.

``PARAMS`` holds the scalar parameters by dotted key; ``SERVICE_FIELDS``,
``INSTITUTION_FIELDS`` and ``SHOCK_FIELDS`` declare the fields of the list sections
(``[[organisation.services]]``, ``[[organisation.institutions]]``,
``[[shock.components]]``). Sources refer to DESIGN §3 figures; "assumption" marks a
value chosen for plausibility, to be calibrated by the user.
"""

from __future__ import annotations

from dataclasses import replace

from .schema import Param

LEVEL_NAMES = ("executive", "deputy", "director", "head of service", "team leader")
#: the levels as they appear in parameter keys
LEVEL_KEYS = tuple(name.replace(" ", "_") for name in LEVEL_NAMES)
ARCHETYPES = ("commune_50k", "departement", "region", "state_service", "territory")
ABSENCE_REASONS = ("sickness", "childcare", "vulnerability", "burnout", "vacancy", "special_leave")
SHOCK_ABSENCE_REASONS = ("sickness", "childcare", "vulnerability", "vacancy")
SHOCK_KINDS = ("absence", "remote", "demand", "crisis_mission", "exceptions", "it_outage")

MOBILITY_MODES = ("off", "central", "peer")
MOBILITY_SCOPES = ("none", "service", "twinned", "institution", "territory")
#: their integer codes (``P.mobility_mode``, ``P.mobility_scope``)
MODE_OFF, MODE_CENTRAL, MODE_PEER = range(len(MOBILITY_MODES))
SCOPE_NONE, SCOPE_SERVICE, SCOPE_TWINNED, SCOPE_INSTITUTION, SCOPE_TERRITORY = range(len(MOBILITY_SCOPES))

#: decision types, in the order of the kernels' arrays
DECISION_KINDS = ("exception", "redeployment", "initiative", "partnership", "spending")
#: their integer codes (the kernels' and the reference's ``decision.kind``)
EXCEPTION, REDEPLOYMENT, INITIATIVE, PARTNERSHIP, SPENDING = range(len(DECISION_KINDS))

#: what can happen to an initiative, in the order of the kernels' event codes (initiatives.csv)
INITIATIVE_EVENTS = ("launched", "approved", "blocked", "failed", "recognised", "relayed", "adopted", "ended",
                     "external_launched", "external_supported", "external_blocked")
#: integer codes of the absence reasons (``agents.absence``; -1 = present)
SICKNESS, CHILDCARE, VULNERABILITY, BURNOUT, VACANCY, SPECIAL_LEAVE = range(len(ABSENCE_REASONS))

#: authority level and sign-offs by decision type for the named presets
AUTHORITY_PRESETS = {
    "centralised": {"authority": (1, 0, 0, 0, 0), "signoffs": (3, 3, 3, 3, 3)},
    "today": {"authority": (3, 2, 2, 1, 1), "signoffs": (2, 2, 2, 2, 2)},
    "subsidiary": {"authority": (4, 3, 3, 2, 2), "signoffs": (1, 1, 1, 1, 1)},
}

_P = [
    # --- run -------------------------------------------------------------------
    Param("run.days", "int", 365, 1, 3650, "days", "simulated horizon"),
    Param("run.seed", "int", 1, 0, 2**63 - 1, "", "run seed; every draw is a function of it"),
    Param("run.start_date", "str", "2020-01-01", doc="calendar date of day 0 (labels only)"),
    Param("run.warmup", "int", 28, 0, 365, "days",
          "days before the shock used to measure the pre-shock level P0 (fewer before day 0 of the "
          "shock: P0 comes from the same seed run without shock, ODD §7)"),
    # --- organisation ------------------------------------------------------------
    Param("organisation.archetype", "choice", "commune_50k", choices=ARCHETYPES,
          doc="preset organisation; explicit services or a CSV replace it"),
    Param("organisation.csv", "str", None, doc="CSV org chart (agent, service, manager, level, skills)"),
    Param("organisation.agents", "int", None, 20, 5_000_000, "agents",
          "rescale the organisation to about this many staff, keeping proportions"),
    Param("organisation.team_size", "float", 9.0, 3, 20, "agents",
          "mean span of control of a team leader", "DESIGN §3: span 5–12 (assumption)"),
    Param("organisation.units_per_director", "int", 4, 1, 12, "services",
          "services grouped under one director", "DESIGN §3: span 5–12 (assumption)"),
    Param("organisation.directors_per_deputy", "int", 3, 1, 12, "directors",
          "directors grouped under one deputy (DGA)", "assumption"),
    Param("organisation.max_unit_size", "int", 150, 10, 100_000, "agents",
          "larger services are split into units of at most this size, each with a head"),
    Param("organisation.productivity", "float", 4.0, 0.1, 100, "tasks/day",
          "mean tasks an agent completes in a full day", "assumption (a task ≈ 1.5–2 h)"),
    Param("organisation.productivity_cv", "float", 0.25, 0, 2, "share",
          "coefficient of variation of productivity (lognormal)", "assumption"),
    Param("organisation.utilisation", "float", 0.85, 0.05, 1.5, "share",
          "baseline demand as a share of a service's baseline capacity", "assumption"),
    Param("organisation.secondary_skill_share", "float", 0.6, 0, 1, "share",
          "share of agents with a secondary skill", "assumption"),
    Param("organisation.secondary_known_share", "float", 0.2, 0, 1, "share",
          "share of secondary skills known to the organisation (skills registry)", "assumption"),
    Param("organisation.informal_ties", "int", 4, 0, 50, "ties/agent",
          "informal ties per agent across services (Watts–Strogatz degree)", "assumption"),
    Param("organisation.rewire", "float", 0.1, 0, 1, "share",
          "rewiring probability of informal ties (small world)", "assumption"),
    Param("organisation.manager_capacity", "float", 12.0, 0.1, 1000, "decisions/day",
          "decisions a manager signs off in a full day", "assumption"),
    Param("organisation.deciders_per_manager", "int", 1, 1, 50, "deciders",
          "parallel deciders at each manager desk (1 = M/M/1, c = M/M/c)"),
    *[Param(f"organisation.desk_capacity.{key}", "float", None, 0.1, 1000, "decisions/day",
            f"sign-offs a {name} desk's decider makes in a full day (unset = organisation.manager_capacity)",
            "assumption") for key, name in zip(LEVEL_KEYS, LEVEL_NAMES, strict=True)],
    *[Param(f"organisation.desk_deciders.{key}", "int", None, 1, 50, "deciders",
            f"parallel deciders at a {name} desk (unset = organisation.deciders_per_manager)")
      for key, name in zip(LEVEL_KEYS, LEVEL_NAMES, strict=True)],
    Param("organisation.risk_aversion", "float", 0.5, 0, 1, "share", "mean risk aversion"),
    Param("organisation.graph_agents_max", "int", 20_000, 0, 5_000_000, "agents",
          "above this size the networkx graph is built only on request"),
    # --- policy (the engine part; levers add their own) ----------------------------
    Param("policy.authority.preset", "choice", "today", choices=tuple(AUTHORITY_PRESETS),
          doc="authority levels and sign-offs by decision type: centralised, today or "
              "subsidiary (see AUTHORITY_PRESETS); the keys below override it"),
    Param("policy.authority.exception", "int", None, 0, 4, "level",
          "level that holds authority for exceptions (0 = executive, 4 = team leader)"),
    Param("policy.authority.redeployment", "int", None, 0, 4, "level",
          "level that holds authority for redeployments"),
    Param("policy.authority.initiative", "int", None, 0, 4, "level",
          "level that approves initiatives"),
    Param("policy.authority.partnership", "int", None, 0, 4, "level",
          "level that approves partnerships"),
    Param("policy.authority.spending", "int", None, 0, 4, "level",
          "level that approves spending"),
    Param("policy.validation.steps", "int", None, 0, 5, "sign-offs",
          "sign-offs on the way up, ending at the authority level, for every decision type "
          "(0 = approved at once); the per-type keys below override it"),
    *[Param(f"policy.signoffs.{k}", "int", None, 0, 5, "sign-offs", f"sign-offs for {k} decisions")
      for k in ("exception", "redeployment", "initiative", "partnership", "spending")],
    Param("policy.validation.tacit_days", "float", None, 0, 365, "days",
          "tacit approval: a decision still waiting this long after it was raised is "
          "approved (silence means yes); unset = never"),
    Param("policy.freedom.risk_limit", "float", 0.0, 0, 1, "risk",
          "agents settle themselves the exceptions whose risk (uniform 0–1) is below this "
          "(freedom to adapt the rule); 0 = every exception goes up"),
    Param("policy.information.delay_per_level", "float", 2.0, 0, 60, "days/level",
          "age of what a level knows of the field, per level above the field "
          "(information symmetry lowers it)", "assumption"),
    Param("decisions.information_wait", "float", 0.1, 0, 1, "share",
          "information latency: a case waits at a desk for the field's information, which "
          "takes this share of the information delay per level above the field to come up",
          "assumption (a file travels faster than the routine picture a level holds)"),
    Param("decisions.signoff_cv", "float", 1.0, 0, 1, "share",
          "coefficient of variation of sign-off times: 1 = exponential, 0 = deterministic, "
          "between = shifted exponential (1 − cv) + cv·E, mean 1", "assumption (exponential: M/M/c)"),
    Param("decisions.base_error", "float", 0.02, 0, 1, "share",
          "error probability of any decision", "assumption"),
    Param("decisions.staleness_error", "float", 0.01, 0, 10, "/day",
          "error from stale information: p = (1 − exp(−k·delay·levels from the field·U))·(1 − scope), "
          "U = exception share/0.1", "assumption, calibrated on Kim & Burton 2002 (DESIGN §3)"),
    Param("decisions.uncertainty_unit", "float", 0.1, 0.001, 1, "share",
          "exception share counted as task uncertainty U = 1 in the error model",
          "assumption: the 2020 baseline's exception share (DESIGN §3)"),
    Param("decisions.local_error", "float", 0.5, 0, 10, "",
          "error from a partial view: p = k·scope·U·level/field level",
          "assumption, calibrated on Kim & Burton 2002 (DESIGN §3)"),
    *[Param(f"decisions.scope.{k}", "float", v, 0, 1, "share",
            f"how much {k} decisions need the whole picture (local deciders err more)", "assumption")
      for k, v in (("exception", 0.3), ("redeployment", 0.8), ("initiative", 0.4),
                   ("partnership", 0.7), ("spending", 0.5))],
    *[Param(f"decisions.effort.{k}", "float", v, 0.01, 100, "sign-offs",
            f"manager time of one {k} sign-off, in standard sign-offs", "assumption")
      for k, v in (("exception", 1.0), ("redeployment", 1.5), ("initiative", 1.5),
                   ("partnership", 3.0), ("spending", 1.0))],
    Param("decisions.spending_rate", "float", 0.5, 0, 100, "/100 staff/day",
          "spending requests raised by a service's head", "assumption"),
    Param("decisions.partnership_rate", "float", 0.05, 0, 100, "/100 staff/day",
          "partnership requests raised by a service's head", "assumption"),
    Param("hr.advice", "float", 0.0, 0, 1, "share",
          "HR advice to managers (0 none, 1 full): raises their capacity and decision quality"),
    Param("hr.advice_capacity_gain", "float", 0.2, 0, 2, "×", "capacity gain at full advice",
          "assumption"),
    Param("hr.advice_quality_gain", "float", 0.3, 0, 1, "share",
          "share of decision errors avoided at full advice", "assumption"),
    Param("support.peer", "float", 0.0, 0, 1, "share",
          "peer-to-peer support among managers (exchange of practice between managers): "
          "fewer decision errors and less fatigue"),
    Param("support.in_situ", "float", 0.0, 0, 1, "share",
          "in-situ support of managers (a coach beside the manager at work): faster "
          "sign-offs and information closer to the field"),
    Param("support.capacity_gain", "float", 0.15, 0, 2, "×",
          "managers' sign-off capacity gain at full in-situ support", "assumption"),
    Param("support.fatigue_relief", "float", 0.4, 0, 1, "share",
          "share of managers' fatigue gain avoided at full peer support", "assumption"),
    Param("support.quality_gain", "float", 0.2, 0, 1, "share",
          "share of decision errors avoided at full peer support",
          "assumption (peer exchange of practice improves judgement, not speed)"),
    Param("support.information_gain", "float", 0.3, 0, 1, "share",
          "share of the information delay per level removed at full in-situ support",
          "assumption (a coach on site brings the field's view to the manager)"),
    Param("policy.decisions.interim", "float", 0.5, 0, 1, "share",
          "decision capacity kept when a manager is absent (a deputy covers)", "assumption"),
    Param("policy.reporting.agent_hours", "float", 2.0, 0, 35, "h/week",
          "reporting time of an agent", "assumption"),
    Param("policy.reporting.manager_hours", "float", 6.0, 0, 35, "h/week",
          "reporting time of a manager", "assumption"),
    Param("policy.reporting.crisis_multiplier", "float", 1.5, 0, 10, "×",
          "reporting asked during a shock, relative to normal", "assumption"),
    Param("policy.reporting.week_hours", "float", 35.0, 1, 60, "h/week",
          "working week", "French public service: 35 h"),
    # --- micro-mobility ------------------------------------------------------------
    Param("mobility.mode", "choice", "off", choices=MOBILITY_MODES,
          doc="who matches slack to gaps: off, central (a coordinator sees the whole scope; "
              "moves need a redeployment decision) or peer (neighbouring managers linked by "
              "informal ties or twinning agree; the gap's head decides)"),
    Param("mobility.scope", "choice", "institution", choices=MOBILITY_SCOPES,
          doc="where agents may be moved: none, service (units of the same service), twinned "
              "services, institution, territory (every institution of the scenario)"),
    Param("mobility.flying_pool", "int", 0, 0, 5_000_000, "agents",
          "flying agents, drawn among staff, movable across the whole territory whatever the scope; "
          "they are lent first (available whenever present, never called back by their home)", built=True),
    Param("mobility.flying_skills", "int", 2, 0, 20, "missions",
          "missions of essential services a flying agent knows besides its own skills (drawn per agent)",
          "DESIGN §3: Wallace & Whitt 2005 — a few well-placed skills per agent give most of the "
          "benefit of full flexibility; two extra skills (three in all) is taken here", built=True),
    Param("mobility.flying_learning_days", "float", 1.0, 0, 365, "days",
          "days for a flying agent to reach full productivity wherever it goes (it is used to arriving)",
          "assumption"),
    Param("mobility.scan_limit", "int", 512, 1, 10_000_000, "candidates",
          "staff a service in need looks at in a day before it gives up (keeps matching linear in staff)",
          "assumption"),
    Param("mobility.coordinator_capacity", "float", 3.0, 0, 1e6, "moves/day per 1,000 staff",
          "moves the human coordination of supply and demand can propose in a day",
          "DESIGN §3: a département of 8,200 agents placed 100–250 volunteers in the first lockdown; "
          "250 placed over its first two weeks (10 working days) ≈ 3 a day per 1,000 staff"),
    Param("mobility.learning_days", "float", 10.0, 0, 365, "days",
          "days for a moved agent to reach full productivity on a secondary skill", "assumption"),
    Param("mobility.known_learning_days", "float", 3.0, 0, 365, "days",
          "the same on its primary skill or on a twinned service it knows", "assumption"),
    Param("mobility.ramp_start", "float", 0.3, 0, 1, "share",
          "productivity of a moved agent on its first day", "assumption"),
    Param("mobility.wrong_move_productivity", "float", 0.5, 0, 1, "share",
          "productivity of an agent moved by a wrong redeployment decision", "assumption"),
    Param("mobility.permanent_after", "int", 120, 1, 3650, "days",
          "a move lasting this long becomes a lasting reallocation (the agent's new home)",
          "assumption"),
    Param("mobility.minimum_term", "int", 30, 0, 3650, "days",
          "days before the home service may call a moved agent back (its host may release it sooner)",
          "assumption: a redeployment is announced for a month at least, as continuity plans' "
          "reassignments were in spring 2020 (DESIGN §3: AMF–CNFPT survey)"),
    Param("mobility.move_cost_days", "float", 1.0, 0, 60, "days",
          "days a moved agent produces nothing (handing over at home, installing at the host) "
          "before its ramp-up", "assumption"),
    Param("mobility.twinning_trained_share", "float", 0.25, 0, 1, "share",
          "share of the staff of twinned services trained for the twin's mission (it becomes "
          "their known secondary skill)",
          "assumption, after DESIGN §3: Jordan & Graves 1995 — limited cross-training, well placed, "
          "captures most of the benefit of full flexibility", built=True),
    Param("mobility.lessons_kept", "bool", True,
          doc="what the organisation learns in a shock lasts: a move becomes the agent's "
              "reassignment plan, services that exchanged staff become twinned"),
    Param("mobility.training_share", "float", 0.0, 0, 1, "share",
          "share of staff with no secondary skill trained, from day 0, in the mission of an essential "
          "service (drawn per agent); the skill is known once the training is over"),
    Param("mobility.training_days", "int", 30, 1, 3650, "days", "length of that training", "assumption"),
    Param("mobility.volunteer_days", "float", 0.0, 0, 31, "days/month",
          "volunteer days an agent of a service with slack gives to a service in need"),
    Param("mobility.time_bank_cap", "float", 70.0, 0, 2000, "hours",
          "hours an agent may bank by volunteering (then it stops)", "assumption"),
    Param("mobility.sponsorship", "bool", False,
          doc="agents of services whose demand is below half of normal may be lent to external "
              "actors of the territory (skills sponsorship)"),
    Param("hr.crisis_cell", "int", 0, 0, 1000, "deciders",
          "HR crisis cell taking redeployment decisions (0 = none: the hierarchy decides)", built=True),
    Param("hr.reassignment_plan_share", "float", 0.0, 0, 1, "share",
          "share of staff with a pre-approved personal reassignment plan (continuity plan): "
          "their moves need no decision", built=True),
    # --- spontaneous initiatives (DESIGN §1.2 step 5, §1.3) ----------------------------
    Param("initiatives.enabled", "bool", False,
          doc="agents may launch initiatives without mandate (off: the stage does nothing)"),
    Param("initiatives.launch_rate", "float", 0.02, 0, 1, "/day",
          "daily chance that an agent launches an initiative when every factor of its propensity is at "
          "1 (full need seen, full slack, engagement 1, no risk aversion, neutral culture)",
          "assumption (a few % of staff acted beyond their mandate in spring 2020, Réflexes Publics "
          "survey, seed)"),
    Param("initiatives.multi_hat", "float", 1.5, 1, 10, "×",
          "propensity of an agent with a secondary skill (multi-hat profile) relative to one without",
          "assumption (seed: value of multi-hat profiles)"),
    Param("initiatives.duty", "float", 0.0, 0, 1, "share",
          "duty of initiative declared by the organisation (adds to the autonomy culture)", "assumption"),
    Param("initiatives.risk_compensation", "float", 0.0, 0, 1, "share",
          "share of an initiator's penalty absorbed when its initiative is blocked or fails; also raises "
          "propensity by (1 + share) (seed: compensation for risk-taking)"),
    Param("initiatives.success", "float", 0.6, 0, 1, "probability",
          "probability that an initiative works (adds capacity); a failing one is found out after the trial",
          "assumption"),
    Param("initiatives.trial_days", "int", 14, 1, 365, "days",
          "days after which a failing initiative is found out and stops", "assumption"),
    Param("initiatives.duration", "int", 60, 1, 3650, "days",
          "longest life of an initiative (the need it answers is over)", "assumption"),
    Param("initiatives.time_share", "float", 0.3, 0, 1, "share",
          "share of its initiator's working time an initiative takes (its own service loses it)",
          "assumption"),
    Param("initiatives.yield", "float", 1.5, 0, 10, "×",
          "tasks a working initiative serves per task of its initiator's time (a new way to serve)",
          "assumption"),
    Param("initiatives.hero_fatigue", "float", 0.01, 0, 1, "/day",
          "fatigue an initiator gains per day while carrying an initiative beside its own work (the lone hero)",
          "assumption"),
    Param("initiatives.stop_fatigue", "float", 0.8, 0, 1, "share",
          "fatigue above which an initiator drops its initiative", "assumption"),
    Param("initiatives.block_rate", "float", 0.3, 0, 1, "probability",
          "how much the culture penalises deviation: probability that an initiative decided at the top "
          "after one sign-off is blocked (lower levels and shorter chains block less, see ODD)",
          "assumption"),
    Param("initiatives.penalty", "float", 0.2, 0, 1, "share",
          "engagement an initiator loses when its initiative is blocked or fails", "assumption"),
    Param("initiatives.recognition", "float", 0.1, 0, 1, "share",
          "engagement an initiator gains when its initiative is recognised", "assumption"),
    Param("initiatives.peer_effect", "float", 0.1, 0, 1, "share",
          "change of the propensity of the initiator's informal ties when they see it blocked, failed "
          "(down) or recognised (up)", "assumption"),
    Param("initiatives.testimony_period", "int", None, 1, 365, "days",
          "a call for testimonies every this many days (unset = none) surfaces running initiatives "
          "(seed: appel à témoignage)"),
    Param("initiatives.testimony_reach", "float", 0.5, 0, 1, "probability",
          "chance that a call surfaces a running initiative", "assumption"),
    Param("initiatives.cell_capacity", "float", 0.0, 0, 1000, "initiatives/week",
          "initiatives the innovation cell (transversal mission at the executive level) can relay a week; "
          "0 = no cell (seed: portage en relai par la cellule innovation)"),
    Param("initiatives.adopt_days", "int", 21, 1, 365, "days",
          "age at which a relayed initiative that works is adopted as standard practice", "assumption"),
    Param("initiatives.adoption_gain", "float", 0.05, 0, 1, "share",
          "lasting capacity gain of the service that adopts a practice", "assumption"),
    Param("initiatives.spread", "float", 0.5, 0, 1, "share",
          "share of that gain passed to services of the same mission linked by informal ties",
          "assumption"),
    Param("initiatives.max_gain", "float", 0.2, 0, 1, "share",
          "ceiling of a service's lasting capacity gain from adopted practices", "assumption"),
    Param("initiatives.external_rate", "float", 0.0, 0, 1, "/day",
          "daily chance, per unit of need seen, that an external actor (association, citizens' group) "
          "able to serve a service's mission launches an initiative on it; 0 = none (seed: extrapreneuriat)"),
    Param("initiatives.external_capacity", "float", 0.1, 0, 10, "share",
          "capacity a supported external initiative adds, as a share of the service's baseline demand",
          "assumption"),
    # --- work and wellbeing ---------------------------------------------------------
    Param("work.remote_productivity", "float", 0.85, 0, 1.5, "×",
          "productivity of remote work relative to on site", "assumption"),
    Param("work.closure_threshold", "float", 0.1, 0, 1, "×",
          "a service whose demand multiplier falls below this is closed: its present "
          "staff other than managers take special leave (those who work remotely too, "
          "unless work.remote_before_leave)",
          "DESIGN §3: 30 % stopped, special leave among them"),
    Param("work.remote_before_leave", "bool", True,
          doc="an agent kept home by childcare or vulnerability, or whose service is closed, who "
              "can work remotely, and does today, works remotely instead of taking special leave",
          source="DGAFP, FAQ on the civil service during the epidemic (March 2020): special leave "
                 "(ASA) only for staff whose duties cannot be done by telework"),
    Param("work.stand_down_leave", "float", 0.0, 0, 1, "share",
          "of the present staff (not managers) of a service whose demand has fallen to a share m "
          "of normal, and who do not work remotely today, this share × (1 − m) are sent home on "
          "special leave (0 = they stay at work)",
          "2020: staff neither kept on site by a continuity plan nor teleworking were on special "
          "leave (DGAFP, March 2020; Ministry of the Interior HR FAQ, 6 April 2020: the ASA covers "
          "every agent neither on site nor teleworking); 65 % of local authorities deployed a "
          "continuity plan (AMF-CNFPT, autumn 2020); 0 by default: no one is sent home"),
    Param("wellbeing.fatigue_gain", "float", 0.04, 0, 1, "/day",
          "fatigue gained per day per unit of workload above capacity", "assumption"),
    Param("wellbeing.fatigue_recovery", "float", 0.05, 0, 1, "/day",
          "share of fatigue recovered per day", "assumption"),
    Param("wellbeing.fatigue_effect", "float", 0.3, 0, 1, "share",
          "productivity lost at full fatigue", "assumption"),
    Param("wellbeing.burnout_threshold", "float", 0.6, 0, 1, "share",
          "fatigue above which burnout may start", "assumption"),
    Param("wellbeing.burnout_hazard", "float", 0.02, 0, 1, "/day",
          "daily probability of burnout at full fatigue", "assumption"),
    Param("wellbeing.burnout_days", "int", 21, 1, 365, "days", "length of a burnout absence",
          "assumption"),
    Param("wellbeing.engagement_baseline", "float", 0.7, 0, 1, "share",
          "engagement agents return to", "assumption"),
    Param("wellbeing.engagement_recovery", "float", 0.02, 0, 1, "/day",
          "speed of return to the baseline engagement", "assumption"),
    Param("wellbeing.reporting_cost", "float", 0.05, 0, 1, "/day",
          "engagement lost per day per unit of reporting share above the tolerated share",
          "assumption"),
    Param("wellbeing.reporting_tolerance_agent", "float", 2.0, 0, 35, "h/week",
          "reporting an agent accepts without losing engagement (less raises it)", "assumption"),
    Param("wellbeing.reporting_tolerance_manager", "float", 6.0, 0, 35, "h/week",
          "reporting a manager accepts without losing engagement (less raises it)", "assumption"),
    Param("wellbeing.fatigue_cost", "float", 0.01, 0, 1, "/day",
          "engagement lost per day at full fatigue", "assumption"),
    Param("wellbeing.recovery_overload", "float", 0.1, 0, 100, "×",
          "overload (workload/capacity − 1) at which a present agent recovers no fatigue at all; "
          "recovery falls linearly from full at capacity to none at this overload",
          "assumption, after the effort–recovery model (Meijman & Mulder 1998; Sonnentag 2018: "
          "high job demands leave less recovery): 10 % overload ≈ 3.5 h a week beyond 35 h"),
    Param("wellbeing.pressure_cap", "float", 3.0, 1, 100, "×",
          "workload ratio above which pressure stops rising", "assumption"),
    # --- baseline shocks-free conditions --------------------------------------------
    Param("baseline.sickness", "float", 0.092, 0, 1, "share",
          "share of staff absent for sickness in normal times",
          "DESIGN §3: Sofaxis 9.2 % (2019)"),
    Param("baseline.exception_share", "float", 0.02, 0, 1, "share",
          "share of tasks that are non-standard cases needing a decision", "assumption"),
    Param("baseline.sickness_spell", "int", 7, 1, 365, "days",
          "length of a sickness spell", "assumption"),
    # --- outcomes ------------------------------------------------------------------
    Param("outcomes.essential_weight", "float", 3.0, 1, 100, "×",
          "weight of an essential service in the performance P(t)", "assumption"),
    Param("outcomes.recovery_share", "float", 0.95, 0.5, 1, "share",
          "P/P0 counted as recovered", "DESIGN §1.5"),
    Param("outcomes.recovery_days", "int", 7, 1, 90, "days",
          "days P must stay recovered", "assumption"),
    Param("outcomes.smoothing_days", "int", 7, 1, 60, "days",
          "trailing window of the smoothed performance used for min and recovery",
          "assumption"),
    Param("outcomes.window_days", "int", 365, 7, 3650, "days",
          "longest window over which a shock is measured from its onset, when the organisation does not "
          "recover before (the next shock's onset also ends it)", "assumption: a budget year"),
]

#: the organisation is built before day 0: each ``organisation.*`` parameter is ``built``
PARAMS: dict[str, Param] = {p.key: replace(p, built=True) if p.key.startswith("organisation.") else p
                            for p in _P}

SERVICE_FIELDS: dict[str, Param] = {p.key: p for p in [
    Param("name", "str", None, doc="service name"),
    Param("institution", "str", "main", doc="institution the service belongs to"),
    Param("mission", "str", None, doc="mission (= the skill it needs); defaults to the name"),
    Param("tags", "str", "", doc="comma-separated mission tags used by shocks"),
    Param("headcount", "int", None, 1, 5_000_000, "agents", "staff of the service"),
    Param("demand", "float", None, 0, 1e9, "tasks/day",
          "baseline demand; default = utilisation × baseline capacity"),
    Param("essential", "bool", False, doc="essential service (weighted in P)"),
    Param("on_site_share", "float", 0.5, 0, 1, "share", "share of the work that must be done on site"),
    Param("deadline", "int", 10, 1, 60, "days", "age after which a waiting task is unmet"),
]}

INSTITUTION_FIELDS: dict[str, Param] = {p.key: p for p in [
    Param("name", "str", None, doc="institution name"),
    Param("kind", "choice", "commune",
          choices=("commune", "epci", "departement", "region", "state", "external"),
          doc="kind of institution"),
]}

TWINNING_FIELDS: dict[str, Param] = {p.key: p for p in [
    Param("a", "str", None, doc="a service name"),
    Param("b", "str", None, doc="the twinned service's name"),
]}

SHOCK_FIELDS: dict[str, Param] = {p.key: p for p in [
    Param("kind", "choice", None, choices=SHOCK_KINDS, doc="what the component changes"),
    Param("start", "int", None, 0, 3650, "day", "first day of the component"),
    Param("end", "int", None, 0, 3650, "day", "last day of the plateau (omit: until the end)"),
    Param("ramp_up", "int", 0, 0, 365, "days", "days to reach the plateau"),
    Param("ramp_down", "int", 0, 0, 365, "days", "days to return to normal after end"),
    Param("value", "float", None, 0, 1000, "", "plateau value (share, multiplier or tasks/day)"),
    Param("reason", "choice", "sickness", choices=SHOCK_ABSENCE_REASONS,
          doc="absence reason (burnout and special leave follow from the model, not from shocks)"),
    Param("tag", "str", "*", doc="mission tag the component applies to (* = all)"),
    Param("source", "str", "", doc="where the number comes from"),
]}


def defaults() -> dict[str, object]:
    """The default value of every scalar parameter, by dotted key."""
    return {k: p.default for k, p in PARAMS.items()}
