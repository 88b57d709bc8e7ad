"""The words and number formats of the dossier, in each language of :data:`LANGUAGES`.

Every fixed sentence of the dossier is a template here, once per language; figures are
formatted for the language (``152,514`` and ``0.72`` in English, ``152 514`` and ``0,72`` in
French, with a narrow no-break space as the thousands separator, as the French
administration prints them).
"""

from __future__ import annotations

from typing import Any

from siteplan.outputs.language import fmt_int, fmt_num, fmt_pct
from siteplan.scenario import LANGUAGES

__all__ = ["GROUP_LABELS", "TEXT", "fmt_int", "fmt_num", "fmt_pct", "t"]

#: criterion groups as planners read them, in the scorecard's order
#: criterion groups in the scorecard's order (others follow in scenario order)
GROUP_ORDER = ("talent", "labour", "city", "connectivity", "cost", "ecosystem", "need")
GROUP_LABELS: dict[str, dict[str, str]] = {
    "en": {"talent": "Talent", "labour": "Labour", "city": "City", "connectivity":
           "Connectivity", "ecosystem": "Ecosystem", "cost": "Cost", "need": "Need"},
    "fr": {"talent": "Talents", "labour": "Main-d'œuvre", "city": "Ville", "connectivity":
           "Connectivité", "ecosystem": "Écosystème", "cost": "Coûts", "need": "Besoin"},
}

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "doc_title": "Site selection dossier",
        "subtitle": "Offshoring sites for balanced territorial development",
        "scenario": "Scenario", "date": "Date", "version": "siteplan version",
        "pack": "Data pack", "contents": "Contents",
        "summary": "Summary", "maps": "Maps", "scorecard": "Scorecard of the candidates",
        "quadrant": "Viability and territorial need", "cards": "Shortlisted sites",
        "robustness": "Robustness", "plan": "Plan and equity", "method": "Method",
        "data": "Data and sources", "repro": "Reproducibility",
        "s_plan": ("The recommended plan places {k} new sites: {sites}. They were chosen under "
                   "these constraints: {constraints}."),
        "s_why": "{site}: strongest on {strong}; weakest on {weak}.",
        "s_targets": ("By {year} the plan reaches {jobs} offshoring jobs and {exports} bn MAD "
                      "of exports (targets: {tjobs} jobs and {texports} bn MAD); the new sites "
                      "take {new} of the {gap} additional jobs, the existing parks {parks}."),
        "s_equity": ("Regional inequality of offshoring jobs per 1,000 working-age inhabitants "
                     "(Gini across the 12 regions): {today} today, {plan} in {year} with the "
                     "plan and {base} if new jobs followed today's distribution (the market-led "
                     "baseline)."),
        "s_equity_range": (" Today's jobs per region are an estimate: over its two ends the Gini "
                           "is {today_lo} to {today_hi} today and {plan_lo} to {plan_hi} with "
                           "the plan."),
        "s_robust": ("Under {n} random weightings of the criteria, in the top {k} in at least "
                     "{thr} of them (robust): {robust}; not (fragile): {fragile}."),
        "s_plan_rob": ("Solving the same plan under {n} random weightings, the plan's sites are "
                       "chosen in: {freqs}. {robust}"),
        "s_plan_same": "The robust plan (the largest expected score) is this plan.",
        "s_plan_diff": ("The robust plan (the largest expected score over the weightings) "
                        "differs: {diff}."),
        "card_plan_rob": "Chosen in {freq} of the plans solved under random weightings.",
        "s_robust_none": "none", "and": "and",
        "maps_note": ("Static map of the ranking for print. The interactive map (zoom, "
                      "popups with every criterion) is written by "
                      "<code>siteplan rank --map</code>."),
        "th_rank": "Rank", "th_site": "Site", "th_region": "Region", "th_score": "Score",
        "th_viability": "Viability", "th_need": "Need", "th_criterion": "Criterion",
        "th_value": "Value", "th_value_score": "Value score", "th_weight": "Weight",
        "th_lens": "Lens", "th_how": "How it is measured", "th_function": "Value function",
        "th_layer": "Layer", "th_source": "Sources", "th_licence": "Licence",
        "th_method": "Method and known gaps", "th_rows": "Rows",
        "th_today": "Today", "th_plan": "Plan", "th_baseline": "Baseline",
        "th_measure": "Measure", "th_jobs_today": "Jobs today (estimate)",
        "th_jobs_plan": "Jobs {year}, plan", "th_jobs_base": "Jobs {year}, baseline",
        "scorecard_note": ("Group scores are the weighted means of the value scores (0 to 1, "
                           "higher is better) of each group's criteria; colour from pale (low) "
                           "to dark (high)."),
        "quadrant_note": ("Each point is a candidate: viability (the investor's view) across, "
                          "need (the territory's) up. Sites left of the viability floor are "
                          "excluded from the recommendation."),
        "card_strengths": "Strengths", "card_weaknesses": "Weaknesses",
        "card_robust": ("Rank acceptability: first in {first} of the weightings, in the top {k} "
                        "in {topk}; expected rank {exp}. {verdict}"),
        "verdict_robust": "Verdict: robust.", "verdict_fragile": "Verdict: fragile ({why}).",
        "card_profile": "Profile by criterion group (value scores, 0 to 1)",
        "rob_heatmap": ("Rank acceptability of the sites that are ever first or in the top "
                        "ranks: the share of weightings giving each site each rank."),
        "rob_tornado": ("The winner's score as each criterion's weight moves from 0 to 1 (the "
                        "others rescaled): the longest bars are the weights that matter most."),
        "plan_constraints": "Constraints of the plan", "plan_jobs": "Jobs per region",
        "plan_lorenz": "Lorenz curves of jobs per working-age inhabitant",
        "equity_table": "Equity across regions (central estimate; range over today's estimate)",
        "method_agg": "Aggregation: {method}. Missing values: {nan}.",
        "method_floor": ("Viability floor: sites whose viability index is below {floor} are "
                         "excluded; the others are ranked by the scenario's score."),
        "method_weights": ("Weights are set in the scenario file and normalised to sum to 1; "
                           "the shares below are those used."),
        "constraints": "Constraints", "estimates": "Figures that are estimates",
        "repro_command": "Command", "repro_seed": "Random seed", "repro_hash":
        "SHA-256 of the scenario file", "repro_note": ("The same command with the same data "
                                                       "pack and seed gives the same dossier."),
        "excluded": "excluded", "none": "none",
        "c_cap": "at most {n} new sites per region", "c_spacing": "at least {km} km apart and "
        "from existing parks", "c_quota": "at least {n} in lagging regions",
        "c_include": "forced in: {ids}", "c_exclude": "forced out: {ids}",
        "page": "page",
        "map_plan": "The plan: new sites and existing offshoring parks",
        "map_rate": "offshoring jobs per 1,000 working-age inhabitants, 2030 plan",
        "map_parks": "existing offshoring park", "map_new": "new site of the plan",
    },
    "fr": {
        "doc_title": "Dossier de sélection des sites",
        "subtitle": "Sites d'offshoring pour un développement territorial équilibré",
        "scenario": "Scénario", "date": "Date", "version": "Version de siteplan",
        "pack": "Jeu de données", "contents": "Sommaire",
        "summary": "Synthèse", "maps": "Cartes", "scorecard": "Tableau de bord des candidats",
        "quadrant": "Viabilité et besoin territorial", "cards": "Sites retenus",
        "robustness": "Robustesse", "plan": "Plan et équité", "method": "Méthode",
        "data": "Données et sources", "repro": "Reproductibilité",
        "s_plan": ("Le plan recommandé implante {k} nouveaux sites : {sites}. Ils ont été "
                   "choisis sous ces contraintes : {constraints}."),
        "s_why": "{site} : points forts {strong} ; point faible {weak}.",
        "s_targets": ("En {year}, le plan atteint {jobs} emplois offshoring et {exports} "
                      "milliards de dirhams d'exportations (objectifs : {tjobs} emplois et "
                      "{texports} milliards) ; les nouveaux sites portent {new} des {gap} "
                      "emplois supplémentaires, les parcs existants {parks}."),
        "s_equity": ("Inégalité régionale des emplois offshoring pour 1 000 habitants en âge "
                     "de travailler (indice de Gini entre les 12 régions) : {today} "
                     "aujourd'hui, {plan} en {year} avec le plan et {base} si les nouveaux "
                     "emplois suivaient la répartition actuelle (scénario tendanciel)."),
        "s_equity_range": (" Les emplois actuels par région sont une estimation : entre ses "
                           "deux bornes, le Gini va de {today_lo} à {today_hi} aujourd'hui et "
                           "de {plan_lo} à {plan_hi} avec le plan."),
        "s_robust": ("Sous {n} pondérations aléatoires des critères, parmi les {k} premiers "
                     "dans au moins {thr} des cas (robustes) : {robust} ; en deçà (fragiles) : "
                     "{fragile}."),
        "s_plan_rob": ("En résolvant le même plan sous {n} pondérations aléatoires, les sites "
                       "du plan sont retenus dans : {freqs}. {robust}"),
        "s_plan_same": "Le plan robuste (le meilleur score espéré) est ce plan.",
        "s_plan_diff": ("Le plan robuste (le meilleur score espéré sur les pondérations) "
                        "diffère : {diff}."),
        "card_plan_rob": "Retenu dans {freq} des plans résolus sous des pondérations aléatoires.",
        "s_robust_none": "aucun", "and": "et",
        "maps_note": ("Carte statique du classement pour l'impression. La carte interactive "
                      "(zoom, fenêtres avec chaque critère) est produite par "
                      "<code>siteplan rank --map</code>."),
        "th_rank": "Rang", "th_site": "Site", "th_region": "Région", "th_score": "Score",
        "th_viability": "Viabilité", "th_need": "Besoin", "th_criterion": "Critère",
        "th_value": "Valeur", "th_value_score": "Note", "th_weight": "Poids",
        "th_lens": "Optique", "th_how": "Mesure", "th_function": "Fonction de valeur",
        "th_layer": "Couche", "th_source": "Sources", "th_licence": "Licence",
        "th_method": "Méthode et lacunes connues", "th_rows": "Lignes",
        "th_today": "Aujourd'hui", "th_plan": "Plan", "th_baseline": "Tendanciel",
        "th_measure": "Mesure", "th_jobs_today": "Emplois actuels (estimation)",
        "th_jobs_plan": "Emplois {year}, plan", "th_jobs_base": "Emplois {year}, tendanciel",
        "scorecard_note": ("Les notes de groupe sont les moyennes pondérées des notes (de 0 à "
                           "1, plus haut est meilleur) des critères du groupe ; couleur du "
                           "clair (bas) au foncé (haut)."),
        "quadrant_note": ("Chaque point est un candidat : la viabilité (le regard de "
                          "l'investisseur) en abscisse, le besoin (celui du territoire) en "
                          "ordonnée. Les sites à gauche du seuil de viabilité sont exclus de "
                          "la recommandation."),
        "card_strengths": "Points forts", "card_weaknesses": "Points faibles",
        "card_robust": ("Acceptabilité : premier dans {first} des pondérations, parmi les {k} "
                        "premiers dans {topk} ; rang espéré {exp}. {verdict}"),
        "verdict_robust": "Verdict : robuste.", "verdict_fragile": "Verdict : fragile ({why}).",
        "card_profile": "Profil par groupe de critères (notes de 0 à 1)",
        "rob_heatmap": ("Acceptabilité des rangs des sites qui sont premiers ou bien classés "
                        "au moins une fois : la part des pondérations donnant chaque rang."),
        "rob_tornado": ("Score du premier quand le poids de chaque critère varie de 0 à 1 (les "
                        "autres rééchelonnés) : les barres les plus longues sont les poids "
                        "qui comptent le plus."),
        "plan_constraints": "Contraintes du plan", "plan_jobs": "Emplois par région",
        "plan_lorenz": "Courbes de Lorenz des emplois par habitant en âge de travailler",
        "equity_table": ("Équité entre régions (estimation centrale ; fourchette selon "
                         "l'estimation actuelle)"),
        "method_agg": "Agrégation : {method}. Valeurs manquantes : {nan}.",
        "method_floor": ("Seuil de viabilité : les sites dont l'indice de viabilité est "
                         "inférieur à {floor} sont exclus ; les autres sont classés selon le "
                         "score du scénario."),
        "method_weights": ("Les poids sont fixés dans le fichier de scénario et normalisés à "
                           "1 ; les parts ci-dessous sont celles utilisées."),
        "constraints": "Contraintes", "estimates": "Chiffres estimés",
        "repro_command": "Commande", "repro_seed": "Graine aléatoire",
        "repro_hash": "SHA-256 du fichier de scénario",
        "repro_note": ("La même commande, avec le même jeu de données et la même graine, "
                       "produit le même dossier."),
        "excluded": "exclu", "none": "aucune",
        "c_cap": "au plus {n} nouveaux sites par région",
        "c_spacing": "au moins {km} km entre eux et des parcs existants",
        "c_quota": "au moins {n} dans les régions en retard",
        "c_include": "imposés : {ids}", "c_exclude": "écartés : {ids}",
        "page": "page",
        "map_plan": "Le plan : nouveaux sites et parcs offshoring existants",
        "map_rate": "emplois offshoring pour 1 000 habitants de 15 à 64 ans, plan 2030",
        "map_parks": "parc offshoring existant", "map_new": "nouveau site du plan",
    },
}
assert set(TEXT) == set(LANGUAGES) == set(GROUP_LABELS)
assert all(TEXT[lang].keys() == TEXT["en"].keys() for lang in LANGUAGES)


def t(lang: str, key: str, **values: Any) -> str:
    """The template ``key`` in ``lang``, filled with ``values`` (already formatted)."""
    return TEXT[lang][key].format(**values)
