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
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from siteplan.errors import UsageError
from siteplan.phrases import translate
from siteplan.scenario import LANGUAGES

if TYPE_CHECKING:
    import pandas as pd

    from siteplan.scenario import Scenario

__all__ = ["HEADINGS", "MAP_WORDS", "OVERLAY_WORDS", "PLAN_WORDS", "SHEETS", "VALUES", "fmt_int",
           "fmt_num", "fmt_pct", "fmt_score", "heading", "labeller", "localise_table", "map_word",
           "overlay_word", "plan_word", "reason_in", "resolve_language", "sheet_name", "value_word"]

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


def fmt_pct(x: Any, lang: str, digits: int = 0) -> str:
    """A share in [0, 1] as a percentage (``34 %`` in French, ``34%`` in English)."""
    try:
        v = float(x) * 100.0
    except (TypeError, ValueError):
        return ""
    if math.isnan(v):
        return ""
    return fmt_num(v, lang, digits) + ("\u202f%" if lang == "fr" else "%")


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
}

#: words of the data shown as they are in English (criterion directions)
VALUES: dict[str, dict[str, str]] = {
    "benefit": {"en": "benefit", "fr": "à maximiser"},
    "cost": {"en": "cost", "fr": "à minimiser"},
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
}

#: the words of the maps (static and HTML): legends, scales, indicator and scheme names
MAP_WORDS: dict[str, dict[str, str]] = {
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


def plan_word(word: str, lang: str, **values: object) -> str:
    """A word or heading of the printed plan in ``lang`` (filled with ``values``)."""
    return _say(PLAN_WORDS, word, lang, values)


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
                     *MAP_WORDS.values(), *PLAN_WORDS.values(),
                     *OVERLAY_WORDS.values()))


def heading(code: str, lang: str) -> str:
    """The heading of column ``code`` in ``lang`` (a code it does not know: as it is)."""
    return _say(HEADINGS, code, lang, {})


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


def localise_table(df: pd.DataFrame, lang: str, scenario: Scenario) -> pd.DataFrame:
    """A ranking-like table for people in ``lang``: headings translated, the ``reasons``
    column's sentences in the language; values are left as numbers (a spreadsheet or the
    caller formats them). English returns the table unchanged."""
    if lang == "en":
        return df
    out = df.copy()
    if "reasons" in out.columns:
        label = labeller(scenario, lang)
        out["reasons"] = ["; ".join(translate(part, lang, label) for part in str(v).split("; "))
                          if isinstance(v, str) and v else v for v in out["reasons"]]
    if "measure" in out.columns and "label" in out.columns:  # the plan's equity table
        out["label"] = [plan_word(str(m), lang) for m in out["measure"]]
    if "direction" in out.columns:
        out["direction"] = [value_word(str(v), lang) for v in out["direction"]]
    if "unit" in out.columns and "criterion" in out.columns:
        units = {c.name: c.unit_in(lang) for c in scenario.criteria}
        out["unit"] = [units.get(str(n), u) for n, u in zip(out["criterion"], out["unit"],
                                                              strict=True)]
    out.columns = [heading(str(c), lang) for c in out.columns]
    return out
