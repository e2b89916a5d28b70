"""The JSON contract of `debt-coach plan --json` and the chat messages."""

from __future__ import annotations

import io
import json
import re
import tokenize
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from flows.analysis import analyse, analysis_messages, plan_json
from flows.analysis.apr import RateLike
from flows.core.models import Profile
from flows.core.texts import SCRIPTS_DIR

TODAY = date(2026, 6, 22)
ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


@dataclass(frozen=True)
class Rate:
    text: str
    kind: str
    per_period: Decimal
    annual_simple: Decimal


RATES: dict[str, Rate] = {
    "fee": Rate("fee", "monthly_fee", Decimal("0.006"), Decimal("0.072")),
    "w5": Rate("w5", "daily", Decimal("0.0005"), Decimal("0.1825")),
    "40%": Rate("40%", "annual", Decimal("0.40"), Decimal("0.40")),
}


def parse(text: str) -> RateLike | None:
    return RATES.get(text)


def profile(**overrides: object) -> Profile:
    data: dict[str, object] = {
        "monthly_income": 9000,
        "monthly_expenses": 6000,
        "new_loans_to_repay_old": True,
        "loans": [
            {"platform": "借呗", "principal": 12000, "rate": "fee", "term_months": 12, "licensed": True},
            {"platform": "借呗", "principal": 3000, "rate": "w5", "previous_overdue": True, "overdue_days": 40},
            {"platform": "快借", "principal": 2000, "received": 1600, "rate": "40%", "collection": "threats"},
        ],
    }
    return Profile.model_validate(data | overrides)


def test_contract_shape_and_names() -> None:
    doc = plan_json(analyse(profile(), today=TODAY, parse=parse))
    text = json.dumps(doc, ensure_ascii=False)
    assert json.loads(text) == doc
    for key in (
        "total_outstanding",
        "monthly_available",
        "months_to_clear",
        "priority",
        "loans",
        "warnings",
        "schedule",
        "buffer",
        "shortfall",
    ):
        assert key in doc
    assert doc["total_outstanding"] == 17000 and doc["monthly_available"] == 3000
    assert doc["buffer"] == 150 and doc["shortfall"] == 0 and doc["budget"] == 2850
    # The licensed monthly-fee loan is current: it stays on its contract (1,072 a month for 12 months).
    assert doc["months_to_clear"] == 12
    keys = [loan["platform"] for loan in doc["loans"]]
    assert keys == ["借呗", "借呗 #2", "快借"]
    assert doc["priority"] == ["快借", "借呗 #2"]  # threats first; the current loan needs no call
    for loan in doc["loans"]:
        assert isinstance(loan["apr"], float | None)
        assert isinstance(loan["proposed_monthly"], int | float)
        assert set(loan["flags"]) <= {"above_24", "above_36", "above_4x_lpr", "upfront_deduction"}
        for new in ("lawful_balance", "steady_monthly", "term_months_proposed"):
            assert new in loan
    by_key = {loan["platform"]: loan for loan in doc["loans"]}
    assert 0.1295 <= by_key["借呗"]["apr"] <= 0.131
    # Licensed and above 4 x LPR (12% today): no flag, a note that the 24% line applies instead.
    assert by_key["借呗"]["flags"] == [] and by_key["借呗"]["notes"] == ["licensed_judged_by_24_line"]
    assert by_key["借呗"]["status"] == "current" and by_key["借呗"]["contract_monthly"] == 1072
    # 借呗 is licensed by the platform list even when the user did not say: the 24% line, not 4 x LPR.
    assert by_key["借呗 #2"]["apr"] == 0.1825 and by_key["借呗 #2"]["flags"] == []
    assert by_key["借呗 #2"]["lender"] == "licensed" and by_key["借呗 #2"]["legal_line"]["kind"] == "fin_24"
    assert by_key["快借"]["flags"] == ["above_24", "above_36", "above_4x_lpr", "upfront_deduction"]
    # Upfront deduction: planned on the 1,600 received, not the 2,000 contracted.
    assert by_key["快借"]["lawful_balance"] == 1600 and by_key["快借"]["outstanding"] == 2000
    assert doc["warnings"] == ["new_loans_to_repay_old", "second_overdue", "harsh_collection"]
    first = doc["schedule"][0]
    assert first["month"] == 1 and set(first["payments"]) == set(keys) == set(first["remaining"])
    assert all(value == 0 for value in doc["schedule"][-1]["remaining"].values())
    assert sum(by_key[key]["proposed_monthly"] for key in keys) == sum(first["payments"].values())
    assert sum(first["payments"].values()) + first["saved"] == doc["monthly_available"]
    for key in doc["priority"]:
        steady, term = by_key[key]["steady_monthly"], by_key[key]["term_months_proposed"]
        assert steady == int(steady) and 1 <= term <= 36
        assert steady * (term - 1) < by_key[key]["lawful_balance"] <= steady * term


def test_unaffordable_and_no_money() -> None:
    doc = plan_json(analyse(profile(monthly_income=6100), today=TODAY, parse=parse))
    assert doc["months_to_clear"] is None and doc["schedule"] == []
    assert {"unaffordable", "shortfall"} <= set(doc["warnings"]) and "no_money_left" not in doc["warnings"]
    # 100 yuan left: all of it is the buffer; the shortfall is what the contract and the minimums need.
    assert doc["buffer"] == 100 and doc["budget"] == 0
    assert doc["shortfall"] == 1072 + 100 + 100
    assert sum(loan["proposed_monthly"] for loan in doc["loans"]) == 0
    assert doc["pro_rata"] is True
    broke = plan_json(analyse(profile(monthly_income=5000), today=TODAY, parse=parse))
    assert broke["monthly_available"] == 0 and broke["months_to_clear"] is None
    assert broke["income_gap"] == 1000 and broke["shortfall"] == 1000 + 1072 + 100 + 100
    assert {"no_money_left", "unaffordable"} <= set(broke["warnings"])
    assert all(loan["proposed_monthly"] == 0 for loan in broke["loans"])


def test_no_loans() -> None:
    analysis = analyse(profile(loans=[]), today=TODAY, parse=parse)
    assert plan_json(analysis)["months_to_clear"] == 0
    assert analysis.warnings == ["new_loans_to_repay_old"]
    assert len(analysis_messages(analysis, profile(loans=[]))) == 1


def test_messages_are_few_short_and_say_the_key_facts() -> None:
    p = profile()
    messages = analysis_messages(analyse(p, today=TODAY, parse=parse), p)
    assert 4 <= len(messages) <= 7
    assert all(len(message) < 1500 for message in messages)
    joined = "\n".join(messages)
    assert "17,000 元" in joined and "3,000 元" in joined
    assert "12.95%" in joined or "13.03%" in joined
    assert "两倍" in joined  # the flat monthly fee hides nearly twice the rate
    assert "2026年6月22日" in joined  # the LPR checked-to date next to the LPR figure
    assert "停止计息" in joined  # the plan states its interest assumption
    assert "{{" not in joined and "{%" not in joined


def test_unaffordable_message_shows_lawful_paths_instead_of_a_plan() -> None:
    p = profile(monthly_income=6100)
    messages = analysis_messages(analyse(p, today=TODAY, parse=parse), p)
    joined = "\n".join(messages)
    assert "深圳" in joined and "调解" in joined and "律师" in joined
    assert "全部还清。" not in joined


def test_summaries_never_quoted_and_verbatim_quoted() -> None:
    p = profile()
    joined = "\n".join(analysis_messages(analyse(p, today=TODAY, parse=parse), p))
    assert "依据（大意）：" in joined
    for line in joined.splitlines():
        if line.startswith("依据（大意）"):
            assert "“" not in line.split("：", 1)[1][:1]


def _code_without_comments(path: Path) -> str:
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    return " ".join(token.string for token in tokens if token.type != tokenize.COMMENT)


def test_no_chinese_sentences_in_code() -> None:
    files = [*sorted((ROOT / "flows" / "analysis").glob("*.py")),
             *sorted((ROOT / "flows" / "negotiation").glob("*.py")),
             ROOT / "bot" / "cli_plan.py", ROOT / "bot" / "cli_script.py"]
    for path in files:
        assert not CJK.search(_code_without_comments(path)), path


def test_every_analysis_template_renders_from_scripts_zh() -> None:
    names = sorted(f"analysis/{path.stem}" for path in SCRIPTS_DIR.glob("analysis/*.j2"))
    assert "analysis/standing" in names and "analysis/plan" in names
    for flag in ("above_24", "above_36", "above_4x_lpr", "upfront_deduction"):
        assert f"analysis/flag_{flag}" in names
    for warning in ("new_loans_to_repay_old", "second_overdue", "harsh_collection", "unaffordable", "no_money_left"):
        assert f"analysis/warning_{warning}" in names
