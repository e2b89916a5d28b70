"""`debt-coach script PROFILE.json --platform NAME [--goal GOAL]`: the call script for one platform."""

from __future__ import annotations

import argparse

from bot.cli_support import add_profile_arguments, analysed_profile, platform_loan
from bot.settings import Settings
from flows.core.clock import Clock
from flows.negotiation.script import GOALS, Goal, build_script


def run(args: argparse.Namespace, settings: Settings | None = None, clock: Clock | None = None) -> int:
    """Run `script`: read a Profile and print the call script for one platform.

    Args:
        args: Parsed arguments (profile, platform, goal, today).
        settings: The settings `bot.cli.main` read (unused: a profile file needs no database).
        clock: Where today comes from when `--today` is not given.

    Returns:
        The exit code, 0. An unreadable profile or an unknown platform raises CliError.
    """
    profile, today, analysis = analysed_profile(args, clock)
    goal: Goal | None = args.goal
    script = build_script(profile, analysis, platform_loan(analysis, args.platform).key, goal, today=today)
    print(script.text())
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `script` subcommand.

    Args:
        subparsers: The `debt-coach` subcommand set.
    """
    parser = subparsers.add_parser("script", help="print the negotiation call script for one platform")
    add_profile_arguments(parser, platform=True)
    parser.add_argument("--goal", choices=GOALS,
                        help="what to ask for (default: chosen from the plan and the collection pressure)")
    parser.set_defaults(func=run)
