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

A file is known by its content, never by its learner: the set, when it was saved, and each answer's
question, time and response. The same saved answers imported again under another file name or with
another --learner are the answers already stored, not a new student's; the import says whose they are.
"""
import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from torchquiz.engine.external_attempts import ExternalAnswer, ExternalSession, SessionWriter, digest
from torchquiz.engine.moodle_reports import ReportError
from torchquiz.engine.store import UnknownQuestion
from torchquiz.record.grading import Malformed, grade
from torchquiz.record.jsonl import nested_too_deeply
from torchquiz.record.validate import NOT_IN_NAME

FORMAT, VERSION = "torchquiz-practice", 1
DOWNLOAD_PREFIX = "torchquiz-answers-"  # the page names every download torchquiz-answers-<set>.json
_SET = re.compile(r"^[0-9a-f]{16}$")
# The page writes every time with JavaScript's Date.toISOString() (2026-11-29T09:58:00.000Z); an offset
# instead of Z is the same instant. Times become learners' created_at and attempts' answered_at.
_DATE = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d{1,9})?(?:Z|([+-])(\d\d):(\d\d))\Z", re.ASCII)
# No typed answer to a question about shapes, numbers or code comes near this; the page's text box has
# no limit, so a file could otherwise carry megabytes into the store as one answer.
MAX_RESPONSE = 10_000


@dataclass
class PracticeImport:
    file: str
    learner: str = ""
    answers: int = 0
    imported: int = 0              # 1 when this file's session was written now, 0 when already stored
    stored_as: str = ""            # when already stored: the learner those answers are stored under
    stored_from: str = ""          # ... and the file they were imported from
    earlier: int = 0               # answers left out because an earlier save of the same page holds them
    earlier_from: str = ""         # ... the file that earlier save was imported from
    correct: int = 0
    disagreements: int = 0
    problems: list = field(default_factory=list)


def _fail(path, message):
    raise ReportError(f"{path}: {message}")


def _shown(value, limit=60):
    """`value` as the message quotes it: repr (no raw control character) cut to `limit` characters."""
    text = repr(value[:limit] if isinstance(value, str) else value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def is_date(value):
    """Whether `value` is a date and time as the page writes it, and a real one (no 2026-02-30)."""
    found = _DATE.match(value) if isinstance(value, str) else None
    if found is None:
        return False
    year, month, day, hour, minute, second, sign, off_hours, off_minutes = found.groups()
    try:
        datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                 tzinfo=timezone(timedelta(hours=int(off_hours), minutes=int(off_minutes))) if sign else None)
    except ValueError:  # a month 13, a day 30 of February, an offset of 24 hours or more
        return False
    return True


def read_practice(path):
    """The parsed file, checked field by field; ReportError names the file and the field."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        _fail(path, f"cannot read it: {exc}")
    except json.JSONDecodeError as exc:
        _fail(path, f"not JSON (line {exc.lineno}: {exc.msg}); is it a practice page's saved answers?")
    except RecursionError:  # [[[[... thousands deep
        _fail(path, "not a practice page's saved answers: its JSON is nested too deeply")
    if nested_too_deeply(data):  # the page writes 3 levels; repr() of hundreds in a message recurses too
        _fail(path, "not a practice page's saved answers: its JSON is nested too deeply")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        _fail(path, f"not a torchquiz practice file (format is {data.get('format') if isinstance(data, dict) else None!r}, "
                    f"expected {FORMAT!r})")
    if data.get("version") != VERSION:
        _fail(path, f"version {data.get('version')!r}: this torchquiz reads version {VERSION}; upgrade torchquiz")
    if not isinstance(data.get("set"), str) or not _SET.match(data["set"]):
        _fail(path, f"set={data.get('set')!r}: expected 16 hexadecimal digits")
    if "saved_at" not in data:
        _fail(path, "saved_at is missing")
    if not is_date(data["saved_at"]):
        _fail(path, f"saved_at={_shown(data['saved_at'])}: expected a date and time like 2026-11-29T09:58:00.000Z")
    if not isinstance(data.get("answers"), list):
        _fail(path, "answers is missing or not a list")
    for n, answer in enumerate(data["answers"]):
        where = f"answers[{n}]"
        if not isinstance(answer, dict):
            _fail(path, f"{where}: expected an object")
        if not isinstance(answer.get("id"), str) or not isinstance(answer.get("response"), str):
            _fail(path, f"{where}: id and response must be strings")
        if len(answer["response"]) > MAX_RESPONSE:
            _fail(path, f"{where}.response: {len(answer['response']):,} characters; "
                        f"no answer is longer than {MAX_RESPONSE:,}")
        if not isinstance(answer.get("correct"), bool):
            _fail(path, f"{where}.correct={_shown(answer.get('correct'))}: expected true or false")
        seconds = answer.get("seconds")
        if seconds is not None and (not isinstance(seconds, (int, float)) or isinstance(seconds, bool)
                                    or not 0 <= seconds < 10**7):  # NaN and 1e999 (infinity) fail this too
            _fail(path, f"{where}.seconds={_shown(seconds)}: expected a number of seconds")
        if answer.get("answered_at") is not None and not is_date(answer["answered_at"]):
            _fail(path, f"{where}.answered_at={_shown(answer['answered_at'])}: "
                        "expected a date and time like 2026-11-29T09:58:00.000Z")
        if "hint_used" in answer and not isinstance(answer["hint_used"], bool):  # files saved before it lack it
            _fail(path, f"{where}.hint_used={_shown(answer['hint_used'])}: expected true or false")
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
        _fail(path, f"learner={_shown(data['learner'])}: expected the learner's name as text")
    name = learner or data.get("learner") or learner_from_path(path)
    if NOT_IN_NAME.search(name):
        source = ("--learner" if learner else "learner" if data.get("learner")
                  else "the learner named after the file or its folder")
        _fail(path, f"{source} {_shown(name)} holds a control character or a line break, which no learner's "
                    f"name may hold{'' if learner else ' (name the learner with --learner)'}")
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
                                      hint_used=entry.get("hint_used", False)))
    if unknown:
        result.problems = unknown
        raise ReportError(f"{path}: {len(unknown)} answers to questions the store does not hold "
                          f"(first: {unknown[0]}); import set {data['set']} first")
    result.answers = len(answers)
    key = content_key(data)
    session = ExternalSession("practice", key, name, f"practice:{data['set']}", result.file, 0,
                              min((a.answered_at for a in answers if a.answered_at), default=data["saved_at"]),
                              data["saved_at"], answers)
    return result, session


def content_key(data):
    """What names a saved file's answers whatever the file or learner is called: its set, when it was saved,
    and each answer's question, time and response (the page keeps a question's first answer with its time)."""
    return digest("practice file", data["set"], data["saved_at"],
                  [(a["id"], a.get("answered_at"), a["response"]) for a in data["answers"]])


def _stored_as(conn, session):
    """(learner, file) of the stored session holding `session`'s answers, or None. Its key finds it; a file
    imported before the key was the content's (when it held the learner's name) is found by the same set,
    saved_at and every answer's question, position and time."""
    found = conn.execute(
        "SELECT l.name, e.file FROM external_sessions e JOIN sessions s ON s.id = e.session_id "
        "JOIN learners l ON l.id = s.learner_id WHERE e.key = ?", (session.key,)).fetchone()
    if found:
        return tuple(found)
    answers = sorted((a.question_id, a.slot, a.answered_at or session.finished_at) for a in session.answers)
    for sid, name, file in conn.execute(
            "SELECT s.id, l.name, e.file FROM external_sessions e JOIN sessions s ON s.id = e.session_id "
            "JOIN learners l ON l.id = s.learner_id WHERE e.source = 'practice' AND e.quiz = ? "
            "AND s.finished_at = ? AND s.length = ?",
            (session.quiz, session.finished_at, len(session.answers))).fetchall():
        stored = conn.execute("SELECT question_id, position, answered_at FROM attempts WHERE session_id = ?",
                              (sid,)).fetchall()
        if sorted(map(tuple, stored)) == answers:
            return name, file
    return None


def _without_earlier_saves(conn, session, result):
    """`session` without the answers an earlier save of the page stored already: a later save holds every first
    answer of the earlier ones, with its time, so a student who saved twice would count those answers twice."""
    timed = {(a.question_id, a.answered_at) for a in session.answers if a.answered_at}
    if not timed:
        return session
    earlier = {}
    times = json.dumps(sorted({answered_at for _, answered_at in timed}))  # only this file's times come back
    for question, answered_at, file in conn.execute(
            "SELECT a.question_id, a.answered_at, e.file FROM attempts a JOIN external_sessions e "
            "ON e.session_id = a.session_id WHERE e.source = 'practice' AND e.quiz = ? "
            "AND a.answered_at IN (SELECT value FROM json_each(?))", (session.quiz, times)):
        if (question, answered_at) in timed:
            earlier[(question, answered_at)] = file
    if not earlier:
        return session
    result.earlier, result.earlier_from = len(earlier), next(iter(earlier.values()))
    return replace(session, answers=[a for a in session.answers if (a.question_id, a.answered_at) not in earlier])


def import_practice(store, paths, learner=None):
    """Import practice files, one transaction each; returns [PracticeImport]. A bad file raises
    before its transaction, so the files before it stay imported and none is half-imported. A file
    whose answers are stored already (under any file or learner name) writes nothing and says whose."""
    results = []
    for path in paths:
        result, session = plan_practice_import(store, path, learner)
        with store.write() as conn:
            writer = SessionWriter(conn, preload=False)  # creates the import tables on a store's first import
            stored = _stored_as(conn, session)
            if stored:
                result.stored_as, result.stored_from = stored
            else:
                session = _without_earlier_saves(conn, session, result)
                if session.answers:
                    writer.add(session)
                    writer.flush()
        result.imported = writer.sessions
        results.append(result)
    return results
