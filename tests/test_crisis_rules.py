"""Units of the crisis detector: normalisation, each family, each modifier, and the lexicon's own shape."""

from __future__ import annotations

import re
import tokenize
from pathlib import Path

import pytest

from flows.crisis.detector import Assessment, Level, assess
from flows.crisis.lexicon import crisis_lexicon, expand, family_files, load_yaml
from flows.crisis.normalise import fold, simplify

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("我真的不想活了，欠債還不完", "我真的不想活了欠债还不完"),  # traditional, punctuation
        ("想　死", "想死"),  # an ideographic space
        ("ＺＳ算了", "自杀算了"),  # full-width letters, then the evasive spelling
        ("我想紫砂", "我想自杀"),
        ("买了个紫砂壶", "买了个紫砂壶"),  # the teapot stays a teapot
        ("自s算了", "自杀算了"),
        ("真的想4了", "真的想死了"),
        ("还要4个月", "还要4个月"),  # a number stays a number
        ("去4s店", "去4s店"),
        ("不想huo了", "不想活了"),
        ("想死😭😭", "想死"),  # emoji are dropped
    ],
)
def test_fold_normalises_as_people_type(typed: str, folded: str) -> None:
    assert fold(typed).text == folded


def test_fold_keeps_clauses_and_quotes() -> None:
    folded = fold("他说“不想活了” 我也")
    assert folded.text == "他说不想活了我也"
    assert folded.quoted == (False, False, True, True, True, True, False, False)
    assert folded.before(folded.text.index("我")) == ""  # the space ended the clause
    assert folded.previous_clause(folded.text.index("我")) == "他说不想活了"


def test_a_message_wholly_in_quotes_is_the_users_own() -> None:
    assert not any(fold("“我不想活了”").quoted)
    assert assess("“我不想活了”").level == Level.crisis


def test_simplify_is_nfkc_simplified_lower() -> None:
    assert simplify("ＡＢＣ 樓頂") == "abc 楼顶"


@pytest.mark.parametrize(
    ("family", "examples"),
    [
        ("direct", ["我不想活了", "欠这么多 活不下去了", "想自杀", "干脆死了算了", "还不如死了"]),
        ("passive", ["要是能一直睡下去就好了", "出个车祸就好了", "死了就解脱了", "希望明天不要来"]),
        ("burden", ["家里没有我反而轻松", "没有我他们会过得更好", "我死了他们就解脱了"]),
        ("debt_death", ["人一走账就清了吧", "人死了网贷是不是就不用还了", "还不起就拿命还"]),
        ("farewell", ["替我跟孩子说声对不起", "遗书写好了", "下辈子再报答你们"]),
        ("arrangements", ["存折密码我写在本子上了", "孩子以后就拜托你了", "保险受益人我改成女儿了"]),
        ("place", ["今晚去江边站一会儿就不回来了", "我现在在天台上", "站在楼顶往下看"]),
        ("means", ["攒了一瓶安眠药", "买了木炭和胶带", "偷偷攒了三十多片药"]),
        ("method", ["吃多少片安眠药会死", "有没有不痛的死法", "几楼跳下去会死"]),
        ("self_harm", ["又割手了", "忍不住扇自己耳光", "控制不住想伤害自己"]),
        ("plan", ["已经想好了怎么死", "明天就去跳河", "时间地点都想好了"]),
        ("attempt", ["上次吃了一瓶安眠药被救回来了", "我自杀过两次", "没死成"]),
    ],
)
def test_each_crisis_family_is_recognised(family: str, examples: list[str]) -> None:
    for text in examples:
        found = assess(text)
        assert found.level == Level.crisis, text
        assert family in found.families, (text, found)


@pytest.mark.parametrize(
    ("family", "examples"),
    [
        ("distress", ["真的撑不住了", "走投无路了", "活着没意思"]),
        ("driven", ["催收说要逼死我", "你们这是要逼死我啊"]),
        ("topic", ["自杀犯法吗", "跳楼的人是怎么想的"]),
    ],
)
def test_check_in_families_raise_a_check_in(family: str, examples: list[str]) -> None:
    for text in examples:
        found = assess(text)
        assert found.level == Level.check_in, (text, found)
        assert family in found.families, (text, found)


@pytest.mark.parametrize(
    ("text", "level", "modifier"),
    [
        ("我不会想不开的", Level.check_in, "negation"),
        ("我不想死 只想把债还清", Level.check_in, "negation"),
        ("放心 我不会做傻事", Level.check_in, "negation"),
        ("我才不会为了这点钱去死", Level.check_in, "negation"),
        ("我为什么不去死", Level.crisis, None),  # a rhetorical "why not" is no negation
        ("我是不是该去死", Level.crisis, None),
        ("利息高得吓死人", Level.none, "hyperbole"),
        ("忙死了", Level.none, "hyperbole"),
        ("累死了今天加班", Level.none, "hyperbole"),
        ("笑死", Level.none, "hyperbole"),
        ("尴尬得想死", Level.check_in, "hyperbole"),  # exaggerated, but still a wish about oneself
        ("烦死了 真想死", Level.crisis, "hyperbole"),  # the exaggeration is cut out, the wish is not
        ("我朋友想自杀", Level.check_in, "other_person"),
        ("我朋友失恋了，要自杀", Level.check_in, "other_person"),  # the subject carries over
        ("我老公说还不上就去死", Level.check_in, "other_person"),
        ("他撑不住了 把工作辞了", Level.none, "other_person"),  # someone else's distress
        ("他说'不想活了'", Level.check_in, "quotation"),
        ("我跟老婆说“我不想活了”", Level.crisis, None),  # quoting oneself is one's own words
        ("电视剧里那个人说“我不想活了”", Level.none, "fiction_quote"),
        ("看了这部电影 我也不想活了", Level.crisis, None),
    ],
)
def test_modifiers(text: str, level: Level, modifier: str | None) -> None:
    found = assess(text)
    assert found.level == level, found
    if modifier:
        assert modifier in found.modifiers, found


def test_own_wish_never_falls_to_none() -> None:
    mods = load_yaml("modifiers")["modifiers"]
    for name in ("negation", "hyperbole"):
        assert mods[name]["lowers"] == {"crisis": "check_in"}, name
        assert not mods[name].get("drops", []) or mods[name]["drops"] == ["distress"]


@pytest.mark.parametrize(
    "text",
    ["死活不给我分期", "手机死机了", "想死你了哈哈", "跳楼价甩卖", "买了个紫砂壶", "我已经死心了", "该死的催收",
     "", "   ", "😭"],
)
def test_idioms_and_empty_messages_are_none(text: str) -> None:
    assert assess(text).level == Level.none


def test_assessment_names_no_text_and_is_deterministic() -> None:
    text = "催收天天打电话 我真的撑不住了 家里没我会轻松点"
    first, second = assess(text), assess(text)
    assert first == second and first.level == Level.crisis
    assert first.families == {"burden", "distress"}
    assert isinstance(first, Assessment)
    assert all(name.isascii() for name in first.families | first.modifiers)
    assert bool(first) and not bool(assess("借呗欠一万二"))


def test_lexicon_files_are_well_formed() -> None:
    lexicon = crisis_lexicon()
    names = {family.name for family in lexicon.families}
    assert len(names) == len(family_files()) == 15
    for name in family_files():
        entry = load_yaml(name.removeprefix("crisis/"))
        assert entry["level"] in {"crisis", "check_in"}, name
        assert set(entry) <= {"level", "phrases", "patterns"}, name
    assert {m.name for m in lexicon.modifiers} == {"negation", "hyperbole", "other_person", "fiction", "fiction_quote",
                                                   "quotation"}
    with pytest.raises(KeyError):
        expand("{no_such_macro}", {})


def test_no_chinese_in_the_crisis_code() -> None:
    for path in sorted((ROOT / "flows" / "crisis").glob("*.py")):
        with path.open("rb") as handle:
            code = " ".join(t.string for t in tokenize.tokenize(handle.readline) if t.type != tokenize.COMMENT)
        assert not re.search(r"[\u4e00-\u9fff]", code), path


def test_the_shipped_traditional_characters_are_opencc_s() -> None:
    import opencc

    from flows.crisis.normalise import simplify, traditional_chars

    converter = opencc.OpenCC("t2s")
    ranges = [*range(0x3400, 0x4DC0), *range(0x4E00, 0xA000), *range(0xF900, 0xFB00)]
    assert traditional_chars() == frozenset(chr(cp) for cp in ranges if converter.convert(chr(cp)) != chr(cp))
    assert simplify("不想活了，債務還不清") == "不想活了,债务还不清"  # NFKC makes the comma half-width
