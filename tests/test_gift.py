"""GIFT export: parsed back the way Moodle's GIFT importer reads it (escapes, `{...}` answers,
`%weights%`, `#feedback`, `####` general feedback), every item scores as recorded."""
import re
from decimal import Decimal

import pytest

from export_records import edge_case_records, generated_set_or_skip
from lms_packages import html_text
from torchquiz.exports.gift import gift_escape, to_gift
from torchquiz.exports.moodle import shortanswer_spellings
from torchquiz.record.moodle_grades import GRADES
from torchquiz.exports.text import code_block, plain_text
from torchquiz.record.jsonl import load_records

_ESCAPED = re.compile(r"\\([\\~=#{}:n])")


def unescape(text):
    return _ESCAPED.sub(lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def split_unescaped(text, marks):
    """Split at each unescaped character of `marks`, keeping the mark with the piece after it."""
    pieces, current, index = [], "", 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            current += text[index:index + 2]
            index += 2
            continue
        if char in marks:
            pieces.append(current)
            current = ""
        current += char
        index += 1
    pieces.append(current)
    return pieces


def parse_gift(text):
    """{idnumber: question} where a question is {name, text, kind, answers, general}; each answer
    is (fraction as Decimal, text, feedback) as Moodle's importer would read them."""
    questions, category = {}, None
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip()]
        if lines and lines[0].startswith("$CATEGORY: "):
            category = lines[0][len("$CATEGORY: "):]
            continue
        idnumber = next((re.search(r"\[id:(.+?)\]", line).group(1) for line in lines if line.startswith("// [id:")), None)
        body = "\n".join(line for line in lines if not line.startswith("//"))
        if not body:
            continue
        assert "\n\n" not in body
        name, rest = re.fullmatch(r"::(.+?)(?<!\\)::(.*)", body, re.S).groups()
        opening = split_unescaped(rest, "{")
        assert len(opening) == 2, "exactly one unescaped { per question"
        question_text, answers_text = opening[0], opening[1][1:]
        assert answers_text.endswith("}") and "}" not in answers_text[:-1].replace("\\}", "")
        answers_text = answers_text[:-1]
        answers_text, _, general = answers_text.partition("\n####")
        numerical = answers_text.startswith("#")
        answers_text = answers_text[1:] if numerical else answers_text
        kind = "numerical" if numerical else None
        answers = []
        if re.fullmatch(r"\s*(TRUE|FALSE)#.*", answers_text, re.S):
            word, wrong_feedback, right_feedback = split_unescaped(answers_text.strip(), "#")
            kind, answers = "truefalse", [(word.strip(), unescape(wrong_feedback[1:]), unescape(right_feedback[1:]))]
        else:
            for piece in split_unescaped(answers_text, "=~")[1:]:
                mark, piece = piece[0], piece[1:]
                weight = re.match(r"%(-?[\d.]+)%", piece)
                fraction = Decimal(weight.group(1)) if weight else Decimal(100 if mark == "=" else 0)
                piece = piece[weight.end():] if weight else piece
                answer, *feedback = split_unescaped(piece.strip(), "#")
                answers.append((fraction, answer, unescape(feedback[0][1:]) if feedback else ""))
            if kind is None:
                kind = "multichoice" if all(a for a in answers) and "~" in answers_text else "shortanswer"
        questions[idnumber] = {"name": unescape(name), "text": unescape(question_text), "kind": kind,
                               "answers": answers, "general": unescape(general), "category": category}
    return questions


def grade(question, response):
    """The fraction Moodle gives `response` (a set of answer indexes, or typed text)."""
    if question["kind"] == "multichoice":
        total = sum(question["answers"][i][0] for i in response) / 100
        return max(Decimal(0), min(Decimal(1), total))
    if question["kind"] == "shortanswer":
        for fraction, answer, _ in question["answers"]:
            pattern = re.escape(unescape(answer)).replace(r"\\\*", r"\*")
            if re.fullmatch(pattern, response.strip(), re.IGNORECASE):
                return fraction / 100
        return Decimal(0)
    if question["kind"] == "numerical":
        for fraction, answer, _ in question["answers"]:
            value, tolerance = (Decimal(unescape(x)) for x in answer.rsplit(":", 1))
            if abs(Decimal(response) - value) <= tolerance:
                return fraction / 100
        return Decimal(0)
    raise AssertionError(question["kind"])


def feedback_for(question, response):
    for fraction, answer, feedback in question["answers"]:
        if question["kind"] == "shortanswer" and unescape(answer).replace("\\*", "*").casefold() == response.casefold():
            return html_text(feedback)
    return None


def assert_scores_as_recorded(record, question):
    assert "[html]" in question["text"] and plain_text(record["stem"]) in html_text(question["text"][6:])
    if record.get("code"):  # the code block comes back whole, line breaks and escaping included
        assert code_block(record["code"]) in question["text"]
    assert plain_text(record["solution"][0]) in html_text(question["general"])
    if record["type"] == "truefalse":
        word, wrong_feedback, right_feedback = question["answers"][0]
        right = next(o for o in record["options"] if o["correct"])
        wrong = next(o for o in record["options"] if not o["correct"])
        assert word == right["text"].upper()
        assert html_text(right_feedback) == plain_text(right["feedback"])
        assert html_text(wrong_feedback) == plain_text(wrong["feedback"])
        return
    if record["type"] in ("multichoice", "multiresponse"):
        assert question["kind"] == "multichoice"
        assert all(str(abs(f)) in GRADES or f == 0 for f, _, _ in question["answers"])
        assert [html_text(unescape(a)) for _, a, _ in question["answers"]] == [plain_text(o["text"]) for o in record["options"]]
        right = {i for i, o in enumerate(record["options"]) if o["correct"]}
        assert abs(grade(question, right) - 1) < Decimal("1e-6")  # Moodle's tolerance for full marks
        if record["type"] == "multiresponse":  # every box ticked: exactly 0
            assert grade(question, set(range(len(record["options"])))) == 0
        for i, option in enumerate(record["options"]):
            if not option["correct"]:
                assert grade(question, {i}) == 0
            assert html_text(question["answers"][i][2]) == plain_text(option["feedback"])
        return
    answer = record["answer"]
    assert question["kind"] == record["type"]
    if record["type"] == "numerical":
        assert grade(question, answer["text"]) == 1
        assert grade(question, str(Decimal(str(answer["value"])) * Decimal("1.5") + 1)) == 0
    else:
        for spelling in shortanswer_spellings(answer):
            assert grade(question, spelling) == 1
        assert grade(question, "something else") == 0
    for wrong in record.get("misconception_answers", []):
        near = record["type"] == "numerical" and abs(float(wrong["text"]) - answer["value"]) <= (answer.get("tolerance") or 0)
        if not near:
            assert grade(question, wrong["text"]) == 0
            if record["type"] == "shortanswer":
                assert feedback_for(question, wrong["text"]) == plain_text(wrong["feedback"])


def check(records, text):
    questions = parse_gift(text)
    assert len(questions) == len(records)
    for record in records:
        from torchquiz.exports.moodle import idnumber_for

        assert_scores_as_recorded(record, questions[idnumber_for(record["id"])])
    return questions


def test_escaping_round_trips_every_special_character():
    nasty = "a ~ b = c # d { e } f : g \\ h\nnext line"
    escaped = gift_escape(nasty)
    assert "\n" not in escaped and unescape(escaped) == nasty
    assert not re.search(r"(?<!\\)[~=#{}:]", escaped.replace("\\\\", ""))


def test_edge_cases_parse_back_and_score_as_recorded():
    records = edge_case_records()
    questions = check(records, to_gift(records))
    first = questions[next(iter(questions))]
    assert first["category"] == "$course$/top/torchquiz/Output shape of a ‹GRU› layer (shape.gru_output)"
    assert "<pre><code" in first["text"] and "\n    x = torch.randn(4, 7, 5)\n" in first["text"]  # lines kept


def test_a_typed_misconception_is_a_0_answer_with_its_feedback():
    records = edge_case_records()
    typed = next(r for r in records if r["template"] == "shape.gru_output_typed")
    typed["misconception_answers"] = [{"text": "(7, 4, 3)", "misconception": "ignore_batch_first",
                                       "feedback": "It reads the input as time first."}]
    number = next(r for r in records if r["template"] == "metrics.precision")
    number["misconception_answers"] = [{"text": "0.83", "misconception": "precision_recall_confusion",
                                        "feedback": "That is the recall."}]
    questions = check([typed, number], to_gift([typed, number]))
    typed_q = next(q for q in questions.values() if q["kind"] == "shortanswer")
    assert grade(typed_q, "[7, 4, 3]") == 0 and feedback_for(typed_q, "[7, 4, 3]") == "It reads the input as time first."
    number_q = next(q for q in questions.values() if q["kind"] == "numerical")
    assert [a[0] for a in number_q["answers"]] == [100, 0] and html_text(number_q["answers"][1][2]) == "That is the recall."


@pytest.mark.parametrize("category_by", ["template", "family", "difficulty"])
def test_a_generated_full_bank_set_parses_back_in_every_mode(tmp_path_factory, category_by):
    path = generated_set_or_skip(tmp_path_factory)
    records = load_records(path)
    questions = check(records, to_gift(records, category_by=category_by))
    assert len({q["category"] for q in questions.values()}) == len({r[category_by] for r in records})


def test_the_emphasis_shortcut_changes_no_text():
    """exports.text skips its three emphasis passes after one search; the result must not change."""
    from torchquiz.exports import text

    def three_passes(escaped):
        escaped = text._STRONG.sub(r"<strong>\1</strong>", escaped)
        escaped = text._EM_STAR.sub(r"<em>\1</em>", escaped)
        return text._EM_UNDERSCORE.sub(r"<em>\1</em>", escaped)

    samples = ["h_n and batch_first", "_really_ important", "a *b* c", "**x** y", "x (_y_) z", "2 * 3 * 4",
               "snake_case_name_", "_leading", "trailing_", "a_b_ c _d", "__init__ runs", "(_)", "*", "_x_y_"]
    for sample in samples:
        assert text._emphasis(sample) == three_passes(sample), sample
