"""What the command-line subcommands share: reading a Profile file, today's date, one-line errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import ValidationError

from flows.analysis import Analysis, LoanAnalysis
from flows.clock import Clock, SystemClock
from flows.dialogs.base import LOCAL_TZ
from flows.models import Profile
from flows.negotiation import find_loan


class CliError(Exception):
    """A problem the user can fix, reported by `debt-coach` as one line on stderr with exit code 2."""


def read_profile(path: str) -> Profile:
    """Read and validate a Profile JSON file (the Profile contract).

    Raises:
        CliError: The file cannot be read, or the first invalid field, named.
    """
    try:
        return Profile.model_validate_json(Path(path).read_bytes())
    except OSError as error:
        raise CliError(f"cannot read {path}: {error.strerror}") from error
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(file)"
        raise CliError(f"invalid profile: field {where}: {first['msg']}") from error


def platform_loan(analysis: Analysis, name: str) -> LoanAnalysis:
    """Find the loan a `--platform NAME` means (its name or an alias).

    Raises:
        CliError: No such platform, with the known ones listed.
    """
    loan = find_loan(analysis, name)
    if loan is None:
        known = ", ".join(analysis.priority) or "(none: nothing is owed)"
        raise CliError(f"unknown platform {name!r}; known platforms: {known}")
    return loan


def today(given: date | None, clock: Clock | None = None) -> date:
    """Return `--today` when given, else today's date in China."""
    return given or (clock or SystemClock()).now().astimezone(LOCAL_TZ).date()
