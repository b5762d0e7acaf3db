"""Preset organisations (archetypes) as lists of services.

Headcounts are orders of magnitude from DESIGN §3 (a commune of 50k inhabitants has
about 800–1,500 staff; a département 1,500–8,000+; a région 2,000–10,000); the split
between services and the deadlines are assumptions, stated here so that an authority
can replace them with its own.

On-site shares (the share of a service's jobs, and of its work, that cannot be done
remotely; 1 − the remote-capable share) follow the occupation-level classification of
Dingel & Neiman (2020), "How many jobs can be done at home?", Journal of Public
Economics 189:104235 (O*NET-based, file ``occupations_workathome.csv`` of their
replication package: 1 = can be done entirely at home), applied to the occupations
that make up each service; the mix of occupations within a service is an assumption:

* office services (administration, HR, IT, communication, economic development,
  European funds, local relations): managers, secretaries, office clerks, HR,
  accountants, computer occupations, PR specialists — all 1 → on site 0.0 (0.1 for
  administration: receptionists, 0);
* civil registry, reception of titles: municipal and licence clerks, receptionists —
  0 (AMF-CNFPT 2020: registry work kept on site in 81 % of authorities) → 0.8;
  accounts (finance) keep 0.5 (AMF-CNFPT: 74 % kept accounts work on site; equipment);
* early childhood: childcare workers and preschool teachers — 1; cooks and cleaners
  0 → 0.1; schools (commune staff): teacher assistants (ATSEM) and recreation workers
  1, cooks, food servers, janitors 0 → 0.4; colleges and lycées (technical staff:
  cooks, janitors, maintenance) → 1.0;
* social services: social workers, social and human service assistants, eligibility
  interviewers — 0; counsellors, social and community service managers — 1 → 0.8
  (income support, mostly case files: 0.4; elderly and disability: 0.6; maternal
  and child health, nurses: 0.9); elderly care (home health and personal care aides,
  0) → 0.95;
* municipal police (police patrol officers, 0) → 1.0; inspections → 0.9;
* culture: librarians, archivists, curators, self-enrichment teachers 1; library
  assistants, museum technicians, musicians 0 → 0.4; sports: coaches and recreation
  workers 1, fitness trainers, lifeguards, janitors 0 → 0.7;
* urban planning: architects and drafters 1, urban planners, planning aides,
  building inspectors 0 → 0.6; regulation and permits → 0.3;
* technical services (roads, waste, green spaces, buildings, water): construction
  and maintenance workers, refuse collectors, groundskeepers 0; engineers and
  drafters 1 (a few per service) → 0.9–0.97 (AMF-CNFPT: technical and waste work kept
  on site in 56 % of authorities); transport (region: planners and dispatchers 1,
  inspectors 0) → 0.4; public transport, food bank → 0.9–1.0.

Heads of service and above can always work remotely (management occupations: 1;
:mod:`resilience_sim.organisation`). Remote-capable shares of staff that result, as built:
commune 42 %, département 31 %, région 32 %, State service 54 %, territory 33 %;
``python -m resilience_sim.calibration`` prints them with the lockdown's shares of staff
stopped, remote and on site.
Columns: name, headcount, tags, essential, on_site_share, deadline (days).
"""

from __future__ import annotations

Row = tuple[str, int, str, bool, float, int]

COMMUNE_50K: list[Row] = [
    ("administration", 30, "admin", False, 0.1, 15),
    ("civil_registry", 40, "registry,reception", True, 0.8, 5),
    ("finance", 35, "accounts,admin", True, 0.5, 10),
    ("human_resources", 35, "hr,admin", True, 0.0, 10),
    ("it", 20, "it", True, 0.0, 5),
    ("roads", 90, "technical,roads", False, 0.95, 15),
    ("waste_cleaning", 110, "technical,waste", True, 0.95, 3),
    ("green_spaces", 70, "technical,green", False, 0.97, 20),
    ("buildings", 60, "technical,buildings", False, 0.9, 15),
    ("early_childhood", 110, "childcare,education", True, 0.1, 2),
    ("schools", 150, "education", True, 0.4, 2),
    ("social_action", 50, "social", True, 0.8, 5),
    ("elderly_care", 60, "social,care", True, 0.95, 2),
    ("municipal_police", 35, "safety", True, 1.0, 2),
    ("culture", 60, "culture", False, 0.4, 20),
    ("sports", 45, "sports", False, 0.7, 20),
    ("urban_planning", 25, "planning,admin", False, 0.6, 30),
    ("communication", 15, "communication", False, 0.0, 10),
]

DEPARTEMENT: list[Row] = [
    ("administration", 250, "admin", False, 0.1, 15),
    ("finance", 150, "accounts,admin", True, 0.5, 10),
    ("human_resources", 180, "hr,admin", True, 0.0, 10),
    ("it", 120, "it", True, 0.0, 5),
    ("child_protection", 700, "social,child_protection", True, 0.8, 3),
    ("maternal_child_health", 250, "social,health", True, 0.9, 5),
    ("elderly_disability", 450, "social,care", True, 0.6, 5),
    ("income_support", 400, "social,benefits", True, 0.4, 10),
    ("social_action_centres", 600, "social,reception", True, 0.8, 5),
    ("roads", 900, "technical,roads", True, 0.95, 10),
    ("college_staff", 700, "education,technical", False, 1.0, 3),
    ("buildings", 200, "technical,buildings", False, 0.9, 15),
    ("culture_archives", 150, "culture", False, 0.4, 20),
    ("economic_development", 80, "economy,admin", False, 0.0, 20),
    ("communication", 40, "communication", False, 0.0, 10),
]

REGION: list[Row] = [
    ("administration", 250, "admin", False, 0.1, 15),
    ("finance", 180, "accounts,admin", True, 0.5, 10),
    ("human_resources", 180, "hr,admin", True, 0.0, 10),
    ("it", 150, "it", True, 0.0, 5),
    ("lycee_staff", 2500, "education,technical", False, 1.0, 3),
    ("transport", 200, "transport", True, 0.4, 5),
    ("economic_development", 200, "economy,admin", False, 0.0, 15),
    ("vocational_training", 150, "training,admin", False, 0.2, 15),
    ("european_funds", 100, "grants,admin", False, 0.0, 30),
    ("culture_sports", 60, "culture,sports", False, 0.5, 20),
    ("communication", 30, "communication", False, 0.0, 10),
]

STATE_SERVICE: list[Row] = [
    ("administration", 40, "admin", False, 0.1, 15),
    ("reception_titles", 120, "reception,registry", True, 0.8, 5),
    ("regulation_permits", 100, "regulation,admin", False, 0.3, 20),
    ("inspections", 80, "inspection", False, 0.9, 20),
    ("crisis_management", 30, "safety,crisis", True, 0.7, 2),
    ("finance", 40, "accounts,admin", True, 0.5, 10),
    ("human_resources", 40, "hr,admin", True, 0.0, 10),
    ("it", 30, "it", True, 0.0, 5),
    ("local_relations", 20, "partnership,admin", False, 0.0, 15),
]

EPCI: list[Row] = [
    ("administration", 40, "admin", False, 0.1, 15),
    ("waste_collection", 160, "technical,waste", True, 0.95, 3),
    ("water_sanitation", 90, "technical,water", True, 0.95, 2),
    ("public_transport", 60, "transport", True, 0.9, 3),
    ("economic_development", 30, "economy,admin", False, 0.0, 20),
    ("finance_hr", 40, "accounts,hr,admin", True, 0.3, 10),
]

EXTERNAL: list[Row] = [
    ("food_bank", 25, "social,solidarity", True, 1.0, 3),
    ("neighbourhood_network", 15, "solidarity,care", False, 0.7, 5),
]

#: archetype name → list of (institution name, institution kind, services)
ARCHETYPES: dict[str, list[tuple[str, str, list[Row]]]] = {
    "commune_50k": [("commune", "commune", COMMUNE_50K)],
    "departement": [("departement", "departement", DEPARTEMENT)],
    "region": [("region", "region", REGION)],
    "state_service": [("state_service", "state", STATE_SERVICE)],
    "territory": [
        ("commune", "commune", COMMUNE_50K),
        ("epci", "epci", EPCI),
        ("departement", "departement", DEPARTEMENT),
        ("associations", "external", EXTERNAL),
    ],
}
