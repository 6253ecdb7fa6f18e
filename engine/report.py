"""A learner's progress, for the end screen of a quiz and for `torchquiz report`: one builder.

`progress_report(store, name)` covers everything the learner did; with `session=` it covers that
quiz (its topics, its misconceptions, its counts). Both read the same stored abilities, so the end
screen and the report never show the same ability two ways.
"""
from collections import Counter
from dataclasses import dataclass, field

from torchquiz.engine import irt, progress
from torchquiz.engine.advice import practise_next
from torchquiz.engine.store import OVERALL

MASTERY_REFERENCE = "medium"  # mastery = predicted success on a medium question


@dataclass
class TopicAbility:
    topic: str
    mean: float
    sd: float
    n: int

    @property
    def mastery(self):
        return irt.p_correct(self.mean, irt.LABEL_PRIOR[MASTERY_REFERENCE])

    @property
    def hopeful_mastery(self):
        """The mastery at the hopeful end of the estimate (mean + 1 sd)."""
        return irt.p_correct(self.mean + self.sd, irt.LABEL_PRIOR[MASTERY_REFERENCE])

    def as_dict(self):
        return {"topic": self.topic, "mean": round(self.mean, 3), "sd": round(self.sd, 3), "n": self.n,
                "mastery": round(self.mastery, 3)}


@dataclass
class ProgressReport:
    learner: str
    answered: int
    correct: int
    skipped: int
    length: int | None          # the quiz's length; None for a whole-history report
    sessions: int
    abilities: list             # [TopicAbility] of the topics covered
    overall: TopicAbility
    misconceptions: list        # [(id, count, explanation)], most frequent first
    practise: list = field(default_factory=list)  # suggestions, one line each
    unfinished: dict | None = None  # {"done", "length"} of an open quiz (whole-history report only)
    sessions_finished: int = 0

    @property
    def attempts(self):
        return self.answered + self.skipped

    def as_dict(self):
        return {"learner": self.learner, "attempts": self.attempts, "answered": self.answered,
                "correct": self.correct, "skipped": self.skipped, "length": self.length,
                "sessions": self.sessions, "sessions_finished": self.sessions_finished,
                "ability": self.overall.as_dict(), "topics": [a.as_dict() for a in self.abilities],
                "misconceptions": [{"id": m, "count": n, "explanation": e} for m, n, e in self.misconceptions],
                "practise_next": self.practise, "unfinished_quiz": self.unfinished}


def progress_report(store, learner_name, session=None):
    """The learner's progress overall, or within one quiz session (a progress.Session row)."""
    learner = progress.learner_id(store, learner_name, create=False)
    stored = progress.abilities(store, learner)
    overall = TopicAbility("overall", *stored.get(OVERALL, (0.0, 1.0, 0)))
    if session is None:
        counts = progress.learner_summary(store, learner)
        topics = sorted(t for t in stored if t != OVERALL)
        answered, correct, skipped = counts["attempts"] - counts["skipped"], counts["correct"], counts["skipped"]
        length, sessions, finished = None, counts["sessions"], counts["sessions_finished"]
        wrong = [r.topic for r in progress.history(store, learner) if not r.correct]
    else:
        done = progress.session_attempts(store, session.id)
        topic_of = {a.question_id: store.item(a.question_id)["topic"] for a in done if not a.skipped}
        topics = sorted(set(topic_of.values()))
        answered = sum(1 for a in done if not a.skipped)
        correct, skipped = sum(1 for a in done if a.correct), sum(1 for a in done if a.skipped)
        length, sessions, finished = session.length, 1, int(session.status == "finished")
        wrong = [topic_of[a.question_id] for a in done if a.correct is False]
    abilities = [TopicAbility(t, *stored[t]) for t in topics if t in stored]
    hits = progress.misconception_counts(store, learner, session.id if session is not None else None)
    misconceptions = [(m, n, explain_misconception(store, m)) for m, n in hits]
    unfinished = None
    if session is None:
        open_row = progress.open_session(store, learner)
        if open_row is not None:
            unfinished = {"done": len(progress.session_attempts(store, open_row.id)), "length": open_row.length}
    return ProgressReport(learner_name, answered, correct, skipped, length, sessions, abilities, overall,
                          misconceptions, practise_next(abilities, misconceptions, answered=answered,
                                                        correct=correct, overall=overall,
                                                        where=progress.misconception_topics(
                                                            store, learner, session.id if session is not None else None),
                                                        missed=Counter(wrong),
                                                        target=session.target if session is not None else None),
                          unfinished, finished)


_CATALOGUE = None


def explain_misconception(store, misconception):
    """The catalogue's explanation of a misconception, else the feedback of a stored option it produced."""
    global _CATALOGUE
    if _CATALOGUE is None:
        try:
            from torchquiz.generator.catalogue import load_misconceptions  # plain YAML, no torch
            _CATALOGUE = load_misconceptions()
        except Exception:  # the catalogue is optional for the engine: stored feedback still explains
            _CATALOGUE = {}
    entry = _CATALOGUE.get(misconception)
    text = getattr(entry, "description", None) or getattr(entry, "feedback", None)
    return text or progress.misconception_feedback(store, misconception) or ""


def mastery_bar(mastery, width=20):
    filled = max(0, min(width, int(round(mastery * width))))
    return "█" * filled + "░" * (width - filled)
