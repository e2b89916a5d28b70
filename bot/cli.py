"""The `debt-coach` command line: chat, profile, schema, plan and run."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence

from bot import cli_keys, cli_plan, cli_reminders, cli_roleplay, cli_run, cli_script
from bot.cli_support import CliError, read_profile, user_id
from bot.settings import Settings, SettingsError, load_settings
from flows.core.engine import Engine
from flows.core.models import Profile
from flows.core.session import Session
from flows.storage import StorageError, open_store
from flows.storage.base import Store

Registrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]
FEATURE_COMMANDS: tuple[Registrar, ...] = (
    cli_plan.register,
    cli_script.register,
    cli_roleplay.register,
    cli_reminders.register,
    cli_run.register,
    cli_keys.add_parser,
)


def add_db_option(parser: argparse.ArgumentParser) -> None:
    """Add `--db PATH`; without it DATABASE_URL, else the embedded default, is used."""
    parser.add_argument("--db", metavar="PATH", help="SQLite file (default: DATABASE_URL or the embedded file)")


def store_from(args: argparse.Namespace, settings: Settings) -> Store:
    """Open the store the arguments name: `--db`, else the settings' DATABASE_URL and key."""
    db_path = getattr(args, "db", None)
    try:
        key = settings.key_material()
    except SettingsError as error:
        raise CliError(str(error)) from None
    return open_store(None if db_path else settings.database_url, db_path=db_path, key=key)


def _chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.console import chat

    store = store_from(args, settings)
    try:
        return chat(Engine(store), user_id(args.user))
    finally:
        store.close()


def _profile_export(args: argparse.Namespace, settings: Settings) -> int:
    user = user_id(args.user)
    store = store_from(args, settings)
    try:
        session = store.load_session(user)
    finally:
        store.close()
    if session is None or session.profile is None:
        print(f"error: no stored profile for user {user}", file=sys.stderr)
        return 1
    print(session.profile.model_dump_json(indent=2, exclude_none=True))
    return 0


def _profile_import(args: argparse.Namespace, settings: Settings) -> int:
    profile = read_profile(args.file)
    user = user_id(args.user)
    store = store_from(args, settings)
    try:
        session = store.load_session(user) or Session.new(user)
        session.profile = profile
        session.consent = True
        session.stack = ["home"]
        store.save_session(session)
    finally:
        store.close()
    print(f"stored profile for user {user} ({len(profile.loans)} loans)")
    return 0


def _schema(args: argparse.Namespace, settings: Settings) -> int:
    print(json.dumps(Profile.model_json_schema(), ensure_ascii=False, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="debt-coach", description="Debt-negotiation coach.")
    commands = parser.add_subparsers(dest="command", required=True)

    chat = commands.add_parser("chat", help="chat in the terminal (reads stdin, one message per line)")
    add_db_option(chat)
    chat.add_argument("--user", default="local", help="user id for the console (default: local)")
    chat.set_defaults(func=_chat)

    profile = commands.add_parser("profile", help="export or import a stored profile as JSON")
    profile_commands = profile.add_subparsers(dest="profile_command", required=True)
    export = profile_commands.add_parser("export", help="print the stored profile as JSON")
    export.add_argument("--user", required=True, help="user id, e.g. local (the console's), tg:12345")
    add_db_option(export)
    export.set_defaults(func=_profile_export)
    imported = profile_commands.add_parser("import", help="validate and store a profile JSON file")
    imported.add_argument("file")
    imported.add_argument("--user", required=True)
    add_db_option(imported)
    imported.set_defaults(func=_profile_import)

    schema = commands.add_parser("schema", help="print the Profile JSON schema")
    schema.set_defaults(func=_schema)

    for register in FEATURE_COMMANDS:
        register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; errors end in one clear line and a non-zero exit code.

    The settings (environment and `.env`) are read once, here, and every subcommand is called as
    `args.func(args, settings)`, so DATABASE_URL in `.env` means the same database to all of them.
    """
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        code: int = args.func(args, settings)
    except (StorageError, CliError, SettingsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
