"""The pooled calibration keeps the labels' order: the first few learners, all right or all wrong, must not
make hard easier than easy."""
import json

import numpy as np
import pytest

from torchquiz.engine.calibration import _LEVEL_GAP, ordered
from torchquiz.engine.session import QuizSession
from torchquiz.engine.store import Store
from torchquiz.record.grading import grade
from quiz_fixtures import bank


def test_ordered_keeps_the_order_and_moves_as_little_as_the_weights_allow():
    assert ordered(np.array([-1.0, 0.0, 1.0]), np.ones(3), 0.25).tolist() == [-1.0, 0.0, 1.0]  # already in order
    out = ordered(np.array([-0.07, -0.08, 0.11]), np.array([1.0, 1.0, 1.0]), 0.25)
    assert np.diff(out).min() == pytest.approx(0.25) and out.mean() == pytest.approx(np.mean([-0.07, -0.08, 0.11]))
    heavy = ordered(np.array([0.0, -0.5, 2.0]), np.array([9.0, 1.0, 1.0]), 0.25)  # the heavy centre moves least
    assert heavy[0] == pytest.approx(-0.075) and heavy[1] == pytest.approx(0.175) and heavy[2] == 2.0


def test_learners_who_answer_all_right_or_all_wrong_do_not_undo_the_labels(tmp_path):
    """Seven such learners on a fresh store, each refit after their quiz (as the quiz does): easy, medium and hard
    stay in order, a quarter of a label step apart at least (they had ended at -0.07, -0.08 and +0.11)."""
    with Store.open(tmp_path / "fresh.db") as store:
        store.add_questions(bank(48))
        for n, right in enumerate([True, False, True, False, True, False, True]):
            session = QuizSession.start(store, f"learner{n}", length=8, seed=n)
            while (record := session.next_question()) is not None:
                if record["options"]:
                    answer = "ABCD"[[o["correct"] for o in record["options"]].index(right)]
                else:
                    wrong = "(1, 1, 1)" if record["type"] == "shortanswer" else "0.01"
                    answer = record["answer"]["text"] if right else wrong
                session.answer(record, grade(record, answer))
            session.finish()
            means = json.loads(store.meta("calibration_hyper"))["label_means"]
            assert means["medium"] - means["easy"] >= _LEVEL_GAP - 1e-9
            assert means["hard"] - means["medium"] >= _LEVEL_GAP - 1e-9
