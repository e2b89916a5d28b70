"""The role-play reader against how borrowers really talk on these calls.

`tests/data/roleplay_lines.txt` holds at least 80 lines per label (each with its full label set);
every label must be read right (recall and precision) on at least 95% of them, and whole label
sets on at least 95% of the lines; misses are printed. `roleplay_lines_heldout.txt` was written
after tuning and is never tuned on: its accuracy is printed, and only guarded against collapse.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from flows.roleplay.reading import Flag, Label, read_reply

DATA = Path(__file__).parent / "data"
MIN_LINES = 80
TARGET = 0.95
HELDOUT_FLOOR = 0.6
"""Not a target: the held-out set shows how the lexicons generalise; this only catches a collapse."""


def _load(name: str) -> list[tuple[frozenset[str], str]]:
    rows: list[tuple[frozenset[str], str]] = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        labels, _, text = line.partition(" | ")
        assert text, f"no ' | ' in {line!r}"
        rows.append((frozenset(label for label in labels.split() if label != "-"), text))
    return rows


def _measure(rows: list[tuple[frozenset[str], str]]) -> tuple[float, dict[str, tuple[float, float, int]], list[str]]:
    """Exact-set accuracy, per label (recall, precision, count), and the misses."""
    hits, false_pos, false_neg = Counter[str](), Counter[str](), Counter[str]()
    exact, misses = 0, []
    for expected, text in rows:
        got = frozenset(str(label) for label in read_reply(text).labels)
        exact += got == expected
        if got != expected:
            misses.append(f"{text!r}: expected {sorted(expected)}, read {sorted(got)}")
        for label in got & expected:
            hits[label] += 1
        for label in got - expected:
            false_pos[label] += 1
        for label in expected - got:
            false_neg[label] += 1
    per_label = {}
    for label in Label:
        name = str(label)
        count = hits[name] + false_neg[name]
        recall = hits[name] / count if count else 0.0
        precision = hits[name] / (hits[name] + false_pos[name]) if hits[name] + false_pos[name] else 0.0
        per_label[name] = (recall, precision, count)
    return exact / len(rows), per_label, misses


def _report(title: str, exact: float, per_label: dict[str, tuple[float, float, int]], misses: list[str]) -> str:
    lines = [f"{title}: whole label sets {exact:.1%}"]
    lines += [f"  {name:17} n={count:4}  recall {recall:.1%}  precision {precision:.1%}"
              for name, (recall, precision, count) in per_label.items()]
    return "\n".join([*lines, *(f"  miss {miss}" for miss in misses)])


def test_every_label_has_at_least_80_lines() -> None:
    counts = Counter(label for labels, _ in _load("roleplay_lines.txt") for label in labels)
    short = {str(label): counts[str(label)] for label in Label if counts[str(label)] < MIN_LINES}
    assert not short, short


def test_the_measured_set_has_no_duplicates_and_only_known_labels() -> None:
    rows = _load("roleplay_lines.txt") + _load("roleplay_lines_heldout.txt")
    texts = Counter(text for _, text in rows)
    assert [text for text, count in texts.items() if count > 1] == []
    known = {str(label) for label in Label}
    assert {label for labels, _ in rows for label in labels} <= known


def test_every_label_is_read_right_on_95_percent() -> None:
    exact, per_label, misses = _measure(_load("roleplay_lines.txt"))
    report = _report("roleplay_lines.txt", exact, per_label, misses)
    print(report)
    weak = {name: values for name, values in per_label.items() if min(values[:2]) < TARGET}
    assert not weak and exact >= TARGET, report


def test_held_out_lines_are_reported() -> None:
    exact, per_label, misses = _measure(_load("roleplay_lines_heldout.txt"))
    report = _report("roleplay_lines_heldout.txt (never tuned on)", exact, per_label, misses)
    print(report)
    assert exact >= HELDOUT_FLOOR, report


def test_question_topics_are_read() -> None:
    rows = [line.split(" | ", 1) for line in (DATA / "roleplay_questions.txt").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    misses = [f"{text!r}: {topic} not in {read_reply(text).topics}" for topic, text in rows
              if topic not in read_reply(text).topics]
    print("\n".join(misses))
    assert len(rows) >= 90 and len(misses) <= len(rows) * (1 - TARGET), misses


D = Decimal
FIGURES: list[tuple[str, dict[str, object]]] = [
    ("我每月能还一千二，15号还第一期", {"monthly": D(1200)}),
    ("一千二一个月，月底前还", {"monthly": D(1200)}),
    ("每月１２００，１５号还", {"monthly": D(1200)}),
    ("每月1,200元，下个月1号开始还", {"monthly": D(1200)}),
    ("每月1250.5元", {"monthly": D("1250.5")}),
    ("每月1.2k，发工资那天还", {"monthly": D(1200)}),
    ("我先还五百，以后每月一千", {"first_payment": D(500), "monthly": D(1000)}),
    ("首期先付2000，后面每期800，分十二期", {"first_payment": D(2000), "monthly": D(800), "installments": 12}),
    ("每个月八九百我应该可以", {"monthly": D(900)}),
    ("一次还两万真拿不出来 我下周能先还一千", {"first_payment": D(1000), "refused": (D(20000),)}),
    ("先还五千？我哪来五千", {"offered": (), "refused": (D(5000), D(5000))}),
    ("修车花了三万", {"offered": ()}),
    ("我上个月已经还了500", {"offered": ()}),
    ("对，本人，后四位是3817", {"offered": ()}),
    ("我明天一次性把两万全还了", {"lump_sum": D(20000), "full": True}),
    ("好，我今天就想办法全部还清", {"offered": (), "full": True}),
    ("666", {"offered": ()}),
]


@pytest.mark.parametrize(("text", "expected"), FIGURES, ids=[text for text, _ in FIGURES])
def test_figures_are_exact_and_only_what_is_offered(text: str, expected: dict[str, object]) -> None:
    figures = read_reply(text).figures
    for name, value in expected.items():
        assert getattr(figures, name) == value, f"{text!r}: {name} is {getattr(figures, name)!r}"
    assert all(isinstance(value, Decimal) for value in figures.offered)


FLAGS: list[tuple[str, Flag]] = [
    ("是我，我是李明", Flag.identity), ("喂", Flag.identity), ("好的", Flag.accept), ("求求你别告诉我家人", Flag.panic),
    ("对，我承认我是老赖", Flag.admits_false), ("我想申请延期三个月", Flag.extension), ("没有了，谢谢，再见", Flag.bye),
    ("收到短信后我按时还", Flag.next_step),
]


@pytest.mark.parametrize(("text", "flag"), FLAGS, ids=[text for text, _ in FLAGS])
def test_flags_that_steer_the_call(text: str, flag: Flag) -> None:
    assert read_reply(text).says(flag)


def test_empty_lines_carry_nothing() -> None:
    for text in ("", "   "):
        reading = read_reply(text)
        assert reading.empty and not reading.labels and not reading.topics


@pytest.mark.parametrize(
    ("text", "dated"),
    [("12月1号还第一期", True), ("下个月开始", True), ("发工资当天就还", True), ("明天还", True),
     ("我想分12期", False), ("延期三个月", False), ("半年内还清", False), ("每月1000", False)],
)
def test_a_date_is_told_from_a_count_or_a_period(text: str, dated: bool) -> None:
    found = read_reply(text)
    assert found.dated is dated
    assert found.says(Label.schedule) is (text != "每月1000")  # both still make a schedule
