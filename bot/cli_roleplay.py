"""`debt-coach roleplay PROFILE.json --platform NAME [--persona P]`: rehearse one call in the terminal.

Reads the user's replies from stdin, one per line; `/hint` shows what the script would say now,
`/endcall` (or the end of input) ends the call and prints the score card. Nothing is stored.
"""

from __future__ import annotations

import argparse
import secrets
import sys
from typing import TextIO

from bot.cli_support import add_profile_arguments, analysed_profile, platform_loan
from bot.settings import Settings
from flows.core.clock import Clock
from flows.core.texts import render
from flows.crisis.replies import crisis_text
from flows.crisis.signals import detect_signals
from flows.negotiation.script import build_script
from flows.parsing import normalise
from flows.roleplay import (
    PERSONAS,
    Stage,
    card_messages,
    coach_persona,
    hang_up,
    hint,
    score_call,
    start_call,
    take_turn,
)

STARTS = tuple(stage.value for stage in Stage if stage not in (Stage.objection, Stage.ended))


def _say(out: TextIO, *texts: str) -> None:
    for text in texts:
        out.write(text + "\n\n")
    out.flush()


def run(args: argparse.Namespace, settings: Settings | None = None, clock: Clock | None = None,
        stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Run `roleplay`: play one call against stdin and print the score card.

    Args:
        args: Parsed arguments (profile, platform, persona, stage, seed, today).
        settings: The settings `bot.cli.main` read (unused: a profile file needs no database).
        clock: Where today comes from when `--today` is not given.
        stdin: Where the replies come from (default: sys.stdin).
        stdout: Where the call is printed (default: sys.stdout).

    Returns:
        The exit code, 0. An unreadable profile or an unknown platform raises CliError.
    """
    inp, out = stdin or sys.stdin, stdout or sys.stdout
    profile, today, analysis = analysed_profile(args, clock)
    loan = platform_loan(analysis, args.platform)
    script = build_script(profile, analysis, loan.key, today=today)
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    call, lines = start_call(loan, args.persona or coach_persona(loan), seed=seed, name=(profile.name or "").strip(),
                             script=script, stage=Stage(args.stage))
    _say(out, *lines)
    interactive = inp.isatty()
    while True:
        if interactive:
            out.write("> ")
            out.flush()
        raw = inp.readline()
        text = normalise(raw)
        if not raw or text.lower() in ("/endcall", "/end"):
            hang_up(call)
            _say(out, render("roleplay/hung_up"))
            break
        if text.lower() == "/hint":
            _say(out, hint(call, script))
            continue
        if text and detect_signals(text).crisis:
            _say(out, crisis_text())
            return 0
        turn = take_turn(call, text)
        _say(out, *turn.lines)
        if turn.ended:
            break
    card = score_call(call, script)
    _say(out, *card_messages(card, [card.attempt()]))
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `roleplay` subcommand.

    Args:
        subparsers: The `debt-coach` subcommand set.
    """
    parser = subparsers.add_parser("roleplay", help="rehearse a negotiation call with one platform (stdin/stdout)")
    add_profile_arguments(parser, platform=True)
    parser.add_argument("--persona", choices=PERSONAS,
                        help="who the coach plays (default: chosen by the platform's collection pressure)")
    parser.add_argument("--stage", choices=STARTS, default=Stage.opening.value,
                        help="start the call at this stage (a replay starts at the card's weakest stage)")
    parser.add_argument("--seed", type=int, help="pick the persona's lines reproducibly")
    parser.set_defaults(func=run)
