"""Question records to Moodle XML, following the rules Moodle's importer actually enforces.

Each rule here once broke an import or silently changed a key (issue 5): fractions come
from Moodle's grade list, HTML is escaped and then wrapped in CDATA, true/false answers are
spelled `true`/`false`, shortanswer `*` is escaped, and names and idnumbers are unique and
short enough that Moodle keeps them whole. Issue 11 added: misconception answers of typed
questions as 0% answers with their own feedback, an all-boxes multiresponse that scores
exactly 0, categories with a title and a description, and splitting at --max-size.
"""
from decimal import Decimal

from markupsafe import Markup

from torchquiz.exports.core import (category_description, category_title, check_category_by,
                                    correct_feedback_html, general_feedback_html, group_records,
                                    misconception_answers, option_feedback_html, question_html, question_name)
from torchquiz.exports.errors import ExportError
from torchquiz.record.validate import check_records
from torchquiz.exports.templating import gc_paused, render
from torchquiz.exports.text import inline_html, xml_safe
from torchquiz.record.answers import accepted_spellings
from torchquiz.record.moodle_grades import SHARES, wrong_fraction

DEFAULT_CATEGORY_ROOT = "$course$/top/torchquiz"
DEFAULT_PENALTY = 0.3333333
DEFAULT_MAX_MB = 2  # PHP's default upload_max_filesize is 2M: a bigger file cannot be uploaded
NAME_LIMIT = 255  # Moodle cuts names here
IDNUMBER_LIMIT = 100  # question.idnumber is varchar(100)

def grade_share(count):
    """The grade-list fraction that splits 100 evenly over `count` options (1 to 10)."""
    if count not in SHARES:
        raise ExportError(f"cannot split 100 evenly over {count} options with Moodle's grade list")
    return SHARES[count]


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


def _answer(fraction, text, feedback, plain=False, tolerance=None):
    """One <answer>: plain texts are matched by Moodle as typed, HTML texts are shown."""
    return {"fraction": fraction, "text": xml_safe(text), "feedback": feedback, "plain": plain,
            "format": "moodle_auto_format" if plain else "html", "tolerance": tolerance}


def _choice_answers(record):
    options = record["options"]
    correct = [o for o in options if o["correct"]]
    if record["type"] == "multichoice":
        right, wrong = "100", "0"
    else:
        right, wrong = grade_share(len(correct)), wrong_fraction(len(options) - len(correct))
    return [_answer(right if o["correct"] else wrong, f"<p>{inline_html(o['text'])}</p>", option_feedback_html(o))
            for o in options]


def _truefalse_answers(record):
    by_text = {o["text"].strip().lower(): o for o in record["options"]}
    # Exactly lower-case `true` and `false`: Moodle matches on these words, anything else
    # makes it fall back to answer order and can flip the key.
    return [_answer("100" if by_text[t]["correct"] else "0", t, option_feedback_html(by_text[t]), plain=True)
            for t in ("true", "false")]


def shortanswer_spellings(answer):
    """Every spelling Moodle must accept: exactly the texts the quiz and the HTML page accept
    (record/answers.py), one answer each. Moodle compares whole strings, case-insensitively,
    so a spelling outside this list (`( 60, 4 )`) gets 0 there, and the quiz asks again."""
    return accepted_spellings(answer)


def _shortanswer_answers(record):
    answers = [_answer("100", escape_wildcards(s), correct_feedback_html(record), plain=True)
               for s in shortanswer_spellings(record["answer"])]
    # Misconception answers come after every right spelling: Moodle takes the first answer that
    # matches, so a 0% answer can never shadow a right one. A wrong shape gets every spelling too.
    taken = {a["text"] for a in answers}
    for wrong in misconception_answers(record):
        for spelling in shortanswer_spellings({"text": wrong["text"]}):
            if escape_wildcards(spelling) not in taken:
                taken.add(escape_wildcards(spelling))
                answers.append(_answer("0", escape_wildcards(spelling), option_feedback_html(wrong), plain=True))
    return answers


def _numerical_answers(record):
    answer = record["answer"]
    tolerance = decimal_text(answer.get("tolerance") or 0)
    answers = [_answer("100", decimal_text(answer["value"]), correct_feedback_html(record),
                       plain=True, tolerance=tolerance)]
    # The engine diagnoses a typed number within the key's tolerance of a misconception answer;
    # Moodle does the same with a 0% answer of that tolerance, checked after the right one.
    for wrong in misconception_answers(record):
        answers.append(_answer("0", decimal_text(float(wrong["text"])), option_feedback_html(wrong),
                               plain=True, tolerance=tolerance))
    return answers


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
    return to_moodle_files(records, category_by, category_root, penalty, shuffle, max_mb=None)[0]


def to_moodle_files(records, category_by="template", category_root=DEFAULT_CATEGORY_ROOT,
                    penalty=DEFAULT_PENALTY, shuffle=True, max_mb=DEFAULT_MAX_MB):
    """Moodle XML files (a list of str), each under `max_mb` megabytes (10**6 bytes; None: one file).

    Each file imports alone: it repeats the category question of every category it holds,
    so the questions of a split category still land in that one category.
    """
    check_category_by(category_by)
    if not 0 <= float(penalty) <= 1:
        raise ExportError(f"penalty={penalty!r}: expected a number from 0 to 1")
    if max_mb is not None and not float(max_mb) > 0:
        raise ExportError(f"max_mb={max_mb!r}: expected a positive number of megabytes")
    with gc_paused():
        blocks = _moodle_blocks(check_records(records), category_by, category_root, penalty, shuffle)
        return split_files(blocks, None if max_mb is None else int(float(max_mb) * 1_000_000))


_CUT = {"category": Markup("\x1e"), "question": Markup("\x1f")}


def _moodle_blocks(records, category_by, category_root, penalty, shuffle):
    """(blocks, header, footer): blocks are [(category XML, [question XML, ...]), ...], cut out of
    one render of moodle.xml.j2 at its marks."""
    names = set()
    categories = []
    for members in group_records(records, category_by).values():
        # Moodle strips tags from category names: look-alike brackets keep `<GRU>` readable.
        title = category_title(members, category_by).replace("<", "‹").replace(">", "›")
        path = category_path(category_root, title)
        info = f"<p>{inline_html(category_description(members, category_by))}</p>"
        questions = []
        for record in members:
            question = moodle_question(record, path, penalty, shuffle)
            base, suffix = question["name"], 2
            while question["name"] in names:  # same stem cut at 255: keep names unique
                tail = f" ({suffix})"
                question["name"] = base[:NAME_LIMIT - len(tail)] + tail
                suffix += 1
            names.add(question["name"])
            questions.append(question)
        categories.append({"path": path, "info": info, "questions": questions})
    header, *chunks, footer = render("moodle.xml.j2", categories=categories, cut=_CUT).split(_CUT["category"])
    blocks = []
    for chunk in chunks:
        category, *questions = chunk.split(_CUT["question"])
        blocks.append((category, questions))
    return blocks, header, footer


def split_files(blocks, max_bytes):
    """Pack the questions, in order, into files of at most `max_bytes` (UTF-8) each (None: one file).

    A file is the header, then for each category it touches the category question followed
    by that category's questions in it, then the footer. A question too big for a file on
    its own is refused rather than written into a file Moodle cannot take.
    """
    blocks, header, footer = blocks
    frame = _size(header) + _size(footer)
    files, parts, used = [], [header], frame
    for category, questions in blocks:
        opened = False
        for question in questions:
            cost = _size(question) + (0 if opened else _size(category))
            if max_bytes is not None and used + cost > max_bytes:
                if len(parts) == 1 or frame + _size(category) + _size(question) > max_bytes:
                    raise ExportError(f"one question ({_size(question):,} bytes) does not fit in "
                                      f"--max-size {max_bytes / 1e6:g} MB; raise --max-size")
                files.append("".join(parts + [footer]))
                parts, used, opened = [header], frame, False
                cost = _size(question) + _size(category)
            if not opened:
                parts.append(category)
                opened = True
            parts.append(question)
            used += cost
    files.append("".join(parts + [footer]))
    return files


def _size(text):
    return len(text.encode("utf-8"))
