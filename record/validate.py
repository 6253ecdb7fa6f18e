"""Validation of question records: the schema shipped in this package, and gradability.

Every reader of records (exports, bank import, bank verify) checks them here, and errors
name `file:line (id)`, so an educator can open the set at the broken record.
"""
import functools
import re
import string

from .errors import RecordError
from .schema import load_schema

CHOICE_TYPES = ("multichoice", "multiresponse", "truefalse")
LETTERS = string.ascii_uppercase  # option i is shown, typed and reported as LETTERS[i]: at most 26 options
# What no text of a record, nor a learner's name, may hold: C0 and C1 control characters other than tab and line
# breaks (terminal escape codes, which the quiz would send to a learner's terminal, and which XML 1.0 forbids) and
# lone surrogates (half a character: not Unicode text, and no file can hold one).
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
CONTROL = re.compile(f"[{_CONTROL}]")
# A learner's name is printed on one line of reports and commands: no CONTROL character, and no line break.
NOT_IN_NAME = re.compile(f"[{_CONTROL}\t\n\r\u2028\u2029]")


def printable(text, unwanted=CONTROL):
    """`text` with every `unwanted` character (CONTROL, or NOT_IN_NAME for a name) shown as U+FFFD: for texts
    and names from files that are printed."""
    return unwanted.sub("\ufffd", text)


def text_problems(value, field=""):
    """A problem for each text of a record that holds a CONTROL character, named by its field."""
    if isinstance(value, str):
        found = CONTROL.search(value)
        if found is None:
            return []
        code = ord(found.group())
        what = "half of a character (a lone surrogate)" if 0xD800 <= code <= 0xDFFF else "a control character"
        return [f"{field}: holds U+{code:04X}, {what}, which is not question text"]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in text_problems(item, f"{field}.{key}" if field else key)]
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in text_problems(item, f"{field}[{i}]")]
    return []


@functools.lru_cache(maxsize=1)
def _validator():
    import jsonschema  # only readers that meet an invalid record pay for it

    schema = load_schema()
    return jsonschema.validators.validator_for(schema)(schema)


@functools.lru_cache(maxsize=1)
def _fast_check():
    """A compiled validator (fastjsonschema) for the common case, a valid record: about
    100 times faster than jsonschema, which is kept for the messages of invalid ones."""
    import fastjsonschema

    return fastjsonschema.compile(load_schema())


def where(place, record):
    """`place (id)` when the record has an id, so a message names the line and the question."""
    rid = record.get("id") if isinstance(record, dict) else None
    return f"{place} ({rid})" if isinstance(rid, str) else str(place)


def schema_problems(record):
    """Schema violations of one record, as `field.path: message` strings (empty if valid)."""
    import fastjsonschema

    try:
        _fast_check()(record)
        return []
    except fastjsonschema.JsonSchemaException as fast_error:
        problems = []
        for error in sorted(_validator().iter_errors(record), key=lambda e: list(map(str, e.path))):
            field = ".".join(str(p) for p in error.path) or "record"
            problems.append(f"{field}: {error.message}")
        return problems or [str(fast_error)]


def answer_problems(record):
    """Why this record cannot be graded as its type says, beyond what the schema checks.

    Each of these has made Moodle drop or mis-key a question, so they are refused here
    rather than exported.
    """
    kind, options, answer = record["type"], record["options"], record["answer"]
    correct = [o for o in options if o["correct"]]
    problems = []
    if kind in CHOICE_TYPES:
        texts = [o["text"].strip() for o in options]
        if len(options) < 2 or not all(texts):
            problems.append(f"options: a {kind} question needs at least 2 non-empty options")
        if len(options) > len(LETTERS):
            problems.append(f"options: {len(options)} options, more than the letters A to Z name")
        if len(set(texts)) != len(texts):
            problems.append("options: option texts must be distinct")
    if kind in ("multichoice", "truefalse") and len(correct) != 1:
        problems.append(f"options: a {kind} question needs exactly 1 correct option, found {len(correct)}")
    if kind == "multiresponse" and not 1 <= len(correct) <= 10:
        problems.append(f"options: a multiresponse question needs 1 to 10 correct options, found {len(correct)}")
    if kind == "truefalse" and sorted(t.lower() for t in (o["text"].strip() for o in options)) != ["false", "true"]:
        problems.append("options: a truefalse question needs exactly the options True and False")
    if kind in ("numerical", "shortanswer") and options:
        problems.append(f"options: a {kind} question has no options")
    if kind == "numerical" and not isinstance(answer.get("value"), (int, float)):
        problems.append("answer.value: a numerical question needs a number")
    return problems


def record_problems(record):
    """Everything wrong with one record (schema first, then gradability); empty if it is usable."""
    if not isinstance(record, dict):
        return [f"expected a JSON object, got {type(record).__name__}"]
    return schema_problems(record) or answer_problems(record) + text_problems(record)


def numbered_problems(numbered, first_copy):
    """(number, record, problems) for each (number, record): record_problems, then a repeated id,
    which names its first copy with `first_copy` ("first on line {}", "first as record {}")."""
    first_seen = {}
    for number, record in numbered:
        found = record_problems(record)
        if not found and record["id"] in first_seen:
            found = [f"duplicate id ({first_copy.format(first_seen[record['id']])})"]
        elif not found:
            first_seen[record["id"]] = number
        yield number, record, found


def check_records(records):
    """Validate records held in memory; returns them as a list. Every bad record is named at once.

    A set should not hold one id twice (ids are content hashes), and Moodle silently
    drops a question whose idnumber repeats in its category.
    """
    records = list(records)
    problems = [f"{where(f'record {index}', record)}: " + "; ".join(found)
                for index, record, found in numbered_problems(enumerate(records, start=1), "first as record {}")
                if found]
    if problems:
        raise RecordError("\n".join(problems))
    if not records:
        raise RecordError("no question records")
    return records
