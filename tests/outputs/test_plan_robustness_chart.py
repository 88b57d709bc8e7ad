"""The selection-frequency chart of plan robustness (siteplan.outputs.plan_robustness_chart),
in English and in French."""

from __future__ import annotations

from pathlib import Path

import pytest

from siteplan.analyses.plan.robustness import PlanRobustness, plan_robustness
from siteplan.errors import OutputError
from siteplan.layers.pack import Pack
from siteplan.outputs.plan_robustness_chart import selection_frequency_png
from siteplan.scoring.ranking import rank


@pytest.fixture(scope="module")
def report() -> PlanRobustness:
    pack = Pack()
    return plan_robustness(rank("balanced-2030", pack=pack), pack, 3, samples=60, seed=1)


def test_the_chart_speaks_french_with_the_reports_frequencies(report: PlanRobustness,
                                                              tmp_path: Path) -> None:
    fr = selection_frequency_png(report, tmp_path / "f.svg", lang="fr").read_text(
        encoding="utf-8")
    en = selection_frequency_png(report, tmp_path / "e.svg").read_text(encoding="utf-8")
    assert "Combien de fois chaque site est-il dans le plan" in fr
    assert "fréquence de sélection" in fr and "tirages de poids (uniforme)" in fr
    assert "How often" not in fr and "weight samples" not in fr
    assert "How often" in en and "selection frequency" in en
    top = max((s for s in report.to_dict()["sites"] if s["can_be_chosen"]),
              key=lambda s: s["selection_frequency"])
    assert f"{top['selection_frequency'] * 100:.0f}\u202f%" in fr
    assert f"{top['selection_frequency'] * 100:.0f}%" in en
    with pytest.raises(OutputError, match="language"):
        selection_frequency_png(report, tmp_path / "g.svg", lang="de")
