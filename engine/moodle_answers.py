"""One response of a Moodle report as the answer stored: graded by our rules, checked against Moodle's mark
from the Grades report where there is one (Moodle's mark decides), with the counts an import reports."""
from torchquiz.engine.external_attempts import ExternalAnswer
from torchquiz.engine.moodle_match import EVEN_SPLIT, GRADE_LIST, grade_cell
from torchquiz.engine.moodle_reports import DECIMAL_COMMA
from torchquiz.record.wording import shortened

_SHOWN = 60  # characters of a report's text shown in a problem or note


def quoted_text(text):
    """A report's question or response text as a problem or note quotes it: on one line, at most _SHOWN long."""
    return shortened(" ".join(text.split()), _SHOWN)


def cached_grade(graded, record, response, rule=GRADE_LIST):
    """grade_cell, once per question, response and rule: a class repeats its answers."""
    key = (record["id"], response, rule)
    if key not in graded:
        graded[key] = grade_cell(record, response, rule)
    return graded[key]


def moodle_answer(result, row, record, slot, cell, moodle_fraction, slot_max, graded):
    """The ExternalAnswer for a report's `cell`; `result` (a MoodleImport) counts blanks, decimal commas, right
    answers and disagreements with Moodle's mark; `graded` caches grade_cell per question and response."""
    if cell.response is None:
        result.blanks += 1
        return ExternalAnswer(record["id"], slot, None, None, mark=moodle_fraction)
    if record["type"] == "numerical" and DECIMAL_COMMA.match(cell.response.strip()):
        result.decimal_commas += 1
    verdict = cached_grade(graded, record, cell.response)
    fraction = verdict.fraction if verdict else None
    if verdict is None:  # matched question, but the response is none of its options: say so
        decides = "Moodle's mark decides" if moodle_fraction is not None else "counted wrong"
        result.notes.append(f"row {row}, question {slot}: response {quoted_text(cell.response)!r} is none of "
                            f"{record['id']}'s options; {decides}")
    if moodle_fraction is not None:
        # The Grades report rounds marks to 2 decimals of the slot's maximum: agreement within that. A
        # multiple-answer mark agrees under either rule an export may have charged a wrong box by.
        tolerance = 0.0051 / slot_max.get(slot, 1.0)
        ours = [fraction]
        if verdict and record["type"] == "multiresponse":
            ours.append(cached_grade(graded, record, cell.response, EVEN_SPLIT).fraction)
        agreeing = [f for f in ours if f is not None and abs(f - moodle_fraction) <= tolerance]
        result.disagreements += not agreeing
        fraction = agreeing[0] if agreeing else moodle_fraction  # ours is exact where it agrees; Moodle's is rounded
    correct = fraction is not None and fraction >= 1.0 - 1e-6
    result.correct += correct
    return ExternalAnswer(record["id"], slot, verdict.response if verdict else cell.response, correct,
                          verdict.misconception if verdict and not correct else None, mark=fraction)
