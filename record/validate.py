"""Validation of question records against the schema shipped in this package.

Every reader of records (exports, bank import, bank verify) checks them here, and errors
name `file:line (id)`, so an educator can open the set at the broken record.
"""
import functools
import json
from pathlib import Path

from .errors import RecordError

SCHEMA_PATH = Path(__file__).resolve().with_name("question.schema.json")
CHOICE_TYPES = ("multichoice", "multiresponse", "truefalse")


def schema_path():
    """The question schema (record/question.schema.json; a test keeps it identical to ../shared)."""
    return SCHEMA_PATH


@functools.lru_cache(maxsize=4)
def _validator(path):
    import jsonschema  # only exports that validate pay for it

    schema = json.loads(Path(path).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


@functools.lru_cache(maxsize=4)
def _fast_check(path):
    """A compiled validator (fastjsonschema) for the common case, a valid record: about
    100 times faster than jsonschema, which is kept for the messages of invalid ones."""
    import fastjsonschema

    schema = json.loads(Path(path).read_text(encoding="utf-8"))
    return fastjsonschema.compile(schema)


def _where(place, record):
    rid = record.get("id") if isinstance(record, dict) else None
    return f"{place} ({rid})" if isinstance(rid, str) else str(place)


def schema_problems(record):
    """Schema violations of one record, as `field.path: message` strings (empty if valid)."""
    import fastjsonschema

    path = str(schema_path())
    try:
        _fast_check(path)(record)
        return []
    except fastjsonschema.JsonSchemaException as fast_error:
        problems = []
        for error in sorted(_validator(path).iter_errors(record), key=lambda e: list(map(str, e.path))):
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


def check_record(record, place="record"):
    """Raise RecordError naming `place` (e.g. `set.jsonl:7`) unless `record` is a valid, gradable question."""
    if not isinstance(record, dict):
        raise RecordError(f"{place}: expected a JSON object, got {type(record).__name__}")
    problems = schema_problems(record) or answer_problems(record)
    if problems:
        raise RecordError(f"{_where(place, record)}: " + "; ".join(problems))


def check_records(records):
    """Validate records held in memory; returns them as a list. Duplicate ids are refused.

    A set should not hold one id twice (ids are content hashes), and Moodle silently
    drops a question whose idnumber repeats in its category.
    """
    records = list(records)
    first_seen = {}
    for index, record in enumerate(records, start=1):
        check_record(record, f"record {index}")
        if record["id"] in first_seen:
            raise RecordError(f"record {index}: duplicate id {record['id']!r} (first as record {first_seen[record['id']]})")
        first_seen[record["id"]] = index
    if not records:
        raise RecordError("no question records to export")
    return records


def parse_lines(lines):
    """(line number, record or None, problem or None) for each non-empty line of a JSON Lines set."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line), None
        except json.JSONDecodeError as exc:
            yield number, None, f"invalid JSON: {exc.msg} (column {exc.colno})"


def load_records(path):
    """The records of a JSON Lines question set, validated; errors carry `file:line`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RecordError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise RecordError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    records, first_line = [], {}
    for number, record, problem in parse_lines(text.splitlines()):
        if problem:
            raise RecordError(f"{path}:{number}: {problem}")
        check_record(record, f"{path}:{number}")
        if record["id"] in first_line:
            raise RecordError(f"{path}:{number}: duplicate id {record['id']!r} "
                              f"(first on line {first_line[record['id']]})")
        first_line[record["id"]] = number
        records.append(record)
    if not records:
        raise RecordError(f"{path}: no question records in the file")
    return records
