"""One response of a Moodle report as the answer stored: matched to its question, graded by our rules, checked
against Moodle's mark from the Grades report where there is one (Moodle's mark decides), with what an import
counts and reports about it. A class repeats its questions and answers, so each distinct cell is worked out once."""
from dataclasses import dataclass

from torchquiz.engine.external_attempts import ExternalAnswer
from torchquiz.engine.moodle_match import EVEN_SPLIT, GRADE_LIST, MatchError, grade_cell, right_answer_of
from torchquiz.engine.moodle_reports import DECIMAL_COMMA, ReportError
from torchquiz.record.wording import shortened

_SHOWN = 60  # characters of a report's text shown in a problem or note


def quoted_text(text):
    """A report's question or response text as a problem or note quotes it: on one line, at most _SHOWN long."""
    return shortened(" ".join(text.split()), _SHOWN)


@dataclass(frozen=True, eq=False)
class CellOutcome:
    """What a report cell comes to, the same in every attempt that shows it. `answer` is None when the cell
    cannot be imported, and `problem` says why (without its row and slot); the flags are what the import counts."""
    answer: ExternalAnswer | None
    problem: str | None = None
    matched: bool = True           # a stored question reads it (its right answer may still not be that question's)
    note: str | None = None        # a response that is none of the question's options (without its row and slot)
    blank: bool = False
    decimal_comma: bool = False
    correct: bool = False
    disagreement: bool = False     # our grading and Moodle's mark differ (Moodle's mark is kept)
    even_split: float | None = None  # without the Grades report, a multiple-answer mark that differs were a wrong
    #                                  box charged an even split: that mark (moodle_import._marks_by_total decides)


class ReportCells:
    """The CellOutcome of each distinct cell of one report: (slot, question text, response, right answer, Moodle's
    mark) matched and graded once. `index` is the store's QuestionIndex; `slot_max` the Grades report's slot
    maxima; `grades_given` whether the Grades report came with the Responses report."""
    # Distinct cells remembered: each holds ~0.5 kB of question text, so the cache stays within ~25 MB
    # however varied a large report is; past it the cache starts again (only the time to work one out is lost).
    LIMIT = 50_000

    def __init__(self, index, slot_max, grades_given):
        self.index, self.slot_max, self.grades_given = index, slot_max, grades_given
        self._outcomes = {}
        self._graded, self._agreed = {}, {}  # per question: a class repeats its answers across shuffled texts

    def answers(self, path, attempt, moodle_marks, result):
        """`attempt`'s answers, and {answer index: mark} for the multiple-answer marks that differ were a wrong box
        charged an even split; (None, None) when a cell cannot be imported (its problem goes to result.problems,
        "row N, question S: ..."). `moodle_marks` are the attempt's marks from the Grades report ({} without it);
        `result` (a MoodleImport) counts cells, matches, blanks, decimal commas, right answers and disagreements."""
        answers, even, ok = [], {}, True
        matched = blanks = decimal_commas = correct = disagreements = 0
        for slot, cell in attempt.cells.items():
            try:
                outcome = self.outcome(slot, cell, moodle_marks.get(slot))
            except MatchError as exc:
                raise ReportError(f"{path}: row {attempt.row}, question {slot}: question matched twice: "
                                  f"{exc}") from None
            matched += outcome.matched
            if outcome.answer is None:
                result.problems.append(f"row {attempt.row}, question {slot}: {outcome.problem}")
                ok = False
                continue
            if outcome.note:
                result.notes.append(f"row {attempt.row}, question {slot}: {outcome.note}")
            if outcome.even_split is not None:
                even[len(answers)] = outcome.even_split
            answers.append(outcome.answer)
            blanks += outcome.blank
            decimal_commas += outcome.decimal_comma
            correct += outcome.correct
            disagreements += outcome.disagreement
        result.cells += len(attempt.cells)
        result.matched += matched
        result.blanks += blanks
        result.decimal_commas += decimal_commas
        result.correct += correct
        result.disagreements += disagreements
        return (answers, even) if ok else (None, None)

    def outcome(self, slot, cell, moodle_fraction):
        """The CellOutcome of `cell` in `slot`; MatchError (not remembered) when two stored questions fit it."""
        key = (slot, cell.question, cell.response, cell.right_answer, moodle_fraction)
        found = self._outcomes.get(key)
        if found is None:
            if len(self._outcomes) >= self.LIMIT:
                self._outcomes.clear()
            found = self._outcomes[key] = self._work_out(slot, cell, moodle_fraction)
        return found

    def _work_out(self, slot, cell, moodle_fraction):
        record = self.index.match(cell.question, cell.right_answer)
        if record is None:
            return CellOutcome(None, f"no stored question reads {quoted_text(cell.question)!r}", matched=False)
        check = (record["id"], cell.right_answer)
        if check not in self._agreed:
            self._agreed[check] = right_answer_of(record, cell.right_answer)
        if not self._agreed[check]:
            return CellOutcome(None, f"right answer {cell.right_answer!r} is not {record['id']}'s")
        if cell.response is None:
            return CellOutcome(ExternalAnswer(record["id"], slot, None, None, mark=moodle_fraction), blank=True)
        decimal_comma = record["type"] == "numerical" and bool(DECIMAL_COMMA.match(cell.response.strip()))
        verdict = self._grade(record, cell.response)
        fraction = verdict.fraction if verdict else None
        note = None
        if verdict is None:  # matched question, but the response is none of its options: say so
            decides = "Moodle's mark decides" if moodle_fraction is not None else "counted wrong"
            note = f"response {quoted_text(cell.response)!r} is none of {record['id']}'s options; {decides}"
        disagreement = False
        if moodle_fraction is not None:
            # The Grades report rounds marks to 2 decimals of the slot's maximum: agreement within that. A
            # multiple-answer mark agrees under either rule an export may have charged a wrong box by.
            tolerance = 0.0051 / self.slot_max.get(slot, 1.0)
            ours = [fraction]
            if verdict and record["type"] == "multiresponse":
                ours.append(self._grade(record, cell.response, EVEN_SPLIT).fraction)
            agreeing = [f for f in ours if f is not None and abs(f - moodle_fraction) <= tolerance]
            disagreement = not agreeing
            # ours is exact where it agrees; Moodle's is rounded
            fraction = agreeing[0] if agreeing else moodle_fraction
        correct = fraction is not None and fraction >= 1.0 - 1e-6
        answer = ExternalAnswer(record["id"], slot, verdict.response if verdict else cell.response, correct,
                                verdict.misconception if verdict and not correct else None, mark=fraction)
        even_split = None
        if not self.grades_given and record["type"] == "multiresponse":
            even = self._grade(record, cell.response, EVEN_SPLIT)
            if even and even.fraction != answer.mark:
                even_split = even.fraction
        return CellOutcome(answer, note=note, decimal_comma=decimal_comma, correct=correct, disagreement=disagreement,
                           even_split=even_split)

    def _grade(self, record, response, rule=GRADE_LIST):
        """grade_cell, once per question, response and rule."""
        key = (record["id"], response, rule)
        if key not in self._graded:
            self._graded[key] = grade_cell(record, response, rule)
        return self._graded[key]
