"""Every file format siteplan writes, defined once.

A *format* is a name (``"csv"``) with the extensions that select it (``.csv``). An
*output* (a ranking, a plan report, a static map...) accepts some formats. Writers take
their list from here to choose the format of a path, and the CLI takes the same lists for
its ``--format`` choices and for checking every output path before any work, so adding a
format to an output is one line in this module plus the writer's branch for it.

This module imports nothing heavy: the CLI reads it at start-up.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from siteplan.errors import OutputError

#: Extension (lower case, with the dot) -> format name. The order is the order of messages.
EXTENSIONS: dict[str, str] = {
    ".csv": "csv", ".json": "json", ".geojson": "geojson", ".gpkg": "gpkg",
    ".xlsx": "xlsx", ".md": "md", ".markdown": "md", ".parquet": "parquet",
    ".png": "png", ".svg": "svg", ".pdf": "pdf", ".html": "html", ".htm": "html",
}


@dataclass(frozen=True)
class Output:
    """One kind of output and the formats it can be written in (first = preferred)."""

    what: str
    formats: tuple[str, ...]

    @property
    def suffixes(self) -> tuple[str, ...]:
        """Accepted extensions, in the order of :attr:`formats`."""
        return tuple(ext for f in self.formats for ext, g in EXTENSIONS.items() if g == f)

    def format_of(self, path: str | os.PathLike[str]) -> str | None:
        """The format named by ``path``'s extension, or None if this output does not take it."""
        found = EXTENSIONS.get(Path(path).suffix.lower())
        return found if found in self.formats else None


RANKING = Output("a ranking", ("csv", "json", "geojson", "gpkg", "xlsx", "md"))
#: What :meth:`siteplan.scoring.ranking.Ranking.from_file` reads back.
RANKING_FILE = Output("a saved ranking", ("json", "gpkg"))
SENSITIVITY = Output("a report", ("json", "csv", "xlsx", "md"))
PLAN = Output("a plan report", ("json", "csv", "xlsx", "md"))
WEIGHTS = Output("weights", ("json", "csv", "md", "xlsx"))
SURFACE = Output("a surface", ("parquet", "gpkg", "csv"))
HOTSPOTS = Output("hotspots", ("csv", "gpkg", "geojson"))
HTML_MAP = Output("a map", ("html",))
STATIC_MAP = Output("a static map", ("png", "svg"))
#: Tornado charts and heatmaps of a sensitivity report.
CHART = Output("a chart", ("png", "svg"))
#: Jobs-by-region and Lorenz charts of a plan (matplotlib writes PDF too).
PLAN_CHART = Output("a chart", ("png", "svg", "pdf"))

#: The CLI's ``--format`` choice that prints to the terminal instead of writing a file.
TABLE = "table"


def format_for(path: str | os.PathLike[str], fmt: str | None = None,
               allowed: tuple[str, ...] | Output = RANKING) -> str:
    """The output format: ``fmt`` if given, else from the extension (OutputError if unknown)."""
    formats = allowed.formats if isinstance(allowed, Output) else tuple(allowed)
    if fmt:
        if fmt not in formats:
            raise OutputError(f"--format {fmt}: unknown; choose one of {', '.join(formats)}")
        return fmt
    suffix = Path(path).suffix.lower()
    found = EXTENSIONS.get(suffix)
    if found is None or found not in formats:
        raise OutputError(f"{path}: cannot tell the format from '{suffix or 'no extension'}'; "
                          f"use one of {', '.join(formats)} (extension or --format)")
    return found
