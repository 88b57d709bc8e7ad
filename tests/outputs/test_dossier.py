"""The dossier (siteplan.outputs.dossier), checked as a reader would: a self-contained HTML
file whose figures are those of the JSON outputs of the same run, in English and in French,
printed to PDF by chromium with the same figures in its text, and hostile names shown as
text."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from siteplan.analyses.plan.steps import make_plan
from siteplan.analyses.sensitivity.report import analyse
from siteplan.cli import cli
from siteplan.errors import OutputError
from siteplan.layers.pack import Pack
from siteplan.outputs.dossier import Dossier, build_dossier, find_chromium, write_dossier
from siteplan.outputs.dossier_text import TEXT, fmt_num, fmt_pct
from siteplan.scoring.ranking import Ranking, rank

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def runs() -> dict[str, tuple[Ranking, Pack, dict, Dossier]]:
    """The Morocco default, its plan JSON and its dossier in each language."""
    pack = Pack(None)
    r = rank("balanced-2030", pack=pack)
    plan = make_plan(r, pack, k=5)
    rob = analyse(r, samples=300, seed=1, top_k=5)
    out = {}
    for lang in ("en", "fr"):
        d = build_dossier(r, pack, plan, rob, lang=lang, command="siteplan report", seed=1)
        out[lang] = (r, pack, plan.to_dict(), d)
    return out


def test_numbers_are_formatted_for_the_language() -> None:
    assert fmt_num(152514, "en") == "152,514" and fmt_num(0.72, "en", 2) == "0.72"
    assert fmt_num(152514, "fr") == "152\u202f514" and fmt_num(0.72, "fr", 2) == "0,72"
    assert fmt_num(-1234.5, "fr", 1) == "-1\u202f234,5"
    assert fmt_pct(0.345, "fr") == "34\u202f%" and fmt_pct(0.345, "en") == "34%"
    assert fmt_num(float("nan"), "fr") == ""


def test_every_sentence_exists_in_both_languages() -> None:
    assert TEXT["fr"].keys() == TEXT["en"].keys()
    assert all(TEXT[lang][k] for lang in ("en", "fr") for k in TEXT[lang])


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_self_contained_with_every_section(runs: dict, lang: str) -> None:
    _, _, _, d = runs[lang]
    h = d.html
    assert f'<html lang="{lang}">' in h
    # no reference leaves the file: every src and href is a data: URI or an anchor
    refs = re.findall(r'(?:src|href)="([^"]*)"', h)
    assert refs and all(x.startswith(("data:", "#")) for x in refs)
    assert "http://" not in "".join(refs) and "https://" not in "".join(refs)
    for uri in re.findall(r'src="data:image/png;base64,([^"]+)"', h):
        assert base64.b64decode(uri)[:8] == b"\x89PNG\r\n\x1a\n"
    for key in ("summary", "maps", "scorecard", "quadrant", "cards", "robustness", "plan",
                "method", "data", "repro"):
        assert f'<section id="{key}">' in h
        assert TEXT[lang][key] in h.replace("&#x27;", "'")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_summary_figures_equal_the_plan_json(runs: dict, lang: str) -> None:
    _, _, plan, d = runs[lang]
    f = d.facts
    assert f["chosen"] == [c["id"] for c in plan["chosen"]]
    assert f["jobs_2030"] == sum(r["jobs_2030_plan"] for r in plan["regions"]) == 270_000
    assert f["gini_today"] == plan["equity"]["today"]["gini"]
    assert f["gini_plan"] == plan["equity"]["plan"]["gini"]
    assert f["gini_today_range"] == plan["equity"]["today"]["range"]["gini"]
    # and the text states them, formatted for the language
    assert fmt_num(plan["equity"]["plan"]["gini"], lang, 3) in d.html
    assert fmt_num(270_000, lang) in d.html
    for c in plan["chosen"]:
        assert c["name"] in d.html
        assert f"<h3>{c['name']} &mdash;" in d.html  # one card per chosen site


def test_french_dossier_uses_french_labels(runs: dict) -> None:
    h = runs["fr"][3].html
    assert "Diplômés du supérieur à portée de trajet" in h
    assert "Développement territorial équilibré 2030" in h
    assert "Graduates living within reach" not in h
    # reasons, units and the method are French too (they are stored in English)
    for english in ("leaves the top", "weight samples", "below the scenario's floor",
                    "weighted linear combination", "graduates (decay-weighted)",
                    "more than 150 km from an international airport"):
        assert english not in h, english


def test_french_data_section_gives_each_layers_french_title_and_licence(runs: dict) -> None:
    """The titles, licences and methods of pack.toml (read with tomllib) and the plan's
    estimates in the French dossier, the English ones in the English dossier."""
    import html
    import tomllib

    raw = tomllib.loads((Path(__file__).resolve().parents[2] / "geodata" / "morocco"
                         / "pack.toml").read_text(encoding="utf-8"))
    fr, en = html.unescape(runs["fr"][3].html), html.unescape(runs["en"][3].html)
    assert raw["pack"]["title_fr"] in fr and raw["pack"]["title"] in en
    assert "emplois actuels par parc" in fr and "jobs today per park" not in fr
    assert "capacité des parcs existants" in fr and "jobs today per park" in en
    for name, layer in raw["layers"].items():
        for key in ("title", "licence", "method"):
            assert layer[f"{key}_fr"] in fr and layer[key] not in fr, (name, key)
            assert layer[key] in en, (name, key)


def test_hostile_names_are_text(tmp_path: Path, tiny_pack_dir: Path) -> None:
    tiny = str(Path(__file__).parents[1] / "data" / "tiny-scenario.toml")
    pack = Pack(tiny_pack_dir)
    r0 = rank(tiny, pack=pack)
    cand = r0.sites[["id", "name", "lon", "lat"]].copy()
    cand["name"] = [XSS, *cand["name"].iloc[1:]]
    f = tmp_path / "c.csv"
    cand.to_csv(f, index=False)
    r = rank(tiny, pack=pack, candidates=str(f))
    plan = make_plan(r, pack, k=2)
    d = build_dossier(r, pack, plan, analyse(r, samples=50, seed=0, top_k=2), lang="en")
    assert "<script>alert" not in d.html and "onerror=alert(1)>" not in d.html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in d.html


def test_outputs_are_checked_before_writing(runs: dict, tmp_path: Path) -> None:
    d = runs["en"][3]
    with pytest.raises(OutputError, match=r"\.html or \.pdf"):
        write_dossier(d, tmp_path / "d.docx")
    p = write_dossier(d, tmp_path / "d.html")
    assert p.read_text(encoding="utf-8") == d.html
    with pytest.raises(OutputError, match="exists"):
        write_dossier(d, p)


@pytest.mark.browser
def test_pdf_text_states_the_same_figures(runs: dict, tmp_path: Path) -> None:
    if find_chromium() is None or shutil.which("pdftotext") is None:
        pytest.skip("needs chromium and pdftotext (poppler-utils), installed by .ci/run")
    _, _, plan, d = runs["fr"]
    pdf = write_dossier(d, tmp_path / "d.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          check=True, text=True).stdout
    flat = " ".join(text.split())
    assert "Synthèse" in text and "Dossier de sélection des sites" in text
    assert fmt_num(plan["equity"]["plan"]["gini"], "fr", 3) in flat
    for c in plan["chosen"]:
        assert c["name"] in flat
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                           check=True).stdout
    n = int(re.search(r"Pages:\s+(\d+)", pages).group(1))  # type: ignore[union-attr]
    assert 8 <= n <= 40


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_html_dossier_loads_offline_without_console_errors(runs: dict, tmp_path: Path,
                                                           lang: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    exe = find_chromium()
    if exe is None:
        pytest.skip("chromium is not installed; .ci/run installs it")
    p = write_dossier(runs[lang][3], tmp_path / "d.html")
    requests: list[str] = []
    errors: list[str] = []
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=["--headless", "--no-sandbox",
                                                           "--disable-gpu"])
        page = b.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))

        def route(rt: object) -> None:
            url = rt.request.url  # type: ignore[attr-defined]
            if url.startswith(("file:", "data:", "about:")):
                rt.continue_()  # type: ignore[attr-defined]
            else:
                requests.append(url)
                rt.abort()  # type: ignore[attr-defined]

        page.route("**/*", route)
        page.goto(p.as_uri())
        n_img = page.eval_on_selector_all("img", "els => els.filter(e => e.naturalWidth > 0)"
                                          ".length")
        b.close()
    assert not requests and not errors
    assert n_img >= 10


def test_report_command(tmp_path: Path) -> None:
    out = tmp_path / "dossier.html"
    res = CliRunner().invoke(cli, ["report", "--samples", "200", "--sites", "3", "--lang", "fr",
                                   "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert out.exists() and "Synthèse" in out.read_text(encoding="utf-8")
    again = CliRunner().invoke(cli, ["report", "--samples", "200", "-o", str(out)])
    assert again.exit_code != 0 and "exists" in again.output
    bad = CliRunner().invoke(cli, ["report", "-o", str(tmp_path / "d.txt")])
    assert bad.exit_code != 0 and ".html or .pdf" in bad.output


def test_summary_states_how_often_each_plan_site_is_chosen() -> None:
    """With plan robustness the summary gives each chosen site's selection frequency (as
    plan_robustness computes it; its own tests check it against a make_plan loop)."""
    from siteplan.analyses.plan.robustness import plan_robustness
    from siteplan.outputs.dossier import report

    d = report(samples=200, seed=5)
    r = rank("balanced-2030")
    pr = plan_robustness(r, Pack(None), 5, samples=200, seed=5)
    freq = dict(zip(pr.site_ids, pr.frequency, strict=True))
    assert d.facts["plan_frequency"] == {sid: freq[sid] for sid in d.facts["chosen"]}
    assert d.facts["robust_plan"] == pr.ids(pr.robust_plan)
    for sid in d.facts["chosen"]:
        assert fmt_pct(freq[sid], "en") in d.html


def test_without_chromium_the_html_is_written_and_a_line_says_how_to_get_the_pdf(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITEPLAN_CHROMIUM", str(tmp_path / "no-such-browser"))
    assert find_chromium() is None
    out = tmp_path / "dossier.pdf"
    res = CliRunner().invoke(cli, ["report", "--samples", "100", "--sites", "3", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert not out.exists() and (tmp_path / "dossier.html").exists()
    assert "no chromium" in res.output and "apt install chromium" in res.output
