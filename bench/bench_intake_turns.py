"""Benchmark: turns each scripted person takes from /start to the plan, against issue 14's bounds.

The people are those of tests/intake_people.py (tests/test_intake_people.py checks the same bounds);
this prints the counts for bench/README.md, with any question asked twice running.

    .venv/bin/python bench/bench_intake_turns.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from intake_people import PEOPLE, play  # noqa: E402

from flows.storage import open_store  # noqa: E402


def main() -> int:
    """Play every scripted person on a fresh SQLite file and print turns to the plan."""
    failed = 0
    print(f"{'person':<26}{'turns':>6}{'most':>6}  asked twice")
    with tempfile.TemporaryDirectory() as folder:
        for name, (person, most) in PEOPLE.items():
            store = open_store(db_path=str(Path(folder) / f"{name}.db"))
            try:
                turns, asked_again = play(store, person)
            finally:
                store.close()
            failed += turns > most or bool(asked_again)
            print(f"{name:<26}{turns:>6}{most:>6}  {len(asked_again)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
