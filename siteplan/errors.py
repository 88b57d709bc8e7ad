"""Errors raised by the siteplan API.

Every error carries a one-line, user-facing message that names the file, the
field and the fix. The CLI turns them into exit codes without a traceback:
``UsageError`` subclasses exit with 2 (the user asked for something that cannot
be), every other ``SiteplanError`` exits with 1 (the data or the domain failed).
"""

from __future__ import annotations


class SiteplanError(Exception):
    """Base class of every error siteplan raises on purpose."""

    exit_code: int = 1


class UsageError(SiteplanError, ValueError):
    """A wrong option, weight, criterion name or scenario field (exit code 2)."""

    exit_code = 2


class ScenarioError(UsageError):
    """A scenario file that cannot be read or does not validate."""


class CriterionError(UsageError):
    """An unknown criterion, layer or column, or invalid criterion parameters."""


class LayerError(SiteplanError, ValueError):
    """A layer that cannot be read or does not validate against its manifest.

    ``problems`` lists every problem found (file, column, row), so that one
    message reports all of them at once.
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = list(problems or [])
        full = message if not self.problems else message + ": " + "; ".join(self.problems)
        super().__init__(full)


class DataError(SiteplanError, ValueError):
    """Data that make a computation impossible (NaN policy, no candidate left, ...)."""


class PlanError(SiteplanError):
    """An infeasible or failed optimisation; the message names the constraints."""


class OutputError(SiteplanError):
    """An output that cannot be written (exists without --overwrite, bad extension)."""


#: The last input file siteplan started to read (see :func:`note_input`): named by the
#: CLI's last-resort "internal error" line, so that even an unforeseen failure says
#: which of the user's files it was reading.
_last_input: list[str] = []


def note_input(path: object) -> None:
    """Record that ``path`` is being read (cheap: one list slot)."""
    _last_input[:] = [str(path)]


def last_input() -> str | None:
    """The input most recently noted, or None."""
    return _last_input[0] if _last_input else None
