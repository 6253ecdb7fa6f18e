"""Question records to Moodle XML, following the rules Moodle's importer actually enforces.

Each rule here once broke an import or silently changed a key (issue 5): fractions come
from Moodle's grade list, HTML is escaped and then wrapped in CDATA, true/false answers are
spelled `true`/`false`, shortanswer `*` is escaped, and names and idnumbers are unique and
short enough that Moodle keeps them whole.
"""
from decimal import Decimal

from torchquiz.exports.errors import ExportError
from torchquiz.record.validate import check_records
from torchquiz.exports.templating import gc_paused, render
from torchquiz.exports.text import code_block, escape_html, inline_html, plain_text, run_html, xml_safe
from torchquiz.record.answers import parse_shape, shape_spellings

DEFAULT_CATEGORY_ROOT = "$course$/top/torchquiz"
DEFAULT_PENALTY = 0.3333333
CATEGORY_KEYS = ("template", "family", "difficulty")
NAME_LIMIT = 255  # Moodle cuts names here
IDNUMBER_LIMIT = 100  # question.idnumber is varchar(100)

# Moodle's grade list; any other fraction rejects the whole file (33.33 does).
GRADES = ("100", "90", "83.33333", "80", "75", "70", "66.66667", "60", "50", "40", "33.33333",
          "30", "25", "20", "16.66667", "14.28571", "12.5", "11.11111", "10", "5", "0")
# 100 split evenly over n correct options, for the n the grade list allows.
_SHARE = {1: "100", 2: "50", 3: "33.33333", 4: "25", 5: "20", 6: "16.66667",
          7: "14.28571", 8: "12.5", 9: "11.11111", 10: "10"}


def grade_share(count):
    """The grade-list fraction that splits 100 evenly over `count` options (1 to 10)."""
    if count not in _SHARE:
        raise ExportError(f"cannot split 100 evenly over {count} options with Moodle's grade list")
    return _SHARE[count]


def wrong_fraction(count):
    """Negative fraction for each of `count` wrong options: choosing all of them costs at least 100."""
    if count <= 10:
        return "-" + _SHARE[count]
    return "-" + min((g for g in GRADES if 0 < float(g) * count >= 100), key=float)


def decimal_text(value):
    """A number with `.` as the decimal point and no exponent (Moodle stores `0,91` as 91)."""
    text = format(Decimal(repr(float(value))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def escape_wildcards(text):
    """Shortanswer text with `*` (Moodle's wildcard) escaped as `\\*`."""
    return text.replace("*", r"\*")


def category_path(root, name):
    """`root/name` with any `/` inside `name` escaped as `//`, as Moodle's importer expects."""
    root = root.strip().rstrip("/")
    if not root:
        raise ExportError("category root must not be empty")
    return xml_safe(f"{root}/{name.replace('/', '//')}")


def idnumber_for(question_id):
    """The question id, shortened to Moodle's 100 characters while keeping its hash unique."""
    if len(question_id) <= IDNUMBER_LIMIT:
        return question_id
    template, _, digest = question_id.rpartition(":")
    return template[:IDNUMBER_LIMIT - len(digest) - 2] + "~:" + digest


def question_name(record):
    """A readable name that stays unique after Moodle strips tags and cuts it at 255 characters.

    The short hash comes before the stem excerpt, so the cut never reaches it.
    """
    title = record.get("title")  # an optional extra key the generator adds
    label = plain_text(title) if isinstance(title, str) and title.strip() else record["template"]
    if len(label) > 100:
        label = label[:99] + "…"
    digest = record["id"].rpartition(":")[2]
    # Moodle strips anything tag-like from names; look-alike brackets keep `a<b` readable.
    stem = plain_text(record["stem"])
    name = f"{label} [{record['difficulty']}] {digest}: {stem}".replace("<", "‹").replace(">", "›")
    name = xml_safe(name)
    return name if len(name) <= NAME_LIMIT else name[:NAME_LIMIT - 1] + "…"


def _list_html(items, tag="ul"):
    return f"<{tag}>" + "".join(f"<li>{inline_html(item)}</li>" for item in items) + f"</{tag}>"


def question_html(record):
    """The question text: the stem, then the code."""
    html = f"<p>{inline_html(record['stem'])}</p>"
    if record.get("code"):
        html += code_block(record["code"])
    return html


def general_feedback_html(record):
    """Moodle's general feedback: the worked solution with the code, its output and common mistakes."""
    html = "<p><strong>Worked solution</strong></p>"
    if record.get("code"):
        html += code_block(record["code"]) + run_html(record)
    html += _list_html(record["solution"], "ol")
    html += f"<p>Answer: {inline_html(record['answer']['text'])}</p>"
    if record.get("common_mistakes"):
        html += "<p><strong>Common mistakes</strong></p>" + _list_html(record["common_mistakes"])
    return html


def _answer(fraction, text, feedback, plain=False, tolerance=None):
    """One <answer>: plain texts are matched by Moodle as typed, HTML texts are shown."""
    return {"fraction": fraction, "text": xml_safe(text), "feedback": feedback, "plain": plain,
            "format": "moodle_auto_format" if plain else "html", "tolerance": tolerance}


def _option_feedback(option):
    return f"<p>{inline_html(option['feedback'])}</p>" if option["feedback"].strip() else ""


def _choice_answers(record):
    options = record["options"]
    correct = [o for o in options if o["correct"]]
    if record["type"] == "multichoice":
        right, wrong = "100", "0"
    else:
        right, wrong = grade_share(len(correct)), wrong_fraction(len(options) - len(correct))
    return [_answer(right if o["correct"] else wrong, f"<p>{inline_html(o['text'])}</p>", _option_feedback(o))
            for o in options]


def _truefalse_answers(record):
    by_text = {o["text"].strip().lower(): o for o in record["options"]}
    # Exactly lower-case `true` and `false`: Moodle matches on these words, anything else
    # makes it fall back to answer order and can flip the key.
    return [_answer("100" if by_text[t]["correct"] else "0", t, _option_feedback(by_text[t]), plain=True)
            for t in ("true", "false")]


def shortanswer_spellings(answer):
    """Every spelling Moodle must accept: the key, the record's `accepted`, and for a shape
    every spelling the engine accepts (Moodle compares exactly, inner spaces included)."""
    spellings = [answer["text"], *answer.get("accepted", [])]
    shape = parse_shape(answer["text"])
    if shape is not None:
        spellings += shape_spellings(shape)
    return list(dict.fromkeys(s.strip() for s in spellings if s.strip()))


def _shortanswer_answers(record):
    feedback = f"<p>Correct: {escape_html(record['answer']['text'])}</p>"
    return [_answer("100", escape_wildcards(s), feedback, plain=True)
            for s in shortanswer_spellings(record["answer"])]


def _numerical_answers(record):
    answer = record["answer"]
    return [_answer("100", decimal_text(answer["value"]), f"<p>Correct: {escape_html(answer['text'])}</p>",
                    plain=True, tolerance=decimal_text(answer.get("tolerance") or 0))]


_ANSWERS = {"multichoice": _choice_answers, "multiresponse": _choice_answers,
            "truefalse": _truefalse_answers, "shortanswer": _shortanswer_answers,
            "numerical": _numerical_answers}
_MOODLE_TYPE = {"multichoice": "multichoice", "multiresponse": "multichoice", "truefalse": "truefalse",
                "shortanswer": "shortanswer", "numerical": "numerical"}


def moodle_question(record, category, penalty, shuffle):
    """The values the XML template lays out for one record."""
    return {
        "type": _MOODLE_TYPE[record["type"]],
        "kind": record["type"],
        "name": question_name(record),
        "category": category,
        "questiontext": question_html(record),
        "generalfeedback": general_feedback_html(record),
        "penalty": decimal_text(penalty),
        "idnumber": idnumber_for(record["id"]),
        "single": "true" if record["type"] == "multichoice" else "false",
        "shuffle": "1" if shuffle else "0",
        "answers": _ANSWERS[record["type"]](record),
        "hints": [f"<p>{inline_html(record['hint'])}</p>"],
        "tags": list(dict.fromkeys([record["family"], record["difficulty"], *record["topics"]])),
    }


def to_moodle_xml(records, category_by="template", category_root=DEFAULT_CATEGORY_ROOT,
                  penalty=DEFAULT_PENALTY, shuffle=True):
    """A Moodle XML quiz file (str) for `records`; one category per template (or family, difficulty).

    Questions are grouped by category, each group preceded by its category question, so a
    Moodle quiz can draw a random question from each category.
    """
    if category_by not in CATEGORY_KEYS:
        raise ExportError(f"category_by={category_by!r}: expected one of {', '.join(CATEGORY_KEYS)}")
    if not 0 <= float(penalty) <= 1:
        raise ExportError(f"penalty={penalty!r}: expected a number from 0 to 1")
    with gc_paused():
        return _moodle_xml(check_records(records), category_by, category_root, penalty, shuffle)


def _moodle_xml(records, category_by, category_root, penalty, shuffle):
    groups = {}
    for record in records:
        groups.setdefault(category_path(category_root, record[category_by]), []).append(record)
    names = set()
    categories = []
    for category, members in groups.items():
        questions = []
        for record in members:
            question = moodle_question(record, category, penalty, shuffle)
            base, suffix = question["name"], 2
            while question["name"] in names:  # same stem cut at 255: keep names unique
                tail = f" ({suffix})"
                question["name"] = base[:NAME_LIMIT - len(tail)] + tail
                suffix += 1
            names.add(question["name"])
            questions.append(question)
        categories.append({"path": category, "questions": questions})
    return render("moodle.xml.j2", categories=categories)
