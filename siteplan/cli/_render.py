"""Terminal rendering helpers (rich tables on stdout)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click


def console() -> Any:
    import sys

    from rich.console import Console

    # a pipe or file gets wide lines rather than wrapped cells
    width = None if sys.stdout.isatty() else 200
    return Console(highlight=False, soft_wrap=False, width=width)


def print_table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                justify: Sequence[str] | None = None) -> None:
    """Print a table with rich (plain text when stdout is not a terminal).

    Every string is shown literally: site names such as ``[red]x[/red]`` or ``[/]`` come
    from user files and must be neither interpreted as rich markup nor crash the table.
    """
    from rich.table import Table
    from rich.text import Text

    t = Table(title=None if title is None else Text(title), show_lines=False,
              header_style="bold")
    for i, c in enumerate(columns):
        t.add_column(Text(str(c)), justify=(justify[i] if justify else "left"),  # type: ignore[arg-type]
                     overflow="fold")
    for r in rows:
        t.add_row(*[Text("" if v is None else str(v)) for v in r])
    console().print(t)


def fmt(v: Any, digits: int = 3) -> str:
    """Short human formatting of a number (blank for missing)."""
    import math

    if v is None:
        return ""
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        if abs(v) >= 1000:
            return f"{v:,.0f}"
        return f"{v:.{digits}g}"
    return str(v)


def echo_written(path: Any, what: str = "wrote") -> None:
    click.echo(f"siteplan: {what} {path}", err=True)


@contextmanager
def progress_bar(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr when it is a terminal (nothing otherwise).

    Follows the ``progress`` protocol of ``SurfaceModel.build``.
    """
    import sys

    if not sys.stderr.isatty():
        yield lambda _n: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda k: bar.advance(task, k)
