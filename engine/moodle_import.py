"""Importing a Moodle quiz's Responses report (and optionally its Grades report) into the store.

Each finished attempt becomes a finished session of an external learner (their e-mail
address, the one identity Moodle keeps stable), each response an attempt on the matched
question record, with the misconception the chosen option or typed answer shows.
Correctness is Moodle's mark when the Grades report is given (what the learner was told),
else our grading by Moodle's rules; the two are compared and disagreements reported.

Nothing is half-imported: the file is read inside one write transaction, and any problem
(a broken row, unmatched responses unless the caller accepts skipping them) rolls it back.

An attempt imported again is left as stored, except that the Grades report given later gives an attempt
first marked by our rules Moodle's own marks (engine.moodle_remark).
"""
import datetime
import functools
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from torchquiz.engine.external_attempts import ExternalSession, SessionWriter, digest
from torchquiz.engine.moodle_answers import ReportCells
from torchquiz.engine.moodle_match import QuestionIndex
from torchquiz.engine.moodle_remark import GRADED_TABLE, remark
from torchquiz.engine.moodle_reports import (FINISHED, ReportError, iter_attempts, pair_grades,
                                             read_report)

# What an import says about the attempts it marked or kept in a particular way: (MoodleImport count, note).
_COUNTED_NOTES = (
    ("decimal_commas", "{n} typed number(s) use a decimal comma (such as 0,5); like Moodle on an English site, "
                       "torchquiz does not read them as decimals, so they are marked wrong unless the Grades report "
                       "gives Moodle's mark"),
    ("even_split", "{n} attempt(s) have multiple-answer marks that charge a wrong box an even split (33.33% for "
                   "three), as their totals show: the quiz came from an export before torchquiz charged the grade "
                   "list's penalty (40% for three)"),
    ("undecided", "{n} attempt(s) have multiple-answer marks that depend on what a wrong box charges, and their "
                  "totals do not tell: marked with the penalty a torchquiz export writes now (40% for three); for "
                  "Moodle's own marks, import this file again with --grades GRADES.csv (the quiz's Grades report)"),
    ("kept", "the {n} attempt(s) imported before with a Grades report keep the marks it gave them (for a regrade "
             "made in Moodle since, import both reports into a fresh store: --db NEW.db)"),
    ("not_remarked", "{n} attempt(s) imported before without the Grades report keep their marks: their stored "
                     "questions are not this report's; for Moodle's marks, import both reports into a fresh store "
                     "(--db NEW.db)"),
)

# Distinct (slot, question, response) texts attempt_key remembers (~1 kB each): the cache stays within ~50 MB.
_KEY_PARTS = 50_000


class UnmatchedResponses(ReportError):
    """Responses that match no stored question; `problems` lists them with their rows."""

    def __init__(self, message, problems):
        super().__init__(message)
        self.problems = problems


@dataclass
class MoodleImport:
    """What an import did."""
    file: str
    attempts: int = 0              # finished attempts in the file
    imported: int = 0              # sessions written now
    already: int = 0               # sessions an earlier import stored
    kept: int = 0                  # of those, with the Grades report: stored with Moodle's marks already, kept
    remarked: int = 0              # of those, stored with marks of our rules: given Moodle's where any differed
    remarked_marks: int = 0        # the answers of those whose score changed
    not_remarked: int = 0          # stored with marks of our rules, but not as this report's attempt reads: left
    responses: int = 0             # responses written now
    blanks: int = 0                # unanswered questions in finished attempts (stored as skipped)
    correct: int = 0
    disagreements: int = 0         # Moodle's mark and our grading differ (Moodle's mark is kept)
    quiz: str = ""
    cells: int = 0                 # responses read (of attempts not imported before)
    matched: int = 0
    skipped: int = 0               # attempts left out because a response matched no stored question
    skipped_responses: int = 0     # every response of those attempts, matched or not
    decimal_commas: int = 0        # typed numbers written with a decimal comma (read as Moodle's English site does)
    even_split: int = 0            # attempts whose total shows multiple-answer marks of an even split per wrong box
    undecided: int = 0             # attempts whose multiple-answer marks depend on that and whose total does not tell
    problems: list = field(default_factory=list)   # "row N, question M: ..." lines
    notes: list = field(default_factory=list)      # rows not imported on purpose (no attempt, in progress)


@functools.lru_cache(maxsize=65536)  # a class starts within a few minutes: the same texts again and again
def moodle_time(text):
    """'24 November 2025  9:00 AM' (Moodle's English report format) as ISO 8601; the text itself
    when it reads otherwise (another language pack): kept, never guessed."""
    if not text:
        return None
    try:
        return datetime.datetime.strptime(" ".join(text.split()), "%d %B %Y %I:%M %p").strftime("%Y-%m-%dT%H:%M")
    except ValueError:
        return text


def grouped_problems(problems, shown=5):
    """`MoodleImport.problems` ("row N, question S: ...", as `_sessions` writes them), one line per
    distinct problem with the rows it occurs in: a class answered the same question, so 150
    identical lines become one that names their rows."""
    rows, order = {}, []
    for line in problems:
        match = re.match(r"row (\d+), (.*)", line)
        problem, row = (match.group(2), match.group(1)) if match else (line, None)
        if problem not in rows:
            rows[problem] = []
            order.append(problem)
        if row:
            rows[problem].append(row)
    out = []
    for problem in order:
        found = rows[problem]
        if not found:
            out.append(problem)
            continue
        more = f" and {len(found) - shown} more" if len(found) > shown else ""
        out.append(f"row{'s' if len(found) > 1 else ''} {', '.join(found[:shown])}{more}: {problem}")
    return out


def _sessions(store, report, marks, slot_max, result, writer, seen, moodle_marked=frozenset()):
    """The report's finished attempts as (stored key, ExternalSession), matched and graded, one row at a
    time; the stored key is None for an attempt to import. Problems go to `result.problems`; attempts an
    earlier import stored are counted and skipped before any matching (so a re-import costs a read of the
    file), except, when `marks` (the Grades report) is given, those whose stored marks are not Moodle's
    (keys not in `moodle_marked`): they come with their stored key, to be re-marked."""
    index = QuestionIndex(store)
    cells, key_parts = ReportCells(index, slot_max, bool(marks)), {}
    before, this_file = set(writer.stored), set()  # keys stored by earlier imports; keys given in this file
    for attempt in iter_attempts(report):
        seen.add(attempt.key)
        if attempt.state != FINISHED:
            result.notes.append(f"row {attempt.row}: {attempt.learner}'s attempt is {attempt.state.lower()}, "
                                "not imported (its saved answers are not shown)")
            continue
        result.attempts += 1
        if marks and attempt.key not in marks:
            raise ReportError(f"{report.path}: row {attempt.row} ({attempt.learner}, started {attempt.started}) has "
                              f"no row in the Grades report, which holds {len(marks)} attempts: it is cut short "
                              "(download it again, whole) or of a different quiz")
        key = attempt_key(attempt, key_parts)
        # the display key names attempts stored before attempt_key: looked for only where one may be stored
        shown = _display_key(attempt) if key in this_file or (before and key not in before) else None
        if key in this_file:  # two attempts alike in name, time and every response: told apart as shown
            key = shown
        this_file.add(key)
        stored = key if key in before else shown if shown in before else None
        if stored:
            result.already += 1
            if not result.quiz:  # the quiz this file's attempts were stored as
                found = writer.conn.execute("SELECT quiz FROM external_sessions WHERE key = ?", (stored,)).fetchone()
                result.quiz = found[0] if found and found[0] else ""
            if not marks or stored in moodle_marked:
                result.kept += bool(marks)
                continue
        answers, even = cells.answers(report.path, attempt, marks.get(attempt.key, {}), result)
        if answers is None:
            result.skipped += 1
            result.skipped_responses += len(attempt.cells)
            continue
        if even:
            answers = _marks_by_total(result, report, attempt, answers, even)
        if not result.quiz:  # the quiz is named by the template each slot draws from
            result.quiz = "moodle:" + digest([(a.slot, index.record(a.question_id)["template"]) for a in answers])[:12]
        yield stored, ExternalSession("moodle", key, attempt.learner, result.quiz, result.file, attempt.row,
                                      moodle_time(attempt.started), moodle_time(attempt.completed), answers)


def _marks_by_total(result, report, attempt, answers, even):
    """Without the Grades report, a multiple-answer mark depends on what the export charged a wrong box
    (moodle_match.GRADE_LIST or EVEN_SPLIT); the attempt's total grade shows which, when each question
    is worth the same (as the export makes them). `answers` hold the grade list's marks; `even` the
    marks that differ under an even split."""
    if attempt.grade is None or not report.grade_max:
        result.undecided += 1
        return answers
    per_question = report.grade_max / len(attempt.cells)
    tolerance = 0.5 * 10 ** -report.grade_places + 1e-9

    def fits(marks):
        return abs(sum(marks) * per_question - attempt.grade) <= tolerance

    now = [answer.mark or 0.0 for answer in answers]
    as_even = [even.get(i, mark) for i, mark in enumerate(now)]
    if fits(as_even) and not fits(now):
        result.even_split += 1
        return [replace(answer, mark=even[i]) if i in even else answer for i, answer in enumerate(answers)]
    if not fits(now) or fits(as_even):  # neither, or both (a total rounded to whole marks may fit both)
        result.undecided += 1
    return answers


def attempt_key(attempt, parts):
    """What names an attempt across downloads: the student's name, the time taken and each slot's question
    and response. The identity column (e-mail shown or not) and the start time (the downloader's time zone
    and date format) change with the download's settings, so they are left out, unless the report shows no
    name or no time taken (then the identity column is all there is). Two attempts of one file alike in all
    of these are told apart by their display key.

    `parts` keeps each (slot, question, response)'s text as digest joins it (a class repeats them, and
    writing out 5 kB of question text per attempt was a seventh of a large import's CPU)."""
    who = attempt.person if attempt.person and attempt.time_taken else attempt.learner  # no name or time shown
    if len(parts) >= _KEY_PARTS:
        parts.clear()
    texts = []
    for slot, cell in attempt.cells.items():
        part = (slot, cell.question, cell.response)
        texts.append(parts.get(part) or parts.setdefault(part, str(part)))  # digest joins str(part) the same
    return digest("moodle attempt", who, attempt.time_taken, texts)


def _display_key(attempt):
    """The key of attempts imported before attempt_key (learner and start time as the download showed
    them): such attempts are recognised again only in a download with the same settings."""
    return digest("moodle", attempt.learner, attempt.started, [c.question for c in attempt.cells.values()])


def import_moodle(store, responses_path, grades_path=None, *, skip_unmatched=False):
    """Import a Moodle Responses report (with its Grades report, if given); returns MoodleImport.

    One write transaction for the whole file, streamed row by row: any problem found on the way
    (a broken row, a question matched twice, unmatched responses unless skip_unmatched) raises
    and rolls back everything, so the store is never left half-imported.
    """
    report = read_report(responses_path)
    if report.kind != "responses":
        raise ReportError(f"{responses_path}: this is a Grades report; give the Responses report first "
                          "(and the Grades report with --grades)")
    marks, slot_max = pair_grades(report, read_report(grades_path)) if grades_path else ({}, {})
    result = MoodleImport(Path(responses_path).name)
    if report.named_only:
        result.notes.append("this report shows no e-mail address or ID number, so students are told apart by name "
                            "alone and two students with the same name become one learner; show e-mail addresses "
                            "(or ID numbers) in the report's columns to keep them apart")
    with store.write() as conn:
        writer = SessionWriter(conn)
        moodle_marked, marked_now = set(), []  # keys of attempts stored with Moodle's marks; those given them now
        if marks:
            conn.execute(GRADED_TABLE)
            moodle_marked = {key for (key,) in conn.execute("SELECT key FROM moodle_graded")}
        seen = set()
        for stored, session in _sessions(store, report, marks, slot_max, result, writer, seen, moodle_marked):
            if result.problems and not skip_unmatched:  # after a problem the rest is only checked
                continue
            if stored is not None:
                if remark(conn, stored, session, result):
                    marked_now.append(stored)
            elif writer.add(session) and marks:
                marked_now.append(session.key)
        writer.flush()
        if marked_now:
            conn.executemany("INSERT OR IGNORE INTO moodle_graded (key) VALUES (?)", ((k,) for k in marked_now))
        stray = [key for key in marks if key not in seen]
        if stray and seen and seen <= set(marks):  # every response row has its grades: the Responses file is short
            raise ReportError(f"{responses_path}: holds {len(seen)} of the Grades report's {len(marks)} attempts "
                              f"({stray[0][0]}, started {stray[0][1]}, is missing): it is cut short (download it "
                              "again, whole) or of a part of the class")
        if stray:
            raise ReportError(f"{grades_path}: a report of another quiz: {stray[0][0]} (started {stray[0][1]}) has "
                              f"no attempt in {Path(responses_path).name}")
        result.notes[:0] = [f"row {row}: {who} has no attempt" for row, who in report.without_attempt]
        result.notes += [note.format(n=getattr(result, count)) for count, note in _COUNTED_NOTES
                         if getattr(result, count)]
        if result.cells and not result.matched:
            raise ReportError(f"{responses_path}: a report of a quiz on other questions: none of its "
                              f"{result.cells} questions is in the store (import the set first: "
                              "torchquiz bank import SET.jsonl)")
        if result.problems and not skip_unmatched:
            raise UnmatchedResponses(f"{responses_path}: {len(result.problems)} responses match no stored question "
                                     "(listed above); nothing imported. Import the set they came from, or pass "
                                     "--skip-unmatched to import the other attempts", result.problems)
        if result.skipped and not writer.sessions and not result.already:
            raise UnmatchedResponses(f"{responses_path}: every finished attempt holds a question that is not in the "
                                     f"store ({len(result.problems)} responses, listed above), so nothing would be "
                                     "imported. Import the set the quiz was made from first: "
                                     "torchquiz bank import SET.jsonl", result.problems)
    result.imported, result.responses = writer.sessions, writer.answers
    return result
