"""QTI 1.2 (Canvas) export: the package validates against the real XSDs, and every item scores
and gives feedback as the record says under the package's own response processing."""

import pytest

from export_records import edge_case_records, generated_set_or_skip
from lms_packages import CP, QTI12, assert_valid, html_text, qti12_score, schema, unzip
from torchquiz.exports.moodle import decimal_text, idnumber_for, shortanswer_spellings
from torchquiz.exports.qti12 import canvas_numerical, to_qti12
from torchquiz.exports.text import plain_text
from torchquiz.record.jsonl import load_records


def items_by_question(files):
    """{question name's hash: item} over every bank of the package."""
    return {item.get("ident")[1:]: item for name, root in files.items() if name.startswith("banks/")
            for item in root.iter(f"{QTI12}item")}


def metadata(item):
    return {f.findtext(f"{QTI12}fieldlabel"): f.findtext(f"{QTI12}fieldentry")
            for f in item.iter(f"{QTI12}qtimetadatafield")}


def feedback_text(item, ident):
    block = next(f for f in item.findall(f"{QTI12}itemfeedback") if f.get("ident") == ident)
    return html_text(block.findtext(f".//{QTI12}mattext"))


def assert_scores_as_recorded(record, item):
    """Correct response: 100; each wrong choice, all boxes, near misses: 0; feedback on the right choice."""
    kind = metadata(item)["question_type"]
    if record["type"] in ("multichoice", "multiresponse", "truefalse"):
        labels = [label.get("ident") for label in item.iter(f"{QTI12}response_label")]
        assert metadata(item)["original_answer_ids"] == ",".join(labels)
        right = {a for a, o in zip(labels, record["options"]) if o["correct"]}
        assert qti12_score(item, right)[0] == 100
        if record["type"] == "multiresponse":
            assert qti12_score(item, set(labels))[0] == 0  # every box ticked
        for label, option in zip(labels, record["options"]):
            score, shown = qti12_score(item, {label})
            assert score == (100 if {label} == right else 0)
            if option["feedback"].strip():
                assert f"{label}_fb" in shown
                assert feedback_text(item, f"{label}_fb") == plain_text(option["feedback"])
            assert [s for s in shown if s.endswith("_fb") and s[:-3] in labels] == \
                ([f"{label}_fb"] if option["feedback"].strip() else [])
            if not option["correct"] and record["type"] == "multiresponse":
                assert qti12_score(item, right | {label})[0] == 0
    elif kind == "numerical_question":
        assert qti12_score(item, record["answer"]["text"])[0] == 100
        assert qti12_score(item, decimal_text(record["answer"]["value"]))[0] == 100
        assert qti12_score(item, str(record["answer"]["value"] * 1.5 + 1))[0] == 0
        for wrong in record.get("misconception_answers", []):
            if abs(float(wrong["text"]) - record["answer"]["value"]) > (record["answer"].get("tolerance") or 0):
                assert qti12_score(item, wrong["text"])[0] == 0
    else:  # fill in the blank, with the Canvas profile so it is not read as an essay
        assert kind == "short_answer_question" and metadata(item)["cc_profile"] == "cc.fib.v0p1"
        spellings = shortanswer_spellings(record["answer"]) if record["type"] == "shortanswer" else \
            [record["answer"]["text"]]
        for spelling in spellings:
            assert qti12_score(item, spelling)[0] == 100
        assert qti12_score(item, "something else")[0] == 0
        for wrong in record.get("misconception_answers", []):
            assert qti12_score(item, wrong["text"])[0] == 0
    score, shown = qti12_score(item, "" if record["type"] in ("numerical", "shortanswer") else set())
    assert score == 0 and "general_fb" in shown  # the worked solution shows whatever was answered


def check_package(records, data):
    files = unzip(data)
    qti, cp = schema("qti12/domainProfile_4/ims_qtiasiv1p2.xsd"), schema("qti21/imscp_v1p1.xsd")
    assert_valid(cp, "imsmanifest.xml", files["imsmanifest.xml"])
    for name, root in files.items():
        if name.endswith(".xml") and name != "imsmanifest.xml" and not name.endswith("assessment_meta.xml"):
            assert_valid(qti, name, root)
    listed = {f.get("href") for f in files["imsmanifest.xml"].iter(f"{CP}file")}
    assert listed == set(files) - {"imsmanifest.xml"}
    items = items_by_question(files)
    assert len(items) == len(records)
    for record in records:
        item = items[record["id"].rpartition(":")[2]]
        assert item.get("title", "").strip()  # Canvas shows "Question 1" without it
        assert {"question_type", "points_possible", "original_answer_ids"} <= set(metadata(item))
        assert_scores_as_recorded(record, item)
    return files


@pytest.fixture(scope="module")
def records():
    return edge_case_records()


@pytest.fixture(scope="module")
def files(records):
    return check_package(records, to_qti12(records))


def test_edge_cases_validate_and_score_as_recorded(files):
    assert "torchquiz_quiz/assessment_meta.xml" in files


def test_code_sits_in_pre_code_with_html_escaped(records, files):
    item = items_by_question(files)[records[0]["id"].rpartition(":")[2]]
    question = item.find(f"{QTI12}presentation/{QTI12}material/{QTI12}mattext").text
    assert '<pre><code class="language-python">' in question and "# a&lt;b &amp; c&gt;d\nrnn" in question


def test_one_bank_per_template_and_the_quiz_draws_one_from_each(records, files):
    banks = {root.find(f"{QTI12}objectbank").get("ident"): root for name, root in files.items()
             if name.startswith("banks/")}
    assert len(banks) == len({r["template"] for r in records})
    titles = [next(f.findtext(f"{QTI12}fieldentry") for f in bank.iter(f"{QTI12}qtimetadatafield")
                   if f.findtext(f"{QTI12}fieldlabel") == "bank_title") for bank in banks.values()]
    assert "Output shape of a <GRU> layer (shape.gru_output)" in titles
    quiz = files["torchquiz_quiz/torchquiz_quiz.xml"]
    sections = [s for s in quiz.iter(f"{QTI12}section") if s.find(f"{QTI12}selection_ordering") is not None]
    assert sorted(s.findtext(f".//{QTI12}sourcebank_ref") for s in sections) == sorted(banks)
    assert {s.findtext(f".//{QTI12}selection_number") for s in sections} == {"1"}


def test_a_number_canvas_would_zero_becomes_a_fill_in_the_blank(records, files):
    tiny = next(r for r in records if r["template"] == "metrics.tiny_mse")
    assert not canvas_numerical(tiny["answer"])
    assert canvas_numerical({"value": 0.91, "tolerance": 0.005}) and canvas_numerical({"value": 0.00004, "tolerance": 0.0001})
    item = items_by_question(files)[tiny["id"].rpartition(":")[2]]
    assert metadata(item)["question_type"] == "short_answer_question"
    assert qti12_score(item, "0.00001")[0] == 100


@pytest.mark.parametrize("category_by", ["template", "family", "difficulty"])
def test_a_generated_full_bank_set_validates_and_scores_in_every_mode(tmp_path_factory, category_by):
    path = generated_set_or_skip(tmp_path_factory)
    records = load_records(path)
    assert {r["type"] for r in records} == {"multichoice", "multiresponse", "truefalse", "numerical", "shortanswer"}
    files = check_package(records, to_qti12(records, category_by=category_by))
    assert sum(name.startswith("banks/") for name in files) == len({r[category_by] for r in records})
    assert idnumber_for(records[0]["id"])  # the ids the package was keyed on came from this set


@pytest.mark.parametrize("value,tolerance,low,high", [(0.804, 0.0005, "0.8035", "0.8045"),
                                                      (1.38, 0.0005, "1.3795", "1.3805")])
def test_canvas_margins_are_exact_decimals(records, value, tolerance, low, high):
    """An answer on the margin's edge is right in Canvas as in the terminal and the page: the bounds are
    worked out in decimals, not floats (0.804 - 0.0005 is 0.8035, not 0.8035000000000001)."""
    base = next(r for r in records if r["template"] == "metrics.precision")
    record = dict(base, answer={"text": decimal_text(value), "value": value, "tolerance": tolerance})
    item = items_by_question(unzip(to_qti12([record])))[record["id"].rpartition(":")[2]]
    assert item.findtext(f".//{QTI12}vargte") == low and item.findtext(f".//{QTI12}varlte") == high
    assert qti12_score(item, low)[0] == 100 and qti12_score(item, high)[0] == 100
