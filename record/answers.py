"""Canonical answer forms: shapes, numbers and the spellings a grader accepts.

Pure Python, no torch: the engine and the exports' graders use the same rules
as the generator, so `(4,7,6)` typed by a learner matches the key `(4, 7, 6)`.
"""
import math
import re

_SIZE = re.compile(r"^\s*torch\.Size\(\s*\[(?P<body>[^\[\]]*)\]\s*\)\s*$")
_BRACKETED = re.compile(r"^\s*[\(\[](?P<body>[^\(\)\[\]]*)[\)\]]\s*$")
_INT = re.compile(r"^[+-]?\d+$")


def _ints(body):
    parts = [p.strip() for p in body.split(",")]
    if parts and parts[-1] == "":  # trailing comma, as in (4,)
        parts = parts[:-1]
    if not all(_INT.match(p) for p in parts):
        return None
    return tuple(int(p) for p in parts)


def parse_shape(text):
    """The shape written in `text` as a tuple of ints, or None if it is not a shape.

    Accepts `(4, 7, 6)`, `(4,7,6)`, `[4, 7, 6]`, `torch.Size([4, 7, 6])` and `4, 7, 6`.
    """
    if not isinstance(text, str):
        return None
    match = _SIZE.match(text) or _BRACKETED.match(text)
    if match:
        body = match.group("body")
        return () if not body.strip() else _ints(body)
    if "," in text:
        return _ints(text)
    return None


def format_shape(shape):
    """The canonical spelling of a shape: `(4, 7, 6)`, `(4,)` or `()`."""
    shape = tuple(shape)
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(d) for d in shape) + ")"


def shape_spellings(shape):
    """Every spelling of `shape` a grader must accept, canonical first."""
    shape = tuple(shape)
    inner = ", ".join(str(d) for d in shape)
    tight = ",".join(str(d) for d in shape)
    spellings = [format_shape(shape), f"({tight})" if len(shape) != 1 else f"({tight},)",
                 f"[{inner}]", f"[{tight}]", f"torch.Size([{inner}])"]
    return list(dict.fromkeys(spellings))


def canonical_line(line):
    """A printed line in canonical form: a torch.Size becomes `(4, 7, 6)`, the rest is stripped.

    Printed lists (`[3, 2, 1]`) stay lists: only a torch.Size is known to be a shape.
    """
    line = line.strip()
    match = _SIZE.match(line)
    if match:
        shape = () if not match.group("body").strip() else _ints(match.group("body"))
        if shape is not None:
            return format_shape(shape)
    return line


def last_line(stdout):
    """The last non-empty line of printed output ('' if nothing was printed)."""
    lines = [ln for ln in stdout.splitlines() if ln.strip()]
    return lines[-1].strip() if lines else ""


def format_number(value, decimals):
    """`value` rounded to `decimals` places with `.` as the decimal point (0.91, 12, 0.5)."""
    rounded = round(float(value), decimals)
    if decimals <= 0:
        return str(int(rounded))
    return f"{rounded:.{decimals}f}"


def tolerance_for(decimals):
    """Absolute tolerance that accepts any correctly rounded answer: half a unit in the last place."""
    return 0.5 * 10 ** (-decimals)


def parse_number(text):
    """A float from a typed answer (`0.91`, `.91`, `91%`), or None. A comma decimal is refused."""
    text = text.strip()
    percent = text.endswith("%")
    if percent:
        text = text[:-1].strip()
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    return value / 100 if percent else value


def normalise_text(text):
    """Loose comparison form for free text: collapsed whitespace, case-folded."""
    return " ".join(text.split()).casefold()


def matches_shortanswer(response, answer):
    """Whether a typed response matches a shortanswer key (`answer` as in the record)."""
    candidates = [answer["text"], *answer.get("accepted", [])]
    typed_shape = parse_shape(response)
    if typed_shape is not None:
        return any(parse_shape(c) == typed_shape for c in candidates)
    return any(normalise_text(response) == normalise_text(c) for c in candidates)


def matches_numerical(response, answer):
    """Whether a typed number lies within the key's tolerance; None if it is not a number."""
    value = parse_number(response)
    if value is None:
        return None
    tolerance = answer.get("tolerance") or 0.0
    return abs(value - float(answer["value"])) <= tolerance + 1e-12
