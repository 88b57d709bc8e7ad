"""The sentences stored in results: written once per language, read back in French."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from siteplan.phrases import PHRASES, number_in, render, translate
from siteplan.scenario import LANGUAGES


def fields(template: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", template))


def test_every_sentence_has_the_same_fields_in_every_language() -> None:
    for key, phrase in PHRASES.items():
        for lang in LANGUAGES:
            assert fields(phrase.text[lang]) == fields(phrase.text["en"]), (key, lang)
        assert set(phrase.numbers) <= fields(phrase.text["en"]), key
        assert set(phrase.labels) <= fields(phrase.text["en"]), key


def test_a_floor_reason_reads_in_french_with_french_figures() -> None:
    en = render("below_floor", index="0.320", floor="0.4")
    assert en == ("viability index 0.320 below the scenario's floor 0.4 "
                  "(lenses.viability_floor)")
    assert translate(en, "fr") == ("indice de viabilité 0,320 sous le seuil 0,4 du scénario "
                                   "(lenses.viability_floor)")


def test_a_constraint_reason_takes_the_scenarios_french_reason_and_label() -> None:
    en = render("fails_constraint", reason="more than 150 km from an international airport",
                criterion="Distance to an international airport", value="152.3", unit=" km")
    french = {"more than 150 km from an international airport":
              "à plus de 150 km d'un aéroport international",
              "Distance to an international airport": "Distance à un aéroport international"}
    out = translate(en, "fr", lambda s: french.get(s, s))
    # the figure is not swallowed by the unit, nor the unit by the figure
    assert out == ("à plus de 150 km d'un aéroport international "
                   "(Distance à un aéroport international = 152,3 km)")


def test_generated_bounds_are_translated_inside_a_constraint_reason() -> None:
    why = render("fails_bounds", bounds="airport_km <= 150 km")
    en = render("fails_constraint", reason=why, criterion="airport_km", value="200", unit=" km")
    assert translate(en, "fr") == "ne respecte pas airport_km <= 150 km (airport_km = 200 km)"


def test_a_sentence_no_template_knows_is_left_as_written() -> None:
    assert translate("imputed the median (12.5)", "fr") == "imputed the median (12.5)"
    assert translate("anything", "en") == "anything"


def test_french_figures() -> None:
    assert number_in("152,514", "fr") == "152\u202f514"
    assert number_in("0.72", "fr") == "0,72"
    assert number_in("34%", "fr") == "34\u202f%"
    assert number_in("1,767.9", "fr") == "1\u202f767,9"
    assert number_in("0.72", "en") == "0.72"


_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20)
_FIGURE = st.one_of(st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: f"{v:.3f}"),
                    st.integers(0, 100).map(lambda v: f"{v}%"))


@given(data=st.data())
def test_every_sentence_round_trips_to_its_french_template(data: st.DataObject) -> None:
    key = data.draw(st.sampled_from(sorted(k for k in PHRASES if k != "fails_constraint")))
    phrase = PHRASES[key]
    values = {name: data.draw(_FIGURE if name in phrase.numbers else _TEXT)
              for name in fields(phrase.text["en"])}
    en = render(key, **values)
    expected = phrase.text["fr"].format(**{n: number_in(v, "fr") if n in phrase.numbers else v
                                           for n, v in values.items()})
    # a text field that itself contains the template's words can be read two ways; the
    # sentence must still come out as some French sentence, never the English one
    out = translate(en, "fr")
    if all(part not in "".join(values.values()) for part in ("(", ")", " in ", " of ", "..")):
        assert out == expected
    assert out != en or en == expected
