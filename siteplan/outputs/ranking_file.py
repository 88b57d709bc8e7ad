"""Read a ranking saved by ``siteplan rank`` (JSON or GeoPackage) back into a :class:`Ranking`.

Writing is in :mod:`siteplan.outputs.files`; reading lives here, in outputs, so that the
scoring core never touches files.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from siteplan._atomic import read_text
from siteplan.errors import DataError
from siteplan.outputs.files import read_gpkg_ranking_json
from siteplan.outputs.formats import RANKING_FILE
from siteplan.scoring.ranking import Ranking


def read_ranking(path: str | os.PathLike[str]) -> Ranking:
    """Read a ranking saved by ``siteplan rank`` as JSON or GeoPackage."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: no such file; give the JSON or GeoPackage written by "
                        "'siteplan rank'")
    with p.open("rb") as fh:
        sqlite = fh.read(16) == b"SQLite format 3\x00"  # a GeoPackage, whatever its name
    kind = RANKING_FILE.format_of(p)
    if kind == "json" and not sqlite:
        try:
            d = json.loads(read_text(p, "the ranking JSON", DataError))
        except json.JSONDecodeError as exc:
            raise DataError(f"{p}: not valid JSON ({exc}); give a ranking written by "
                            "'siteplan rank -o ranking.json'") from None
        if not isinstance(d, dict):
            raise DataError(f"{p}: not a siteplan ranking (a JSON object is expected)")
        return Ranking.from_dict(d, str(p))
    if kind == "gpkg" or sqlite:
        return Ranking.from_dict(read_gpkg_ranking_json(p), str(p))
    raise DataError(f"{p}: unknown ranking format '{p.suffix}'; give .json or .gpkg")
