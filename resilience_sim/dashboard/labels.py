"""French and English words of the dashboard, and the levers it shows, by parameter key.

The levers' type, range, unit and default come from their declaration in
:data:`resilience_sim.params.PARAMS`; this catalogue only says what people read
(a label in French and in English) and, for parameters whose declared range is far
wider than a workshop needs, how far the slider reaches (``reach``, clamped to the
declared range). Levers are grouped by the three tracks of the experimentation
programme; a declared parameter whose key starts with a track's prefix and is not in
the catalogue (e.g. the coming ``initiatives.*`` keys) is shown in its track with its
declared description as label.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..params import PARAMS
from ..schema import Param

LANGS = ("fr", "en")


@dataclass(frozen=True)
class Lever:
    """A parameter shown as a slider, a switch or a choice.

    Attributes:
        param: its declaration.
        fr: French label.
        en: English label.
        reach: largest value the slider offers (None: the declared maximum).

    """

    param: Param
    fr: str
    en: str
    reach: float | None = None

    @property
    def keyword(self) -> str:
        """The ``OrganisationModel`` keyword of the parameter."""
        return self.param.key.replace(".", "_")

    def label(self, lang: str) -> str:
        """The label with its unit, in ``lang``."""
        text = self.fr if lang == "fr" else self.en
        unit = UNITS.get(self.param.unit, {}).get(lang, self.param.unit)
        return f"{text} ({unit})" if unit and unit not in ("share",) else text

    @property
    def high(self) -> float | None:
        """The slider's maximum: the declared maximum, or ``reach`` if smaller."""
        if self.reach is None:
            return self.param.high
        return min(self.reach, self.param.high) if self.param.high is not None else self.reach


#: label of each lever by parameter key: (French, English[, reach])
CATALOGUE: dict[str, tuple] = {
    # subsidiarity
    "policy.authority.preset": ("Qui décide (préréglage)", "Who decides (preset)"),
    "policy.validation.steps": ("Circuit de validation", "Validation circuit", 5),
    "policy.validation.tacit_days": ("Accord tacite après", "Tacit approval after", 30),
    "policy.freedom.risk_limit": ("Liberté d'adapter la règle (risque accepté)",
                                  "Freedom to adapt the rule (risk accepted)"),
    "policy.information.delay_per_level": ("Retard de l'information par niveau",
                                           "Information delay per level", 10),
    "hr.advice": ("Conseil RH aux encadrants", "HR advice to managers"),
    "support.peer": ("Soutien entre pairs des encadrants", "Peer support among managers"),
    "support.in_situ": ("Soutien des encadrants sur le terrain", "In-situ support of managers"),
    "policy.reporting.agent_hours": ("Reporting d'un agent", "Reporting of an agent", 10),
    "policy.reporting.manager_hours": ("Reporting d'un encadrant", "Reporting of a manager", 15),
    "policy.reporting.crisis_multiplier": ("Reporting demandé en crise", "Reporting asked in a crisis", 4),
    # micro-mobility
    "mobility.mode": ("Micro-mobilité", "Micro-mobility"),
    "mobility.scope": ("Périmètre des mobilités", "Where agents may go"),
    "mobility.flying_pool": ("Agents volants", "Flying agents", 100),
    "hr.crisis_cell": ("Cellule RH de crise", "HR crisis cell", 10),
    "hr.reassignment_plan_share": ("Part d'agents avec un plan de réaffectation",
                                   "Share of staff with a reassignment plan"),
    "mobility.volunteer_days": ("Jours de volontariat", "Volunteer days", 10),
    "organisation.secondary_known_share": ("Compétences secondaires connues (registre)",
                                           "Secondary skills known (registry)"),
    "mobility.training_share": ("Part d'agents formés à une mission essentielle",
                                "Share of staff trained in an essential mission"),
    "mobility.training_days": ("Durée de la formation", "Length of the training", 90),
    # spontaneous initiatives
    "initiatives.enabled": ("Initiatives sans mandat possibles", "Initiatives without mandate possible"),
    "initiatives.launch_rate": ("Élan à lancer une initiative", "Drive to launch an initiative"),
    "initiatives.multi_hat": ("Élan des profils multi-casquettes", "Drive of multi-hat profiles", 5),
    "initiatives.duty": ("Devoir d'initiative affiché", "Declared duty of initiative"),
    "initiatives.risk_compensation": ("Compensation de la prise de risque", "Compensation for risk-taking"),
    "initiatives.success": ("Chance qu'une initiative marche", "Chance that an initiative works"),
    "initiatives.trial_days": ("Durée de l'essai", "Length of the trial", 60),
    "initiatives.duration": ("Durée de vie d'une initiative", "Life of an initiative", 365),
    "initiatives.time_share": ("Temps pris par une initiative", "Time an initiative takes"),
    "initiatives.yield": ("Rendement d'une initiative qui marche", "Yield of a working initiative", 5),
    "initiatives.hero_fatigue": ("Fatigue du héros solitaire", "Fatigue of the lone hero", 0.1),
    "initiatives.stop_fatigue": ("Fatigue qui fait abandonner", "Fatigue at which one gives up"),
    "initiatives.block_rate": ("Culture qui sanctionne l'écart", "Culture penalising deviation"),
    "initiatives.penalty": ("Engagement perdu si bloquée ou ratée", "Engagement lost if blocked or failed"),
    "initiatives.recognition": ("Engagement gagné si reconnue", "Engagement gained if recognised"),
    "initiatives.peer_effect": ("Effet sur l'élan des collègues", "Effect on colleagues' drive"),
    "initiatives.testimony_period": ("Appel à témoignages tous les", "Call for testimonies every", 90),
    "initiatives.testimony_reach": ("Portée de l'appel à témoignages", "Reach of the call for testimonies"),
    "initiatives.cell_capacity": ("Capacité de la cellule innovation", "Capacity of the innovation cell", 20),
    "initiatives.adopt_days": ("Âge d'adoption d'une pratique relayée", "Age at which a relayed practice is adopted",
                               90),
    "initiatives.adoption_gain": ("Gain durable d'une pratique adoptée", "Lasting gain of an adopted practice"),
    "initiatives.spread": ("Diffusion aux services jumeaux", "Spread to services of the same mission"),
    "initiatives.max_gain": ("Gain durable maximal d'un service", "Largest lasting gain of a service"),
    "initiatives.external_rate": ("Initiatives des associations et citoyens", "Initiatives of associations and "
                                  "citizens"),
    "initiatives.external_capacity": ("Apport d'une initiative extérieure soutenue",
                                      "What a supported outside initiative adds", 2),
    # the organisation and the horizon
    "organisation.agents": ("Taille de l'organisation", "Size of the organisation", 5000),
    "run.days": ("Horizon", "Horizon", 730),
}

#: the seed's three tracks: (key, French title, English title, key prefixes)
TRACKS = (
    ("subsidiarity", "Subsidiarité", "Subsidiarity",
     ("policy.authority.preset", "policy.validation.", "policy.freedom.", "policy.information.",
      "hr.advice", "support.", "policy.reporting.")),
    ("mobility", "Micro-mobilité", "Micro-mobility",
     ("mobility.", "hr.crisis_cell", "hr.reassignment_plan_share", "organisation.secondary_known_share")),
    ("initiatives", "Initiatives spontanées", "Spontaneous initiatives", ("initiatives.",)),
)
SCENARIO_KEYS = ("organisation.agents", "run.days")

UNITS = {
    "days": {"fr": "jours", "en": "days"}, "h/week": {"fr": "h/semaine", "en": "h/week"},
    "sign-offs": {"fr": "visas", "en": "sign-offs"}, "days/level": {"fr": "jours/niveau", "en": "days/level"},
    "agents": {"fr": "agents", "en": "agents"}, "deciders": {"fr": "décideurs", "en": "deciders"},
    "days/month": {"fr": "jours/mois", "en": "days/month"}, "×": {"fr": "×", "en": "×"},
    "risk": {"fr": "", "en": ""},
}


def lever(key: str) -> Lever:
    """The lever of a declared parameter (label from the catalogue, else its description)."""
    p = PARAMS[key]
    fr, en, *reach = CATALOGUE.get(key, (p.doc, p.doc))
    return Lever(p, fr, en, reach[0] if reach else None)


def _in_track(key: str, prefixes: tuple[str, ...]) -> bool:
    return any(key == p or (p.endswith(".") and key.startswith(p)) for p in prefixes)


def _shown(key: str) -> bool:
    return key in CATALOGUE or key.startswith("initiatives.")


def tracks() -> list[tuple[str, str, str, list[Lever]]]:
    """The levers of each track: (track, French title, English title, levers), in declaration order."""
    out = []
    for name, fr, en, prefixes in TRACKS:
        keys = [k for k in PARAMS if _shown(k) and k not in SCENARIO_KEYS and _in_track(k, prefixes)]
        out.append((name, fr, en, [lever(k) for k in keys]))
    return out


def scenario_levers() -> list[Lever]:
    """The size of the organisation and the horizon."""
    return [lever(k) for k in SCENARIO_KEYS]


#: words of the page, by language
TEXT = {
    "fr": {
        "title": "Résilience d'une organisation publique", "scenario": "Choc (scénario)",
        "levers": "Leviers", "reset": "Réinitialiser", "play": "▶ Lecture", "pause": "❚❚ Pause",
        "step": "Un jour", "speed": "Vitesse (jours par image)", "day": "Jour {day} / {days}",
        "unset": "non fixé", "refused": "Réglage refusé", "kept": "le modèle garde les réglages précédents.",
        "performance": "Performance P(t) : part de la demande servie à temps", "baseline": "référence (sans levier)",
        "current": "avec vos leviers", "network": "L'organisation : services (couleur : charge), "
        "encadrants (taille : décisions en attente)", "queues": "Décisions en attente par niveau",
        "levels": ("exécutif", "DGA", "direction", "chef de service", "chef d'équipe", "agents"),
        "flows": "Redéploiements : agents travaillant aujourd'hui pour un autre service",
        "no_flows": "Aucun agent redéployé aujourd'hui.", "initiatives": "Initiatives spontanées",
        "initiatives_off": "Initiatives sans mandat désactivées : activez le levier « Initiatives sans mandat "
                           "possibles ».",
        "initiative_counts": {"launched": "lancées", "approved": "approuvées", "blocked": "bloquées",
                              "failed": "ratées", "recognised": "reconnues", "relayed": "relayées",
                              "adopted": "adoptées", "external": "extérieures (associations, citoyens)",
                              "external_supported": "extérieures soutenues"},
        "capacities": "Les quatre capacités", "react": "Réagir", "reduce": "Réduire l'impact",
        "rebound": "Rebondir", "adapt": "S'adapter", "unknown": "pas encore connu",
        "react_v": "première action corrective au jour {v} du choc", "react_none": "aucune action corrective",
        "reduce_v": "perte maximale {depth:.0%}, {area:.1f} jours de performance perdus",
        "rebound_v": "retour à 95 % en {v} jours", "rebound_none": "pas encore revenu à 95 %",
        "adapt_v": "niveau des 4 dernières semaines : {v:.0%} d'avant le choc",
        "changed": "Ce qui change par rapport à la référence", "same": "Vos leviers sont ceux de la "
        "référence : les deux courbes sont identiques.",
        "area": "Jusqu'au jour {day}, l'organisation a perdu {a:.1f} jours de performance, contre {b:.1f} "
        "pour la référence ({d}).", "better": "mieux", "worse": "moins bien",
        "latency": "Une décision attend en moyenne {a:.1f} jours, contre {b:.1f}.",
        "moves": "{a} journées d'agents redéployés, contre {b}.", "no_shock": "Le choc n'a pas encore commencé.",
        "tracks": {"subsidiarity": "Subsidiarité", "mobility": "Micro-mobilité",
                   "initiatives": "Initiatives spontanées"}, "organisation": "Organisation et horizon",
        "no_levers": "Pas encore de leviers dans le modèle.", "lang": "Langue",
        "yes": "oui", "no": "non",
    },
    "en": {
        "title": "Resilience of a public organisation", "scenario": "Shock (scenario)",
        "levers": "Levers", "reset": "Reset", "play": "▶ Play", "pause": "❚❚ Pause",
        "step": "One day", "speed": "Speed (days per frame)", "day": "Day {day} / {days}",
        "unset": "not set", "refused": "Setting refused", "kept": "the model keeps the previous settings.",
        "performance": "Performance P(t): share of demand served on time", "baseline": "baseline (no lever)",
        "current": "with your levers", "network": "The organisation: services (colour: load), "
        "managers (size: decisions waiting)", "queues": "Decisions waiting by level",
        "levels": ("executive", "deputy", "director", "head of service", "team leader", "agents"),
        "flows": "Redeployments: agents working today for another service",
        "no_flows": "No agent redeployed today.", "initiatives": "Spontaneous initiatives",
        "initiatives_off": "Initiatives without mandate are off: switch on the lever \u201cInitiatives without "
                           "mandate possible\u201d.",
        "initiative_counts": {"launched": "launched", "approved": "approved", "blocked": "blocked",
                              "failed": "failed", "recognised": "recognised", "relayed": "relayed",
                              "adopted": "adopted", "external": "from outside (associations, citizens)",
                              "external_supported": "from outside, supported"},
        "capacities": "The four capacities", "react": "React", "reduce": "Reduce the impact",
        "rebound": "Rebound", "adapt": "Adapt", "unknown": "not known yet",
        "react_v": "first corrective action on day {v} of the shock", "react_none": "no corrective action",
        "reduce_v": "deepest loss {depth:.0%}, {area:.1f} days of performance lost",
        "rebound_v": "back to 95 % in {v} days", "rebound_none": "not back to 95 % yet",
        "adapt_v": "level over the last 4 weeks: {v:.0%} of before the shock",
        "changed": "What changed compared with the baseline", "same": "Your levers are the baseline's: "
        "both curves are the same.",
        "area": "Up to day {day}, the organisation lost {a:.1f} days of performance, against {b:.1f} "
        "for the baseline ({d}).", "better": "better", "worse": "worse",
        "latency": "A decision waits {a:.1f} days on average, against {b:.1f}.",
        "moves": "{a} agent-days redeployed, against {b}.", "no_shock": "The shock has not started yet.",
        "tracks": {"subsidiarity": "Subsidiarity", "mobility": "Micro-mobility",
                   "initiatives": "Spontaneous initiatives"}, "organisation": "Organisation and horizon",
        "no_levers": "No levers in the model yet.", "lang": "Language",
        "yes": "yes", "no": "no",
    },
}

#: words of the values of choice parameters
CHOICES = {
    "fr": {"off": "non", "central": "centralisée", "peer": "entre pairs", "none": "aucun",
           "service": "au sein du service", "twinned": "services jumelés", "institution": "la collectivité",
           "territory": "le territoire", "centralised": "centralisé", "today": "aujourd'hui",
           "subsidiary": "subsidiaire"},
    "en": {"off": "off", "central": "central", "peer": "peer to peer", "none": "none",
           "service": "within the service", "twinned": "twinned services", "institution": "the institution",
           "territory": "the territory", "centralised": "centralised", "today": "today",
           "subsidiary": "subsidiary"},
}
