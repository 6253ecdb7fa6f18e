"""How a question is laid out on the HTML page and on paper (not what it says: see html.py).

Kept apart from the per-question data so that layout choices (fonts, columns, marks) never
touch what is graded.
"""
import re

from torchquiz.exports.text import plain_text

# Characters that only code uses in an option: brackets, dots, underscores, keywords.
_CODE_MARKS = re.compile(r"[\[\]().=_]")
_CODE_CHARS = re.compile(r"[\w.\[\]():,+\-*/=' ]+")
_TWO_WORDS = re.compile(r"[A-Za-z]{2,} [A-Za-z]{2,}")  # prose: "It runs", "and prints"
SHORT_OPTION = 40  # characters: two such options fit side by side on A4 at 10 pt
TINY_OPTION = 16


def _looks_like_code(text):
    text = plain_text(text)
    return bool(_CODE_CHARS.fullmatch(text) and _CODE_MARKS.search(text) and not _TWO_WORDS.search(text))


def code_like(record):
    """Whether the options read as code (`output[-1]`, `nn.GRU(19, 30)`), to be set in monospace.
    Decided per question, so that `output` beside `output[-1]` is set the same way."""
    if record["type"] == "truefalse" or not record["options"]:
        return False
    votes = sum(_looks_like_code(option["text"]) for option in record["options"])
    return votes * 2 > len(record["options"])


def marks(record):
    """Marks printed beside an exam question: one, two for choosing every right option."""
    return 2 if record["type"] == "multiresponse" else 1


def layout_fields(record):
    return {
        "id": record["id"],
        "marks": marks(record),
        "code_like": code_like(record),
        "option_columns": option_columns(record),
    }


def option_columns(record):
    """How many columns a paper sets the options in: four tiny ones (`output[0]`) fit in a row,
    short ones go two by two, and long ones take a line each."""
    longest = max((len(plain_text(o["text"])) for o in record["options"]), default=0)
    return 4 if longest <= TINY_OPTION else 2 if longest <= SHORT_OPTION else 1
