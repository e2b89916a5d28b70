"""Scripted people for the intake: what each types, the profile it must end in, a player that counts turns.

Shared by tests/test_intake_people.py (which checks issue 14's bounds) and bench/bench_intake_turns.py
(which prints the counts for bench/README.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conversation import Conversation

from flows.core.engine import Engine
from flows.core.models import Profile
from flows.storage.base import Store

USER = "console:person"
PLAN = "先看看您现在的整体情况"


@dataclass
class Person:
    """What one person types (a tap when it starts with "@"), and the profile it must end in."""

    lines: list[str]
    income: int
    expenses: int
    loans: dict[str, int]
    """Platform -> what is owed ("八千多" is kept as 8,500, marked approximate)."""
    overdue: dict[str, int] = field(default_factory=dict)


ONE_FACT_AT_A_TIME = Person(
    ["@consent_yes", "八千", "三千", "借呗", "一万二", "40天", "@col:frequent", "还有美团的", "五千", "10天",
     "@col:sms", "@more_no"],
    8000, 3000, {"借呗": 12000, "美团借钱": 5000}, {"借呗": 40, "美团借钱": 10})
ONE_MESSAGE_PER_LOAN = Person(
    ["@consent_yes", "工资8000左右", "房租两千 吃饭一千", "借呗欠一万二，逾期40天，天天打电话",
     "美团借钱欠五千，逾期10天，只发短信", "就这些"],
    8000, 3000, {"借呗": 12000, "美团借钱": 5000}, {"借呗": 40, "美团借钱": 10})
SIX_LOANS = Person(
    ["@consent_yes", "6500", "4000",
     "借呗", "一万二", "两个月", "@col:frequent",
     "还有微粒贷", "八千多", "30天", "@col:calls",
     "美团借钱欠五千，逾期10天，只发短信",
     "再加一个京东金条", "三千", "半个月", "@col:sms",
     "还有分期乐，欠6000，逾期20天，天天打电话",
     "还有一家安逸花", "4000", "一个月", "@col:contacts",
     "就这么多"],
    6500, 4000, {"借呗": 12000, "微粒贷": 8500, "美团借钱": 5000, "京东金条": 3000, "分期乐": 6000, "安逸花": 4000})



def play(store: Store, person: Person) -> tuple[int, list[str]]:
    """Play the person from /start; return the turns to the plan and the questions asked twice running."""
    chat = Conversation(Engine(store), USER)
    chat.say("/start")
    asked_again: list[str] = []
    for turns, line in enumerate(person.lines, start=1):
        question = chat.replies[-1].text
        chat.tap(line[1:]) if line.startswith("@") else chat.say(line)
        if PLAN in chat.text:
            return turns, asked_again
        if chat.replies[-1].text == question:
            asked_again.append(f"{question[:30]}… ← {line}")
    raise AssertionError(f"no plan after {len(person.lines)} turns; last: {chat.text[:200]}")


def profile(store: Store) -> Profile:
    """The profile the intake ended with."""
    session = store.load_session(USER)
    assert session is not None and session.profile is not None
    return session.profile


QUESTIONS_AND_A_WORRY = Person(
    ["@consent_yes", "逾期会坐牢吗？", "八千", "你们会把我的信息给别人吗", "三千", "借呗", "我好怕家里人知道", "一万二",
     "利息这么高合法吗？", "40天", "@col:frequent", "@more_no"],
    8000, 3000, {"借呗": 12000}, {"借呗": 40})
ASIDES = {"逾期会坐牢吗？": "一般不会坐牢", "你们会把我的信息给别人吗": "/delete", "我好怕家里人知道": "很正常",
          "利息这么高合法吗？": "24%"}
"""Each question or worry, and a phrase its answer must carry."""


PEOPLE: dict[str, tuple[Person, int]] = {
    "two_loans_fact_by_fact": (ONE_FACT_AT_A_TIME, 12), "one_message_per_loan": (ONE_MESSAGE_PER_LOAN, 6),
    "six_loans": (SIX_LOANS, 30),
}
"""Each scripted person by name, with issue 14's most turns to the plan."""
