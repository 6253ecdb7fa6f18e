"""Grading a learner's response to a question record: a pure function over JSON data.

`grade(record, response)` accepts an option letter (`b`), an option number (`2`), or the
answer typed out. A typed answer is right exactly when Moodle would mark it right
(record/answers.py holds that one definition): a shape in any of its spellings
(`(4,7,6)`, `torch.Size([4, 7, 6])`), a number within the key's tolerance (`0.91`, `.91`).
A response that cannot be read as an answer to this question (`(2, 3`, `( 4, 7, 6 )`,
`91%`, `0,91`, `Z`, ``) is a `Malformed` result: the quiz asks again and the attempt is
not used up.
"""
import re
from dataclasses import dataclass

from torchquiz.record import answers
from torchquiz.record.validate import CHOICE_TYPES, LETTERS
from torchquiz.record.wording import listed

# How to write a typed answer that cannot be read: the terminal quiz and the HTML page
# (exports/html.py hands these to quiz.js) say the same words.
SHAPE_HOW = ("Write the shape like (2, 3, 4) or [2,3,4]: one space after every comma or none after any, "
             "and no other spaces; a 1-D shape keeps its comma: (4,).")
# The first hint whose mark is in the response (Moodle refuses a unit such as %, and reads a
# comma by the site's language); the last, with no mark, otherwise.
NUMBER_HOW = (("%", "Type the number, not a percentage: 0.91 rather than 91%."),
              (",", "Type a point for decimals and no thousands separator: 0.91, 2560."),
              ("", "Type a number such as 0.5, 12 or 1e-5."))


@dataclass(frozen=True)
class Grade:
    correct: bool
    response: str                    # the response as recorded: option letters or the typed text
    chosen: tuple = ()               # indices of the options chosen (choice questions)
    misconception: str | None = None  # the misconception the wrong answer points to, if known
    feedback: str = ""               # that option's feedback, or the matching typed answer's


@dataclass(frozen=True)
class Malformed:
    message: str  # what is wrong with the response and what to type instead


def option_letters(record):
    return LETTERS[:len(record["options"])]


def grade(record, response):
    """Grade `response` (a string) against `record`; a Grade or a Malformed."""
    kind = record["type"]
    # Typed answers are trimmed as Moodle trims them, so a no-break space counts the same there.
    text = (response or "").strip(None if kind in CHOICE_TYPES else answers.MOODLE_TRIM)
    if not text:
        return Malformed("Type an answer.")
    if kind in ("multichoice", "truefalse"):
        return _grade_choice(record, text)
    if kind == "multiresponse":
        return _grade_multiresponse(record, text)
    if kind == "numerical":
        return _grade_numerical(record, text)
    if kind == "shortanswer":
        return _grade_shortanswer(record, text)
    return Malformed(f"Cannot grade a question of type {kind!r}.")


class Ambiguous(Exception):
    """A typed number that is one option's value and another option's position."""


def _option_index(record, text):
    """The option `text` names: a letter, the option's text in any spelling, or a 1-based number.
    Ambiguous when a number is one option's value and another's position (options 3/1/4/2, typed 4)."""
    options = record["options"]
    upper = text.upper()
    if len(upper) == 1 and upper in option_letters(record):
        return LETTERS.index(upper)
    position = int(text) - 1 if text.isdecimal() and 1 <= int(text) <= len(options) else None
    by_value = _option_by_value(options, text)
    if by_value is not None and position is not None and by_value != position:
        raise Ambiguous(f"{text!r} is the value of option {LETTERS[by_value]} and the number of option "
                        f"{LETTERS[position]}: type the letter ({LETTERS[by_value]} or {LETTERS[position]}).")
    if by_value is not None:
        return by_value
    if position is not None:
        return position
    if record["type"] == "truefalse" and upper in ("T", "F", "YES", "NO", "Y", "N"):
        wanted = "true" if upper in ("T", "YES", "Y") else "false"
        for index, option in enumerate(options):
            if answers.normalise_text(option["text"]) == wanted:
                return index
    return None


def _option_by_value(options, text):
    """The option whose text `text` is, in any spelling: a shape, the same words, or the same value spelt
    differently (0.5 for 0.500, [0,0,0] for [0.0, 0.0, 0.0]) when only one option reads as it."""
    typed_shape = answers.parse_shape(text)
    for index, option in enumerate(options):
        if typed_shape is not None and answers.parse_shape(option["text"]) == typed_shape:
            return index
        if answers.normalise_text(option["text"].strip("`")) == answers.normalise_text(text.strip("`")):
            return index
    typed_values = _values(text)
    if typed_values is not None:
        same = [index for index, option in enumerate(options) if _values(option["text"].strip("`")) == typed_values]
        if len(same) == 1:
            return same[0]
    return None


def _values(text):
    """(bracket, numbers) when `text` is one number or a bracketed list of numbers, else None."""
    text = text.strip()
    bracket = text[:1] + text[-1:] if text[:1] in "[(" else ""
    if bracket not in ("", "[]", "()"):
        return None
    parts = text[1:-1].split(",") if bracket else [text]
    if bracket and parts[-1].strip() == "":
        parts = parts[:-1]                      # (3,) and [1., 2.,]
    numbers = [answers.parse_number(part.strip()) for part in parts]
    if not numbers or any(n is None for n in numbers):
        return None
    return bracket, tuple(numbers)


def _choice_hint(record):
    count = len(record["options"])
    return f"Type a letter A-{LETTERS[count - 1]}, a number 1-{count}, or an option's text."


def _grade_choice(record, text):
    try:
        index = _option_index(record, text)
    except Ambiguous as exc:
        return Malformed(str(exc))
    if index is None:
        return Malformed(f"{text!r} is not one of the options. {_choice_hint(record)}")
    option = record["options"][index]
    return Grade(correct=bool(option["correct"]), response=LETTERS[index], chosen=(index,),
                 misconception=None if option["correct"] else option.get("misconception"),
                 feedback=option.get("feedback", ""))


_SEPARATORS = re.compile(r"[\s,;]+")


def _grade_multiresponse(record, text):
    parts = [p for p in _SEPARATORS.split(text) if p]
    letters = option_letters(record)
    if len(parts) == 1 and len(parts[0]) > 1 and all(c in letters for c in parts[0].upper()):
        parts = list(parts[0])  # "AC" means A and C
    chosen = []
    for part in parts:
        try:
            index = _option_index(record, part)
        except Ambiguous as exc:
            return Malformed(str(exc))
        if index is None:
            return Malformed(f"{part!r} is not one of the options. Type the letters of every "
                             f"correct option, e.g. A,C.")
        chosen.append(index)
    chosen = tuple(sorted(set(chosen)))
    wanted = tuple(i for i, o in enumerate(record["options"]) if o["correct"])
    options = record["options"]
    wrong = [options[i] for i in chosen if not options[i]["correct"]]
    misconception = wrong[0].get("misconception") if wrong else None
    feedback = "\n".join(f"{LETTERS[i]}: {options[i].get('feedback', '')}" for i in chosen)
    missed = [LETTERS[i] for i in wanted if i not in chosen]
    if missed and set(chosen) & set(wanted):  # a partly right answer says what it left out, not only what it ticked
        feedback += f"\nYou did not pick {listed(missed)}, which {'is' if len(missed) == 1 else 'are'} also right."
    return Grade(correct=chosen == wanted, response=",".join(LETTERS[i] for i in chosen), chosen=chosen,
                 misconception=misconception, feedback=feedback)


def _typed_misconception(record, text, matches):
    """(misconception, feedback) of the first `misconception_answers` entry the response matches."""
    for entry in record.get("misconception_answers", []) or []:
        if matches(text, entry):
            return entry.get("misconception"), entry.get("feedback", "")
    return None, ""


def _grade_numerical(record, text):
    key = record["answer"]
    verdict = answers.matches_numerical(text, key)
    if verdict is None:
        return Malformed(f"{text!r} is not a number I can mark. {_number_hint(text)}")
    misconception, feedback = (None, "")
    if not verdict:
        tolerance = key.get("tolerance") or 0.0
        misconception, feedback = _typed_misconception(
            record, text, lambda typed, e: answers.parse_number(e["text"]) is not None
            and abs(answers.parse_number(typed) - answers.parse_number(e["text"])) <= tolerance + 1e-12)
    return Grade(correct=verdict, response=text, misconception=misconception, feedback=feedback)


def _number_hint(text):
    return next(hint for mark, hint in NUMBER_HOW if mark in text)


def _grade_shortanswer(record, text):
    key = record["answer"]
    correct = answers.matches_shortanswer(text, key)
    if correct is None:
        return Malformed(f"{text!r} is not a shape as written. {SHAPE_HOW}")
    typed_shape = answers.parse_shape(text)
    response = answers.format_shape(typed_shape) if typed_shape is not None else text
    misconception, feedback = (None, "")
    if not correct:
        misconception, feedback = _typed_misconception(
            record, text, lambda typed, e: answers.matches_shortanswer(typed, {"text": e["text"]}) is True)
    return Grade(correct=correct, response=response, misconception=misconception, feedback=feedback)
