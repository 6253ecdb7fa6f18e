"""Question records to GIFT, Moodle's plain-text format, for teachers who import or paste by hand.

GIFT's rules, each stated where it is obeyed:
- `~ = # { } :` are syntax anywhere in a question, so every text escapes them with `\\`
  (and `\\` itself first); Moodle unescapes them on import.
- A blank line ends a question, so code cannot keep a real newline: every newline is
  written `\\n`, which Moodle turns back into a newline inside `[html]` text and `<pre>`.
- Fractions are Moodle's grade list (`~%50%`), as in the Moodle XML export, so a
  multiresponse question scores 0 when every box is ticked.
- Shortanswer answers are matched as typed; `*` is Moodle's wildcard and is written `\\*`.
"""
from torchquiz.exports.core import (category_title, correct_feedback_html, general_feedback_html, group_records,
                                    misconception_answers, option_feedback_html, question_html, question_name)
from torchquiz.exports.moodle import (DEFAULT_CATEGORY_ROOT, category_path, decimal_text, escape_wildcards,
                                      grade_share, idnumber_for, shortanswer_spellings, wrong_fraction)
from torchquiz.exports.templating import gc_paused
from torchquiz.exports.text import inline_html, xml_safe
from torchquiz.record.answers import parse_number
from torchquiz.record.validate import check_records

def gift_escape(text):
    """`text` with GIFT's special characters escaped and newlines written as `\\n`.

    Chained `replace` calls: about five times faster than `str.translate` on long HTML.
    Characters no text should hold (a stray ESC) are dropped once, over the whole file (`to_gift`).
    """
    text = text.replace("\\", "\\\\")
    for special in "~=#{}:":
        text = text.replace(special, "\\" + special)
    return text.replace("\r", "").replace("\n", "\\n")


def _answer(mark, html, feedback):
    """One answer line: `=` or `~` (with a `%fraction%`), the text, then `#feedback` if any."""
    line = f"{mark}{html}"
    return line + (f"#{gift_escape(feedback)}" if feedback else "")


def _choice_answers(record):
    options = record["options"]
    correct = sum(o["correct"] for o in options)
    if record["type"] == "multichoice":
        marks = {True: "=", False: "~"}
    else:  # multiresponse: every answer is `~` with its weight
        marks = {True: f"~%{grade_share(correct)}%", False: f"~%{wrong_fraction(len(options) - correct)}%"}
    return [_answer(marks[o["correct"]], gift_escape(f"<p>{inline_html(o['text'])}</p>"), option_feedback_html(o))
            for o in options]


def _truefalse_answers(record):
    by_text = {o["text"].strip().lower(): o for o in record["options"]}
    right = "true" if by_text["true"]["correct"] else "false"
    wrong = "false" if right == "true" else "true"
    # `{TRUE#shown if wrong#shown if right}`: Moodle's first feedback goes to the wrong answer.
    return [f"{right.upper()}#{gift_escape(option_feedback_html(by_text[wrong]))}"
            f"#{gift_escape(option_feedback_html(by_text[right]))}"]


def _shortanswer_answers(record):
    right = [_answer("=", escape_wildcards(gift_escape(s)), correct_feedback_html(record))
             for s in shortanswer_spellings(record["answer"])]
    taken = set(shortanswer_spellings(record["answer"]))
    wrong = []
    for entry in misconception_answers(record):  # after the right ones: Moodle takes the first match
        for spelling in shortanswer_spellings({"text": entry["text"]}):
            if spelling not in taken:
                taken.add(spelling)
                wrong.append(_answer("=%0%", escape_wildcards(gift_escape(spelling)), option_feedback_html(entry)))
    return right + wrong


def _numerical_answers(record):
    answer = record["answer"]
    tolerance = decimal_text(answer.get("tolerance") or 0)
    lines = [_answer("=", f"{decimal_text(answer['value'])}:{tolerance}", correct_feedback_html(record))]
    for entry in misconception_answers(record):
        value = parse_number(entry["text"])
        if value is not None:
            lines.append(_answer("=%0%", f"{decimal_text(value)}:{tolerance}", option_feedback_html(entry)))
    return lines


_ANSWERS = {"multichoice": _choice_answers, "multiresponse": _choice_answers, "truefalse": _truefalse_answers,
            "shortanswer": _shortanswer_answers, "numerical": _numerical_answers}


def gift_question(record):
    """One question: an id/tag comment (Moodle 3.6+ reads it), the name, `[html]` text and its answers."""
    tags = " ".join(f"[tag:{t}]" for t in dict.fromkeys([record["family"], record["difficulty"], *record["topics"]]))
    answers = _ANSWERS[record["type"]](record)
    opening = "{#" if record["type"] == "numerical" else "{"
    body = "\n".join(answers) + f"\n####{gift_escape(general_feedback_html(record))}\n}}"
    return (f"// [id:{idnumber_for(record['id'])}] {tags}\n"
            f"::{gift_escape(question_name(record))}::[html]{gift_escape(question_html(record))}{opening}\n{body}\n")


def to_gift(records, category_by="template", category_root=DEFAULT_CATEGORY_ROOT):
    """A GIFT file (str) for `records`, a `$CATEGORY:` line before each category's questions."""
    with gc_paused():
        records = check_records(records)
        parts = ["// torchquiz export: GIFT. Import with Question bank > Import > GIFT format;\n"
                 "// every key was computed by torch.\n\n"]
        for members in group_records(records, category_by).values():
            title = category_title(members, category_by).replace("<", "‹").replace(">", "›")
            parts.append(f"$CATEGORY: {category_path(category_root, title)}\n\n")
            parts.extend(gift_question(record) + "\n" for record in members)
        return xml_safe("".join(parts))


def gift_files(records, category_by="template", category_root=DEFAULT_CATEGORY_ROOT):
    """The registry's entry point: one GIFT file."""
    return [to_gift(records, category_by, category_root)]
