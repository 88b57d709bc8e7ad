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
    import sys

    if not sys.stdout.isatty():
        click.echo(plain_table(title, columns, rows, justify), nl=False)
        return
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


_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F)}


def _cell(v: Any) -> str:
    """A cell as one line of visible text: control characters (a terminal escape in a
    site name, a tab, a newline) are shown as ``\\xNN``, never sent to the terminal."""
    if v is None:
        return ""
    text = str(v)
    return text if text.isprintable() else text.translate(_CONTROL)  # isprintable: C speed


def plain_table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                justify: Sequence[str] | None = None) -> str:
    """The table as aligned plain text: what a pipe or a file gets (no rich, no boxes).

    Building it is a join over the rows, so a 100,000-row table takes a fraction of a
    second where rich takes about 1 ms a row.
    """
    head = [_cell(c) for c in columns]
    body = [[_cell(v) for v in r] for r in rows]
    widths = [max([len(h), *(len(r[i]) for r in body)]) for i, h in enumerate(head)]
    right = [bool(justify) and justify[i] == "right" for i in range(len(head))]  # type: ignore[index]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if r else c.ljust(w)
                         for c, w, r in zip(cells, widths, right, strict=True)).rstrip()

    out = [] if title is None else [_cell(t) for t in str(title).split("\n")]
    out += [line(head), line(["-" * w for w in widths]), *(line(r) for r in body)]
    return "\n".join(out) + "\n"


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
