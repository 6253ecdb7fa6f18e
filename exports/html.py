"""Question records to one self-contained HTML page: practice, exam or key.

Inline CSS and JS only, and a Content-Security-Policy that forbids any fetch, so the page
works offline and makes no network request. Code is highlighted here, at export time.
Exam mode leaves every answer out of the page source: no key, no feedback, no solution.
"""
import functools
import json
import re
import types
from importlib import resources

from markupsafe import Markup

from torchquiz.exports.errors import ExportError
from torchquiz.record import answers, grading
from torchquiz.record.validate import CHOICE_TYPES, check_records
from torchquiz.exports.order import set_id
from torchquiz.exports.page_layout import layout_fields
from torchquiz.exports.templating import gc_paused, render
from torchquiz.exports.text import highlight_css, highlighted_code_block, inline_html, run_html

MODES = ("practice", "exam", "key")
TITLES = {"practice": "torchquiz practice", "exam": "torchquiz exam", "key": "torchquiz answer key"}
LETTERS = "abcdefghijklmnopqrstuvwxyz"


@functools.lru_cache(maxsize=None)
def _asset(name):
    return resources.files("torchquiz.exports").joinpath("templates", name).read_text(encoding="utf-8")


def script_json(value):
    """JSON that is safe inside <script>: no `</script>`, `<!--` or `&` can appear in it."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
                  .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _letter(index):
    return LETTERS[index] if index < len(LETTERS) else str(index + 1)


def on_paper(stem):
    """A stem as a printed paper says it: the screen's "Type the shape" is written there."""
    return re.sub(r"\b([Tt])ype (the|a|your)\b", lambda m: ("Write " if m[1] == "T" else "write ") + m[2], stem)


def page_question(record, number, mode):
    """What the page template shows for one record; exam mode gets no answer fields at all."""
    is_choice = record["type"] in CHOICE_TYPES
    question = {
        "number": number,
        "type": record["type"],
        "meta": f"{record['family']} · {record['difficulty']}",
        "stem": Markup(inline_html(on_paper(record["stem"]) if mode == "exam" else record["stem"])),
        "code": Markup(highlighted_code_block(record["code"])) if record.get("code") else None,
        "options": [{"letter": _letter(i), "text": Markup(inline_html(o["text"]))}
                    for i, o in enumerate(record["options"])] if is_choice else [],
        "instruction": {"multichoice": "Choose one.", "truefalse": "Choose one.",
                        "multiresponse": "Choose every right option.",
                        "numerical": "Type a number.", "shortanswer": "Type your answer."}[record["type"]],
    }
    if mode == "exam":
        return question
    for option, source in zip(question["options"], record["options"]):
        option.update(correct=source["correct"], feedback=Markup(inline_html(source["feedback"])),
                      misconception=source["misconception"])
    question.update(
        answer=Markup(inline_html(record["answer"]["text"])),
        solution=[Markup(inline_html(step)) for step in record["solution"]],
        hint=Markup(inline_html(record["hint"])),
        mistakes=[Markup(inline_html(m)) for m in record.get("common_mistakes", [])],
        run=Markup(run_html(record)),
    )
    return question


def grading_data(record, original=None):
    """What practice-mode JS needs to grade one question (see templates/grading.js).

    A typed answer is graded by record/answers.py's definition: the page gets the response
    forms Python accepts, computed here, and compares the learner's against them.
    `original`: the record as the set holds it, when the page shows its options shuffled; the
    page then saves each choice by its letter in the set (`letters`), which is what an import
    grades against, not by the letter it showed.
    """
    data = {"type": record["type"], "correct": [i for i, o in enumerate(record["options"]) if o["correct"]]}
    if original is not None and original["options"] != record["options"]:
        texts = [o["text"] for o in original["options"]]
        data["letters"] = [_letter(texts.index(o["text"])) for o in record["options"]]
    answer = record["answer"]
    if record["type"] == "shortanswer":
        data["answer"] = {"forms": [answers.response_form(s) for s in answers.accepted_spellings(answer)],
                          "shape": answers.parse_shape(answer["text"]) is not None}
    elif record["type"] == "numerical":
        data["answer"] = {"value": answer["value"], "tolerance": answer.get("tolerance") or 0}
    return data


def grading_rules():
    """record/answers.py's patterns as a script line for templates/grading.js, which has none of its own,
    and record/grading.py's words for an answer that cannot be read, for templates/quiz.js."""
    rules = {"trim": answers.MOODLE_TRIM, "shape": answers.SHAPE_PATTERN,
             "number": answers.NUMBER_PATTERN, "exponent": answers.EXPONENT_PATTERN,
             "shapeHow": grading.SHAPE_HOW, "numberHow": [list(pair) for pair in grading.NUMBER_HOW]}
    return f"var torchquizRules = {script_json(rules)};\n"


# A long practice page puts its first questions in the page and the rest in deferred HTML
# text that quiz.js adds as the reader goes: a 1,000-question page opens in a fraction of a
# second instead of parsing ~100k elements first. Exam and key pages are for print and
# have no script, so they always hold every question.
LAZY_AFTER, INLINE_QUESTIONS = 40, 20


def inline_count(mode, count):
    return INLINE_QUESTIONS if mode == "practice" and count > LAZY_AFTER else count


# Up to this many questions every question is laid out, so every one is in the accessibility
# tree (screen readers list and read only what is there). A longer page lays out only the
# questions near the window (`content-visibility: auto`, body.lazy-layout in quiz.css): without
# it a 1,000-question key page took 3.7 s to open instead of 0.9 s. At 200 questions without it,
# the practice page opens in about 0.1 s, the exam in 0.3 s and the key, all solutions open, in 1.1 s.
LAZY_LAYOUT_AFTER = 200


def _as_attributes(question):
    options = [types.SimpleNamespace(**o) for o in question.get("options", [])]
    return types.SimpleNamespace(**{**question, "options": options})


def to_html(records, mode="practice", title=None, *, version=None, answer_grid=False, originals=None):
    """One self-contained HTML page (str) for `records` in `mode`: practice, exam or key.

    `version` labels one exam version ("A"); `answer_grid` adds a page of answer boxes to an exam;
    `originals` ({id: record as the set holds it}) for a page whose options are shuffled.
    """
    if mode not in MODES:
        raise ExportError(f"mode={mode!r}: expected one of {', '.join(MODES)}")
    with gc_paused():
        records = check_records(records)
        questions = [page_question(r, n, mode) for n, r in enumerate(records, start=1)]
        for question, record in zip(questions, records):
            question.update(layout_fields(record))
        scripts = None
        if mode == "practice":
            scripts = {"data": script_json([grading_data(r, (originals or {}).get(r["id"])) for r in records]),
                       "code": Markup(grading_rules() + _asset("grading.js") + "\n" + _asset("quiz.js"))}
        total_marks = sum(q["marks"] for q in questions)
        # Attribute objects, not dicts: jinja tries getattr before getitem, and a dict's failed
        # getattr (an exception per `q.stem`) was a fifth of the page's render time.
        questions = [_as_attributes(q) for q in questions]
        return render("quiz.html.j2", mode=mode, title=title or TITLES[mode], questions=questions,
                      css=Markup(_asset("quiz.css") + "\n" + highlight_css()), scripts=scripts,
                      set_id=set_id(records), version=version, answer_grid=answer_grid,
                      inline_count=inline_count(mode, len(questions)),
                      lazy_layout=len(questions) > LAZY_LAYOUT_AFTER,
                      total_marks=total_marks)
