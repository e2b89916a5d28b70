"""The bot's chart worker: PNGs drawn in a child process, matplotlib never loaded in the bot."""

from __future__ import annotations

import subprocess
import sys

_DRAW_IN_A_WORKER = """
import sys
from datetime import date
from decimal import Decimal
from bot.charts import ChartProcess
from flows.analysis import analyse
from flows.core.models import Loan, Profile

profile = Profile(monthly_income=Decimal(9000), monthly_expenses=Decimal(5000),
                  loans=[Loan(platform="A", principal=Decimal(10000)), Loan(platform="B", principal=Decimal(3000))])
charts = ChartProcess()
try:
    first = charts(analyse(profile, today=date(2026, 6, 22)))
    second = charts(analyse(profile, today=date(2026, 6, 22), strategy="snowball"))
finally:
    charts.close()
print(first[:8] == b"\\x89PNG\\r\\n\\x1a\\n", second[:8] == b"\\x89PNG\\r\\n\\x1a\\n", len(first) > 10_000)
print("matplotlib" in sys.modules)
"""


def test_charts_are_drawn_in_a_worker_and_matplotlib_stays_out_of_the_bot() -> None:
    done = subprocess.run([sys.executable, "-c", _DRAW_IN_A_WORKER], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["True True True", "False"]
