"""File outputs: CSV, JSON, GeoJSON, GeoPackage, XLSX and Markdown, written atomically.

The format is chosen by ``fmt`` or by the file extension. Every writer goes
through :mod:`siteplan._atomic`: an existing file is replaced only once the new
one is complete, and never without ``overwrite=True``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from siteplan._atomic import atomic_path, check_writable, write_text_atomic, write_with
from siteplan.errors import DataError
from siteplan.outputs.formats import RANKING, format_for
from siteplan.outputs.language import heading, localise_table, sheet_name
from siteplan.phrases import number_in
from siteplan.scenario import LENSES, METHOD_INFO

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from siteplan.scoring.ranking import Ranking

META_TABLE = "siteplan_ranking"


# --------------------------------------------------------------------------- tables


#: Leading characters that make a spreadsheet read a CSV cell as a formula (OWASP).
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_RAW_CSV: ContextVar[bool] = ContextVar("siteplan_raw_csv", default=False)


@contextmanager
def raw_csv(enabled: bool = True) -> Iterator[None]:
    """Within the block, CSV outputs keep text cells verbatim (``siteplan --raw-csv``)."""
    token = _RAW_CSV.set(enabled)
    try:
        yield
    finally:
        _RAW_CSV.reset(token)


def csv_safe(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with text cells that a spreadsheet would evaluate prefixed by ``'``.

    Only text cells starting with one of :data:`CSV_FORMULA_STARTS` change (a site
    named ``=HYPERLINK(...)`` is written ``'=HYPERLINK(...)``); numbers, including
    negative ones, are left alone because they sit in numeric columns. Inside
    :func:`raw_csv` the frame is returned unchanged.
    """
    if _RAW_CSV.get():
        return df
    out = df
    for col in df.columns:
        s = df[col]
        if s.dtype != object and not pd_is_string(s):
            continue
        hit = s.str.startswith(CSV_FORMULA_STARTS, na=False).to_numpy(dtype=bool)
        if hit.any():
            if out is df:
                out = df.copy()
            out.loc[hit, col] = "'" + s[hit].astype(str)
    return out


def pd_is_string(s: pd.Series) -> bool:
    """Whether a column holds strings under pandas' string dtype."""
    import pandas as pd

    return bool(pd.api.types.is_string_dtype(s.dtype))


def csv_text(df: pd.DataFrame) -> str:
    """A table as CSV text, formula-looking text cells neutralised (see :func:`csv_safe`).

    Written by Arrow's C++ CSV writer (about 5x faster than pandas on a 100,000-row
    ranking): text cells are quoted, booleans are ``True``/``False`` as pandas writes them,
    whole floats have no ``.0``. A table Arrow cannot type (mixed objects) goes through
    pandas instead.
    """
    safe = csv_safe(df)
    if safe.columns.is_unique:
        try:
            return _arrow_csv(safe)
        except (ImportError, TypeError, ValueError, NotImplementedError):  # Arrow's errors
            pass  # derive from these
    return str(safe.to_csv(index=False))


def _arrow_csv(df: pd.DataFrame) -> str:
    import csv
    import io

    import pyarrow as pa
    import pyarrow.csv as pa_csv

    cols = {c: (df[c].map({True: "True", False: "False"}) if df[c].dtype == bool else df[c])
            for c in df.columns}
    table = pa.Table.from_pandas(pd_frame(cols, df), preserve_index=False)
    head = io.StringIO()
    csv.writer(head, lineterminator="\n").writerow([str(c) for c in df.columns])
    body = io.BytesIO()
    pa_csv.write_csv(table, body, pa_csv.WriteOptions(include_header=False,
                                                       quoting_style="needed"))
    return head.getvalue() + body.getvalue().decode("utf-8")


def pd_frame(cols: Mapping[str, Any], like: pd.DataFrame) -> pd.DataFrame:
    """A DataFrame of ``cols`` with the index of ``like`` (column names kept as given)."""
    import pandas as pd

    out = pd.DataFrame(cols, index=like.index)
    out.columns = [str(c) for c in like.columns]
    return out


def safe_stem(name: str, fallback: str = "siteplan") -> str:
    """A file-name stem made from a user-supplied name: no separator, no '..', no leading dot.

    Scenario names are free text (a title, an absolute path, ``../..``); wherever one
    becomes part of a path it goes through here, so an output never lands outside
    the folder the user expects.
    """
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", str(name)).strip("-.")
    stem = re.sub(r"\.{2,}", ".", stem)
    return stem or fallback


def default_map_path(scenario_name: str, what: str) -> str:
    """``maps/<scenario>-<what>.html``, the default of every ``--map`` and of ``siteplan map``."""
    return str(Path("maps") / f"{safe_stem(scenario_name, 'scenario')}-{what}.html")


def ranking_table(r: Ranking, criteria_values: bool = True) -> pd.DataFrame:
    """One flat row per site: rank, ids, place, score, exclusion, then each criterion.

    Criterion columns: ``<name>`` is the raw value (unit in the criteria sheet),
    ``<name>_score`` the normalised score in [0, 1].
    """
    import pandas as pd

    s = r.sites
    out = pd.DataFrame({
        "rank": s["rank"], "id": s["id"], "name": s["name"], "province": s["province"],
        "region": s["region"], "province_code": s["province_code"],
        "region_code": s["region_code"], "lon": s["lon"].round(6), "lat": s["lat"].round(6),
        "score": s["score"].round(6),
        **{lens: s[lens].round(6) for lens in LENSES},
        "excluded": s["excluded"],
        "reasons": ["; ".join(x) for x in s["reasons"]],
        "strongest": s["strongest"], "weakest": s["weakest"]})
    if criteria_values:
        ids = s["id"].to_numpy()
        # one positional lookup per table, not one label lookup per criterion
        raw_pos = r.raw.index.get_indexer(ids)
        val_pos = r.values.index.get_indexer(ids)
        cols: dict[str, Any] = {}
        for info in r.criteria:
            cols[info.name] = r.raw[info.name].to_numpy()[raw_pos]
            if info.name in r.values.columns:
                cols[f"{info.name}_score"] = r.values[info.name].round(6).to_numpy()[val_pos]
        out = pd.concat([out, pd.DataFrame(cols, index=out.index)], axis=1)
    return out


def markdown_escape(text: Any) -> str:
    """``text`` made safe for a Markdown table cell or heading.

    ``&``, ``<`` and ``>`` become HTML entities (a site named ``<img onerror=...>`` is shown,
    not rendered, by Markdown viewers that allow HTML), ``|`` is escaped so that it does not
    split a table cell, ``[`` and ``]`` are escaped so that a name such as
    ``[x](javascript:...)`` is not a link, and line breaks become spaces so that a cell or
    heading stays on one line. Rendered, the text reads exactly as given.
    """
    out = (str(text).replace("\\", "\\\\").replace("&", "&amp;").replace("<", "&lt;")
           .replace(">", "&gt;").replace("|", "\\|").replace("[", "\\[").replace("]", "\\]"))
    return " ".join(out.splitlines())


def markdown_code(text: Any) -> str:
    """``text`` as a CommonMark code span that no character of it can end.

    The fence is one backtick longer than the longest run of backticks in the text,
    and a space pads text that starts or ends with a backtick (CommonMark 6.1), so a
    scenario named ``x`<img onerror=...>`` stays literal code. Line breaks become spaces.
    """
    body = " ".join(str(text).splitlines())
    runs = [len(m) for m in re.findall(r"`+", body)]
    fence = "`" * (max(runs, default=0) + 1)
    if body.startswith("`") or body.endswith("`") or (body.startswith(" ") and body.strip()):
        body = f" {body} "
    return f"{fence}{body}{fence}"


def markdown_number(v: Any, lang: str = "en") -> str:
    """A number as a reader wants it in a report: nothing lost, no scientific notation.

    Integral values are written as integers with thousands separators (152,514); others
    keep 6 significant digits, and never fewer than every digit before the decimal point
    (-7.99994, 1,767.9, 0.123457, 1,234,568). Only magnitudes below 1e-6 use an exponent.
    NaN is empty; infinities are ``inf`` / ``-inf``. In French the separators are
    French (152 514, 0,123457).
    """
    if lang != "en":
        return number_in(markdown_number(v), lang)
    import math
    import numbers

    if isinstance(v, numbers.Integral):
        return f"{int(v):,}"
    x = float(v)
    if math.isnan(x):
        return ""
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x.is_integer():
        return f"{int(x):,}"
    ax = abs(x)
    if ax < 1e-6:
        return f"{x:.6g}"
    decimals = max(0, 5 - math.floor(math.log10(ax)))  # 6 significant digits
    text = f"{x:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def markdown_table(df: pd.DataFrame, floatfmt: str | None = None, lang: str = "en") -> str:
    """A GitHub-style Markdown table.

    Numbers are written by :func:`markdown_number` (or ``format(v, floatfmt)`` for floats
    when ``floatfmt`` is given); every other cell and every column name is escaped by
    :func:`markdown_escape`, so user text (site names) is shown literally.
    """
    import numbers

    import numpy as np
    import pandas as pd

    def cell(v: Any) -> str:
        if v is None or v is pd.NA or v is pd.NaT:
            return ""
        if isinstance(v, bool | np.bool_):
            return str(bool(v))
        if isinstance(v, numbers.Real):
            if floatfmt is not None and not isinstance(v, numbers.Integral):
                return "" if v != v else number_in(format(v, floatfmt), lang)  # v != v: NaN
            return markdown_number(v, lang)
        return markdown_escape(v)

    head = "| " + " | ".join(markdown_escape(c) for c in df.columns) + " |"
    sep = "| " + " | ".join("---" for _ in df.columns) + " |"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, sep, *rows]) + "\n"


# --------------------------------------------------------------------------- ranking writers


def write_ranking(r: Ranking, path: str | os.PathLike[str], fmt: str | None = None,
                  overwrite: bool = False, lang: str = "en") -> Path:
    """Write a ranking as CSV, JSON, GeoJSON, GeoPackage, XLSX or Markdown.

    ``lang`` is the language of the files people read (XLSX and Markdown headings, labels,
    reasons; see :mod:`siteplan.outputs.language`); the data formats keep English codes.
    """
    p = check_writable(path, overwrite)
    kind = format_for(p, fmt, RANKING)
    if kind == "json":
        with atomic_path(p, overwrite) as tmp, open(tmp, "w", encoding="utf-8") as f:
            f.writelines(r.json_parts())
            f.write("\n")
        return p
    if kind == "csv":
        return write_text_atomic(p, csv_text(ranking_table(r)), overwrite)
    if kind == "md":
        return write_text_atomic(p, ranking_markdown(r, lang=lang), overwrite)
    if kind == "geojson":
        # the layer name becomes the collection's "name": the final file's, not the temp's
        return write_with(p, lambda tmp: _geo(r).to_file(tmp, driver="GeoJSON", layer=p.stem,
                                                         engine="pyogrio"), overwrite)
    if kind == "gpkg":
        return write_with(p, lambda tmp: _write_gpkg(r, tmp), overwrite)
    return write_with(p, lambda tmp: _write_xlsx(r, tmp, lang), overwrite)


def _geo(r: Ranking) -> gpd.GeoDataFrame:
    import geopandas as gpd

    table = ranking_table(r)
    table["rank"] = table["rank"].astype("float64")
    return gpd.GeoDataFrame(table, geometry=r.sites.geometry.to_numpy(), crs="EPSG:4326")


def _write_gpkg(r: Ranking, tmp: Path) -> None:
    import warnings

    import pandas as pd
    import pyogrio

    with warnings.catch_warnings():
        # `--format gpkg` with another extension is the user's choice; GDAL's two
        # warnings about it would name the temporary file, not the user's
        warnings.filterwarnings("ignore", message=".*(extension|GPKG application_id).*",
                                category=RuntimeWarning)
        _geo(r).to_file(tmp, layer="sites", driver="GPKG", engine="pyogrio")
        meta = pd.DataFrame({"key": ["ranking"], "json": [r.to_json(indent=0)]})
        pyogrio.write_dataframe(meta, tmp, layer=META_TABLE, driver="GPKG", append=True)


def read_gpkg_ranking_json(path: Path) -> dict[str, Any]:
    """The ranking JSON stored in a GeoPackage written by :func:`write_ranking`."""
    import warnings

    import pyogrio

    with warnings.catch_warnings():
        # a GeoPackage written under another extension (--format gpkg) is fine to read
        warnings.filterwarnings("ignore", message=".*(extension|GPKG application_id).*",
                                category=RuntimeWarning)
        try:
            layers = [str(n) for n, _ in pyogrio.list_layers(path)]
        except Exception as exc:  # GDAL raises several types for a broken file
            raise DataError(f"{path}: cannot be read as a GeoPackage ({exc})") from None
        if META_TABLE not in layers:
            raise DataError(f"{path}: not a siteplan ranking (no '{META_TABLE}' table); give "
                            "the GeoPackage written by 'siteplan rank -o ranking.gpkg'")
        df = pyogrio.read_dataframe(path, layer=META_TABLE, read_geometry=False)
    try:
        d = json.loads(str(df["json"].iloc[0]))
    except (KeyError, IndexError, json.JSONDecodeError) as exc:
        raise DataError(f"{path}: the '{META_TABLE}' table is damaged ({exc})") from None
    if not isinstance(d, dict):
        raise DataError(f"{path}: the '{META_TABLE}' table is not a ranking")
    return d


def weights_table(r: Ranking, lang: str = "en") -> pd.DataFrame:
    """One row per criterion: label, unit, direction, kind, value function, weight."""
    import pandas as pd

    fr_labels = {c.name: c.display_in(lang) for c in r.scenario.criteria}
    return pd.DataFrame([{"criterion": c.name,
                          "label": fr_labels.get(c.name, c.label) if c.label else "",
                          "group": c.group, "unit": c.unit, "direction": c.direction,
                          "kind": c.kind, "value_function": json.dumps(dict(c.normalize)),
                          "weight": float(r.weights.get(c.name, 0.0)),
                          "how_computed": c.description} for c in r.criteria])


def _write_xlsx(r: Ranking, tmp: Path, lang: str = "en") -> None:
    import pandas as pd

    def word(w: str) -> str:
        return sheet_name(w, lang)

    table = ranking_table(r, criteria_values=False)
    table["rank"] = table["rank"].astype("float64")
    ids = r.sites["id"].to_numpy()
    values = pd.DataFrame({heading("id", lang): ids,
                           heading("name", lang): r.sites["name"].to_numpy()})
    by_name = {c.name: c for c in r.scenario.criteria}

    def title(name: str) -> str:
        # English keeps the criterion codes (what -w takes); French shows the labels
        return by_name[name].display_in(lang) if lang != "en" and name in by_name else name

    for info in r.criteria:
        unit = f" [{info.unit}]" if info.unit else ""
        values[f"{title(info.name)}{unit}"] = r.raw.loc[ids, info.name].to_numpy()
    for name in r.values.columns:
        values[f"{title(name)} score"] = r.values.loc[ids, name].to_numpy()
    constraint = [(word("constraint"), f"{k.describe()} ({k.reason_fr or k.reason})"
                   if lang == "fr" else f"{k.describe()} ({k.reason})")
                  for k in r.scenario.constraints]
    meta_rows = [(word("scenario"), r.scenario.name), (word("title"), r.scenario.title_in(lang)),
                 (word("method"), f"{r.method}: {METHOD_INFO[r.method].label_in(lang)}"),
                 (word("method options"), json.dumps(dict(r.scenario.method_options))),
                 (word("NaN policy"), r.scenario.nan_policy), (word("pack"), r.pack_name),
                 *constraint, *((word("source"), s) for s in r.sources)]
    meta = pd.DataFrame(meta_rows, columns=[heading("item", lang), heading("value", lang)])
    write_xlsx_sheets(tmp, {
        word("sites"): localise_table(table, lang, r.scenario),
        word("criteria"): values,
        word("weights"): localise_table(weights_table(r, lang), lang, r.scenario),
        word("method and sources"): meta})


def write_xlsx_sheets(path: str | os.PathLike[str], sheets: Mapping[str, pd.DataFrame]) -> None:
    """Write each table (without its index) to a sheet of one workbook, strings as text.

    Every XLSX that siteplan writes goes through here. siteplan never writes a formula, so
    a string that openpyxl would store as a live formula (``=HYPERLINK(...)`` as a site
    name) or as an error value (``#N/A``) is stored as the same text instead
    (see :func:`cells_as_text`). Sheet names are cut to Excel's 31 characters.
    """
    import pandas as pd

    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        for name, df in sheets.items():
            safe = _xlsx_safe(df)
            safe.to_excel(xl, sheet_name=name[:31], index=False)
            _dress_sheet(xl.sheets[name[:31]], safe)
        cells_as_text(xl.book)


#: column-name fragments of shares in [0, 1], shown as percentages in XLSX
_SHARE_WORDS = ("share", "acceptability", "membership", "stability", "frequency")


def _number_format(name: str, s: pd.Series) -> str | None:
    """The Excel number format of a column: scores to 3 decimals, counts and large figures
    with thousands separators, shares as percentages (None: leave the cell as it is)."""
    import pandas as pd

    if s.dtype == bool or not pd.api.types.is_numeric_dtype(s.dtype):
        return None
    v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return None
    low = name.lower()
    if any(w in low for w in _SHARE_WORDS) and v.min() >= 0 and v.max() <= 1:
        return "0.0%"
    if low in ("lon", "lat") or low.endswith(("_lon", "_lat")):
        return "0.00000"
    if pd.api.types.is_integer_dtype(s.dtype) or bool(np.all(v == np.round(v))):
        return "#,##0"
    if np.abs(v).max() >= 1000:
        return "#,##0"
    return "0.000"


def _dress_sheet(ws: Any, df: pd.DataFrame) -> None:
    """Frozen header, a filter on every column, widths that fit and number formats."""
    from openpyxl.utils import get_column_letter

    n_rows, n_cols = df.shape
    if n_cols == 0:
        return
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(n_cols)}{n_rows + 1}"
    for j, col in enumerate(df.columns, start=1):
        letter = get_column_letter(j)
        s = df[col]
        lengths = [len(str(v)) for v in s.head(200)]
        width = max([len(str(col)), *lengths])
        ws.column_dimensions[letter].width = min(max(8, width + 2), 60)
        fmt = _number_format(str(col), s)
        if fmt is not None:
            for cell in ws.iter_rows(min_row=2, max_row=n_rows + 1, min_col=j, max_col=j):
                cell[0].number_format = fmt


def _xlsx_safe(df: pd.DataFrame) -> pd.DataFrame:
    """The table with control characters in text cells and headers shown as ``\\xNN``.

    XLSX (XML 1.0) cannot hold most C0 control characters: openpyxl refuses the whole
    workbook. A site name carrying one (pasted from another system) is kept readable
    instead of failing the export.
    """
    import pandas as pd
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def fix(v: Any) -> Any:
        if isinstance(v, str) and ILLEGAL_CHARACTERS_RE.search(v):
            return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", v)
        return v

    text_cols = [c for c in df.columns if df[c].dtype == object
                 or pd.api.types.is_string_dtype(df[c].dtype)]
    if not text_cols and not any(isinstance(c, str) and ILLEGAL_CHARACTERS_RE.search(c)
                                 for c in df.columns):
        return df
    out = df.copy()
    for c in text_cols:
        out[c] = out[c].map(fix)
    out.columns = [fix(c) for c in out.columns]
    return out


def cells_as_text(book: Any) -> int:
    """Turn every formula or error cell of an openpyxl workbook into a text cell.

    The text is kept exactly; the cell also gets Excel's quote prefix, so that editing it
    in a spreadsheet does not turn it into a formula. Returns the number of cells changed.
    """
    changed = 0
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type in ("f", "e") and isinstance(c.value, str):
                    c.data_type = "s"
                    c.quotePrefix = True
                    changed += 1
    return changed


def ranking_markdown(r: Ranking, top: int | None = None, lang: str = "en") -> str:
    """A Markdown report in ``lang``: header, weights, ranked table, exclusions."""
    fr = lang == "fr"
    t = ranking_table(r, criteria_values=False)
    inc = t[~t["excluded"]]
    if top:
        inc = inc.head(top)
    lenses = [lens for lens in LENSES if inc[lens].notna().any()]
    cols = ["rank", "name", "province", "region", "score", *lenses, "strongest", "weakest"]
    title = markdown_escape(r.scenario.title_in(lang) or r.scenario.name)
    name = METHOD_INFO[r.method].label_in(lang)
    method = (f"Méthode : {name}. Scénario {markdown_code(r.scenario.name)}."
              if fr else
              f"Method: {name}. Scenario {markdown_code(r.scenario.name)}.")
    weights = weights_table(r, lang)[["criterion", "label", "unit", "direction", "weight"]]
    lines = [f"# {'Classement' if fr else 'Ranking'}: {title}".replace(":", " :", 1 if fr
                                                                        else 0), "",
             method, "", f"## {'Poids' if fr else 'Weights'}", "",
             markdown_table(localise_table(weights, lang, r.scenario), lang=lang),
             "## Sites", "", markdown_table(localise_table(inc[cols], lang, r.scenario),
                                            lang=lang)]
    exc = t[t["excluded"]]
    if len(exc):
        lines += [f"## {sheet_name('Excluded', lang)}", "",
                  markdown_table(localise_table(exc[["name", "province", "reasons"]], lang,
                                                r.scenario), lang=lang)]
    lines += ["## Sources", ""] + [f"- {markdown_escape(s)}" for s in r.sources] + [""]
    return "\n".join(lines)


def write_json(obj: Mapping[str, Any] | Sequence[Any], path: str | os.PathLike[str],
               overwrite: bool = False) -> Path:
    """Write JSON (UTF-8, indented; NaN as null) atomically."""
    text = json.dumps(_clean(obj), indent=2, ensure_ascii=False)
    return write_text_atomic(check_writable(path, overwrite), text + "\n", overwrite)


def _clean(obj: Any) -> Any:
    import math

    import numpy as np

    if isinstance(obj, Mapping):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _clean(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and (math.isnan(obj) or math.isinf(obj)):
        return None
    return obj


def write_table(df: pd.DataFrame, path: str | os.PathLike[str], fmt: str | None = None,
                overwrite: bool = False, sheets: Mapping[str, pd.DataFrame] | None = None,
                allowed: Sequence[str] = ("csv", "xlsx", "md", "json")) -> Path:
    """Write a plain table as CSV, XLSX (with optional extra sheets), Markdown or JSON records."""
    p = check_writable(path, overwrite)
    kind = format_for(p, fmt, tuple(allowed))
    if kind == "csv":
        return write_text_atomic(p, csv_text(df), overwrite)
    if kind == "md":
        return write_text_atomic(p, markdown_table(df), overwrite)
    if kind == "json":
        return write_json(df.to_dict(orient="records"), p, overwrite)

    return write_with(p, lambda tmp: write_xlsx_sheets(tmp, {"table": df, **(sheets or {})}),
                      overwrite)
