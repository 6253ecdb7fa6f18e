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
    assert lines
    for line in lines:  # its own command, or the one of a topic listed already (never the same one twice)
        if ", then practise it: torchquiz quiz --topic " in line:
            topic = line.rsplit("--topic ", 1)[1]
            assert topic in store.topics() and not topic.endswith(".")     # the command runs as printed
        else:
            topic = line.split("practise it with the ", 1)[1].removesuffix(" quiz.")
            assert any(other.endswith(f"torchquiz quiz --topic {topic}") for other in weak.practise)
    commands = [line.split(": torchquiz ", 1)[1] for line in weak.practise if ": torchquiz " in line]
    assert len(commands) == len(set(commands))
    assert not any("above" in line for line in weak.practise)          # no layout words: report --json shows these too


def test_advice_follows_what_the_answers_show(store):
    """A learner who answered everything right is not told to practise a topic (a topic answered once sits
    near the middle whatever the answer); one who skipped everything is told nothing was answered."""
    perfect = QuizSession.start(store, "cy", length=8, seed=5)
    while (record := perfect.next_question()) is not None:
        right = "".join("ABCDEFGH"[i] for i, o in enumerate(record["options"]) if o["correct"])
        perfect.answer(record, grade(record, right))
    lines = perfect.finish().practise
    assert lines[0].startswith("Ready for harder: 8/8 right") and not any(l.startswith("Practise") for l in lines)
    skipper = QuizSession.start(store, "jo", length=3, seed=5)
    while (record := skipper.next_question()) is not None:
        skipper.skip(record)
    assert skipper.finish().practise == ["Nothing answered yet, so nothing to judge: answer a few questions "
                                         "(s skips one, h gives a hint): torchquiz quiz --length 10"]


def test_a_topic_answered_right_once_is_not_called_weak_and_three_misses_are():
    """The reviewer's 8/8 learner: each topic answered once, right, sits at 58-59% (one answer moves an
    estimate little from the middle); the old rule told them to practise those topics."""
    from torchquiz.engine.advice import practise_next
    from torchquiz.engine.report import TopicAbility

    once_right = [TopicAbility(topic, 0.35, 0.9, 1) for topic in ("gru", "transformer", "lstm")]
    overall = TopicAbility("overall", 1.4, 0.6, 8)
    assert once_right[0].mastery < 0.6 < overall.mastery
    lines = practise_next(once_right, [], answered=8, correct=8, overall=overall)
    assert lines[0].startswith("Ready for harder: 8/8 right") and not any(l.startswith("Practise") for l in lines)
    missed = [TopicAbility("lstm", -1.1, 0.65, 3)] + once_right
    lines = practise_next(missed, [], answered=9, correct=6, overall=TopicAbility("overall", 0.2, 0.5, 9))
    assert [l for l in lines if l.startswith("Practise")] == [
        f"Practise lstm (mastery {missed[0].mastery:.0%}): torchquiz quiz --topic lstm"]


@pytest.mark.parametrize("answered,correct", [(1, 0), (2, 0), (2, 1), (1, 1), (2, 2)])
def test_one_or_two_answers_get_no_praise(answered, correct):
    # 0 right of 1 and of 2 ended in "Solid, with room to grow"; 1/1 right in "Ready for harder".
    from torchquiz.engine.advice import practise_next

    (line,) = practise_next([], [], answered=answered, correct=correct)
    assert line.startswith(f"Too few answers to judge ({correct}/{answered} right)") and "Solid" not in line



def test_one_answer_never_calls_a_topic_weak():
    """One miss on a question calibrated as easy gave lstm -0.81 +- 0.77 (31%) and 'Practise lstm'; three misses
    still do."""
    from torchquiz.engine.advice import shown_weak
    from torchquiz.engine.irt import estimate_ability
    from torchquiz.engine.report import TopicAbility
    from torchquiz.engine.selection import Response

    def topic(misses):
        history = [Response(f"q{k}", "lstm", -1.0, False) for k in range(misses)]
        return TopicAbility("lstm", *estimate_ability(history), misses)

    assert topic(1).hopeful_mastery < 0.6  # what the rule alone read as weak
    assert not shown_weak(topic(1)) and shown_weak(topic(3))


def test_ready_for_harder_names_the_topic_whose_misses_keep_it_below_the_bar(store):
    """The review's 18/20 learner: the first two questions of one topic missed, everything else right. The
    topic shows under 60% without being called weak on so few answers; the advice says ready and names it,
    rather than praise beside a bar at 45%."""
    session = QuizSession.start(store, "kim", length=20, seed=3)
    missed_topic, misses = None, 0
    while (record := session.next_question()) is not None:
        topic = record["topics"][0]
        missed_topic = missed_topic or topic
        wrong = topic == missed_topic and misses < 2
        misses += wrong
        session.answer(record, grade(record, "B" if wrong else "A"))
    report = session.finish()
    assert report.correct == 18 and report.practise[0].startswith("Ready for harder")
    (shown,) = [a for a in report.abilities if a.topic == missed_topic]
    assert shown.mastery < 0.6
    assert f"Lowest so far: {missed_topic} (mastery {shown.mastery:.0%}, 2 missed)" in report.practise[1]
    assert report.practise[1].endswith(f"torchquiz quiz --topic {missed_topic} --length 5")
    for line in report.practise[2:]:  # a misconception shown there points to that quiz, not a second command
        assert f"--topic {missed_topic}" not in line


def test_a_topic_below_the_bar_without_a_miss_is_not_named():
    from torchquiz.engine.advice import practise_next
    from torchquiz.engine.report import TopicAbility

    low = TopicAbility("gru", 0.2, 0.7, 2)   # two right answers on easy questions: under 60%, nothing missed
    assert low.mastery < 0.6
    lines = practise_next([low], [], answered=10, correct=10, overall=TopicAbility("overall", 1.5, 0.5, 10),
                          missed={})
    assert lines == ["Ready for harder: 10/10 right. Aim at harder questions with torchquiz quiz --target 0.55"]
    lines = practise_next([low], [], answered=10, correct=9, overall=TopicAbility("overall", 1.5, 0.5, 10),
                          missed={"gru": 1})
    assert lines[1].startswith("Lowest so far: gru")


def test_harder_and_easier_are_relative_to_the_target_the_quiz_used(store):
    """A review's 0/5 quiz at --target 0.95 was told 'Easier questions: --target 0.85' (harder), and one at 0.05
    that went 5/5 'harder: --target 0.55' (easier)."""
    def quiz(name, letter, target):
        session = QuizSession.start(store, name, length=5, seed=3, target=target)
        while (record := session.next_question()) is not None:
            session.answer(record, grade(record, letter))
        return session.finish().practise[0]

    def target_in(line):
        return float(line.split("--target ", 1)[1].split()[0])

    assert target_in(quiz("a", "A", 0.70)) == 0.55 and target_in(quiz("b", "B", 0.70)) == 0.85  # as before
    assert target_in(quiz("c", "A", 0.60)) == 0.45 and target_in(quiz("d", "B", 0.85)) == 0.95
    at_easiest, at_hardest = quiz("e", "B", 0.95), quiz("f", "A", 0.05)
    assert "aimed at its easiest already" in at_easiest and target_in(at_easiest) == 0.95
    assert "aimed at its hardest already" in at_hardest and target_in(at_hardest) == 0.05
