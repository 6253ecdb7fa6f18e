"""QTI 2.1 export: items, test and manifest validate against the real XSDs, and every item scores
and shows feedback as the record says under its own responseProcessing."""
from decimal import Decimal

import pytest

from export_records import edge_case_records, generated_set_or_skip
from lms_packages import CP, QTI21, assert_valid, qti21_score, schema, unzip
from torchquiz.exports.moodle import decimal_text, grade_share, shortanswer_spellings, wrong_fraction
from torchquiz.exports.qti21 import multiresponse_weights, to_qti21
from torchquiz.exports.text import plain_text
from torchquiz.record.jsonl import load_records


def item_for(files, record):
    return files[f"items/Q{record['id'].rpartition(':')[2]}.xml"]


def assert_scores_as_recorded(record, item):
    """Correct response scores 1; each wrong choice, every box, a near miss 0; the chosen
    option's feedback shows, and a typed misconception shows its own feedback."""
    solution = plain_text(record["solution"][0])
    if record["type"] in ("multichoice", "multiresponse", "truefalse"):
        ids = [c.get("identifier") for c in item.iter(f"{QTI21}simpleChoice")]
        assert [plain_text(" ".join("".join(c.itertext()).split())) for c in item.iter(f"{QTI21}simpleChoice")] == \
            [plain_text(o["text"]) for o in record["options"]]
        right = {c for c, o in zip(ids, record["options"]) if o["correct"]}
        assert qti21_score(item, right)[0] == pytest.approx(1.0)
        if record["type"] == "multiresponse":
            assert qti21_score(item, set(ids))[0] == 0.0  # exactly 0, every box ticked
        for choice, option in zip(ids, record["options"]):
            score, shown = qti21_score(item, {choice})
            if not option["correct"]:
                assert score == 0.0
            else:  # one right box of several earns its share
                assert score == (pytest.approx(1.0) if {choice} == right else pytest.approx(1 / len(right), abs=1e-3))
            expected = {choice: plain_text(option["feedback"])} if option["feedback"].strip() else {}
            assert {k: v for k, v in shown.items() if k in ids} == expected
            assert solution in shown["SOLUTION"]
            if record["type"] == "multiresponse" and not option["correct"]:
                assert qti21_score(item, right | {choice})[0] < 1.0
        return
    answer = record["answer"]
    right = [answer["text"]] if record["type"] == "numerical" else shortanswer_spellings(answer)
    for typed in right:
        score, shown = qti21_score(item, typed)
        assert score == pytest.approx(1.0) and "CORRECT" in shown and solution in shown["SOLUTION"]
    if record["type"] == "numerical":
        assert qti21_score(item, decimal_text(answer["value"] * 1.5 + 1))[0] == 0.0
        tolerance = answer.get("tolerance") or 0
        assert qti21_score(item, decimal_text(answer["value"] + tolerance * 0.9))[0] == pytest.approx(1.0)
    else:
        assert qti21_score(item, "something else")[0] == 0.0
    for wrong in record.get("misconception_answers", []):
        score, shown = qti21_score(item, wrong["text"])
        near = record["type"] == "numerical" and abs(float(wrong["text"]) - answer["value"]) <= (answer.get("tolerance") or 0)
        if not near:
            assert score == 0.0
            assert plain_text(wrong["feedback"]) in shown.values()
    assert qti21_score(item, None)[0] == 0.0


def check_package(records, data):
    files = unzip(data)
    qti, cp = schema("qti21/qtiv2p1/imsqti_v2p1.xsd"), schema("qti21/imscp_v1p1.xsd")
    assert_valid(cp, "imsmanifest.xml", files["imsmanifest.xml"])
    for name, root in files.items():
        if name != "imsmanifest.xml":
            assert_valid(qti, name, root)
    resources = list(files["imsmanifest.xml"].iter(f"{CP}resource"))
    assert {f.get("href") for f in files["imsmanifest.xml"].iter(f"{CP}file")} == set(files) - {"imsmanifest.xml"}
    assert sum(r.get("type") == "imsqti_item_xmlv2p1" for r in resources) == len(records)
    test = files["test.xml"]
    refs = [ref.get("href") for ref in test.iter(f"{QTI21}assessmentItemRef")]
    assert sorted(refs) == sorted(n for n in files if n.startswith("items/"))
    for section in test.iter(f"{QTI21}assessmentSection"):
        assert section.find(f"{QTI21}selection").get("select") == "1"
    # showFeedback defaults to false in a test: without this a player hides every modalFeedback
    assert [c.get("showFeedback") for c in test.iter(f"{QTI21}itemSessionControl")] == ["true"]
    for record in records:  # True stays above False, as in every other export
        interaction = item_for(files, record).find(f".//{QTI21}choiceInteraction")
        if record["type"] == "truefalse":
            assert interaction.get("shuffle") == "false"
    for record in records:
        assert_scores_as_recorded(record, item_for(files, record))
    return files


@pytest.fixture(scope="module")
def records():
    return edge_case_records()


@pytest.fixture(scope="module")
def files(records):
    return check_package(records, to_qti21(records))


def test_edge_cases_validate_and_score_as_recorded(records, files):
    assert len([n for n in files if n.startswith("items/")]) == len(records)


def test_one_section_per_template_selecting_one(records, files):
    sections = list(files["test.xml"].iter(f"{QTI21}assessmentSection"))
    assert len(sections) == len({r["template"] for r in records})
    assert sections[0].get("title") == "Output shape of a <GRU> layer (shape.gru_output)"
    long_section = next(s for s in sections if len(s.findall(f"{QTI21}assessmentItemRef")) == 2)
    assert long_section.find(f"{QTI21}selection").get("select") == "1"


def test_a_typed_misconception_scores_0_and_shows_its_own_feedback(records):
    typed = next(r for r in records if r["template"] == "shape.gru_output_typed")
    number = next(r for r in records if r["template"] == "metrics.precision")
    typed = dict(typed, misconception_answers=[{"text": "(7, 4, 3)", "misconception": "ignore_batch_first",
                                                "feedback": "(7, 4, 3) reads the input as time first."}])
    number = dict(number, misconception_answers=[{"text": "0.83", "misconception": "precision_recall_confusion",
                                                  "feedback": "0.83 is the recall."}])
    files = check_package([typed, number], to_qti21([typed, number]))
    score, shown = qti21_score(item_for(files, typed), "[7,4,3]")  # any spelling of the wrong shape
    assert score == 0.0 and shown["M1"] == "(7, 4, 3) reads the input as time first."
    score, shown = qti21_score(item_for(files, number), "0.832")  # within the key's tolerance of 0.83
    assert score == 0.0 and shown["M1"] == "0.83 is the recall." and "CORRECT" not in shown


@pytest.mark.parametrize("correct,wrong", [(c, w) for c in range(1, 11) for w in range(0, 13)])
def test_multiresponse_weights_give_full_marks_and_exactly_0_for_every_box(correct, wrong):
    right, penalty = multiresponse_weights(correct, wrong)
    assert min(right * correct, Decimal(1)) == 1
    if wrong:
        assert right * correct + penalty * wrong < 0  # clamped to exactly 0 by lowerBound
        assert right * correct + penalty < 1  # one wrong box costs marks
    share, cost = Decimal(grade_share(correct)) / 100, -Decimal(wrong_fraction(wrong) if wrong else 0) / 100
    for ticked_right in range(correct + 1):  # every answer gets the same mark as in Moodle, to 0.2%
        for ticked_wrong in range(wrong + 1):
            qti = max(min(right * ticked_right, Decimal(1)) + penalty * ticked_wrong, Decimal(0))
            moodle = min(max(share * ticked_right - cost * ticked_wrong, Decimal(0)), Decimal(1))
            assert abs(qti - moodle) <= Decimal("0.002"), (ticked_right, ticked_wrong, qti, moodle)


@pytest.mark.parametrize("category_by", ["template", "family", "difficulty"])
def test_a_generated_full_bank_set_validates_and_scores_in_every_mode(tmp_path_factory, category_by):
    path = generated_set_or_skip(tmp_path_factory)
    records = load_records(path)
    assert any(r.get("misconception_answers") for r in records)
    files = check_package(records, to_qti21(records, category_by=category_by))
    assert len(list(files["test.xml"].iter(f"{QTI21}assessmentSection"))) == len({r[category_by] for r in records})
