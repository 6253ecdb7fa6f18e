"""Question sets as JSON Lines: the one reader and the one writer of set files.

Every consumer (export, bank import, bank verify, attempt imports) reads sets here, so a
bad line is described the same way everywhere: `SET.jsonl:LINE (id): what is wrong`, and
every bad line of a file is found, not only the first (`shown` lists the first 20 of more).
"""
import dataclasses
import json
from pathlib import Path

from .errors import RecordError
from .validate import numbered_problems, where


@dataclasses.dataclass(frozen=True)
class BadLine:
    """One bad line of a set file; `str()` is the one wording every command prints."""
    path: str
    line: int
    id: str | None
    message: str

    def __str__(self):
        return f"{where(f'{self.path}:{self.line}', {'id': self.id})}: {self.message}"


def jsonl_text(records):
    """A set as JSON Lines, one record per line; sorted keys make the same set byte-identical."""
    return "".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n" for r in records)


# A record nests 4 levels (record, options, option, its fields); the decoder, the schema check and its
# messages recurse once per level, so a line nested hundreds deep would end in a RecursionError traceback.
MAX_NESTING = 100


def nested_too_deeply(value, limit=MAX_NESTING):
    """Whether lists and objects in `value` nest deeper than `limit` (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        if children and depth >= limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def parse_lines(lines):
    """(line number, record or None, problem or None) for each non-empty line of a JSON Lines set."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, None, f"invalid JSON: {exc.msg} (column {exc.colno})"
        except RecursionError:  # `[[[[...` thousands deep: the decoder itself gives up
            yield number, None, "invalid JSON: nested too deeply"
        else:
            if nested_too_deeply(record):
                yield number, None, "invalid JSON: nested too deeply"
            else:
                yield number, record, None


def _read_text(path):
    try:
        return Path(path).read_text(encoding="utf-8-sig")  # a BOM (a file saved on Windows) is no line's content
    except OSError as exc:
        raise RecordError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:  # counted in the file's bytes: a BOM the decoder dropped counts too
        bom = 3 if Path(path).read_bytes()[:3] == b"\xef\xbb\xbf" else 0
        raise RecordError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start + bom})") from None


def read_set(path):
    """(entries, bad_lines) for a set file: entries are (line, record) of the good lines, bad_lines a
    BadLine for every bad one (bad JSON, schema, ungradable, repeated id), printed `path:line (id): message`."""
    parsed, problems, entries = [], [], []
    # "\n" only: str.splitlines() also breaks at U+2028, U+2029 and U+0085, which jsonl_text writes raw
    # inside strings (ensure_ascii=False); reading in text mode already made "\r\n" and "\r" into "\n"
    for number, record, problem in parse_lines(_read_text(path).split("\n")):
        if problem:
            problems.append(BadLine(str(path), number, None, problem))
        else:
            parsed.append((number, record))
    for number, record, found in numbered_problems(parsed, "first on line {}"):
        if found:
            rid = record.get("id") if isinstance(record, dict) and isinstance(record.get("id"), str) else None
            problems.append(BadLine(str(path), number, rid, "; ".join(found)))
        else:
            entries.append((number, record))
    return entries, sorted(problems, key=lambda bad: bad.line)


def shown(problems, limit=20):
    """The bad lines to print: all of a few, the first `limit` of many and a count of the rest (a file
    that is not a set at all, such as an export given by mistake, is thousands of bad lines)."""
    if len(problems) <= limit + 1:  # "... and 1 more" would take the line the last one needs
        return [str(p) for p in problems]
    return [str(p) for p in problems[:limit]] + [f"... and {len(problems) - limit} more bad lines"]


def load_records(path):
    """The records of a set file, all valid; otherwise a RecordError listing every bad line."""
    entries, problems = read_set(path)
    if problems:
        raise RecordError("\n".join(map(str, problems)))
    if not entries:
        raise RecordError(f"{path}: no question records in the file")
    return [record for _, record in entries]
