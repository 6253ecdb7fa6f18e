"""The Moodle export's gaps from issue 11: typed misconception answers, an all-boxes
multiresponse that scores exactly 0, categories with a title and a description, --max-size."""
from decimal import Decimal

import lxml.etree as etree
import pytest

from export_records import edge_case_records, option, record, replicated_records, generated_set_or_skip
from lms_packages import html_text
from torchquiz.exports.moodle import idnumber_for, to_moodle_files, to_moodle_xml, wrong_fraction
from torchquiz.record.moodle_grades import GRADES
from torchquiz.exports.text import plain_text
from torchquiz.record.jsonl import load_records


def parse(xml):
    return etree.fromstring(xml.encode("utf-8"), etree.XMLParser(strip_cdata=False))


def questions(root):
    return {q.findtext("idnumber"): q for q in root.iter("question") if q.get("type") != "category"}


def answers(question):
    return [(Decimal(a.get("fraction")), a.findtext("text"), html_text(a.findtext("feedback/text") or "<p></p>"),
             a.findtext("tolerance")) for a in question.findall("answer")]


def first_match(question, typed):
    """The answer Moodle grades `typed` by: the first that matches (shortanswer, no case; numerical, tolerance)."""
    for fraction, text, feedback, tolerance in answers(question):
        if question.get("type") == "numerical":
            if abs(Decimal(typed) - Decimal(text)) <= Decimal(tolerance):
                return fraction, feedback
        elif text.replace("\\*", "*").casefold() == typed.strip().casefold():
            return fraction, feedback
    return Decimal(0), None


def typed_with_misconceptions():
    records = edge_case_records()
    typed = next(r for r in records if r["template"] == "shape.gru_output_typed")
    typed["misconception_answers"] = [
        {"text": "(7, 4, 3)", "misconception": "ignore_batch_first", "feedback": "It reads `x` as time first."},
        {"text": "(4, 7, 5)", "misconception": "swap_input_hidden", "feedback": "That is input_size."}]
    number = next(r for r in records if r["template"] == "metrics.precision")
    number["misconception_answers"] = [
        {"text": "0.83", "misconception": "precision_recall_confusion", "feedback": "0.83 is the recall."}]
    return [typed, number]


def test_typed_misconceptions_are_0_answers_with_their_feedback_after_every_right_one():
    typed, number = typed_with_misconceptions()
    table = questions(parse(to_moodle_xml([typed, number])))
    shape_question, number_question = table[idnumber_for(typed["id"])], table[idnumber_for(number["id"])]
    assert first_match(shape_question, "[7,4,3]") == (0, "It reads x as time first.")  # any spelling of it
    assert first_match(shape_question, "torch.Size([4, 7, 5])") == (0, "That is input_size.")
    assert first_match(shape_question, "(4, 7, 3)")[0] == 100
    fractions = [a[0] for a in answers(shape_question)]
    assert fractions == sorted(fractions, reverse=True)  # right spellings first: a 0% never shadows them
    assert first_match(number_question, "0.832") == (0, "0.83 is the recall.")  # within the key's tolerance
    assert first_match(number_question, "0.91")[0] == 100


def test_every_misconception_answer_of_a_generated_set_reaches_moodle(tmp_path_factory):
    path = generated_set_or_skip(tmp_path_factory)
    records = load_records(path)
    typed = [r for r in records if r.get("misconception_answers")]
    assert typed, "the bank has typed questions with misconception answers"
    table = questions(parse(to_moodle_xml(records)))
    for rec in typed:
        question = table[idnumber_for(rec["id"])]
        for wrong in rec["misconception_answers"]:
            if rec["type"] == "numerical" and abs(float(wrong["text"]) - rec["answer"]["value"]) <= rec["answer"]["tolerance"]:
                continue  # within the key's tolerance: the learner is right after all
            assert first_match(question, wrong["text"]) == (0, plain_text(wrong["feedback"])), (rec["id"], wrong)


@pytest.mark.parametrize("correct,wrong", [(c, w) for c in (1, 2, 3) for w in range(1, 13)])
def test_ticking_every_box_scores_exactly_0(correct, wrong):
    options = [option(f"right {i}", True, "") for i in range(correct)] + \
              [option(f"wrong {i}", False, "no", "some_mistake") for i in range(wrong)]
    rec = record("metrics.many", "metrics", "multiresponse", "Which?", options, {"text": "right 0"})
    question = next(iter(questions(parse(to_moodle_xml([rec]))).values()))
    fractions = [Decimal(a.get("fraction")) for a in question.findall("answer")]
    assert all(str(abs(f)) in GRADES for f in fractions)
    assert sum(fractions) <= 0  # Moodle clamps below 0 to exactly 0
    assert Decimal(wrong_fraction(wrong)) * wrong <= -100


def test_categories_carry_the_title_and_what_they_hold():
    records = replicated_records(36)
    root = parse(to_moodle_xml(records))
    infos = {c.findtext("category/text"): html_text(c.findtext("info/text"))
             for c in root.iter("question") if c.get("type") == "category"}
    info = infos["$course$/top/torchquiz/Output shape of a ‹GRU› layer (shape.gru_output)"]
    assert info.startswith("3 variants") and "Family: shape" in info and "Levels: easy" in info
    assert "Topics: batch_first, gru" in info and "multichoice" in info
    family = parse(to_moodle_xml(records, category_by="family"))
    assert "$course$/top/torchquiz/Family: metrics" in [c.findtext("category/text") for c in family.iter("question")]


def test_max_size_splits_1000_questions_into_files_under_2_mb_that_each_import_alone():
    records = replicated_records(1000)
    files = to_moodle_files(records, max_mb=2)
    assert len(files) >= 2
    seen, category_of = [], {}
    for text in files:
        assert len(text.encode("utf-8")) < 2_000_000
        root = parse(text)  # each is a whole Moodle XML file
        current = None
        for element in root.iter("question"):
            if element.get("type") == "category":
                current = element.findtext("category/text")
                continue
            assert current is not None, "every file starts its categories again"
            template = element.findtext("idnumber").rpartition(":")[0]
            assert category_of.setdefault(template, current) == current  # the same category in every file
            seen.append(element.findtext("idnumber"))
    assert sorted(seen) == sorted(idnumber_for(r["id"]) for r in records)  # every question, once
    assert to_moodle_files(records, max_mb=None) == [to_moodle_xml(records)]


def test_a_question_bigger_than_max_size_is_refused():
    from torchquiz.exports.errors import ExportError

    with pytest.raises(ExportError, match="does not fit in --max-size"):
        to_moodle_files(edge_case_records(), max_mb=0.001)


@pytest.mark.parametrize("category_by", ["template", "family", "difficulty"])
def test_a_generated_full_bank_set_scores_as_recorded_in_every_mode(tmp_path_factory, category_by):
    path = generated_set_or_skip(tmp_path_factory)
    records = load_records(path)
    files = to_moodle_files(records, category_by=category_by)
    table = {}
    for text in files:
        table.update(questions(parse(text)))
    assert len(table) == len(records)
    for rec in records:
        question = table[idnumber_for(rec["id"])]
        if rec["type"] in ("multichoice", "multiresponse", "truefalse"):
            fractions = [Decimal(a.get("fraction")) for a in question.findall("answer")]
            texts = [a.findtext("text") for a in question.findall("answer")]
            chosen = {i for i, o in enumerate(rec["options"]) if o["correct"]}
            if rec["type"] == "truefalse":  # answers are `true`, `false`: map by text
                order = [texts.index(o["text"].lower()) for o in rec["options"]]
                fractions = [fractions[i] for i in order]
            assert abs(min(sum(fractions[i] for i in chosen), 100) - 100) < Decimal("1e-4")
            assert all(fractions[i] <= 0 for i, o in enumerate(rec["options"]) if not o["correct"])
            assert sum(fractions) <= 0 or rec["type"] != "multiresponse"  # every box: exactly 0
        else:
            assert first_match(question, rec["answer"]["text"])[0] == 100
            assert first_match(question, "something else" if rec["type"] == "shortanswer" else "-12345")[0] == 0
