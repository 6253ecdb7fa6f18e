"""Reading the quiz reports a teacher downloads from Moodle: Responses and Grades (CSV).

Built against real Moodle 4.3 downloads (../shared/moodle-reports/README.md): UTF-8 with a
BOM, comma separated, one attempt per row, `-` for every blank. The identity columns depend
on the site's settings, so columns are found by name, never by position. Every refusal is
one line naming the file (and the row, where one row is at fault), because a teacher fixes
the download, not our code.
"""
import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from torchquiz.engine.store import StoreError
from torchquiz.record.validate import NOT_IN_NAME, printable

BLANK = "-"
FINISHED = "Finished"
_GRADE = re.compile(r"^Grade/(\d+(?:\.\d+)?)$")
_QUESTION = re.compile(r"^Question (\d+)$")
_MARK = re.compile(r"^Q\. (\d+) /(\d+(?:\.\d+)?)$")
DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")


class ReportError(StoreError):
    """A file that cannot be imported as a Moodle report (the message says why, in one line)."""


@dataclass
class Cell:
    """One slot of one attempt: Moodle's summary of the question, the response, the right answer."""
    question: str
    response: str | None      # None when the question was not answered
    right_answer: str | None


@dataclass
class AttemptRow:
    row: int                  # line number in the file (the header is line 1)
    learner: str              # the e-mail address when shown (stable), else "First Last (ID number)", else "First Last"
    state: str
    started: str
    completed: str | None
    time_taken: str | None
    cells: dict = field(default_factory=dict)   # slot -> Cell (responses) or mark (grades; None = blank)
    person: str = ""          # "First Last", shown whatever the identity columns
    grade: float | None = None  # the attempt's total ("Grade/10.00" column); None when not a number

    @property
    def key(self):
        """Who and when: pairs a Responses row with its Grades row, and names the attempt for re-imports."""
        return self.learner, self.started


@dataclass
class Report:
    path: Path
    kind: str                 # "responses" or "grades"
    slots: list               # slot numbers, in column order
    grade_max: float | None   # the quiz's maximum grade ("Grade/10.00")
    slot_max: dict            # slot -> the mark a slot shows out of (grades report)
    attempts: list            # AttemptRow, attempts only (no "no attempt" rows, no average)
    without_attempt: list     # (row, learner) of enrolled users with no attempt
    columns: dict = field(default_factory=dict)        # header name -> column index
    grade_places: int = 2     # decimals the grades are shown with (the quiz's setting; "Grade/10.00": 2)
    _source: tuple = field(default=None, repr=False)   # the open reader, for iter_attempts

    @property
    def named_only(self):
        """True when students are told apart by name alone (no e-mail or ID number column shown)."""
        return "Email address" not in self.columns and "ID number" not in self.columns


def _open(path):
    try:
        handle = open(path, encoding="utf-8-sig", newline="")
        first = handle.readline()
    except UnicodeDecodeError as exc:
        raise ReportError(f"{path}: not UTF-8 text (byte {exc.start}); download the report again as CSV") from None
    except OSError as exc:
        raise ReportError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    if not first.strip():
        handle.close()
        raise ReportError(f"{path}: the file is empty")
    if first.count(";") > first.count(","):
        handle.close()
        raise ReportError(f"{path}: uses ';' separators, a CSV from another locale; download it with "
                          "comma separators (Moodle's 'Comma separated values' format)")
    handle.seek(0)
    if handle.read(1) != "\ufeff":  # utf-8-sig drops the BOM only when reading from the start
        handle.seek(0)
    return handle


def read_report(path):
    """Read a Responses or Grades report's header; ReportError for anything that is not one.

    The rows are read lazily by `iter_attempts` (a report of 100,000 attempts is ~500 MB of
    question text; it is never held in memory at once). `attempts` is filled for Grades reports,
    which are small.
    """
    handle = _open(path)
    rows = csv.reader(handle)
    header = next(rows)
    names = {name: i for i, name in enumerate(header)}
    grade_col = next((i for i, h in enumerate(header) if _GRADE.match(h)), None)
    questions = {int(m.group(1)): i for i, h in enumerate(header) if (m := _QUESTION.match(h))}
    marks = {int(m.group(1)): (i, float(m.group(2))) for i, h in enumerate(header) if (m := _MARK.match(h))}
    missing = [c for c in ("State", "Started on") if c not in names]
    if missing or grade_col is None or not (questions or marks):
        handle.close()
        if not missing and grade_col is not None and any(h.startswith("Response ") for h in header):
            raise ReportError(f"{path}: a Responses report without the question text; download it with question "
                              "text, response and right answer all shown")
        english = "" if "Email address" in names or "First name" in names else (
            " with the site language set to English (the columns are read by their English names)")
        raise ReportError(f"{path}: not a Moodle Responses or Grades report (no "
                          f"{', '.join(repr(c) for c in missing) or repr('Question 1') + '/' + repr('Q. 1')} "
                          f"column); download it from the quiz's Results > Responses or Grades page{english}")
    kind = "responses" if questions else "grades"
    if kind == "responses":
        for slot, i in questions.items():
            for column in (f"Response {slot}", f"Right answer {slot}"):
                if column not in names:
                    handle.close()
                    raise ReportError(f"{path}: a Responses report without the {column!r} column; download it "
                                      "with question text, response and right answer all shown")
    shown_max = _GRADE.match(header[grade_col]).group(1)
    report = Report(Path(path), kind, sorted(questions or marks), float(shown_max),
                    {s: m for s, (_, m) in marks.items()}, [], [], names,
                    grade_places=len(shown_max.partition(".")[2]))
    report._source = (handle, rows, header, grade_col, questions, marks)
    if kind == "grades":
        report.attempts = list(iter_attempts(report))
    return report


def iter_attempts(report):
    """The report's attempts (AttemptRow), one row at a time; rows without an attempt go to
    `report.without_attempt`. A broken row raises ReportError when it is reached."""
    handle, rows, header, grade_col, questions, marks = report._source
    path, names = report.path, report.columns
    email, first, last = names.get("Email address"), names.get("First name"), names.get("Last name")
    idnumber = names.get("ID number")
    state_col, started_col = names["State"], names["Started on"]
    completed_col, taken_col = names.get("Completed"), names.get("Time taken")
    triples = [(slot, i, names[f"Response {slot}"], names[f"Right answer {slot}"]) for slot, i in questions.items()]
    number = 1
    with handle:
        try:
            for number, cells in enumerate(rows, start=2):
                if not cells or cells == [""]:
                    continue
                if len(cells) != len(header):
                    raise ReportError(f"{path}: row {number} has {len(cells)} cells where the header has "
                                      f"{len(header)} (a truncated or broken download)")
                if cells[0] == "Overall average" or (last is not None and cells[last] == "Overall average"):
                    continue
                # A name is printed (report, did-you-mean): no terminal escape code from a cell reaches the screen.
                name = printable(" ".join(cells[i] for i in (first, last) if i is not None).strip(), NOT_IN_NAME)
                if email is not None and cells[email] not in ("", BLANK):
                    learner = printable(cells[email], NOT_IN_NAME)
                elif idnumber is not None and cells[idnumber] not in ("", BLANK):
                    learner = f"{name} ({printable(cells[idnumber], NOT_IN_NAME)})"  # the ID number tells namesakes apart
                else:
                    learner = name
                state = cells[state_col]
                if state == BLANK:
                    report.without_attempt.append((number, learner))
                    continue
                grade = cells[grade_col]
                if DECIMAL_COMMA.match(grade):
                    raise ReportError(f"{path}: row {number}: grade {grade!r} has a decimal comma, a CSV from "
                                      "another locale; download it with '.' as the decimal point")
                attempt = AttemptRow(number, learner, state, cells[started_col],
                                     _value(cells, completed_col), _value(cells, taken_col), person=name,
                                     grade=_number(grade))
                if report.kind == "responses":
                    for slot, i, r, a in triples:
                        response, right = cells[r], cells[a]
                        attempt.cells[slot] = Cell(cells[i], None if response == BLANK else response,
                                                   None if right == BLANK else right)
                else:
                    for slot, (i, _) in marks.items():
                        attempt.cells[slot] = _mark(path, number, cells[i])
                yield attempt
        except UnicodeDecodeError:
            raise ReportError(f"{path}: not UTF-8 text after row {number}; download the report again") from None
        except csv.Error as exc:
            raise ReportError(f"{path}: row {number + 1}: not readable as CSV ({exc})") from None


def _value(cells, column):
    return None if column is None or cells[column] in ("", BLANK) else cells[column]


def _number(text):
    """A grade cell as a number; None for a blank or a word ("Not yet graded")."""
    try:
        return float(text)
    except ValueError:
        return None


def _mark(path, row, text):
    if text in ("", BLANK):
        return None
    if DECIMAL_COMMA.match(text):
        raise ReportError(f"{path}: row {row}: mark {text!r} has a decimal comma, a CSV from another locale; "
                          "download it with '.' as the decimal point")
    try:
        return float(text)
    except ValueError:
        raise ReportError(f"{path}: row {row}: mark {text!r} is not a number") from None


def pair_grades(responses, grades):
    """Each attempt's marks from the Grades report as fractions of the slot, and each slot's maximum:
    ({attempt key: {slot: fraction or None}}, {slot: maximum}).

    Refuses a Grades report of another quiz: different slots, or attempts the Responses report lacks.
    """
    if grades.kind != "grades":
        raise ReportError(f"{grades.path}: expected the Grades report here, got a {grades.kind} report")
    if responses.slots != grades.slots:
        raise ReportError(f"{grades.path}: a report of another quiz ({len(grades.slots)} questions; "
                          f"{responses.path.name} has {len(responses.slots)})")
    # The header shows each slot's maximum rounded to 2 decimals ("/0.83" for 10/12); their sum must
    # be the quiz's grade, so scaling them to it undoes the rounding (0.83 * 10 / 9.96 = 0.8333).
    shown = sum(grades.slot_max.values())
    scale = grades.grade_max / shown if shown and grades.grade_max else 1.0
    slot_max = {slot: m * scale for slot, m in grades.slot_max.items()}
    return {a.key: {slot: None if mark is None else mark / slot_max[slot] for slot, mark in a.cells.items()}
            for a in grades.attempts}, slot_max
