"""Moodle XML export: every importer rule of issue 5, checked with lxml (no Moodle, no browser).

`moodle_grade` below grades a response the way Moodle's question types do (fraction of the
chosen answers, shortanswer wildcards, numerical tolerance), so each test can check that a
correct response gets full marks and every wrong choice gets 0.
"""
import json
import re
import subprocess
import sys

import lxml.etree as etree
import lxml.html
import pytest

from export_records import LONG_TEMPLATE, TRICKY_CODE, edge_case_records, option, record, generated_set_or_skip
from torchquiz.exports.errors import ExportError, RecordError
from torchquiz.record.moodle_grades import GRADES
from torchquiz.exports.moodle import (category_path, decimal_text, grade_share, idnumber_for,
                            shortanswer_spellings, to_moodle_xml, wrong_fraction)
from torchquiz.record.jsonl import load_records
from torchquiz.exports.text import cdata
from torchquiz.record.answers import matches_numerical, matches_shortanswer

GRADE_SET = {float(g) for g in GRADES} | {-float(g) for g in GRADES}
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'


def parse(xml):
    return etree.fromstring(xml.encode("utf-8"), etree.XMLParser(strip_cdata=False))


def questions(root):
    return [q for q in root.iter("question") if q.get("type") != "category"]


def by_idnumber(root):
    return {q.findtext("idnumber"): q for q in questions(root)}


def html_text(fragment):
    return lxml.html.fragment_fromstring(fragment, create_parent="div").text_content()


def fractions(question):
    return [float(a.get("fraction")) for a in question.findall("answer")]


def moodle_grade(question, response):
    """Grade `response` as Moodle would: a set of chosen answer indexes, or a typed string."""
    answers = question.findall("answer")
    kind = question.get("type")
    if kind in ("multichoice", "truefalse"):
        total = sum(float(answers[i].get("fraction")) for i in response) / 100
        return max(0.0, min(1.0, total))
    if kind == "shortanswer":
        for answer in answers:
            # Moodle's wildcard match: `*` matches anything, `\*` a literal star.
            pattern = "".join(".*" if part == "*" else re.escape(part.replace("\\*", "*"))
                              for part in re.split(r"(?<!\\)(\*)", answer.findtext("text")))
            flags = 0 if question.findtext("usecase") == "1" else re.IGNORECASE
            if re.fullmatch(pattern, response.strip(), flags):
                return float(answer.get("fraction")) / 100
        return 0.0
    if kind == "numerical":
        for answer in answers:
            if abs(float(response) - float(answer.findtext("text"))) <= float(answer.findtext("tolerance")):
                return float(answer.get("fraction")) / 100
        return 0.0
    raise AssertionError(kind)


@pytest.fixture(scope="module")
def records():
    return edge_case_records()


@pytest.fixture(scope="module")
def xml(records):
    return to_moodle_xml(records)


@pytest.fixture(scope="module")
def root(xml):
    return parse(xml)


def test_declaration_is_the_very_first_bytes(xml):
    assert xml.encode("utf-8").startswith(DECLARATION)


def test_every_record_becomes_one_question(records, root):
    assert len(questions(root)) == len(records)
    assert {q.findtext("idnumber") for q in questions(root)} == {idnumber_for(r["id"]) for r in records}


def test_html_sits_in_cdata_as_text_never_as_child_elements(xml, root):
    for text in root.iter("text"):
        assert len(text) == 0, f"<text> with child elements: {etree.tostring(text)[:200]}"
    # Any <text> whose content holds markup must be CDATA in the raw file.
    for content in re.findall(r"<text>(.*?)</text>", xml, flags=re.S):
        if "<" in content:
            assert content.startswith("<![CDATA[") and content.endswith("]]>"), content[:200]


def test_code_is_html_escaped_inside_cdata_and_keeps_lines(records, root):
    question = by_idnumber(root)[records[0]["id"]]
    html = question.find("questiontext/text").text
    assert "# a&lt;b &amp; c&gt;d" in html
    code = lxml.html.fragment_fromstring(html, create_parent="div").find(".//pre/code")
    assert code.get("class") == "language-python"
    assert code.text_content() == TRICKY_CODE  # line breaks and indentation kept
    assert "    x = torch.randn(4, 7, 5)\n" in code.text_content()


def test_stem_with_cdata_terminator_survives(records, root):
    question = by_idnumber(root)[records[1]["id"]]
    assert "]]> must not end any CDATA section" in html_text(question.find("questiontext/text").text)


def test_cdata_splits_terminators():
    for text in ["a]]>b", "]]>", "x]]>]]>y", "]]]>>"]:
        assert etree.fromstring(f"<t>{cdata(text)}</t>").text == text


def test_script_in_stem_shows_as_text(records, root):
    question = by_idnumber(root)[records[8]["id"]]
    html = question.find("questiontext/text").text
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<script>alert('x')</script>" in html_text(html)
    assert "<" not in question.findtext("name/text")


def test_every_fraction_is_on_moodles_grade_list(root):
    for question in questions(root):
        for answer in question.findall("answer"):
            fraction = answer.get("fraction")
            assert float(fraction) in GRADE_SET, (question.findtext("idnumber"), fraction)
            assert fraction.lstrip("-") in GRADES


def test_single_multichoice_has_exactly_one_full_mark(root):
    singles = [q for q in questions(root) if q.findtext("single") == "true"]
    assert singles
    for question in singles:
        assert fractions(question).count(100.0) == 1
        assert all(f in (0.0, 100.0) for f in fractions(question))


def test_multiresponse_positive_fractions_sum_to_100(root):
    multis = [q for q in questions(root) if q.findtext("single") == "false"]
    assert len(multis) == 2
    for question in multis:
        assert abs(sum(f for f in fractions(question) if f > 0) - 100) < 1e-3
        assert all(f < 0 for f in fractions(question) if f <= 0)  # wrong ones negative


def test_every_correct_response_gets_full_marks_and_every_wrong_choice_zero(records, root):
    table = by_idnumber(root)
    for rec in records:
        question = table[idnumber_for(rec["id"])]
        if rec["type"] in ("multichoice", "multiresponse"):
            correct = {i for i, o in enumerate(rec["options"]) if o["correct"]}
            assert moodle_grade(question, correct) == pytest.approx(1.0, abs=1e-6)
            for i, o in enumerate(rec["options"]):
                if not o["correct"]:
                    assert moodle_grade(question, {i}) == 0.0
                    if rec["type"] == "multiresponse":  # ticking a wrong box as well costs marks
                        assert moodle_grade(question, correct | {i}) < 1.0
        elif rec["type"] == "truefalse":
            right = next(o["text"].lower() for o in rec["options"] if o["correct"])
            texts = [a.findtext("text") for a in question.findall("answer")]
            assert moodle_grade(question, {texts.index(right)}) == 1.0
            assert moodle_grade(question, {1 - texts.index(right)}) == 0.0
        elif rec["type"] == "shortanswer":
            for spelling in [rec["answer"]["text"], *rec["answer"]["accepted"]]:
                assert moodle_grade(question, spelling) == 1.0
            assert moodle_grade(question, "something else") == 0.0
            assert moodle_grade(question, "anything") == 0.0  # `*` is not a wildcard any more
        elif rec["type"] == "numerical":
            assert moodle_grade(question, rec["answer"]["text"]) == 1.0
            assert moodle_grade(question, str(rec["answer"]["value"] * 1.5 + 1)) == 0.0


def test_multichoice_has_two_non_empty_answers_and_typed_types_a_full_mark(root):
    for question in questions(root):
        answers = question.findall("answer")
        if question.get("type") in ("multichoice", "truefalse"):
            assert len(answers) >= 2 and all(html_text(a.findtext("text")).strip() for a in answers)
        else:
            assert 100.0 in fractions(question)


def test_truefalse_answers_are_exactly_lower_case_true_and_false(records, root):
    table = by_idnumber(root)
    truefalse = [r for r in records if r["type"] == "truefalse"]
    assert {next(o["text"] for o in r["options"] if o["correct"]) for r in truefalse} == {"True", "False"}
    for rec in truefalse:
        answers = table[rec["id"]].findall("answer")
        assert [a.findtext("text") for a in answers] == ["true", "false"]
        right = next(o["text"].lower() for o in rec["options"] if o["correct"])
        assert {a.findtext("text"): a.get("fraction") for a in answers}[right] == "100"


def test_numbers_use_a_point_and_no_exponent(records, root):
    number = re.compile(r"^-?\d+(\.\d+)?$")
    for question in questions(root):
        for value in [question.findtext("penalty"), question.findtext("defaultgrade"),
                      *(a.get("fraction") for a in question.findall("answer"))]:
            assert number.match(value), value
        if question.get("type") == "numerical":
            for answer in question.findall("answer"):
                assert number.match(answer.findtext("text")) and number.match(answer.findtext("tolerance"))
    table = by_idnumber(root)
    tiny = next(r for r in records if r["template"] == "metrics.tiny_mse")
    assert table[tiny["id"]].find("answer").findtext("text") == "0.00001"
    assert decimal_text(0.9090909090909091) == "0.9090909090909091"
    assert decimal_text(2560) == "2560" and decimal_text(1e-07) == "0.0000001" and decimal_text(-0.0) == "0"


def test_shortanswer_escapes_wildcards_uses_case_0_and_lists_spellings(records, root):
    table = by_idnumber(root)
    for rec in (r for r in records if r["type"] == "shortanswer"):
        question = table[rec["id"]]
        assert question.findtext("usecase") == "0"
        texts = [a.findtext("text") for a in question.findall("answer")]
        assert all(re.search(r"(?<!\\)\*", t) is None for t in texts), texts
        assert all(a.get("fraction") == "100" for a in question.findall("answer"))
        if rec["template"] == "concept.wildcard_key":
            assert r"2 \* hidden_size" in texts and r"hidden_size \* 2" in texts
        else:
            assert {"(4, 7, 3)", "(4,7,3)", "[4, 7, 3]", "[4,7,3]", "torch.Size([4, 7, 3])"} <= set(texts)


def test_shortanswer_spellings_agree_with_the_engine_rules():
    answer = {"text": "(4, 7, 6)", "accepted": ["(4,7,6)"]}
    for spelling in shortanswer_spellings(answer):
        assert matches_shortanswer(spelling, answer)
    assert not matches_shortanswer("(4, 6, 7)", answer)
    assert matches_numerical("0.91", {"value": 0.909, "tolerance": 0.005})


def category_names(records):
    """Categories are named by the template's title with its id kept (issue 11), by the id alone
    when a record has no title; Moodle strips tags, so brackets become look-alikes."""
    return {r["template"]: (f"{r['title']} ({r['template']})" if r.get("title") else r["template"])
            .replace("<", "‹").replace(">", "›") for r in records}


def test_categories_come_before_their_questions(records, root):
    current = None
    seen_paths = []
    for element in root.iter("question"):
        if element.get("type") == "category":
            current = element.findtext("category/text")
            seen_paths.append(current)
            continue
        assert current is not None, "question before any category"
        template = next(r["template"] for r in records if idnumber_for(r["id"]) == element.findtext("idnumber"))
        assert current == f"$course$/top/torchquiz/{category_names(records)[template]}"
    assert len(seen_paths) == len(set(seen_paths)) == len({r["template"] for r in records})
    assert "$course$/top" not in seen_paths


@pytest.mark.parametrize("key,expected", [("family", "Family: shape"), ("difficulty", "Level: easy")])
def test_category_by_family_or_difficulty_and_custom_root(records, key, expected):
    root = parse(to_moodle_xml(records, category_by=key, category_root="$course$/top/RNN quiz/"))
    paths = [c.findtext("category/text") for c in root.iter("question") if c.get("type") == "category"]
    assert f"$course$/top/RNN quiz/{expected}" in paths
    assert len(paths) == len({r[key] for r in records})


def test_slash_in_a_category_name_is_doubled():
    assert category_path("$course$/top/torchquiz", "rnn/gru") == "$course$/top/torchquiz/rnn//gru"
    assert category_path("$course$/top/", "a") == "$course$/top/a"
    with pytest.raises(ExportError, match="empty"):
        category_path(" / ", "a")


def test_slash_in_a_template_name_is_refused_with_its_place(records):
    bad = dict(records[0], template="shape/gru")
    with pytest.raises(RecordError, match=r"record 1 .*template: 'shape/gru' does not match"):
        to_moodle_xml([bad])


def test_names_are_unique_tag_free_and_at_most_255(records, root):
    names = [q.findtext("name/text") for q in questions(root)]
    digest = records[0]["id"][-12:]
    assert names[0] == f"Output shape of a ‹GRU› layer [easy] {digest}: What is the shape of out? (watch batch_first)"
    assert names[1].startswith("equivalence.last_step [medium] ")  # no title: the template id
    assert len(set(names)) == len(names)
    assert all(len(n) <= 255 and "<" not in n and ">" not in n for n in names)
    long_names = [n for n in names if n.startswith(LONG_TEMPLATE[:50])]
    assert len(long_names) == 2 and all(len(n) == 255 for n in long_names)


def test_idnumbers_are_unique_within_each_category_and_fit_100_chars(records, root):
    pairs = []
    current = None
    for element in root.iter("question"):
        if element.get("type") == "category":
            current = element.findtext("category/text")
        else:
            pairs.append((current, element.findtext("idnumber")))
    assert len(set(pairs)) == len(pairs)
    assert all(len(i) <= 100 for _, i in pairs)
    long_ids = [r["id"] for r in records if r["template"] == LONG_TEMPLATE]
    assert all(len(i) > 100 for i in long_ids)
    assert len({idnumber_for(i) for i in long_ids}) == 2
    assert idnumber_for(long_ids[0]).endswith(long_ids[0][-12:])


def test_importer_defaults_are_set_explicitly(root):
    for question in questions(root):
        assert question.findtext("defaultgrade") == "1"
        assert question.findtext("penalty") == "0.3333333"
        if question.get("type") == "multichoice":
            assert question.findtext("shuffleanswers") == "1"
            assert question.findtext("answernumbering") == "abc"
            assert question.findtext("showstandardinstruction") in ("0", "1")


def test_penalty_and_no_shuffle_options(records):
    root = parse(to_moodle_xml(records, penalty=0.1, shuffle=False))
    for question in questions(root):
        assert question.findtext("penalty") == "0.1"
        if question.get("type") == "multichoice":
            assert question.findtext("shuffleanswers") == "0"
    with pytest.raises(ExportError, match=r"penalty=1.5"):
        to_moodle_xml(records, penalty=1.5)
    with pytest.raises(ExportError, match=r"category_by='topic'"):
        to_moodle_xml(records, category_by="topic")


def test_feedback_solution_hint_and_tags(records, root):
    table = by_idnumber(root)
    for rec in records:
        question = table[idnumber_for(rec["id"])]
        general = html_text(question.findtext("generalfeedback/text"))
        assert all(html_text(f"<p>{s}</p>").replace("`", "") in general.replace("`", "") for s in rec["solution"])
        if rec["code"]:
            assert rec["code"].strip() in general  # the solution shows the code again
        hints = question.findall("hint")
        assert len(hints) == 1 and "batch" in html_text(hints[0].findtext("text"))
        tags = [t.findtext("text") for t in question.findall("tags/tag")]
        assert tags[:2] == [rec["family"], rec["difficulty"]] and set(rec["topics"]) <= set(tags)
        if rec["type"] in ("multichoice", "multiresponse"):
            feedback = [html_text(a.findtext("feedback/text")) for a in question.findall("answer")]
            assert feedback == [o["feedback"].replace("`", "") for o in rec["options"]]
    raised = next(r for r in records if r["template"] == "error.raises")
    assert "RuntimeError: input.size(-1)" in html_text(table[raised["id"]].findtext("generalfeedback/text"))


def test_grade_share_and_wrong_fraction_stay_on_the_list():
    for n in range(1, 11):
        assert grade_share(n) in GRADES
        assert abs(float(grade_share(n)) * n - 100) < 1e-3
    for n in range(1, 30):
        fraction = wrong_fraction(n)
        assert float(fraction) in GRADE_SET and -float(fraction) * n >= 100 - 1e-3
    with pytest.raises(ExportError, match="11 options"):
        grade_share(11)


@pytest.mark.parametrize("change,message", [
    (lambda r: r["options"][0].update(correct=True), "exactly 1 correct option, found 2"),
    (lambda r: r["options"][:] and r.update(options=r["options"][:1]), "at least 2 non-empty options"),
    (lambda r: r["options"][2].update(text=r["options"][1]["text"]), "distinct"),
])
def test_records_moodle_would_mis_key_are_refused(records, change, message):
    bad = json.loads(json.dumps(records[0]))
    change(bad)
    with pytest.raises(RecordError, match=re.escape(bad["id"]) + ".*" + message):
        to_moodle_xml([bad])


def test_truefalse_with_other_words_and_eleven_correct_options_are_refused():
    yes_no = record("error.yes", "error", "truefalse", "Raises?", [option("Yes", True, ""), option("No", False, "")],
                    {"text": "Yes"})
    with pytest.raises(RecordError, match="options True and False"):
        to_moodle_xml([yes_no])
    many = record("concept.many", "concept", "multiresponse", "Pick",
                  [option(f"o{i}", i < 11, "") for i in range(12)], {"text": "o0"})
    with pytest.raises(RecordError, match="1 to 10 correct options, found 11"):
        to_moodle_xml([many])


def test_duplicate_ids_are_refused(records):
    with pytest.raises(RecordError, match=r"record 2 \(.*\): duplicate id"):
        to_moodle_xml([records[0], records[0]])


def test_load_records_names_file_and_line(tmp_path, records):
    path = tmp_path / "set.jsonl"
    bad = dict(records[3], difficulty="extreme")
    path.write_text(json.dumps(records[0]) + "\n\n" + json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(RecordError, match=rf"set.jsonl:3 \({re.escape(bad['id'])}\): difficulty: 'extreme' is not one of"):
        load_records(path)
    path.write_text(json.dumps(records[0]) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(RecordError, match=r"set.jsonl:2: invalid JSON"):
        load_records(path)
    path.write_text(json.dumps(records[0]) + "\n" + json.dumps(records[0]) + "\n", encoding="utf-8")
    with pytest.raises(RecordError, match=r"set.jsonl:2 \(.*\): duplicate id \(first on line 1\)"):
        load_records(path)
    path.write_text("\n", encoding="utf-8")
    with pytest.raises(RecordError, match="no question records"):
        load_records(path)


def test_exports_never_import_torch():
    code = ("import sys, torchquiz.exports.moodle, torchquiz.exports.html, torchquiz.record.validate, torchquiz.cli.export; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def generated_set(tmp_path_factory):
    path = generated_set_or_skip(tmp_path_factory)
    return path


def test_a_really_generated_set_passes_the_structure_rules(generated_set):
    records = load_records(generated_set)
    root = parse(to_moodle_xml(records))
    assert len(questions(root)) == len(records)
    for rec in records:
        question = by_idnumber(root)[idnumber_for(rec["id"])]
        for answer in question.findall("answer"):
            assert float(answer.get("fraction")) in GRADE_SET
        if rec["type"] in ("multichoice", "multiresponse"):
            correct = {i for i, o in enumerate(rec["options"]) if o["correct"]}
            assert moodle_grade(question, correct) == pytest.approx(1.0, abs=1e-6)
            assert all(moodle_grade(question, {i}) == 0.0 for i, o in enumerate(rec["options"]) if not o["correct"])
        elif rec["type"] == "shortanswer":
            assert all(moodle_grade(question, s) == 1.0 for s in [rec["answer"]["text"], *rec["answer"].get("accepted", [])])
        elif rec["type"] == "numerical":
            assert moodle_grade(question, decimal_text(rec["answer"]["value"])) == 1.0


@pytest.mark.parametrize("field,value", [
    ("schema", "torchquiz/question@2"), ("id", "Shape:12"), ("family", "vision"), ("topics", []),
    ("topics", ["rnn", "rnn"]), ("difficulty", "extreme"), ("type", "essay"), ("stem", ""),
    ("code", 3), ("run", "x"), ("answer_from", "guess"), ("options", [{"text": "a"}]),
    ("answer", {"value": 1}), ("answer", {"text": "x", "tolerance": -1}), ("solution", []),
    ("hint", ""), ("params", []), ("provenance", {"torch": "2", "device": "cpu", "seed": "one", "template_version": "v"}),
    ("options", [{"text": "a", "correct": True, "feedback": "", "misconception": "Bad Id"}]),
])
def test_fast_and_reference_schema_validators_agree(records, field, value):
    from torchquiz.record.validate import _fast_check, _validator

    bad = dict(records[0], **{field: value})
    fast_ok = True
    try:
        _fast_check()(bad)
    except Exception:
        fast_ok = False
    assert not fast_ok and not _validator().is_valid(bad)
    with pytest.raises(RecordError, match=field):
        load_records_from([bad])


def load_records_from(items):
    from torchquiz.record.validate import check_records

    return check_records(items)


def test_characters_xml_forbids_never_reach_the_file(records):
    """A control character XML forbids (a terminal's ESC) was dropped on the way out; the set check now refuses
    the record first, naming each field, so the same text cannot reach a learner's terminal either."""
    noisy = json.loads(json.dumps(records[6]))  # shortanswer
    noisy["stem"] = "Shape of \x1b[31mout\x1b[0m?\x00"
    noisy["answer"]["accepted"].append("(4, 7, 3)\x0b")
    noisy["options"] = []
    with pytest.raises(RecordError, match=r"stem: holds U\+001B.*answer\.accepted\[\d+\]: holds U\+000B"):
        to_moodle_xml([noisy])
