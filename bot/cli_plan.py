"""`debt-coach plan PROFILE.json [--json] [--chart FILE.png]`: the analysis of a profile file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.cli_support import add_profile_arguments, analysed_profile
from bot.settings import Settings
from flows.analysis import analysis_messages, chart_png, plan_json
from flows.core.clock import Clock


def run(args: argparse.Namespace, settings: Settings | None = None, clock: Clock | None = None) -> int:
    """Run `plan`: read a Profile, print the analysis (chat text or JSON), optionally write the chart.

    Args:
        args: Parsed arguments (profile, json, chart, strategy, today).
        settings: The settings `bot.cli.main` read (unused: a profile file needs no database).
        clock: Where today comes from when `--today` is not given.

    Returns:
        The exit code: 0, or 2 for an unreadable or invalid profile or an unwritable chart.
    """
    profile, _, analysis = analysed_profile(args, clock, args.strategy)
    if args.chart:
        try:
            Path(args.chart).write_bytes(chart_png(analysis))
        except OSError as error:
            print(f"error: cannot write {args.chart}: {error.strerror}", file=sys.stderr)
            return 2
    if args.json:
        print(json.dumps(plan_json(analysis), ensure_ascii=False, indent=2))
    else:
        print("\n\n".join(analysis_messages(analysis, profile)))
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `plan` subcommand.

    Args:
        subparsers: The `debt-coach` subcommand set.
    """
    parser = subparsers.add_parser("plan", help="analyse a profile JSON file: real rates, order, plan")
    add_profile_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the machine-readable analysis")
    parser.add_argument("--chart", metavar="FILE.png", help="write the remaining-debt chart")
    parser.add_argument(
        "--strategy",
        choices=("avalanche", "snowball"),
        default="avalanche",
        help="freed money in the contact order: harm, then true cost (avalanche, default), or smallest first",
    )
    parser.set_defaults(func=run)
