"""The reader's language in every output meant for people: printed tables, Markdown, XLSX,
maps and the dossier.

The data contract (JSON, CSV, GeoPackage, GeoJSON) keeps English column codes whatever the
language, so scripts that read siteplan's files never depend on it; what changes with
``--lang`` is what a person reads: headings, sheet names, labels (``label_fr`` of the
scenario), reasons, and numbers (``152 514`` and ``0,72`` in French, with a narrow no-break
space as the thousands separator, as the French administration prints them).

The language is chosen once per run by :func:`resolve_language`: the ``--lang`` option, else
the scenario's own ``language``, else English.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from siteplan.errors import UsageError
from siteplan.phrases import number_in, translate
from siteplan.scenario import LANGUAGES

if TYPE_CHECKING:
    import pandas as pd

    from siteplan.scenario import Scenario

__all__ = ["ANALYSIS_WORDS", "HEADINGS", "MAP_WORDS", "OVERLAY_WORDS", "PLAN_MAP_WORDS",
           "PLAN_WORDS", "SHEETS", "VALUES", "analysis_word", "axis_numbers", "fmt_int",
           "fmt_num", "fmt_pct", "fmt_score", "heading", "labeller", "list_sep",
           "localise_table", "map_word", "overlay_word", "plan_map_word", "plan_word",
           "reason_in", "resolve_language", "sheet_name", "value_word"]

#: thousands separator and decimal mark per language (U+202F: narrow no-break space)
_SEPARATORS = {"en": (",", "."), "fr": ("\u202f", ",")}


def resolve_language(lang: str | None, scenario: Scenario | None = None) -> str:
    """The language of a run: the option, else the scenario's default, else English."""
    chosen = lang or (scenario.language if scenario is not None else None) or "en"
    if chosen not in LANGUAGES:
        raise UsageError(f"--lang '{chosen}': choose one of {', '.join(LANGUAGES)}")
    return chosen


def fmt_num(x: Any, lang: str, digits: int = 0) -> str:
    """``x`` with ``digits`` decimals and the language's separators ("" for missing)."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x) if x is not None else ""
    if math.isnan(v):
        return ""
    thousands, decimal = _SEPARATORS[lang]
    text = f"{v:,.{digits}f}"
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


def fmt_int(x: Any, lang: str) -> str:
    """A whole number with the language's thousands separator."""
    return fmt_num(x, lang, 0)


def list_sep(lang: str) -> str:
    """The separator of a list of clauses: "; " (French sets a space before it: " ; ")."""
    return " ; " if lang == "fr" else "; "


def fmt_pct(x: Any, lang: str, digits: int = 0) -> str:
    """A share in [0, 1] as a percentage (``34 %`` in French, ``34%`` in English)."""
    try:
        v = float(x) * 100.0
    except (TypeError, ValueError):
        return ""
    if math.isnan(v):
        return ""
    return fmt_num(v, lang, digits) + ("\u202f%" if lang == "fr" else "%")


def axis_numbers(lang: str) -> Any:
    """A matplotlib tick formatter writing each tick with the language's separators (0,2
    and 25 000 in French): every chart's axes in French take it."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, _pos: number_in(f"{x:,g}" if abs(x) >= 1000
                                                   else f"{x:g}", lang))


def fmt_score(x: Any, lang: str) -> str:
    """A score or index in [0, 1] to three decimals (``0,706`` in French)."""
    return fmt_num(x, lang, 3)


#: headings of the columns people read, by the data contract's column code
HEADINGS: dict[str, dict[str, str]] = {
    "rank": {"en": "rank", "fr": "rang"},
    "id": {"en": "id", "fr": "identifiant"},
    "name": {"en": "name", "fr": "nom"},
    "site": {"en": "site", "fr": "site"},
    "province": {"en": "province", "fr": "province"},
    "region": {"en": "region", "fr": "région"},
    "province_code": {"en": "province_code", "fr": "code province"},
    "region_code": {"en": "region_code", "fr": "code région"},
    "lon": {"en": "lon", "fr": "longitude"},
    "lat": {"en": "lat", "fr": "latitude"},
    "score": {"en": "score", "fr": "score"},
    "viability": {"en": "viability", "fr": "viabilité"},
    "need": {"en": "need", "fr": "besoin"},
    "excluded": {"en": "excluded", "fr": "exclu"},
    "reasons": {"en": "reasons", "fr": "motifs"},
    "strongest": {"en": "strongest", "fr": "point fort"},
    "weakest": {"en": "weakest", "fr": "point faible"},
    "criterion": {"en": "criterion", "fr": "critère"},
    "label": {"en": "label", "fr": "libellé"},
    "group": {"en": "group", "fr": "groupe"},
    "unit": {"en": "unit", "fr": "unité"},
    "direction": {"en": "direction", "fr": "sens"},
    "kind": {"en": "kind", "fr": "type"},
    "value_function": {"en": "value_function", "fr": "fonction de valeur"},
    "weight": {"en": "weight", "fr": "poids"},
    "how_computed": {"en": "how_computed", "fr": "calcul"},
    "item": {"en": "item", "fr": "élément"},
    "value": {"en": "value", "fr": "valeur"},
    "contribution": {"en": "contribution", "fr": "contribution"},
    "w x score": {"en": "w x score", "fr": "poids x score"},
    # the plan's tables (analyses.plan: PlanReport.tables)
    "lagging": {"en": "lagging", "fr": "en retard"},
    "talent": {"en": "talent", "fr": "talents"},
    "capacity_weight": {"en": "capacity_weight", "fr": "poids de capacité"},
    "capacity_from": {"en": "capacity_from", "fr": "capacité d'après"},
    "capacity_from_km": {"en": "capacity_from_km", "fr": "capacité d'après (km)"},
    "jobs_today": {"en": "jobs_today", "fr": "emplois aujourd'hui"},
    "jobs_today_source": {"en": "jobs_today_source", "fr": "source des emplois actuels"},
    "jobs_added": {"en": "jobs_added", "fr": "emplois créés"},
    "jobs_2030": {"en": "jobs_2030", "fr": "emplois 2030"},
    "exports_today_mad_m": {"en": "exports_today_mad_m", "fr": "exportations aujourd'hui (M MAD)"},
    "exports_added_mad_m": {"en": "exports_added_mad_m", "fr": "exportations créées (M MAD)"},
    "exports_2030_mad_m": {"en": "exports_2030_mad_m", "fr": "exportations 2030 (M MAD)"},
    "capped": {"en": "capped", "fr": "plafonné"},
    "working_age": {"en": "working_age", "fr": "population en âge de travailler"},
    "parks": {"en": "parks", "fr": "parcs"},
    "new_sites": {"en": "new_sites", "fr": "nouveaux sites"},
    "jobs_today_concentrated": {"en": "jobs_today_concentrated",
                                "fr": "emplois aujourd'hui (borne concentrée)"},
    "jobs_today_spread": {"en": "jobs_today_spread", "fr": "emplois aujourd'hui (borne étalée)"},
    "jobs_added_plan": {"en": "jobs_added_plan", "fr": "emplois créés (plan)"},
    "jobs_2030_plan": {"en": "jobs_2030_plan", "fr": "emplois 2030 (plan)"},
    "jobs_added_baseline": {"en": "jobs_added_baseline", "fr": "emplois créés (référence)"},
    "jobs_2030_baseline": {"en": "jobs_2030_baseline", "fr": "emplois 2030 (référence)"},
    "exports_2030_plan_mad_m": {"en": "exports_2030_plan_mad_m",
                                "fr": "exportations 2030, plan (M MAD)"},
    "exports_2030_baseline_mad_m": {"en": "exports_2030_baseline_mad_m",
                                    "fr": "exportations 2030, référence (M MAD)"},
    "per_thousand_today": {"en": "per_thousand_today", "fr": "pour 1 000 aujourd'hui"},
    "per_thousand_plan": {"en": "per_thousand_plan", "fr": "pour 1 000 (plan)"},
    "per_thousand_baseline": {"en": "per_thousand_baseline", "fr": "pour 1 000 (référence)"},
    "measure": {"en": "measure", "fr": "mesure"},
    "today": {"en": "today", "fr": "aujourd'hui"},
    "plan_2030": {"en": "plan_2030", "fr": "plan 2030"},
    "baseline_2030": {"en": "baseline_2030", "fr": "référence 2030"},
    "plan_minus_baseline": {"en": "plan_minus_baseline", "fr": "plan - référence"},
    "today_low": {"en": "today_low", "fr": "aujourd'hui (bas)"},
    "today_high": {"en": "today_high", "fr": "aujourd'hui (haut)"},
    "plan_2030_low": {"en": "plan_2030_low", "fr": "plan 2030 (bas)"},
    "plan_2030_high": {"en": "plan_2030_high", "fr": "plan 2030 (haut)"},
    "baseline_2030_low": {"en": "baseline_2030_low", "fr": "référence 2030 (bas)"},
    "baseline_2030_high": {"en": "baseline_2030_high", "fr": "référence 2030 (haut)"},
    "key": {"en": "key", "fr": "clé"},
    "what": {"en": "what", "fr": "quoi"},
    "estimate": {"en": "estimate", "fr": "estimation"},
    "method": {"en": "method", "fr": "méthode"},
    # the layer listing (siteplan layers: Pack.describe)
    "layer": {"en": "layer", "fr": "couche"},
    "title": {"en": "title", "fr": "titre"},
    "rows": {"en": "rows", "fr": "lignes"},
    "geometry": {"en": "geometry", "fr": "géométrie"},
    "source": {"en": "source", "fr": "source"},
    "licence": {"en": "licence", "fr": "licence"},
    "date": {"en": "date", "fr": "date"},
    # the scenario listing (siteplan scenario list)
    "criteria": {"en": "criteria", "fr": "critères"},
    "constraints": {"en": "constraints", "fr": "contraintes"},
    # the sensitivity report's tables (analyses.sensitivity.report)
    "confidence": {"en": "confidence", "fr": "confiance"},
    "why": {"en": "why", "fr": "motifs"},
    "winner_lo": {"en": "winner_lo", "fr": "en tête de w ="},
    "winner_hi": {"en": "winner_hi", "fr": "en tête jusqu'à w ="},
    "min_change_to_flip_winner": {"en": "min_change_to_flip_winner",
                                  "fr": "plus petite variation qui change la tête"},
    "new_winner": {"en": "new_winner", "fr": "nouvelle tête"},
    "winner_score_low": {"en": "winner_score_low", "fr": "score de la tête (bas)"},
    "winner_score_high": {"en": "winner_score_high", "fr": "score de la tête (haut)"},
    "exact": {"en": "exact", "fr": "exact"},
    # column codes with a number or a name in them (see _PATTERNED)
    "top_k_membership": {"en": "top_{k}_membership", "fr": "dans les {k} premiers"},
    "top_k_set_lo": {"en": "top_{k}_set_lo", "fr": "{k} premiers inchangés de w ="},
    "top_k_set_hi": {"en": "top_{k}_set_hi", "fr": "{k} premiers inchangés jusqu'à w ="},
    "rank_q": {"en": "rank_{q}", "fr": "rang {q}"},
    "jobs_2030_item": {"en": "jobs_2030_{item}", "fr": "emplois 2030 ({item})"},
    "weight_p": {"en": "weight_{p}", "fr": "poids ({p})"},
    # plan robustness (analyses.plan.robustness)
    "mean_sampled_score": {"en": "mean_sampled_score", "fr": "score moyen tiré"},
    "selection_frequency": {"en": "selection_frequency", "fr": "fréquence de sélection"},
    "samples_selected": {"en": "samples_selected", "fr": "tirages où il est choisi"},
    "in_single_weight_plan": {"en": "in_single_weight_plan", "fr": "dans le plan à poids unique"},
    "in_robust_plan": {"en": "in_robust_plan", "fr": "dans le plan robuste"},
    "can_be_chosen": {"en": "can_be_chosen", "fr": "peut être choisi"},
    "why_not": {"en": "why_not", "fr": "pourquoi pas"},
    "set": {"en": "set", "fr": "ensemble"},
    "ids": {"en": "ids", "fr": "identifiants"},
    "names": {"en": "names", "fr": "noms"},
    "samples": {"en": "samples", "fr": "tirages"},
    "share": {"en": "share", "fr": "part"},
    "is_single_weight_plan": {"en": "is_single_weight_plan", "fr": "plan à poids unique"},
    "is_robust_plan": {"en": "is_robust_plan", "fr": "plan robuste"},
    "candidates": {"en": "candidates", "fr": "candidats"},
    "expected_new_sites": {"en": "expected_new_sites", "fr": "nouveaux sites espérés"},
    "share_with_a_site": {"en": "share_with_a_site", "fr": "part des tirages avec un site"},
    "single_weight_plan": {"en": "single_weight_plan", "fr": "plan à poids unique"},
    "robust_plan": {"en": "robust_plan", "fr": "plan robuste"},
    # comparisons (analyses.plan.steps.CompareReport)
    "order": {"en": "order", "fr": "ordre"},
    "jobs_2030_added": {"en": "jobs_2030_added", "fr": "emplois créés d'ici 2030"},
    "exports_2030_added_mad_m": {"en": "exports_2030_added_mad_m",
                                 "fr": "exportations créées d'ici 2030 (M MAD)"},
    "distribution": {"en": "distribution", "fr": "répartition"},
    "a": {"en": "a", "fr": "a"},
    "b": {"en": "b", "fr": "b"},
    "tau": {"en": "tau", "fr": "tau"},
    "p_value": {"en": "p_value", "fr": "valeur p"},
    "n_common": {"en": "n_common", "fr": "sites communs"},
    # weights (siteplan weights -o)
    "weight_geometric": {"en": "weight_geometric", "fr": "poids (moyenne géométrique)"},
    "std": {"en": "std", "fr": "écart type"},
    "range": {"en": "range", "fr": "étendue"},
    "scenario_weight": {"en": "scenario_weight", "fr": "poids du scénario"},
}

#: column codes that carry a figure or a name (``top_5_membership``, ``rank_3``,
#: ``jobs_2030_market-led``), tried in order when a code is not in HEADINGS
_PATTERNED = [(re.compile(r"top_(?P<k>\d+)_membership"), "top_k_membership"),
              (re.compile(r"top_(?P<k>\d+)_set_lo"), "top_k_set_lo"),
              (re.compile(r"top_(?P<k>\d+)_set_hi"), "top_k_set_hi"),
              (re.compile(r"rank_(?P<q>\d+)"), "rank_q"),
              (re.compile(r"jobs_2030_(?P<item>.+)"), "jobs_2030_item"),
              (re.compile(r"weight_(?P<p>.+)"), "weight_p")]

#: words of the data shown as they are in English (criterion directions)
VALUES: dict[str, dict[str, str]] = {
    "benefit": {"en": "benefit", "fr": "à maximiser"},
    "cost": {"en": "cost", "fr": "à minimiser"},
    # layer geometries (siteplan layers)
    "Point": {"en": "Point", "fr": "point"},
    "Polygon": {"en": "Polygon", "fr": "polygone"},
    "road graph (nodes)": {"en": "road graph (nodes)", "fr": "graphe routier (nœuds)"},
    # sensitivity verdicts, AHP verdicts and Goepel's consensus words
    "robust": {"en": "robust", "fr": "robuste"},
    "fragile": {"en": "fragile", "fr": "fragile"},
    "consistent": {"en": "consistent", "fr": "cohérent"},
    "inconsistent": {"en": "inconsistent", "fr": "incohérent"},
    "very low": {"en": "very low", "fr": "très faible"},
    "low": {"en": "low", "fr": "faible"},
    "moderate": {"en": "moderate", "fr": "modéré"},
    "high": {"en": "high", "fr": "élevé"},
    "very high": {"en": "very high", "fr": "très élevé"},
    # the distributions of a comparison's equity table
    "today": {"en": "today", "fr": "aujourd'hui"},
    "baseline": {"en": "baseline", "fr": "référence"},
    "plan": {"en": "plan", "fr": "plan"},
}


def _say(table: dict[str, dict[str, str]], word: str, lang: str, values: dict[str, object]
         ) -> str:
    """``word`` looked up in one of the word tables, in ``lang``, filled with ``values``; a
    word the table does not know is shown as it is. Every lookup below goes through here."""
    text = table.get(word, {}).get(lang, word)
    return text.format(**values) if values else text


def value_word(word: str, lang: str) -> str:
    """A coded value people read (``benefit``, ``cost``) in ``lang``."""
    return _say(VALUES, word, lang, {})


#: sheet names of the ranking workbook, and the rows of its method sheet
SHEETS: dict[str, dict[str, str]] = {
    "sites": {"en": "sites", "fr": "sites"},
    "criteria": {"en": "criteria", "fr": "critères"},
    "weights": {"en": "weights", "fr": "poids"},
    "method and sources": {"en": "method and sources", "fr": "méthode et sources"},
    "scenario": {"en": "scenario", "fr": "scénario"},
    "title": {"en": "title", "fr": "titre"},
    "method": {"en": "method", "fr": "méthode"},
    "method options": {"en": "method options", "fr": "options de la méthode"},
    "NaN policy": {"en": "NaN policy", "fr": "valeurs manquantes (nan_policy)"},
    "pack": {"en": "pack", "fr": "jeu de données"},
    "constraint": {"en": "constraint", "fr": "contrainte"},
    "source": {"en": "source", "fr": "source"},
    "Excluded": {"en": "Excluded", "fr": "Exclus"},
    "regions": {"en": "regions", "fr": "régions"},
    "equity": {"en": "equity", "fr": "équité"},
    "solver": {"en": "solver", "fr": "solveur"},
    "constraints": {"en": "constraints", "fr": "contraintes"},
    "targets": {"en": "targets", "fr": "objectifs"},
    "estimates": {"en": "estimates", "fr": "estimations"},
    "weights:": {"en": "weights:", "fr": "poids :"},
    "viability floor:": {"en": "viability floor:", "fr": "seuil de viabilité :"},
    # the sheets of the analyses' workbooks and the rows of their settings sheets
    "table": {"en": "table", "fr": "sites"},
    "one at a time": {"en": "one at a time", "fr": "un poids à la fois"},
    "acceptability": {"en": "acceptability", "fr": "acceptabilité"},
    "settings": {"en": "settings", "fr": "paramètres"},
    "sets": {"en": "sets", "fr": "ensembles"},
    "chosen": {"en": "chosen", "fr": "choisis"},
    "kendall": {"en": "kendall", "fr": "kendall"},
    "samples": {"en": "samples", "fr": "tirages"},
    "seed": {"en": "seed", "fr": "graine"},
    "sampling": {"en": "sampling", "fr": "tirage"},
    "concentration": {"en": "concentration", "fr": "concentration"},
    "bounds": {"en": "bounds", "fr": "bornes"},
    "value_noise": {"en": "value_noise", "fr": "bruit sur les valeurs"},
    "top_k": {"en": "top_k", "fr": "K premiers"},
    "verdict rule": {"en": "verdict rule", "fr": "règle du verdict"},
    "k": {"en": "k", "fr": "K"},
    "robust_rule": {"en": "robust_rule", "fr": "règle du plan robuste"},
    "per_sample_solve_s": {"en": "per_sample_solve_s", "fr": "résolution par tirage (s)"},
    "runtime_s": {"en": "runtime_s", "fr": "durée totale (s)"},
    "mean_weights": {"en": "mean_weights", "fr": "poids moyens tirés"},
    "statuses": {"en": "statuses", "fr": "statuts"},
}

#: the words of the maps (static and HTML): legends, scales, indicator and scheme names
MAP_WORDS: dict[str, dict[str, str]] = {
    "Basemap": {"en": "Basemap: land, coastline, borders",
                "fr": "Fond de carte : terres, côtes, frontières"},
    "Province boundaries": {"en": "Province boundaries", "fr": "Limites des provinces"},
    "Context": {"en": "Context", "fr": "Contexte"},
    "Universities (size: students)": {"en": "Universities (size: students)",
                                      "fr": "Établissements universitaires (taille : étudiants)"},
    "Airports (size: passengers 2024)": {"en": "Airports (size: passengers 2024)",
                                         "fr": "Aéroports (taille : passagers 2024)"},
    "Railway stations": {"en": "Railway stations", "fr": "Gares ferroviaires"},
    "Ports": {"en": "Ports", "fr": "Ports"},
    "Motorway access": {"en": "Motorway access", "fr": "Accès autoroutiers"},
    "Existing offshoring parks and technoparks": {
        "en": "Existing offshoring parks and technoparks",
        "fr": "Parcs offshoring et technoparcs existants"},
    "high-speed station": {"en": "high-speed station", "fr": "gare à grande vitesse"},
    "other station": {"en": "other station", "fr": "autre gare"},
    "planned station": {"en": "planned station", "fr": "gare en projet"},
    "yes": {"en": "yes", "fr": "oui"},
    "no": {"en": "no", "fr": "non"},
    "city": {"en": "city", "fr": "ville"},
    "type": {"en": "type", "fr": "type"},
    "students": {"en": "students", "fr": "étudiants"},
    "ICT courses": {"en": "ICT courses", "fr": "filières TIC"},
    "IATA": {"en": "IATA", "fr": "IATA"},
    "passengers 2024": {"en": "passengers 2024", "fr": "passagers 2024"},
    "international": {"en": "international", "fr": "international"},
    "line": {"en": "line", "fr": "ligne"},
    "high speed": {"en": "high speed", "fr": "grande vitesse"},
    "planned": {"en": "planned", "fr": "en projet"},
    "kind": {"en": "kind", "fr": "nature"},
    "motorway": {"en": "motorway", "fr": "autoroute"},
    "opened": {"en": "opened", "fr": "ouverture"},
    "jobs": {"en": "jobs", "fr": "emplois"},
    "Candidate sites": {"en": "Candidate sites", "fr": "Sites candidats"},
    # the weight-slider panel (siteplan/outputs/map_sliders.py)
    "sl summary": {"en": "Weights: what if? (re-rank here)",
                   "fr": "Poids : et si ? (reclasser ici)"},
    "sl method": {"en": "Method", "fr": "Méthode"},
    "sl groups": {"en": "Groups (their share of the weight), then each criterion:",
                  "fr": "Groupes (leur part du poids), puis chaque critère :"},
    "sl reset": {"en": "Reset to the file's weights", "fr": "Revenir aux poids du fichier"},
    "sl copy": {"en": "Copy these weights (options of <code>siteplan rank</code>):",
                "fr": "Copier ces poids (options de <code>siteplan rank</code>) :"},
    "sl top": {"en": "Top 10 at these weights", "fr": "Les 10 premiers avec ces poids"},
    "sl no weight": {"en": "Give at least one criterion a weight.",
                     "fr": "Donnez un poids à au moins un critère."},
    "sl needs python": {
        "en": "Re-scoring with {method} needs Python: run siteplan rank with the options "
              "below (or pick another method).",
        "fr": "Recalculer avec {method} demande Python : lancez siteplan rank avec les "
              "options ci-dessous (ou choisissez une autre méthode)."},
    "sl excluded": {
        "en": "{n} excluded site(s) stay excluded at any weights, as in Python's "
              "Ranking.rescore.",
        "fr": "{n} site(s) exclu(s) le restent quels que soient les poids, comme dans "
              "Ranking.rescore en Python."},
    "sl floor": {
        "en": "siteplan rank with new weights applies the viability floor ({floor}) again; "
              "\u26a0 marks the ranked sites it would exclude.",
        "fr": "siteplan rank avec de nouveaux poids applique de nouveau le seuil de "
              "viabilité ({floor}) ; \u26a0 signale les sites classés qu'il exclurait."},
    "sl tip": {"en": "rank {rank} \u00b7 score {score}", "fr": "rang {rank} \u00b7 score {score}"},
    "sl below floor": {"en": "below the viability floor", "fr": "sous le seuil de viabilité"},
    "sl popup": {
        "en": "At the slider weights ({method}): rank {rank} of {n}, score {score}; the "
              "breakdown below is at the file's weights.",
        "fr": "Avec les poids des curseurs ({method}) : rang {rank} sur {n}, score {score} ; "
              "le détail ci-dessous est aux poids du fichier."},
    "no data": {"en": "no data", "fr": "pas de données"},
    "scale true": {"en": "scale true at {lat}", "fr": "échelle exacte à {lat}"},
    "excluded": {"en": "excluded", "fr": "exclu"},
    "Excluded": {"en": "Excluded", "fr": "Exclu"},
    "Rank": {"en": "Rank", "fr": "Rang"},
    "rank": {"en": "rank", "fr": "rang"},
    "of": {"en": "of", "fr": "sur"},
    "lenses hint": {"en": "viability: the investor's view; need: the territory's need "
                          "(indices 0-1)",
                    "fr": "viabilité : le point de vue de l'investisseur ; besoin : celui du "
                          "territoire (indices de 0 à 1)"},
    "contrib.": {"en": "contrib.", "fr": "contrib."},
    "w x score": {"en": "w &times; score", "fr": "poids &times; score"},
    "bars additive": {"en": "orange: contribution to the score; grey: the criterion's weight "
                            "(its maximum contribution)",
                      "fr": "orange : contribution au score ; gris : le poids du critère (sa "
                            "contribution maximale)"},
    "bars other": {"en": "orange: weight &times; normalised score; grey: the weight. The score "
                         "comes from {method}, which does not add these up: they show each "
                         "criterion's weighted standing",
                   "fr": "orange : poids &times; score normalisé ; gris : le poids. Le score "
                         "vient de la méthode {method}, qui ne les additionne pas : ils "
                         "montrent la position pondérée de chaque critère"},
    "Weights": {"en": "Weights", "fr": "Poids"},
    "Top n": {"en": "Top {n}", "fr": "Les {n} premiers"},
    "click hint": {"en": "Click a site for its score breakdown.",
                   "fr": "Cliquez sur un site pour le détail de son score."},
    "data": {"en": "data", "fr": "données"},
    "Candidate sites: score": {"en": "Candidate sites: score",
                               "fr": "Sites candidats : score"},
    "larger circle": {"en": "larger circle = better rank", "fr": "cercle plus grand = meilleur "
                                                                 "rang"},
    "number = rank": {"en": "; number = rank (top {n})", "fr": " ; nombre = rang ({n} premiers)"},
    "excluded (see popup)": {"en": "excluded (see popup)", "fr": "exclu (voir la fiche)"},
    "regions": {"en": "Regions", "fr": "Régions"},
    "provinces": {"en": "Provinces", "fr": "Provinces"},
    "score legend": {"en": "site score (larger circle = better rank{excluded})",
                     "fr": "score du site (cercle plus grand = meilleur rang{excluded})"},
    "x = excluded": {"en": "; x = excluded", "fr": " ; x = exclu"},
    "method": {"en": "Method: {method}", "fr": "Méthode : {method}"},
    "ranked": {"en": "{n} sites ranked", "fr": "{n} sites classés"},
    "excluded n": {"en": ", {n} excluded", "fr": ", {n} exclus"},
    "labelled": {"en": "; top {n} labelled", "fr": " ; les {n} premiers nommés"},
    # classification schemes and indicators (cartography.SCHEME_TITLES, INDICATOR_LABELS)
    "quantiles": {"en": "quantiles", "fr": "quantiles"},
    "natural breaks (Fisher-Jenks)": {"en": "natural breaks (Fisher-Jenks)",
                                      "fr": "seuils naturels (Fisher-Jenks)"},
    "equal intervals": {"en": "equal intervals", "fr": "intervalles égaux"},
    "regional need": {"en": "regional need", "fr": "besoin régional"},
    "unemployment rate": {"en": "unemployment rate", "fr": "taux de chômage"},
    "GDP per capita": {"en": "GDP per capita", "fr": "PIB par habitant"},
    "share of national GDP": {"en": "share of national GDP", "fr": "part du PIB national"},
    "population 2024": {"en": "population 2024", "fr": "population 2024"},
}


#: the words of the printed plan (``siteplan plan``)
PLAN_WORDS: dict[str, dict[str, str]] = {
    "title": {"en": "{title}: {k} new sites ({objective})",
              "fr": "{title} : {k} nouveaux sites ({objective})"},
    "yes": {"en": "yes", "fr": "oui"},
    "suitability": {"en": "suitability", "fr": "aptitude"},
    "coverage": {"en": "coverage", "fr": "couverture"},
    "none": {"en": "none", "fr": "aucun"},
    "targets": {"en": "targets {year}: {jobs} jobs, {exports} bn MAD exports (+{gap} jobs: "
                      "{new} at new sites, {parks} at existing parks; per-site cap {cap})",
                "fr": "objectifs {year} : {jobs} emplois, {exports} Md MAD d'exportations "
                      "(+{gap} emplois : {new} sur les nouveaux sites, {parks} dans les parcs "
                      "existants ; plafond par site {cap})"},
    "estimate ends": {"en": "published counts by place plus the unlocated rest, shared two "
                            "ways (ends: {ends})",
                      "fr": "effectifs publiés par lieu et reste non localisé, réparti de deux "
                            "façons (bornes : {ends})"},
    "estimate even": {"en": "national total split among the existing parks",
                      "fr": "total national réparti entre les parcs existants"},
    "estimate note": {"en": "note: today's jobs per region are an ESTIMATE ({how}; see "
                            "'estimates' in the JSON output)",
                      "fr": "note : les emplois actuels par région sont une ESTIMATION ({how} ; "
                            "voir « estimates » dans la sortie JSON)"},
    "at cap": {"en": "at cap", "fr": "au plafond"},
    "lagging": {"en": "lagging", "fr": "en retard"},
    "jobs added": {"en": "jobs added by {year}", "fr": "emplois créés d'ici {year}"},
    "exports added": {"en": "exports added (MAD m)", "fr": "exportations (M MAD)"},
    "capped": {"en": "capped", "fr": "plafonné"},
    "regions title": {"en": "Offshoring jobs per region (* lagging; today = ESTIMATE; "
                            "per 1,000 working-age)",
                      "fr": "Emplois offshoring par région (* en retard ; aujourd'hui = "
                            "ESTIMATION ; pour 1 000 personnes en âge de travailler)"},
    "parks": {"en": "parks", "fr": "parcs"},
    "new": {"en": "new", "fr": "nouveaux"},
    "today": {"en": "today", "fr": "aujourd'hui"},
    "plan": {"en": "{year} plan", "fr": "plan {year}"},
    "baseline": {"en": "{year} baseline", "fr": "référence {year}"},
    "/1000 today": {"en": "/1000 today", "fr": "/1000 aujourd'hui"},
    "/1000 plan": {"en": "/1000 plan", "fr": "/1000 plan"},
    "/1000 baseline": {"en": "/1000 baseline", "fr": "/1000 référence"},
    "total": {"en": "total", "fr": "total"},
    "equity title": {"en": "Equity across regions (plan vs market-led baseline vs today{ranged})",
                     "fr": "Équité entre régions (plan, référence de marché et aujourd'hui"
                           "{ranged})"},
    "ranged": {"en": "; central estimate (range over the ends of today's estimate)",
               "fr": " ; estimation centrale (fourchette entre les bornes de l'estimation "
                     "d'aujourd'hui)"},
    "measure": {"en": "measure", "fr": "mesure"},
    "plan - baseline": {"en": "plan - baseline", "fr": "plan - référence"},
    # the equity measures (analyses.plan.steps.EQUITY_MEASURES), by key
    "national_per_thousand": {"en": "jobs per 1,000 working-age (national)",
                              "fr": "emplois pour 1 000 en âge de travailler (national)"},
    "gini": {"en": "Gini (regions)", "fr": "Gini (régions)"},
    "theil_t": {"en": "Theil T (regions)", "fr": "Theil T (régions)"},
    "cv": {"en": "coefficient of variation (regions)",
           "fr": "coefficient de variation (régions)"},
    "top2_share": {"en": "share of the two largest regions",
                   "fr": "part des deux premières régions"},
    "province_gini": {"en": "Gini (provinces)", "fr": "Gini (provinces)"},
    "province_theil_t": {"en": "Theil T (provinces)", "fr": "Theil T (provinces)"},
    "theil_between": {"en": "Theil T between regions (provinces)",
                      "fr": "Theil T entre régions (provinces)"},
    "theil_within": {"en": "Theil T within regions (provinces)",
                     "fr": "Theil T à l'intérieur des régions (provinces)"},
}


#: the words of the analyses' printed tables and report files: ``siteplan sensitivity``
#: (SMAA and ``--plan``), ``surface``, ``backcast``, ``weights`` and ``compare``
ANALYSIS_WORDS: dict[str, dict[str, str]] = {
    # sensitivity: the SMAA report
    "smaa title": {"en": "{title} ({method}): {samples} {sampling} weight samples{extra}{noise}"
                         ", seed {seed}",
                   "fr": "{title} ({method}) : {samples} tirages de poids ({sampling}){extra}"
                         "{noise}, graine {seed}"},
    "concentration": {"en": ", concentration {c}", "fr": ", concentration {c}"},
    "values noise": {"en": ", values +-{p}", "fr": ", valeurs ±{p}"},
    "rank stability (+-1)": {"en": "rank stability (+-1)", "fr": "stabilité du rang (±1)"},
    "top-k membership": {"en": "top-{k} membership", "fr": "dans les {k} premiers"},
    "first-rank acceptability": {"en": "first-rank acceptability",
                                 "fr": "acceptabilité du premier rang"},
    "expected rank": {"en": "expected rank", "fr": "rang espéré"},
    "verdict": {"en": "verdict", "fr": "verdict"},
    "oat title": {"en": "One weight at a time (others rescaled in proportion); winner: {winner}",
                  "fr": "Un poids à la fois (les autres remis à l'échelle en proportion) ; en "
                        "tête : {winner}"},
    "stays first": {"en": "{winner} stays first for w in", "fr": "{winner} reste en tête pour w "
                                                                  "dans"},
    "smallest change": {"en": "smallest change flipping the winner",
                        "fr": "plus petite variation qui change la tête"},
    "top-k unchanged": {"en": "top-{k} set unchanged for w in",
                        "fr": "{k} premiers inchangés pour w dans"},
    "score over w": {"en": "{winner}'s score over w = 0..1",
                     "fr": "score de {winner} pour w = 0..1"},
    "never": {"en": "never", "fr": "jamais"},
    "verdict rule": {"en": "verdict rule: {rule}", "fr": "règle du verdict : {rule}"},
    "sensitivity heading": {"en": "Sensitivity: {title}", "fr": "Sensibilité : {title}"},
    "sensitivity intro": {"en": "Method {method}; {samples} {sampling} weight samples, seed "
                                "{seed}; value noise {noise}; top K = {k}.",
                          "fr": "Méthode {method} ; {samples} tirages de poids ({sampling}), "
                                "graine {seed} ; bruit sur les valeurs {noise} ; K = {k}."},
    "Verdict rule": {"en": "Verdict rule: {rule}.", "fr": "Règle du verdict : {rule}."},
    "Sites": {"en": "Sites", "fr": "Sites"},
    "One weight at a time": {"en": "One weight at a time", "fr": "Un poids à la fois"},
    # plan reports (Markdown)
    "plan heading": {"en": "Plan: {scenario}, K={k}", "fr": "Plan : {scenario}, K={k}"},
    "plan intro": {"en": "Scenario **{scenario}** ({method}), K = {k}; solver {solver}, status "
                         "{status}, gap {gap}.",
                   "fr": "Scénario **{scenario}** ({method}), K = {k} ; solveur {solver}, "
                         "statut {status}, écart {gap}."},
    "plan targets": {"en": "Targets {year}: {jobs} jobs, {exports} bn MAD (sources: {sources}).",
                     "fr": "Objectifs {year} : {jobs} emplois, {exports} Md MAD (sources : "
                           "{sources})."},
    # sensitivity --plan: plan robustness
    "plan rob title": {"en": "{title} ({method}): plan robustness, K={k}, {samples} {sampling} "
                             "weight samples{extra}, seed {seed} (site: selection frequency)",
                       "fr": "{title} ({method}) : robustesse du plan, K={k}, {samples} tirages "
                             "de poids ({sampling}){extra}, graine {seed} (site : fréquence de "
                             "sélection)"},
    "single-weight plan (scenario weights)": {"en": "single-weight plan (scenario weights)",
                                              "fr": "plan à poids unique (poids du scénario)"},
    "single-weight plan": {"en": "single-weight plan", "fr": "plan à poids unique"},
    "robust plan": {"en": "robust plan", "fr": "plan robuste"},
    "set": {"en": "set", "fr": "ensemble"},
    "chosen in": {"en": "chosen in {share} of the samples", "fr": "choisi dans {share} des "
                                                                   "tirages"},
    "expected score": {"en": "expected score", "fr": "score espéré"},
    "scenario weights": {"en": "scenario weights", "fr": "poids du scénario"},
    "same plan": {"en": "the robust plan is the single-weight plan",
                  "fr": "le plan robuste est le plan à poids unique"},
    "plan vs plan": {"en": "robust plan vs single-weight plan: {plus}; {minus}",
                     "fr": "plan robuste et plan à poids unique : {plus} ; {minus}"},
    "frequency title": {"en": "Sites by selection frequency (share of the {samples} sampled plans "
                              "holding the site; they add up to K={k})",
                        "fr": "Sites par fréquence de sélection (part des {samples} plans tirés "
                              "qui retiennent le site ; leur somme vaut K={k})"},
    "frequency": {"en": "frequency", "fr": "fréquence"},
    "cannot be chosen": {"en": "cannot be chosen", "fr": "ne peut être choisi"},
    "sets title": {"en": "Most frequent {k}-sets ({n} distinct)",
                   "fr": "Ensembles de {k} sites les plus fréquents ({n} distincts)"},
    "sites": {"en": "sites", "fr": "sites"},
    "share of samples": {"en": "share of samples", "fr": "part des tirages"},
    "plan": {"en": "plan", "fr": "plan"},
    "single-weight": {"en": "single-weight", "fr": "à poids unique"},
    "robust": {"en": "robust", "fr": "robuste"},
    "and": {"en": " and ", "fr": " et "},
    "expected sites title": {"en": "Expected number of new sites per region (* lagging)",
                             "fr": "Nombre espéré de nouveaux sites par région (* en retard)"},
    "candidates": {"en": "candidates", "fr": "candidats"},
    "expected new sites": {"en": "expected new sites", "fr": "nouveaux sites espérés"},
    "samples with a site": {"en": "samples with a site", "fr": "tirages avec un site"},
    "other regions": {"en": "{n} other regions have no candidate the constraints allow "
                            "(expected 0)",
                      "fr": "{n} autres régions n'ont aucun candidat que les contraintes "
                            "permettent (0 espéré)"},
    "solver line": {"en": "solver {solver}: {samples} plans solved, {ms} ms per sample ({solve} "
                          "s solving, {total} s in all); status {statuses}",
                    "fr": "solveur {solver} : {samples} plans résolus, {ms} ms par tirage "
                          "({solve} s de résolution, {total} s en tout) ; statut {statuses}"},
    "note": {"en": "note: {text}", "fr": "note : {text}"},
    "plan rob heading": {"en": "Plan robustness: {title}, K={k}",
                         "fr": "Robustesse du plan : {title}, K={k}"},
    "plan rob intro": {"en": "Scenario {scenario} ({method}), K = {k}; {samples} {sampling} weight"
                             " samples{extra}, seed {seed}; one plan solved per sample under the "
                             "scenario's plan constraints.",
                       "fr": "Scénario {scenario} ({method}), K = {k} ; {samples} tirages de "
                             "poids ({sampling}){extra}, graine {seed} ; un plan résolu par "
                             "tirage sous les contraintes de plan du scénario."},
    "plan line": {"en": "- **{label}**: {names} (chosen as a set in {share} of the samples; "
                        "expected score {score})",
                  "fr": "- **{label}** : {names} (choisi comme ensemble dans {share} des "
                        "tirages ; score espéré {score})"},
    "Rule": {"en": "Rule: {rule}.", "fr": "Règle : {rule}."},
    "solver md": {"en": "Solver {solver}: {ms} ms per sample, {n} distinct K-sets; the selection "
                        "frequencies add up to K.",
                  "fr": "Solveur {solver} : {ms} ms par tirage, {n} ensembles de K sites "
                        "distincts ; les fréquences de sélection ont pour somme K."},
    # surface
    "cells line": {"en": "H3 resolution {res}: {cells} cells, {valid} valid ({share}); values "
                         "normalised over the valid cells",
                   "fr": "résolution H3 {res} : {cells} cellules, {valid} valides ({share}) ; "
                         "valeurs normalisées sur les cellules valides"},
    "cells excluded": {"en": "  excluded: {n} cells {why}", "fr": "  exclues : {n} cellules : "
                                                                  "{why}"},
    "quantiles": {"en": "score quantiles: {q}", "fr": "quantiles du score : {q}"},
    "min": {"en": "min", "fr": "min"},
    "p10": {"en": "p10", "fr": "p10"},
    "median": {"en": "median", "fr": "médiane"},
    "p90": {"en": "p90", "fr": "p90"},
    "max": {"en": "max", "fr": "max"},
    "hotspots title": {"en": "Top {n} hotspots (local maxima at least the spacing apart)",
                       "fr": "Les {n} premiers points chauds (maxima locaux distants d'au moins "
                             "l'espacement)"},
    "hotspot": {"en": "hotspot", "fr": "point chaud"},
    "robust hotspots title": {"en": "Top {n} robust hotspots (local maxima of the share of the "
                                    "{samples} weight samples placing the cell in the top {q} %, "
                                    "at least the spacing apart)",
                              "fr": "Les {n} premiers points chauds robustes (maxima locaux de "
                                    "la part des {samples} tirages de poids qui placent la "
                                    "cellule dans les {q} % premiers, distants d'au moins "
                                    "l'espacement)"},
    "share": {"en": "share", "fr": "part"},
    "robust hotspots note": {"en": "share: of the weight samples; score: under the scenario "
                                   "weights; single-weight: which of the top {n} single-weight "
                                   "hotspots (scenario weights) lies within the spacing, and how "
                                   "far; '-': none",
                             "fr": "part : des tirages de poids ; score : sous les poids du "
                                   "scénario ; à poids unique : lequel des {n} premiers points "
                                   "chauds à poids unique (poids du scénario) est à moins de "
                                   "l'espacement, et à quelle distance ; « - » : aucun"},
    # backcast
    "backcast line": {"en": "{name}{dropped}: {index} concordance {c} over {pairs} (host, other) "
                            "pairs ({hosts} hosts, {others} other candidates)",
                      "fr": "{name}{dropped} : concordance ({index}) {c} sur {pairs} paires (hôte, "
                            "autre) ({hosts} hôtes, {others} autres candidats)"},
    "without": {"en": " without {names}", "fr": " sans {names}"},
    "Misordered": {"en": "Misordered", "fr": "Mal ordonnés"},
    "why": {"en": "why", "fr": "motif"},
    "host below": {"en": "host below the best other site",
                   "fr": "hôte sous le meilleur autre site"},
    "other above": {"en": "other site above the lowest host",
                    "fr": "autre site au-dessus de l'hôte le plus bas"},
    "hosts not scored": {"en": "hosts not scored (excluded before scoring): {names}",
                         "fr": "hôtes sans score (exclus avant la notation) : {names}"},
    # weights
    "AHP weights": {"en": "AHP weights: {source}", "fr": "Poids AHP : {source}"},
    "weight (eigenvector)": {"en": "weight (eigenvector)", "fr": "poids (vecteur propre)"},
    "weight (geometric mean)": {"en": "weight (geometric mean)",
                                "fr": "poids (moyenne géométrique)"},
    "consistency": {"en": "lambda_max {lmax}   CI {ci}   RI({n}) {ri} ({table})   CR {cr}   -> "
                          "{verdict} ({rule})",
                    "fr": "lambda_max {lmax}   IC {ci}   IA({n}) {ri} ({table})   RC {cr}   -> "
                          "{verdict} ({rule})"},
    "CR <= 0.10": {"en": "CR <= 0.10", "fr": "RC ≤ 0,10"},
    "CR > 0.10": {"en": "CR > 0.10", "fr": "RC > 0,10"},
    "CR": {"en": "CR", "fr": "RC"},
    "worst title": {"en": "Judgements contributing most to the inconsistency",
                    "fr": "Jugements qui contribuent le plus à l'incohérence"},
    "judgement": {"en": "judgement", "fr": "jugement"},
    "vs": {"en": "{a} vs {b}", "fr": "{a} / {b}"},
    "given": {"en": "given", "fr": "donné"},
    "consistent value": {"en": "consistent value", "fr": "valeur cohérente"},
    "suggested": {"en": "suggested (1/9..9)", "fr": "suggéré (1/9..9)"},
    "share of inconsistency": {"en": "share of inconsistency", "fr": "part de l'incohérence"},
    "participants title": {"en": "Participants ({n})", "fr": "Participants ({n})"},
    "participant": {"en": "participant", "fr": "participant"},
    "group title": {"en": "Group weights (geometric mean of the judgements)",
                    "fr": "Poids du groupe (moyenne géométrique des jugements)"},
    "agreement title": {"en": "Agreement between participants",
                        "fr": "Accord entre les participants"},
    "group weight": {"en": "group weight", "fr": "poids du groupe"},
    "consensus": {"en": "Goepel consensus S* {s} ({label})",
                  "fr": "Consensus de Goepel S* {s} ({label})"},
    "order title": {"en": "{label} weights (most important first)",
                    "fr": "Poids {label} (le plus important d'abord)"},
    "objective title": {"en": "{label} weights over {n} ranked sites ({scenario})",
                        "fr": "Poids ({label}) sur {n} sites classés ({scenario})"},
    "objective weight": {"en": "objective weight", "fr": "poids objectif"},
    "roc": {"en": "rank-order centroid", "fr": "centroïde des rangs (ROC)"},
    "rank-sum": {"en": "rank-sum", "fr": "somme des rangs"},
    "entropy": {"en": "Shannon entropy", "fr": "entropie de Shannon"},
    "critic": {"en": "CRITIC", "fr": "CRITIC"},
    "scenario weight": {"en": "scenario weight", "fr": "poids du scénario"},
    "built-in scenarios": {"en": "built-in scenarios", "fr": "scénarios fournis"},
    # siteplan network build / od
    "network line": {"en": "{source}: {nodes} nodes, {edges} directed edges",
                     "fr": "{source} : {nodes} nœuds, {edges} arcs orientés"},
    "road km title": {"en": "Road km per class", "fr": "Km de route par classe"},
    "class": {"en": "class", "fr": "classe"},
    "dropped": {"en": "dropped {n} smaller components ({nodes} nodes, {edges} edges; sizes "
                      "{sizes})",
                "fr": "composantes plus petites écartées : {n} ({nodes} nœuds, {edges} arcs ; "
                      "tailles {sizes})"},
    "connected": {"en": "dropped 0 components: the network is connected",
                  "fr": "0 composante écartée : le réseau est connexe"},
    "reprojected": {"en": "reprojected from {crs} to EPSG:4326",
                    "fr": "reprojeté de {crs} en EPSG:4326"},
    "travel times": {"en": "Travel times ({source})", "fr": "Temps de trajet ({source})"},
    "from": {"en": "from", "fr": "de"},
    "to": {"en": "to", "fr": "vers"},
    "road km": {"en": "road km", "fr": "km de route"},
    # compare
    "Chosen sites": {"en": "Chosen sites", "fr": "Sites choisis"},
    "compare jobs title": {"en": "Offshoring jobs per region in 2030 (today = ESTIMATE)",
                           "fr": "Emplois offshoring par région en 2030 (aujourd'hui = "
                                 "ESTIMATION)"},
    "Equity across regions": {"en": "Equity across regions", "fr": "Équité entre régions"},
    "kendall title": {"en": "Kendall's tau between rankings (sites ranked in both)",
                      "fr": "Tau de Kendall entre classements (sites classés dans les deux)"},
    "p-value": {"en": "p-value", "fr": "valeur p"},
    "solver status": {"en": "{label}: solver {solver}, status {status}, gap {gap}",
                      "fr": "{label} : solveur {solver}, statut {status}, écart {gap}"},
    "Comparison": {"en": "Comparison", "fr": "Comparaison"},
}


#: file column codes whose heading is a printed heading above (its French defined once)
HEADINGS.update({code: {"en": code, **{lang: ANALYSIS_WORDS[word][lang] for lang in LANGUAGES
                                       if lang != "en"}}
                 for code, word in (("rank_stability", "rank stability (+-1)"),
                                    ("first_rank_acceptability", "first-rank acceptability"),
                                    ("expected_rank", "expected rank"),
                                    ("verdict", "verdict"),
                                    ("expected_score", "expected score"),
                                    ("objective_weight", "objective weight"))})


def analysis_word(word: str, lang: str, **values: object) -> str:
    """A word, heading or line of an analysis's printed tables and reports in ``lang``."""
    return _say(ANALYSIS_WORDS, word, lang, values)


#: the equity measures' file columns take their printed names above (defined once)
HEADINGS.update({code: {"en": code, **{lang: PLAN_WORDS[code][lang] for lang in LANGUAGES
                                       if lang != "en"}}
                 for code in ("national_per_thousand", "gini", "theil_t", "cv", "top2_share",
                              "province_gini", "province_theil_t", "theil_between",
                              "theil_within")})


#: the words of the plan map and the compare map (:mod:`siteplan.outputs.plan_map`,
#: :mod:`siteplan.outputs.compare_map`)
PLAN_MAP_WORDS: dict[str, dict[str, str]] = {
    "plan title": {"en": "Plan {year}: {k} new sites", "fr": "Plan {year} : {k} nouveaux sites"},
    "objective": {"en": "objective: {objective}; solver {solver} ({status})",
                  "fr": "objectif : {objective} ; solveur {solver} ({status})"},
    "sites in order": {"en": "New sites, in plan order", "fr": "Nouveaux sites, dans l'ordre du "
                                                               "plan"},
    "jobs by": {"en": "jobs by {year}", "fr": "emplois d'ici {year}"},
    "rank n": {"en": "rank {n}", "fr": "rang {n}"},
    "lagging region": {"en": "lagging region", "fr": "région en retard"},
    "lagging key": {"en": "* lagging region", "fr": "* région en retard"},
    "cap key": {"en": "&dagger; at the per-site cap", "fr": "&dagger; au plafond par site"},
    "at cap": {"en": "at the per-site cap", "fr": "au plafond par site"},
    "total": {"en": "total", "fr": "total"},
    "Constraints": {"en": "Constraints", "fr": "Contraintes"},
    "k sites": {"en": "{k} new sites", "fr": "{k} nouveaux sites"},
    "max per region": {"en": "at most {n} per region", "fr": "au plus {n} par région"},
    "no region cap": {"en": "no cap per region", "fr": "pas de plafond par région"},
    "spacing": {"en": "at least {km} km apart, and {park} km from existing parks",
                "fr": "au moins {km} km entre eux, et {park} km des parcs existants"},
    "no spacing": {"en": "no minimum spacing", "fr": "pas d'espacement minimal"},
    "lagging quota": {"en": "at least {n} in lagging regions ({rule}; {m} regions)",
                      "fr": "au moins {n} dans les régions en retard ({rule} ; {m} régions)"},
    "no lagging quota": {"en": "no lagging-region quota", "fr": "pas de quota de régions en "
                                                                "retard"},
    "viability floor": {"en": "viability floor {v}: sites below it are not candidates",
                        "fr": "seuil de viabilité {v} : les sites en dessous ne sont pas "
                              "candidats"},
    "no viability floor": {"en": "no viability floor", "fr": "pas de seuil de viabilité"},
    "cap share": {"en": "per-site cap: {pct} of the new jobs ({jobs})",
                  "fr": "plafond par site : {pct} des nouveaux emplois ({jobs})"},
    "no cap": {"en": "no per-site cap", "fr": "pas de plafond par site"},
    "included": {"en": "forced in: {ids}", "fr": "imposés : {ids}"},
    "excluded": {"en": "forced out: {ids}", "fr": "écartés : {ids}"},
    "coverage radius": {"en": "coverage radius {km} km", "fr": "rayon de couverture {km} km"},
    "from scenario": {"en": "from the scenario's [plan]: {keys}",
                      "fr": "d'après le [plan] du scénario : {keys}"},
    "from options": {"en": "set for this run: {keys}", "fr": "fixés pour cette exécution : "
                                                            "{keys}"},
    "Equity": {"en": "Equity across regions", "fr": "Équité entre régions"},
    "today": {"en": "today", "fr": "aujourd'hui"},
    "with plan": {"en": "with the plan ({year})", "fr": "avec le plan ({year})"},
    "gini": {"en": "Gini", "fr": "Gini"},
    "theil_t": {"en": "Theil T", "fr": "Theil T"},
    "baseline line": {"en": "market-led baseline {year}: Gini {gini}, Theil T {theil}",
                      "fr": "référence de marché {year} : Gini {gini}, Theil T {theil}"},
    "estimate note": {"en": "Today's jobs per region are an ESTIMATE; small figures: the range "
                            "over its two ends ({ends}).",
                      "fr": "Les emplois actuels par région sont une ESTIMATION ; en petit : la "
                            "fourchette entre ses deux bornes ({ends})."},
    "lower is fairer": {"en": "0 = jobs spread like the working-age population; lower is more "
                              "balanced.",
                        "fr": "0 = emplois répartis comme la population en âge de travailler ; "
                              "plus bas = plus équilibré."},
    "plan hint": {"en": "Click a star for the site's plan figures and score breakdown; the other "
                        "candidates (dimmed) stay clickable. No weight sliders: a plan is solved "
                        "in Python (siteplan plan), not in the browser.",
                  "fr": "Cliquez sur une étoile pour les chiffres du plan et le détail du score ; "
                        "les autres candidats (atténués) restent cliquables. Pas de curseurs de "
                        "poids : un plan se calcule en Python (siteplan plan), pas dans le "
                        "navigateur."},
    "chosen legend": {"en": "new site of the plan (number = plan order; a dot and a line mark "
                            "its place when the star is moved aside)",
                      "fr": "nouveau site du plan (nombre = ordre du plan ; un point et un trait "
                            "marquent sa place quand l'étoile est décalée)"},
    "plan order": {"en": "Plan order {n} of {k}", "fr": "Ordre du plan : {n} sur {k}"},
    "jobs added": {"en": "Jobs added by {year}", "fr": "Emplois créés d'ici {year}"},
    "exports added": {"en": "Exports added by {year} (MAD m)",
                      "fr": "Exportations créées d'ici {year} (M MAD)"},
    "Score": {"en": "Score", "fr": "Score"},
    "Rank": {"en": "Rank", "fr": "Rang"},
    "yes": {"en": "yes", "fr": "oui"},
    "compare title": {"en": "{a} vs {b}", "fr": "{a} et {b}"},
    "difference": {"en": "Rank change: B ({b}) minus A ({a})",
                   "fr": "Écart de rang : B ({b}) moins A ({a})"},
    "diff legend": {"en": "rank in B minus rank in A (orange: higher in B; purple: lower in B)",
                    "fr": "rang dans B moins rang dans A (orange : mieux classé dans B ; violet : "
                          "moins bien classé dans B)"},
    "in one only": {"en": "ranked in one scenario only", "fr": "classé dans un seul scénario"},
    "movers": {"en": "Biggest rank changes", "fr": "Plus grands écarts de rang"},
    "site": {"en": "site", "fr": "site"},
    "rank in": {"en": "rank in {x}", "fr": "rang dans {x}"},
    "change": {"en": "B - A", "fr": "B - A"},
    "plan sets": {"en": "New sites of the two plans", "fr": "Nouveaux sites des deux plans"},
    "both": {"en": "in both plans", "fr": "dans les deux plans"},
    "only in": {"en": "only in {x}", "fr": "seulement dans {x}"},
    "none": {"en": "none", "fr": "aucun"},
    "kendall": {"en": "Kendall's tau between the rankings: {tau} ({n} sites ranked in both)",
                "fr": "Tau de Kendall entre les classements : {tau} ({n} sites classés dans les "
                      "deux)"},
    "score scale": {"en": "score (same scale on both maps)",
                    "fr": "score (même échelle sur les deux cartes)"},
    "sync hint": {"en": "The three maps move together.", "fr": "Les trois cartes bougent "
                                                              "ensemble."},
    "tag both": {"en": "A+B", "fr": "A+B"},
}


def plan_word(word: str, lang: str, **values: object) -> str:
    """A word or heading of the printed plan in ``lang`` (filled with ``values``)."""
    return _say(PLAN_WORDS, word, lang, values)


def plan_map_word(word: str, lang: str, **values: object) -> str:
    """A word or phrase of the plan and compare maps in ``lang`` (filled with ``values``)."""
    return _say(PLAN_MAP_WORDS, word, lang, values)


#: the words of the analysis layers of the HTML maps: the surface's cells and legend, the
#: stability markers and legend (:mod:`siteplan.outputs.surface_map`,
#: :mod:`siteplan.outputs.stability_map`)
OVERLAY_WORDS: dict[str, dict[str, str]] = {
    "Score": {"en": "Score", "fr": "Score"},
    "Suitability surface": {"en": "Suitability surface", "fr": "Surface d'aptitude"},
    "surface legend": {"en": "Suitability surface: cell score (H3 resolution {res})",
                       "fr": "Surface d'aptitude : score de la cellule (H3, résolution {res})"},
    "Robust share": {"en": "Robust share (top {q} %)", "fr": "Part robuste ({q} % premiers)"},
    "share legend": {"en": "Share of the weight samples placing the cell in the top {q} %",
                     "fr": "Part des tirages de poids plaçant la cellule dans les {q} % "
                           "premiers"},
    "Share": {"en": "Share of the samples", "fr": "Part des tirages"},
    "Hotspots": {"en": "Hotspots", "fr": "Points chauds"},
    "Robust hotspots": {"en": "Robust hotspots", "fr": "Points chauds robustes"},
    "Excluded": {"en": "Excluded", "fr": "Exclue"},
    "excluded other": {"en": "excluded by the NaN policy or the viability floor",
                       "fr": "exclue par la règle des valeurs manquantes ou le seuil de "
                             "viabilité"},
    "not computed": {"en": "not computed", "fr": "non calculé"},
    "cell centre": {"en": "cell centre", "fr": "centre de la cellule"},
    "no value": {"en": "no value", "fr": "pas de valeur"},
    "grey cells": {"en": "grey: excluded by the scenario's constraints (click a cell: why)",
                   "fr": "gris : exclue par les contraintes du scénario (cliquez : pourquoi)"},
    "cells hint": {"en": "Click any cell for its score and criteria. H3 cells of resolution "
                         "{res}, about {area} km² each.",
                   "fr": "Cliquez sur une cellule pour son score et ses critères. Cellules H3 "
                         "de résolution {res}, environ {area} km² chacune."},
    "palette": {"en": "Colours: {name} (colour-blind safe).",
                "fr": "Couleurs : {name} (lisible par les daltoniens)."},
    "Other layers": {"en": "Other layers", "fr": "Autres couches"},
    # the stability map
    "Rank stability": {"en": "Rank stability (SMAA)", "fr": "Stabilité du classement (SMAA)"},
    "stability legend": {"en": "Share of {n} weight samples placing the site in the top {k}",
                         "fr": "Part des {n} tirages de poids plaçant le site dans les {k} "
                               "premiers"},
    "robust": {"en": "robust: in the top {k} in at least {share} of the samples, and when "
                     "any one weight moves by ±{margin}",
               "fr": "robuste : dans les {k} premiers dans au moins {share} des tirages, et "
                     "quand un poids varie de ±{margin}"},
    "fragile": {"en": "fragile: in the top {k} today, but not robust",
                "fr": "fragile : dans les {k} premiers aujourd'hui, mais pas robuste"},
    "robust site": {"en": "robust", "fr": "robuste"},
    "fragile site": {"en": "fragile", "fr": "fragile"},
    "not in top k": {"en": "not in the top {k}", "fr": "hors des {k} premiers"},
    "verdict": {"en": "Verdict", "fr": "Verdict"},
    "Rank": {"en": "Rank", "fr": "Rang"},
    "rank stability": {"en": "Rank stability (within one place)",
                       "fr": "Stabilité du rang (à une place près)"},
    "top k membership": {"en": "In the top {k}", "fr": "Dans les {k} premiers"},
    "first rank": {"en": "First-rank acceptability", "fr": "Acceptabilité du premier rang"},
    "why fragile": {"en": "Why fragile", "fr": "Pourquoi fragile"},
    "shape hint": {"en": "Shape: the verdict; colour: the share (cividis, colour-blind "
                         "safe). Click a site for its figures.",
                   "fr": "Forme : le verdict ; couleur : la part (cividis, lisible par les "
                         "daltoniens). Cliquez sur un site pour ses chiffres."},
}


def overlay_word(word: str, lang: str, **values: object) -> str:
    """A word of the maps' analysis layers (surface, stability) in ``lang``."""
    return _say(OVERLAY_WORDS, word, lang, values)


def map_word(word: str, lang: str, **values: object) -> str:
    """A word or phrase of the maps in ``lang`` (filled with ``values``); unknown: as is."""
    return _say(MAP_WORDS, word, lang, values)


assert all(v.keys() == {*LANGUAGES}
           for v in (*HEADINGS.values(), *SHEETS.values(), *VALUES.values(),
                     *MAP_WORDS.values(), *PLAN_WORDS.values(), *ANALYSIS_WORDS.values(),
                     *PLAN_MAP_WORDS.values(), *OVERLAY_WORDS.values()))


def heading(code: str, lang: str) -> str:
    """The heading of column ``code`` in ``lang`` (a code it does not know: as it is).

    Codes with a figure or a name in them (``top_5_membership``) take the heading of
    their pattern (:data:`_PATTERNED`) with that figure or name."""
    if code in HEADINGS or lang == "en":
        return _say(HEADINGS, code, lang, {})
    for pattern, key in _PATTERNED:
        m = pattern.fullmatch(code)
        if m is not None:
            return _say(HEADINGS, key, lang, m.groupdict())
    return code


def sheet_name(word: str, lang: str) -> str:
    """A sheet name, method-sheet row or fixed word of the ranking outputs in ``lang``."""
    return _say(SHEETS, word, lang, {})


def labeller(scenario: Scenario, lang: str) -> Callable[[str], str]:
    """English criterion labels and constraint reasons of ``scenario`` -> ``lang``."""
    table: dict[str, str] = {}
    for c in scenario.criteria:
        table.setdefault(c.display, c.display_in(lang))
        table.setdefault(c.name, c.display_in(lang))
    if lang == "fr":
        for k in scenario.constraints:
            if k.reason and k.reason_fr:
                table.setdefault(k.reason, k.reason_fr)
    return lambda text: table.get(text, text)


def reason_in(text: str, scenario: Scenario, lang: str,
              label: Callable[[str], str] | None = None) -> str:
    """A stored (English) reason or note shown in ``lang``; ``label`` (from
    :func:`labeller`) saves rebuilding the scenario's label table for every reason."""
    if lang == "en":
        return text
    return translate(text, lang, label or labeller(scenario, lang))


def localise_table(df: pd.DataFrame, lang: str, scenario: Scenario | None = None
                   ) -> pd.DataFrame:
    """A table for people in ``lang``: headings translated, the sentences of the
    ``reasons``, ``why`` and ``why_not`` columns (and ``what`` and ``method`` of a plan's
    estimates) and the coded words of ``verdict`` and
    ``distribution`` in the language, criterion labels from ``scenario`` (when given);
    values are left as numbers (a spreadsheet or the caller formats them). English
    returns the table unchanged."""
    if lang == "en":
        return df
    out = df.copy()
    label = labeller(scenario, lang) if scenario is not None else (lambda text: text)
    sentences = ("reasons", "why", "why_not", *(("what", "method") if "what" in out.columns
                                               else ()))  # a plan's estimates
    for col in sentences:
        if col in out.columns:
            out[col] = [" ; ".join(translate(part, lang, label) for part in str(v).split("; "))
                        if isinstance(v, str) and v else v for v in out[col]]
    if "verdict" in out.columns:
        out["verdict"] = [value_word(v, lang) if isinstance(v, str) else v
                          for v in out["verdict"]]
    if "distribution" in out.columns and "item" in out.columns:  # a comparison's equity
        out["item"] = [value_word(str(i), lang) if d != "plan" else i
                       for i, d in zip(out["item"], out["distribution"], strict=True)]
        out["distribution"] = [value_word(str(v), lang) for v in out["distribution"]]
    if "measure" in out.columns and "label" in out.columns:  # the plan's equity table
        out["label"] = [plan_word(str(m), lang) for m in out["measure"]]
    if "direction" in out.columns:
        out["direction"] = [value_word(str(v), lang) for v in out["direction"]]
    if "unit" in out.columns and "criterion" in out.columns and scenario is not None:
        units = {c.name: c.unit_in(lang) for c in scenario.criteria}
        out["unit"] = [units.get(str(n), u) for n, u in zip(out["criterion"], out["unit"],
                                                              strict=True)]
    if "criterion" in out.columns and "label" not in out.columns and scenario is not None:
        out["criterion"] = [label(str(v)) for v in out["criterion"]]
    out.columns = [heading(str(c), lang) for c in out.columns]
    return out
