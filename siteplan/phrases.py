"""The sentences the analyses write into their results, once per language.

An excluded site carries its reasons ("viability index 0.320 below the scenario's floor
0.4 ...") and a fragile recommendation its causes; they are stored in English, the language
of the data contract (JSON, CSV). Each sentence is a template here, in every language of
:data:`siteplan.scenario.LANGUAGES`: the analyses fill the English one with :func:`render`,
and the outputs show a stored sentence in the reader's language with :func:`translate`,
which reads the figures back out of the English sentence through the same template. So a
sentence is written in one place, and a report in French never shows an English reason.

This module imports nothing of siteplan: every layer may use it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache

__all__ = ["PHRASES", "Phrase", "number_in", "render", "translate"]


@dataclass(frozen=True)
class Phrase:
    """One sentence: its template per language and which of its fields are figures
    (written with the language's decimal mark) or labels (shown in the language)."""

    text: Mapping[str, str]
    numbers: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    #: fields that hold a sentence of their own (translated in turn)
    nested: tuple[str, ...] = ()


PHRASES: dict[str, Phrase] = {
    "below_floor": Phrase(
        {"en": "viability index {index} below the scenario's floor {floor} "
               "(lenses.viability_floor)",
         "fr": "indice de viabilité {index} sous le seuil {floor} du scénario "
               "(lenses.viability_floor)"},
        numbers=("index", "floor")),
    "no_value": Phrase(
        {"en": "no value for {criterion} (nan_policy = exclude)",
         "fr": "aucune valeur pour « {criterion} » (nan_policy = exclude)"},
        labels=("criterion",)),
    "fails_constraint": Phrase(
        {"en": "{reason} ({criterion} = {value}{unit})",
         "fr": "{reason} ({criterion} = {value}{unit})"},
        numbers=("value",), labels=("reason", "criterion"), nested=("reason",)),
    "fails_bounds": Phrase(
        {"en": "fails {bounds}", "fr": "ne respecte pas {bounds}"}),
    "rarely_in_top": Phrase(
        {"en": "in the top {k} in {share} of the weight samples (< {threshold})",
         "fr": "dans les {k} premiers pour {share} des tirages de poids (< {threshold})"},
        numbers=("share", "threshold")),
    "leaves_top": Phrase(
        {"en": "leaves the top {k} when the weight of {criterion} leaves {low}..{high} "
               "(now {weight})",
         "fr": "sort des {k} premiers quand le poids de « {criterion} » sort de "
               "{low}..{high} (aujourd'hui {weight})"},
        numbers=("low", "high", "weight"), labels=("criterion",)),
    # the verdict rule of the ranking's sensitivity (analyses.sensitivity.report)
    "verdict_rule": Phrase(
        {"en": "robust: in the top {k} in >= {threshold} of the weight samples AND still in "
               "the top {k} when any one criterion weight moves by +-{margin} (others "
               "rescaled); fragile otherwise",
         "fr": "robuste : dans les {k} premiers pour au moins {threshold} des tirages de "
               "poids ET encore dans les {k} premiers quand un seul poids de critère varie de "
               "±{margin} (les autres remis à l'échelle) ; fragile sinon"},
        numbers=("k", "threshold", "margin")),
    # the rule behind the robust plan (analyses.plan.robustness)
    "wlc_rule": Phrase(
        {"en": "robust plan = the K-set with the largest expected total score over the weight "
               "samples; the WLC score is linear in the weights, so a set's expected score is "
               "its score under the mean sampled weights, and the robust plan is the plan "
               "solved once under the mean weights (same constraints)",
         "fr": "plan robuste = l'ensemble de K sites au plus grand score total espéré sur les "
               "tirages de poids ; le score WLC est linéaire en les poids : le score espéré "
               "d'un ensemble est son score sous les poids moyens tirés, et le plan robuste est "
               "le plan résolu une fois sous les poids moyens (mêmes contraintes)"}),
    "consensus_rule": Phrase(
        {"en": "robust plan = the consensus plan: the feasible K-set with the largest sum of "
               "selection frequencies (the largest expected number of sites shared with the "
               "sampled plans): the sites chosen in most samples, completed or trimmed to K by "
               "frequency under the constraints (ties: the higher mean sampled score); "
               "{method} scores are not linear in the weights, so the plan under the mean "
               "weights is not the plan of the expected score",
         "fr": "plan robuste = le plan de consensus : l'ensemble réalisable de K sites à la "
               "plus grande somme des fréquences de sélection (le plus grand nombre espéré de "
               "sites communs avec les plans tirés) : les sites choisis dans le plus de "
               "tirages, complétés ou réduits à K par fréquence sous les contraintes (égalités "
               ": le score moyen tiré le plus haut) ; les scores {method} ne sont pas "
               "linéaires en les poids, donc le plan sous les poids moyens n'est pas celui du "
               "score espéré"}),
    # why a candidate cannot be chosen by a plan (analyses.plan.select)
    "in_exclude_list": Phrase({"en": "in the exclude list", "fr": "dans la liste d'exclusion"}),
    "no_score": Phrase({"en": "no score", "fr": "sans score"}),
    "near_park": Phrase(
        {"en": "within {km} km of an existing park",
         "fr": "à moins de {km} km d'un parc existant"}, numbers=("km",)),
    "near_include": Phrase(
        {"en": "within {km} km of a must-include site",
         "fr": "à moins de {km} km d'un site imposé"}, numbers=("km",)),
    # the settings line of the surface's robustness (analyses.surface.robustness)
    "surface_robustness": Phrase(
        {"en": "robustness: {samples} {sampling} weight samples{extra} ({seed}); share of the "
               "samples placing a cell in the top {q} % of the {valid} valid cells ({cells} "
               "cells per sample, ties at the threshold included); {time} s",
         "fr": "robustesse : {samples} tirages de poids ({sampling}){extra} ({seed}) ; part "
               "des tirages qui placent une cellule dans les {q} % premiers des {valid} "
               "cellules valides ({cells} cellules par tirage, ex aequo au seuil compris) ; "
               "{time} s"},
        numbers=("samples", "q", "valid", "cells", "time")),
    "seed": Phrase({"en": "seed {seed}", "fr": "graine {seed}"}),
    "no_seed": Phrase({"en": "no seed", "fr": "sans graine"}),
    # the weight sampling schemes (scoring.sampling), in the sentences above
    "sampling_uniform": Phrase({"en": "uniform", "fr": "uniforme"}),
    "sampling_dirichlet": Phrase({"en": "dirichlet", "fr": "Dirichlet"}),
    "sampling_bounds": Phrase({"en": "bounds", "fr": "bornes"}),
    # the figures of a plan that are estimates, and how (analyses.plan.steps._estimates)
    "est_jobs_what": Phrase(
        {"en": "jobs today per park, province and region (and everything derived from them: "
               "2030 jobs per region, per-1,000 rates, the baseline and the equity measures)",
         "fr": "emplois actuels par parc, province et région (et tout ce qui en découle : "
               "emplois 2030 par région, taux pour 1 000, scénario de référence et mesures "
               "d'équité)"}),
    "est_exports_what": Phrase({"en": "exports today per region",
                                "fr": "exportations actuelles par région"}),
    "est_exports_method": Phrase(
        {"en": "today's national exports split like today's jobs (same export per job)",
         "fr": "exportations nationales actuelles réparties comme les emplois actuels (même "
               "exportation par emploi)"}),
    "est_capacity_what": Phrase({"en": "capacity of existing parks",
                                 "fr": "capacité des parcs existants"}),
    "est_capacity_method": Phrase(
        {"en": "talent value and score of the nearest scored candidate (capacity_from, "
               "capacity_from_km in the parks table)",
         "fr": "valeur de talents et score du candidat noté le plus proche (capacity_from, "
               "capacity_from_km dans la table des parcs)"}),
    "est_parks_method": Phrase(
        {"en": "ESTIMATE, no official regional breakdown exists: the national total of "
               "offshoring jobs today is split among the existing parks of the pack; a park "
               "keeps its published job count (parks.jobs) where there is one, and the rest of "
               "the national total is shared equally among the parks without one (park "
               "counts); when every park has a published count they are scaled proportionally "
               "to the national total. Parks are then summed by province and region. Exports "
               "today are split like the jobs (same export per job everywhere).",
         "fr": "ESTIMATION, aucune ventilation régionale officielle n'existe : le total "
               "national des emplois offshoring actuels est réparti entre les parcs existants "
               "du jeu de données ; un parc garde son effectif publié (parks.jobs) s'il en a "
               "un, et le reste du total national est partagé à parts égales entre les parcs "
               "qui n'en ont pas (nombre de parcs) ; quand chaque parc a un effectif publié, "
               "ils sont mis à l'échelle du total national. Les parcs sont ensuite additionnés "
               "par province et par région. Les exportations actuelles sont réparties comme les "
               "emplois (même exportation par emploi partout)."}),
    "est_regional_method": Phrase(
        {"en": "ESTIMATE: today's jobs per region from {source}: the central value, with the "
               "ends 'concentrated' and 'spread' where given (in the Morocco pack: published "
               "counts by place kept as published, the rest of the national total shared like "
               "the published figures, or like the regions' residents with higher education; "
               "central = their mean; see the regions layer in pack.toml). A region's jobs are "
               "split equally among its parks; in provinces, a region's jobs beyond its parks' "
               "go to its provinces by working-age population. Exports today follow the jobs "
               "(same export per job everywhere).",
         "fr": "ESTIMATION : emplois actuels par région d'après {source} : la valeur centrale, "
               "avec les bornes « concentrated » et « spread » quand elles sont données (dans "
               "le jeu de données du Maroc : effectifs publiés par lieu gardés tels quels, le "
               "reste du total national réparti comme les chiffres publiés, ou comme les "
               "habitants diplômés du supérieur des régions ; centrale = leur moyenne ; voir la "
               "couche des régions dans pack.toml). Les emplois d'une région sont partagés à "
               "parts égales entre ses parcs ; dans les provinces, les emplois d'une région "
               "au-delà de ceux de ses parcs vont à ses provinces selon la population en âge de "
               "travailler. Les exportations actuelles suivent les emplois (même exportation "
               "par emploi partout)."},
        nested=("source",)),
    "regions_layer": Phrase({"en": "the regions layer", "fr": "la couche des régions"}),
    # the name of a hotspot (analyses.surface.model.hotspots)
    "near_town": Phrase({"en": "near {town}", "fr": "près de {town}"}),
    # why H3 cells are excluded (analyses.surface.model)
    "cells_below_floor": Phrase(
        {"en": "viability index below the scenario's floor {floor}",
         "fr": "indice de viabilité sous le seuil {floor} du scénario"}, numbers=("floor",)),
}


def render(key: str, lang: str = "en", **values: object) -> str:
    """The sentence ``key`` in ``lang`` with ``values`` (already formatted as text)."""
    return PHRASES[key].text[lang].format(**values)


#: a figure as the analyses write it: 0.320, 1e+03, 152,514, 34%, nan
_NUMBER = r"[-+]?(?:[\d,]*\.?\d+(?:e[-+]?\d+)?%?|nan|inf)"


@cache
def _pattern(key: str) -> re.Pattern[str]:
    """The English template as a regular expression with one named group a field."""
    numbers = PHRASES[key].numbers
    parts = re.split(r"\{(\w+)\}", PHRASES[key].text["en"])
    out = []
    seen: set[str] = set()
    for i, part in enumerate(parts):
        if i % 2 == 0:
            out.append(re.escape(part))
        elif part in seen:  # a field used twice matches the same text twice
            out.append(f"(?P={part})")
        else:
            seen.add(part)
            out.append(f"(?P<{part}>{_NUMBER if part in numbers else '.*?'})")
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def number_in(text: str, lang: str) -> str:
    """An English figure ("0.320", "152,514", "34%") written for ``lang`` ("0,320",
    "152 514" with a narrow no-break space, "34 %" in French)."""
    if lang != "fr":
        return text
    text = text.replace(",", "\u202f").replace(".", ",")
    return text[:-1] + "\u202f%" if text.endswith("%") else text


def translate(text: str, lang: str,
              label: Callable[[str], str] = lambda s: s) -> str:
    """A sentence stored in English, in ``lang``.

    ``label`` gives a criterion label or a scenario's own reason in the language (the
    scenario knows its French labels). A sentence that matches no template is given to
    ``label`` (a constraint's own reason has its ``reason_fr``), and a text neither knows
    (a note a user wrote) is returned as it is.
    """
    if lang == "en":
        return text
    for key, phrase in PHRASES.items():
        m = _pattern(key).match(text)
        if m is None:
            continue
        values = dict(m.groupdict())
        for name in phrase.numbers:
            values[name] = number_in(values[name], lang)
        for name in phrase.labels:
            values[name] = label(values[name])
        for name in phrase.nested:
            values[name] = translate(values[name], lang, label)
        return phrase.text[lang].format(**values)
    return label(text)
