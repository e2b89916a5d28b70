"""What the command-line subcommands share: their profile options, reading a Profile file, today's
date, the analysis, one-line errors."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from flows.analysis import Analysis, LoanAnalysis, Strategy, analyse
from flows.core.clock import Clock, SystemClock
from flows.core.dialog import LOCAL_TZ
from flows.core.models import MAX_EXTRA_FIELDS, MAX_LOANS, Profile
from flows.core.texts import render
from flows.negotiation.script import find_loan


class CliError(Exception):
    """A problem the user can fix, reported by `debt-coach` as one line on stderr with exit code 2."""


MAX_PROFILE_BYTES = 64 * 1024
"""The largest Profile JSON file read: a real profile is a few KB."""

CONSOLE_PREFIX = "console:"
TRANSPORT_PREFIXES = ("console:", "tg:")


def user_id(given: str) -> str:
    """Return the stored user id a `--user` value means: `7` is the console's `console:7`.

    `debt-coach chat --user 7` stores its person as `console:7`; every other subcommand reads
    `--user` through this, so `profile export --user 7` finds the same person.  Ids that already
    name their transport (`console:7`, `tg:12345`) are kept as given.
    """
    given = given.strip()
    if given.startswith(TRANSPORT_PREFIXES):
        return given
    return f"{CONSOLE_PREFIX}{given}"


def read_profile(path: str) -> Profile:
    """Read and validate a Profile JSON file (the Profile contract), at most `MAX_PROFILE_BYTES`.

    Raises:
        CliError: The file cannot be read, is too large, holds too many loans or extra fields (a
            kind sentence in Chinese), or the first invalid field, named.
    """
    try:
        with Path(path).open("rb") as file:
            data = file.read(MAX_PROFILE_BYTES + 1)
    except OSError as error:
        raise CliError(f"cannot read {path}: {error.strerror}") from error
    if len(data) > MAX_PROFILE_BYTES:
        raise CliError(render("cli/import_too_large", limit=MAX_PROFILE_BYTES // 1024))
    try:
        return Profile.model_validate_json(data)
    except ValidationError as error:
        first = error.errors()[0]
        if first["loc"] == ("loans",) and first["type"] == "too_long":
            raise CliError(render("cli/import_too_many_loans", limit=MAX_LOANS)) from None
        if "fields beyond the contract" in first["msg"]:
            raise CliError(render("cli/import_too_many_fields", limit=MAX_EXTRA_FIELDS)) from None
        where = ".".join(str(part) for part in first["loc"]) or "(file)"
        raise CliError(f"invalid profile: field {where}: {first['msg']}") from error


def platform_loan(analysis: Analysis, name: str) -> LoanAnalysis:
    """Find the loan a `--platform NAME` means (its name or an alias).

    Raises:
        CliError: No such platform, with the known ones listed.
    """
    loan = find_loan(analysis, name)
    if loan is None:
        owed = [loan.key for loan in analysis.loans if loan.status != "cleared"]
        known = ", ".join(owed) or "(none: nothing is owed)"
        raise CliError(f"unknown platform {name!r}; known platforms: {known}")
    return loan


def today(given: date | None, clock: Clock | None = None) -> date:
    """Return `--today` when given, else today's date in China."""
    return given or (clock or SystemClock()).now().astimezone(LOCAL_TZ).date()


def add_profile_arguments(parser: argparse.ArgumentParser, *, platform: bool = False) -> None:
    """Add PROFILE.json, `--today` and, for commands about one platform, a required `--platform`."""
    parser.add_argument("profile", metavar="PROFILE.json")
    if platform:
        parser.add_argument("--platform", required=True, help="platform name as in the profile (or an alias)")
    parser.add_argument("--today", type=date.fromisoformat, help="today's date, YYYY-MM-DD (default: today in China)")


def analysed_profile(
    args: argparse.Namespace, clock: Clock | None = None, strategy: Strategy = "avalanche"
) -> tuple[Profile, date, Analysis]:
    """Read `args.profile` and analyse it as of `--today` (or today in China).

    Raises:
        CliError: The profile file cannot be read or is invalid.
    """
    profile = read_profile(args.profile)
    day = today(args.today, clock)
    return profile, day, analyse(profile, today=day, strategy=strategy)
