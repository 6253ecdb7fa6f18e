"""Advice that fits the learner: the end screen of a real quiz over a real store."""
import pytest

from torchquiz.engine.session import QuizSession
from torchquiz.engine.simulate import question_records
from torchquiz.engine.store import Store
from torchquiz.engine.worlds import build_world
from torchquiz.record.grading import grade


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "advice.db") as opened:
        opened.add_questions(question_records(build_world("v2", n_learners=1)))
        yield opened


def finish_quiz(store, name, letter, length):
    session = QuizSession.start(store, name, length=length, seed=3)
    while (record := session.next_question()) is not None:
        session.answer(record, grade(record, letter))
    return session.finish()


def test_all_right_and_all_wrong_learners_get_different_advice(store):
    strong = finish_quiz(store, "strong", "A", 20)
    weak = finish_quiz(store, "weak", "B", 12)
    assert strong.practise[0].startswith("Ready for harder") and "--target 0.55" in strong.practise[0]
    assert not any("misconception" in line for line in strong.practise)
    assert weak.practise[0].startswith("Build up first") and "--target 0.85" in weak.practise[0]
    assert any(line.startswith("Practise topic") for line in weak.practise)
    assert any("misconception" in line for line in weak.practise)   # the ones this learner showed
    assert set(strong.practise).isdisjoint(weak.practise)


def test_a_misconception_comes_with_a_quiz_that_practises_it_where_it_was_shown(store):
    weak = finish_quiz(store, "weak", "B", 12)
    lines = [line for line in weak.practise if line.startswith("Review the misconception")]
    assert lines and all(", then practise it: torchquiz quiz --topic " in line for line in lines)
    for line in lines:
        topic = line.rsplit("--topic ", 1)[1]
        assert topic in store.topics() and not topic.endswith(".")     # the command runs as printed
    assert not any("above" in line for line in weak.practise)          # no layout words: report --json shows these too
