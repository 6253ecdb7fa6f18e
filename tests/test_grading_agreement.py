"""One table of typed responses (tests/grading_table.py), one mark each, proven three times:
by Python's grader (the terminal quiz), by the real HTML page in headless Chromium, and by
the answers the Moodle export writes, graded the way Moodle 4.3 grades them.

The Moodle side is a port of the two Moodle functions that decide: a shortanswer response
is compared by qtype_shortanswer_question::compare_string_with_wildcard, and a numerical
one read by qtype_numerical_answer_processor::apply_units (English site: `.` decimal
point, `,` thousands separator) and checked by qtype_numerical_answer::within_tolerance.
"""
import re
import unicodedata
from pathlib import Path

import lxml.etree as etree
import pytest

from grading_table import KEYS, ROWS, moodle_outcome, table_records
from browser_page import console_errors, open_page
from torchquiz.exports.html import to_html
from torchquiz.exports.moodle import idnumber_for, to_moodle_xml
from torchquiz.record.grading import Malformed, grade

PHP_TRIM = " \t\n\r\0\x0b"
README = Path(__file__).resolve().parent.parent / "README.md"
RECORDS = dict(zip(KEYS, table_records()))


def row_id(row):
    return f"{row[0]}:{row[1]!r}"


def quiz_outcome(result):
    if isinstance(result, Malformed):
        return "again"
    return "right" if result.correct else "wrong"


# ---------- the table itself ----------

def test_the_table_covers_what_the_issue_names():
    rights = {response for key, response, outcome, _ in ROWS if key == "shape" and outcome == "right"}
    assert {"(60, 4)", "(60,4)", "[60, 4]", "torch.Size([60, 4])", "(60, 4,)", "60, 4"} <= rights
    assert {"()", "[]", "torch.Size([])"} <= {r for k, r, o, _ in ROWS if k == "shape0" and o == "right"}
    numbers = {r for k, r, _, _ in ROWS if k == "ratio"}
    assert {"0.91", ".91", " 0.91 ", "9.1e-1", "91%", "0,91"} <= numbers
    assert len({(k, r) for k, r, _, _ in ROWS}) == len(ROWS) > 150  # no row twice


def test_every_row_moodle_marks_differently_is_named_in_the_readme():
    readme = README.read_text(encoding="utf-8")
    section = readme.split("### Typed answers: what counts as the same shape", 1)[1].split("\n#", 1)[0]
    assert "( 60, 4 )" in section and "(60 , 4)" in section  # inner spaces: Moodle gives 0
    for key, response, outcome, moodle in ROWS:
        if moodle is not None and moodle != "invalid":
            assert response in section, f"{response!r} ({key}) is marked differently by Moodle: name it"


# ---------- 1. Python: the terminal quiz's grader ----------

@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_python_grader(row):
    key, response, outcome, _ = row
    assert quiz_outcome(grade(RECORDS[key], response)) == outcome


# ---------- 2. Moodle: what the export writes, graded by Moodle's rules ----------

def moodle_shortanswer_matches(response, pattern):
    """compare_string_with_wildcard(response, answer, ignorecase=True): NFC both, split the answer
    on unescaped runs of `*`, `\\*` is a literal star, whole trimmed response, case-insensitive."""
    pattern = unicodedata.normalize("NFC", pattern)
    bits = re.split(r"(?<!\\)\*+", pattern)
    regexp = ".*".join(re.escape(bit.replace("\\*", "*")) for bit in bits)
    return re.fullmatch(regexp, unicodedata.normalize("NFC", response).strip(PHP_TRIM),
                        re.IGNORECASE | re.DOTALL) is not None


def moodle_number(response):
    """apply_units on an English site: (value, unit), or (None, None) when no number leads."""
    text = response.replace(" ", "")
    text = re.sub(r"(?:e|E|(?:x|\*|×)10(?:\^|\*\*))([+-]?\d+)", r"e\1", text, flags=re.ASCII)
    # With a point or several commas every comma goes; otherwise str_replace([thousandssep, decsep,
    # ','], ['', '.', '.']) runs, and on an English site the thousands separator ',' goes first.
    # Either way an English site drops every comma: `0,91` is 91.
    text = text.replace(",", "")
    match = re.match(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?", text, flags=re.ASCII)
    if not match:
        return None, None
    return float(match.group()), text[match.end():]


def moodle_grade(question, response):
    """right, wrong or invalid (Moodle's validation error: asked again, no try used)."""
    response = response.strip(PHP_TRIM)  # PARAM_RAW_TRIMMED
    if response == "":
        return "invalid"
    answers = question.findall("answer")
    if question.get("type") == "shortanswer":
        assert question.findtext("usecase") == "0"
        for answer in answers:  # Moodle takes the first answer that matches
            if moodle_shortanswer_matches(response, answer.findtext("text")):
                return "right" if float(answer.get("fraction")) == 100 else "wrong"
        return "wrong"
    value, unit = moodle_number(response)
    if value is None or unit:  # a unit where the question has none: 'please enter a valid number'
        return "invalid"
    for answer in answers:
        expected, tolerance = float(answer.findtext("text")), float(answer.findtext("tolerance"))
        slack = tolerance + 1e-14 * max(1.0, abs(expected))  # get_tolerance_interval, precision 14
        if expected - slack <= value <= expected + slack:
            return "right" if float(answer.get("fraction")) == 100 else "wrong"
    return "wrong"


@pytest.fixture(scope="module")
def moodle_questions():
    root = etree.fromstring(to_moodle_xml(list(RECORDS.values())).encode("utf-8"),
                            etree.XMLParser(strip_cdata=False))
    by_id = {q.findtext("idnumber"): q for q in root.iter("question") if q.get("type") != "category"}
    return {key: by_id[idnumber_for(record["id"])] for key, record in RECORDS.items()}


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_moodle_export(moodle_questions, row):
    key, response, outcome, moodle = row
    assert moodle_grade(moodle_questions[key], response) == moodle_outcome(key, outcome, moodle)


def test_the_moodle_model_is_moodle_on_its_own_examples():
    """The port reproduces cases from Moodle's own answerprocessor tests and docs."""
    assert moodle_number("1,234") == (1234.0, "")
    assert moodle_number("1,234,567.5") == (1234567.5, "")
    assert moodle_number("3.14 m") == (3.14, "m")
    assert moodle_number("1.5x10^3") == (1500.0, "")
    assert moodle_number("abc") == (None, None)
    assert moodle_shortanswer_matches("Frog", "fr*g") and not moodle_shortanswer_matches("Frog", r"fr\*g")
    assert moodle_shortanswer_matches(" fr*g ", r"fr\*g")


def test_moodle_lists_exactly_the_python_spellings(moodle_questions):
    from torchquiz.record.answers import accepted_spellings

    for key, (kind, answer) in KEYS.items():
        if kind == "shortanswer":
            written = [a.findtext("text") for a in moodle_questions[key].findall("answer")
                       if a.get("fraction") == "100"]
            assert written == [s.replace("*", "\\*") for s in accepted_spellings(answer)]


# ---------- 3. The HTML page in Chromium ----------

@pytest.fixture(scope="module")
def table_page(tmp_path_factory):
    path = tmp_path_factory.mktemp("agreement") / "table.html"
    path.write_text(to_html(list(RECORDS.values()), mode="practice"), encoding="utf-8")
    return path


VERDICTS = {"right": "right", "wrong": "wrong", "invalid": "again"}


@pytest.mark.browser
def test_html_page_in_chromium(browser, table_page):  # noqa: F811
    open_page(browser, table_page)
    order = list(KEYS)
    rows = [[order.index(key), response] for key, response, _, _ in ROWS]
    # The grader the page runs, on each response as typed ...
    graded = browser.execute_script(
        """const data = JSON.parse(document.getElementById("torchquiz-data").textContent);
        return arguments[0].map(([q, response]) => torchquizGrading.gradeTyped(data[q], response));""", rows)
    # ... and the page itself: the answer put in the question's box and its Check button pressed.
    shown = browser.execute_script(
        """return arguments[0].map(([q, response]) => {
          const form = document.querySelector('.question-form[data-q="' + q + '"]');
          form.querySelector("input.typed").value = response;
          form.querySelector("button.check").click();
          const verdict = form.querySelector(".verdict");
          return [verdict.className.replace("verdict ", ""), verdict.textContent];
        });""", rows)
    wrong, told = [], []
    for (key, response, outcome, _), verdict, (box, text) in zip(ROWS, graded, shown):
        got = {True: "right", False: "wrong", None: "again"}[verdict]
        # A text box drops line breaks as it is filled, so those rows are checked by the grader only.
        typed_alike = "\n" not in response.strip("\n") and "\r" not in response
        if got != outcome or (typed_alike and VERDICTS[box] != outcome):
            wrong.append((key, response, outcome, got, box))
        # Asked again: the page tells how to write it in the words the terminal quiz uses.
        if box == "invalid" and response.strip():
            python = grade(RECORDS[key], response)
            if not (text.endswith(" This try does not count.")
                    and python.message.endswith(" " + text.removesuffix(" This try does not count."))):
                told.append((key, response, text, python.message))
    assert wrong == []
    assert told == []
    assert console_errors(browser) == []
