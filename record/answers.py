"""Canonical answer forms, and the one definition of "the same answer" for every grader.

Pure Python, no torch. Moodle's rules are the ones we cannot change, so they set the
definition and the terminal quiz, the HTML page and the Moodle export all derive from it:
- A typed text is compared as Moodle's shortanswer compares it: NFC, trimmed with PHP's
  trim() set, case-insensitive (`usecase` 0), whole string against whole string.
- A shape therefore has a finite set of spellings (`shape_spellings`), which Moodle gets as
  its list of answers and the HTML page as its list to compare against. `SHAPE_PATTERN`
  recognises any spelling of any shape, so a shape in no spelling (`( 60, 4 )`) is asked
  again here and on the page; Moodle, which has no such notion, gives it 0.
- A number is read as Moodle's numerical question reads it (`NUMBER_PATTERN`), except
  that a comma is refused: Moodle reads a comma by the site's language (on an English
  site `0,91` is 91), so no answer is given for it here.
The patterns are written in the regex syntax Python and JavaScript share, so the HTML
page runs these very patterns (exports/html.py hands them to templates/grading.js).
"""
import decimal
import math
import operator
import re
import unicodedata

# PHP's trim() set. Moodle trims responses (PARAM_RAW_TRIMMED) and compares with these
# only, so a no-break space stays part of the answer there, and therefore here too.
MOODLE_TRIM = " \t\n\r\0\x0b"

# The grammar of a shape's spellings, canonical first. Each part is a choice a learner
# may make; the combinations are the spellings.
BRACKETS = (("(", ")"), ("[", "]"), ("torch.Size([", "])"), ("", ""))
SEPARATORS = (", ", ",")          # one space after each comma, or none; never mixed
_DIM = "(?:0|[1-9][0-9]*)"         # a dimension as str(int) writes it: no sign, no leading zero


def _trailing_commas(open_bracket, rank):
    """The trailing-comma choices a spelling of `rank` in this bracket style has."""
    if rank == 0:
        return () if open_bracket == "" else (False,)  # `()`, `[]`; `(,)` is not Python
    if rank == 1 and open_bracket in ("(", ""):
        return (True,)  # `(4)` and `4` are the number 4, so a 1-D shape needs its comma: `(4,)`
    return (False, True)


def _escape(text):
    """A literal for a pattern both Python's re and JavaScript's RegExp read the same way."""
    return re.sub(r"([\\^$.|?*+()\[\]{}])", r"\\\1", text)


def _dims(shape):
    shape = tuple(operator.index(d) for d in shape)
    if any(d < 0 for d in shape):
        raise ValueError(f"shape={shape!r}: a dimension cannot be negative")
    return shape


def format_shape(shape):
    """The canonical spelling of a shape: `(4, 7, 6)`, `(4,)` or `()`."""
    return shape_spellings(shape)[0]


def shape_spellings(shape):
    """Every spelling of `shape` the grammar allows, canonical first.

    (60, 4) has 16: `(60, 4)`, `(60,4)`, `(60, 4,)`, ... `torch.Size([60,4,])`, `60, 4`.
    """
    shape = _dims(shape)
    digits = [str(d) for d in shape]
    spellings = []
    for open_bracket, close_bracket in BRACKETS:
        for separator in SEPARATORS if len(shape) > 1 else SEPARATORS[:1]:
            for trailing in _trailing_commas(open_bracket, len(shape)):
                spellings.append(open_bracket + separator.join(digits) + ("," if trailing else "")
                                 + close_bracket)
    return spellings


def _shape_pattern():
    """A pattern matching the response form of every spelling of every shape, and nothing else."""
    bodies = [(0, ""), (1, _DIM)] + [(2, _DIM + "(?:" + _escape(s) + _DIM + ")+") for s in SEPARATORS]
    alternatives = []
    for open_bracket, close_bracket in BRACKETS:
        for rank, body in bodies:  # rank 2 stands for every rank from 2 up
            for trailing in _trailing_commas(open_bracket, rank):
                alternatives.append(_escape(open_bracket.lower()) + body + ("," if trailing else "")
                                    + _escape(close_bracket))
    return "|".join(alternatives)


SHAPE_PATTERN = _shape_pattern()
_SHAPE = re.compile(SHAPE_PATTERN)


def response_form(text):
    """`text` as Moodle's shortanswer compares it: NFC, trimmed, lower-cased.

    Python's lower() and JavaScript's toLowerCase() apply the same Unicode mapping; Moodle's
    case-insensitive match can differ from both only on letters whose case changes length.
    """
    return unicodedata.normalize("NFC", text).strip(MOODLE_TRIM).lower()


def parse_shape(text):
    """The shape `text` spells (a tuple of ints), or None if it is no spelling of any shape."""
    if not isinstance(text, str):
        return None
    form = response_form(text)
    if not _SHAPE.fullmatch(form):
        return None
    return tuple(int(d) for d in re.findall(r"[0-9]+", form))


def accepted_spellings(answer):
    """Every text a typed answer is right with, canonical first and without repeats.

    The key, the record's `accepted` and, for a shape key, every spelling of that shape.
    The grader accepts exactly these, the HTML page gets them, and Moodle lists them.
    """
    texts = [answer["text"], *answer.get("accepted", [])]
    shape = parse_shape(answer["text"])
    if shape is not None:
        texts += shape_spellings(shape)
    spellings = {}
    for text in texts:
        spelling = unicodedata.normalize("NFC", text).strip(MOODLE_TRIM)
        if spelling:
            spellings.setdefault(response_form(spelling), spelling)
    return list(spellings.values())


def matches_shortanswer(response, answer):
    """True or False for a typed response to a shortanswer key; None when the key is a shape
    and the response spells no shape at all (the quiz asks again; Moodle gives it 0)."""
    typed = response_form(response)
    if typed in {response_form(s) for s in accepted_spellings(answer)}:
        return True
    if parse_shape(answer["text"]) is not None and not _SHAPE.fullmatch(typed):
        return None
    return False


# Moodle's numerical reading (qtype_numerical_answer_processor::apply_units): spaces are
# dropped, `x10^`, `*10^`, `×10^`, `x10**` and `E` become `e`, then the whole response must
# be this number (anything after it is a unit, and these questions have none).
EXPONENT_PATTERN = r"(?:e|E|(?:x|\*|×)10(?:\^|\*\*))([+-]?[0-9]+)"
NUMBER_PATTERN = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:e[-+]?[0-9]+)?"
_NUMBER = re.compile(NUMBER_PATTERN)
_EXPONENT = re.compile(EXPONENT_PATTERN)


def parse_number(text):
    """The number typed in `text` as Moodle reads it (`0.91`, `.91`, `9.1e-1`, `1 000`), or None.

    None for `91%` (Moodle: a unit, refused), for any comma (Moodle reads it by the site's
    language), and for anything else that is not a number.
    """
    text = text.strip(MOODLE_TRIM)
    if "," in text:
        return None
    text = _EXPONENT.sub(r"e\1", text.replace(" ", ""))
    return float(text) if _NUMBER.fullmatch(text) else None


def matches_numerical(response, answer):
    """Whether a typed number lies within the key's tolerance; None if it is not a number."""
    value = parse_number(response)
    if value is None:
        return None
    tolerance = answer.get("tolerance") or 0.0
    return abs(value - float(answer["value"])) <= tolerance + 1e-12


_PRINTED_SIZE = re.compile(r"torch\.Size\(\[[0-9, ]*\]\)")


def canonical_line(line):
    """A printed line in canonical form: a torch.Size becomes `(4, 7, 6)`, the rest is stripped.

    Printed lists (`[3, 2, 1]`) stay lists: only a torch.Size is known to be a shape.
    """
    line = line.strip()
    if _PRINTED_SIZE.fullmatch(line):
        shape = parse_shape(line)
        if shape is not None:
            return format_shape(shape)
    return line


def last_line(stdout):
    """The last non-empty line of printed output ('' if nothing was printed)."""
    lines = [ln for ln in stdout.splitlines() if ln.strip()]
    return lines[-1].strip() if lines else ""


def format_number(value, decimals):
    """`value` rounded to `decimals` places with `.` as the decimal point (0.91, 12, 0.5): the one rounding rule of
    every number a question shows.

    Half up, as a learner rounds by hand, on the number as Python writes it: 5/8 = 0.625 shows as 0.63 (round()
    and '%.2f' give 0.62, half to even), and 0.145, whose float lies a hair below, as 0.15. Grading is not
    affected: a key is never drawn on a half (variant.on_rounding_boundary), so both roundings of it agree, and a
    typed answer is accepted within half a unit (`tolerance_for`) of the key.
    """
    value = float(value)
    if not math.isfinite(value):
        return repr(value)
    with decimal.localcontext() as context:
        context.prec = 400  # enough digits for any float at any number of places a question asks for
        rounded = decimal.Decimal(repr(value)).quantize(decimal.Decimal(1).scaleb(-decimals),
                                                        rounding=decimal.ROUND_HALF_UP)
    if decimals <= 0:
        return str(int(rounded))
    return f"{rounded:f}"


_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def printed_number(printed, decimals):
    """A number a snippet printed, as its key or option shows it: as printed when it has at most `decimals`
    places (`print(round(x, 3))` prints 1.98, and an option reading 1.980 is not what the code prints), else
    rounded to `decimals` places by `format_number`. None when the line is not a number."""
    value = parse_number(printed)
    if value is None:
        return None
    if _PLAIN_DECIMAL.fullmatch(printed) and len(printed.partition(".")[2]) <= decimals:
        return printed
    return format_number(value, decimals)


def tolerance_for(decimals):
    """Absolute tolerance that accepts any correctly rounded answer: half a unit in the last place."""
    return 0.5 * 10 ** (-decimals)


def normalise_text(text):
    """Loose comparison form for option texts typed in the terminal: collapsed whitespace, case-folded."""
    return " ".join(text.split()).casefold()
