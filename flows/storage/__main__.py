"""Storage tools: `python -m flows.storage new-key` prints a new encryption key."""

from __future__ import annotations

import sys

from flows.storage.crypto import generate_key


def main(argv: list[str]) -> int:
    """Run the command named in `argv`; return the process exit status."""
    if argv == ["new-key"]:
        print(generate_key().decode())
        return 0
    print("usage: python -m flows.storage new-key", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
