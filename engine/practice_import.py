"""Importing the answers a learner saved from the HTML practice page ("Save my answers").

The file (format `torchquiz-practice`, version 1) names the set, when it was saved, and for
each answered question its id, the response (typed text or option letters, in the set's
order even on a shuffled page), the page's verdict, the seconds spent, when, and whether its
hint or worked solution was opened first (`hint_used`; files saved before it lack the key). The file names no learner (the page has no login),
so the learner is the caller's `learner`, else an optional `learner` key, else the file's
name or folder (`learner_from_path`): a teacher collects one file per student.

The page's verdict is what the learner saw, but `grade(record, response)` is the one
definition of a right answer: we regrade, keep our verdict where the response reads, and
count disagreements, which would mean the page and the record have drifted apart.
"""
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from torchquiz.engine.external_attempts import ExternalAnswer, ExternalSession, digest, write_sessions
from torchquiz.engine.moodle_reports import ReportError
from torchquiz.engine.store import UnknownQuestion
from torchquiz.record.grading import Malformed, grade

FORMAT, VERSION = "torchquiz-practice", 1
DOWNLOAD_PREFIX = "torchquiz-answers-"  # the page names every download torchquiz-answers-<set>.json
_SET = re.compile(r"^[0-9a-f]{16}$")


@dataclass
class PracticeImport:
    file: str
    learner: str = ""
    answers: int = 0
    imported: int = 0              # 1 when this file's session was written now, 0 when already stored
    correct: int = 0
    disagreements: int = 0
    problems: list = field(default_factory=list)


def _fail(path, message):
    raise ReportError(f"{path}: {message}")


def read_practice(path):
    """The parsed file, checked field by field; ReportError names the file and the field."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        _fail(path, f"cannot read it: {exc}")
    except json.JSONDecodeError as exc:
        _fail(path, f"not JSON (line {exc.lineno}: {exc.msg}); is it a practice page's saved answers?")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        _fail(path, f"not a torchquiz practice file (format is {data.get('format') if isinstance(data, dict) else None!r}, "
                    f"expected {FORMAT!r})")
    if data.get("version") != VERSION:
        _fail(path, f"version {data.get('version')!r}: this torchquiz reads version {VERSION}; upgrade torchquiz")
    if not isinstance(data.get("set"), str) or not _SET.match(data["set"]):
        _fail(path, f"set={data.get('set')!r}: expected 16 hexadecimal digits")
    if not isinstance(data.get("saved_at"), str):
        _fail(path, "saved_at is missing")
    if not isinstance(data.get("answers"), list):
        _fail(path, "answers is missing or not a list")
    for n, answer in enumerate(data["answers"]):
        where = f"answers[{n}]"
        if not isinstance(answer, dict):
            _fail(path, f"{where}: expected an object")
        if not isinstance(answer.get("id"), str) or not isinstance(answer.get("response"), str):
            _fail(path, f"{where}: id and response must be strings")
        if not isinstance(answer.get("correct"), bool):
            _fail(path, f"{where}.correct={answer.get('correct')!r}: expected true or false")
        seconds = answer.get("seconds")
        if seconds is not None and (not isinstance(seconds, (int, float)) or isinstance(seconds, bool)
                                    or not 0 <= seconds < 10**7):  # NaN and 1e999 (infinity) fail this too
            _fail(path, f"{where}.seconds={seconds!r}: expected a number of seconds")
    return data


def learner_from_path(path):
    """The learner a saved file belongs to when nobody says: its name (ada.json -> ada), or, while
    it still has the page's own name (`torchquiz-answers-<set>.json`, the same for every student),
    the folder it was collected into (answers/ada/torchquiz-answers-....json -> ada)."""
    path = Path(path)
    return path.resolve().parent.name if _page_named(path) else _stem(path)


def _stem(path):
    return re.sub(r" ?\(\d+\)$", "", Path(path).stem)  # a browser's "(1)" for a second download


def _page_named(path):
    """Whether the file still has the page's own name, the same for every student."""
    stem = _stem(path)
    return stem.startswith(DOWNLOAD_PREFIX) or not stem


def folder_namesakes(paths):
    """{learner: files} for files with the page's own name in one folder that cannot be one student's:
    they would all become the learner named after the folder. One student's later save of a set holds the
    first answers of the earlier one (the page keeps first answers, with their times), so those are fine,
    as are one student's files of different sets; a file that names its learner is that learner's."""
    by_folder = {}
    for path in map(Path, paths):
        if _page_named(path):
            data = read_practice(path)
            if not data.get("learner"):
                by_folder.setdefault((learner_from_path(path), data["set"]), []).append((path, data))
    mixed = {}
    for (name, _), files in by_folder.items():
        saves = sorted((_first_answers(data) for _, data in files), key=len)
        if any(not (earlier <= later) for earlier, later in zip(saves, saves[1:])):
            mixed.setdefault(name, []).extend(path for path, _ in files)
    return mixed


def _first_answers(data):
    return {(a.get("id"), a.get("answered_at"), json.dumps(a.get("response"))) for a in data["answers"]}


def plan_practice_import(store, path, learner=None):
    data = read_practice(path)
    if data.get("learner") is not None and not isinstance(data.get("learner"), str):
        _fail(path, f"learner={data['learner']!r}: expected the learner's name as text")
    name = learner or data.get("learner") or learner_from_path(path)
    result = PracticeImport(Path(path).name, name)
    answers, unknown = [], []
    for n, entry in enumerate(data["answers"], start=1):
        try:
            record = store.question(entry["id"])
        except UnknownQuestion:
            unknown.append(f"answers[{n - 1}]: unknown question {entry['id']!r}")
            continue
        graded = grade(record, entry["response"])
        if isinstance(graded, Malformed):
            correct, misconception, response = entry["correct"], None, entry["response"]
        else:
            correct, misconception, response = graded.correct, graded.misconception, graded.response
            result.disagreements += correct != entry["correct"]
        result.correct += correct
        answers.append(ExternalAnswer(record["id"], n, response, correct, misconception,
                                      mark=None, seconds=entry.get("seconds"), answered_at=entry.get("answered_at"),
                                      hint_used=bool(entry.get("hint_used", False))))
    if unknown:
        result.problems = unknown
        raise ReportError(f"{path}: {len(unknown)} answers to questions the store does not hold "
                          f"(first: {unknown[0]}); import set {data['set']} first")
    result.answers = len(answers)
    key = digest("practice", name, data["set"], data["saved_at"],
                 [(a["id"], a.get("answered_at")) for a in data["answers"]])
    session = ExternalSession("practice", key, name, f"practice:{data['set']}", result.file, 0,
                              min((a.answered_at for a in answers if a.answered_at), default=data["saved_at"]),
                              data["saved_at"], answers)
    return result, session


def import_practice(store, paths, learner=None):
    """Import practice files, one transaction each; returns [PracticeImport]. A bad file raises
    before its transaction, so the files before it stay imported and none is half-imported."""
    results = []
    for path in paths:
        result, session = plan_practice_import(store, path, learner)
        result.imported, _ = write_sessions(store, [session])
        results.append(result)
    return results
