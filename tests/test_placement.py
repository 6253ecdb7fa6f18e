"""After a refit every learner's stored abilities are placed again on the refitted items (engine/placement.py)."""
import pytest

from quiz_fixtures import bank
from torchquiz.engine import progress
from torchquiz.engine.placement import abilities
from torchquiz.engine.session import QuizSession
from torchquiz.engine.store import Store
from torchquiz.record.grading import grade


def test_after_a_refit_every_learner_is_placed_on_the_refitted_items(tmp_path):
    """A quiz learner's abilities were written with each answer and went stale when a refit moved the items: a
    practice learner imported with exactly a quiz learner's answers showed another overall and other advice, and
    the quiz learner's next, right, answer dropped the overall from 83% to 69%. After any refit both are placed
    on the current items, and a spread is fitted only from TOPIC_FIT_FROM learners on."""
    with Store.open(tmp_path / "s.db") as store:
        store.add_questions(bank(48))
        for n, name in enumerate(["ada", "bob", "cy"]):
            session = QuizSession.start(store, name, length=10, seed=n, refit=lambda store: False)
            while (record := session.next_question()) is not None:
                right = (len(session.history) + n) % 3 != 0
                text = ("ABCD"[[o["correct"] for o in record["options"]].index(right)] if record["options"]
                        else record["answer"]["text"] if right else "(1, 1, 1)" if record["type"] == "shortanswer" else "0.01")
                session.answer(record, grade(record, text))
            session.finish()
        before = progress.abilities(store, progress.learner_id(store, "ada"))
        progress.calibrate(store)
        assert store.meta("topic_sd") is None          # 3 learners: no spread fitted
        rows = store.conn.execute(
            "SELECT a.learner_id, i.topic, i.b, i.a, a.correct FROM attempts a JOIN items i ON i.question_id = "
            "a.question_id WHERE a.correct IS NOT NULL ORDER BY a.learner_id").fetchall()
        fresh = {(lid, t): (m, s, n) for lid, t, m, s, n, _ in abilities(rows, "now", store.primary_topics(), 0.0)}
        for name in ("ada", "bob", "cy"):
            lid = progress.learner_id(store, name)
            stored = progress.abilities(store, lid)
            assert stored.keys() == {t for (l, t) in fresh if l == lid}
            for topic, figures in stored.items():
                assert figures == pytest.approx(fresh[(lid, topic)], abs=1e-9), (name, topic)
        after = progress.abilities(store, progress.learner_id(store, "ada"))
        assert max(abs(after[t][0] - before[t][0]) for t in after) > 0.01   # the refit moved them
