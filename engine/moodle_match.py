"""Which stored question a Moodle report cell shows, and what the response there was worth.

Moodle's reports carry no question id, so a response is matched on content: the stem and
the code, the text every learner saw. We chose content over adding a marker to the export
because (1) it works for quizzes already run, like every real download we have, (2) the
record id is itself a hash of that content, so equal content is the same question, and
(3) a hidden marker would show in Moodle's summaries and be stripped by any edit there.
The right answer alone is not enough (558 of 1,800 cells in the real download are ambiguous).

Moodle's summary of a question (README of ../shared/moodle-reports): tags stripped,
entities decoded, each newline three spaces, spaces inside <pre> become U+00A0, and for
choice questions `stem   : choice   ; choice` in the learner's shuffled order. The content
key drops all whitespace and the Markdown marks (` * _) Moodle renders away.
"""
import re
from dataclasses import dataclass

from torchquiz.engine.store import StoreError
from torchquiz.record import answers
from torchquiz.record.grading import Malformed, grade
from torchquiz.record.moodle_grades import SHARES, wrong_fraction
from torchquiz.record.validate import CHOICE_TYPES, LETTERS

CHOICES = "   : "   # Moodle's separator between the question and its choices
JOIN = "   ; "      # ... between choices, and between the ticked choices of a response
_DROP = re.compile(r"[\s`*_]+")
# What a wrong box of a multiple-answer question charges, by the export that wrote the quiz: the grade
# list's penalty (record/moodle_grades.wrong_fraction: 40% for three), as a set exported now has it, or
# an even split (33.33333% for three), as the export that made ../shared/moodle-reports had it.
GRADE_LIST, EVEN_SPLIT = "grade list", "even split"


class MatchError(StoreError):
    """A cell that matches more than one stored question."""


def content_key(text):
    return _DROP.sub("", text or "")


@dataclass(frozen=True)
class Verdict:
    """A graded cell: Moodle's fraction by Moodle's rules, and the misconception it shows."""
    fraction: float
    correct: bool
    response: str                  # as our quiz records it: option letters or the typed text
    misconception: str | None


class QuestionIndex:
    """Stored questions by content key; full records are loaded only for keys that match."""

    def __init__(self, store):
        self.store = store
        self.by_key = {}
        rows = store.conn.execute(
            "SELECT id, type, json_extract(record, '$.stem'), json_extract(record, '$.code') FROM questions")
        for qid, kind, stem, code in rows:
            self.by_key.setdefault(content_key(stem) + content_key(code), []).append((qid, kind))
        self._records = {}
        self._matched = {}

    def record(self, qid):
        if qid not in self._records:
            self._records[qid] = self.store.question(qid)
        return self._records[qid]

    def match(self, summary, right_answer):
        """The record `summary` shows, or None; MatchError when two records fit equally well."""
        cached = self._matched.get((summary, right_answer))
        if cached is not None or (summary, right_answer) in self._matched:
            return cached
        candidates = []
        for head, choices in _splits(summary):
            for qid, kind in self.by_key.get(content_key(head), ()):
                # Moodle lists the choices of multichoice questions only (true/false shows none)
                if (kind in ("multichoice", "multiresponse")) == (choices is not None):
                    candidates.append((qid, choices))
        if len(candidates) > 1:  # same stem and code: the options, then the right answer decide
            candidates = [c for c in candidates if _same_choices(self.record(c[0]), c[1])] or candidates
        if len(candidates) > 1:
            candidates = [c for c in candidates if right_answer_of(self.record(c[0]), right_answer)] or candidates
        if len(candidates) > 1:
            raise MatchError(f"matches {len(candidates)} stored questions ({', '.join(c[0] for c in candidates)})")
        found = self.record(candidates[0][0]) if candidates else None
        self._matched[(summary, right_answer)] = found
        return found


def _splits(summary):
    """(question part, choices or None) for the whole summary and each `   : ` in it."""
    yield summary, None
    start = summary.find(CHOICES)
    while start != -1:
        yield summary[:start], summary[start + len(CHOICES):].split(JOIN)
        start = summary.find(CHOICES, start + 1)


def _same_choices(record, choices):
    if choices is None:
        return not record.get("options") or record["type"] == "truefalse"
    return sorted(map(content_key, choices)) == sorted(content_key(o["text"]) for o in record.get("options", []))


def right_answer_of(record, shown):
    """Whether Moodle's 'Right answer' agrees with the record (a stale or edited question does not)."""
    if shown is None:
        return True
    kind = record["type"]
    if kind in CHOICE_TYPES:
        wanted = [content_key(o["text"]) for o in record["options"] if o["correct"]]
        return sorted(content_key(s) for s in shown.split(JOIN)) == sorted(wanted)
    if kind == "numerical":
        value = answers.parse_number(shown)
        return value is not None and abs(value - float(record["answer"]["value"])) <= 1e-9 * max(1.0, abs(value))
    return content_key(shown) in {content_key(t) for t in [record["answer"]["text"],
                                                           *record["answer"].get("accepted", [])]}


def _option_index(record, text):
    key = content_key(text)
    for index, option in enumerate(record["options"]):
        if content_key(option["text"]) == key:
            return index
    return None


def _share(count):
    """Moodle's stored fraction for one of `count` options splitting 100: the export's grade list
    (record/moodle_grades.SHARES: 33.33333 for 3; beyond 10, which no export writes, 1/count)."""
    return float(SHARES[count]) / 100 if count in SHARES else 1.0 / count if count else 0.0


def _wrong_share(count, rule):
    return float(wrong_fraction(count)) / -100 if rule == GRADE_LIST else _share(count)


def grade_cell(record, response, rule=GRADE_LIST):
    """What Moodle gave `response` to `record` (by its own rules), as a Verdict; None if unreadable.
    `rule` is what a wrong box of a multiple-answer question charges (GRADE_LIST or EVEN_SPLIT)."""
    kind = record["type"]
    if kind in ("multichoice", "truefalse"):
        index = _option_index(record, response)
        if index is None:
            return None
        option = record["options"][index]
        return Verdict(1.0 if option["correct"] else 0.0, bool(option["correct"]), LETTERS[index],
                       None if option["correct"] else option.get("misconception"))
    if kind == "multiresponse":
        chosen = []
        for part in response.split(JOIN):
            index = _option_index(record, part)
            if index is None:
                return None
            chosen.append(index)
        options = record["options"]
        right = sum(1 for o in options if o["correct"])
        # Moodle's multiple-answer rule: the chosen options' fractions added up, kept within [0, 1].
        fraction = sum(_share(right) if options[i]["correct"] else -_wrong_share(len(options) - right, rule)
                       for i in chosen)
        fraction = round(min(1.0, max(0.0, fraction)), 7)
        wrong = [options[i].get("misconception") for i in sorted(chosen) if not options[i]["correct"]]
        return Verdict(fraction, fraction >= 1.0 - 1e-9, ",".join(LETTERS[i] for i in sorted(chosen)),
                       wrong[0] if wrong else None)
    graded = grade(record, response)
    if isinstance(graded, Malformed):  # Moodle graded it as a wrong answer; so do we
        return Verdict(0.0, False, response, None)
    return Verdict(1.0 if graded.correct else 0.0, graded.correct, response, graded.misconception)

