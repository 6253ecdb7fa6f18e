"""One live quiz per learner: a second process is refused while the first holds the lock, and a
quiz that is gone (even killed) leaves nothing behind that blocks the next one."""
import subprocess
import sys
import textwrap

import pytest

from torchquiz.engine.live_quiz import QuizAlreadyRunning, live_quiz

HOLDER = textwrap.dedent("""
    import sys, time
    from torchquiz.engine.live_quiz import live_quiz
    with live_quiz(sys.argv[1], sys.argv[2], "resume"):
        print("holding", flush=True)
        time.sleep(60)
""")


def hold(db, learner):
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), learner], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "holding"
    return process


def test_a_second_quiz_is_refused_with_where_the_first_runs_and_how_to_resume(tmp_path):
    db = tmp_path / "quiz.db"
    first = hold(db, "ada")
    try:
        with pytest.raises(QuizAlreadyRunning) as refused:
            with live_quiz(db, "ada", "torchquiz quiz --learner ada --resume --db quiz.db"):
                pass
        message = str(refused.value)
        assert f"process {first.pid}" in message and "ada already has a quiz running" in message
        assert message.endswith("continue it anywhere with: torchquiz quiz --learner ada --resume --db quiz.db")
        with live_quiz(db, "bea", "resume"):  # another learner is not held up
            pass
    finally:
        first.kill()  # no clean exit: the operating system drops the lock all the same
        first.wait()
    with live_quiz(db, "ada", "resume"):
        pass


def test_a_quiz_that_ends_removes_its_lock_file_and_the_next_one_locks_afresh(tmp_path):
    from torchquiz.engine.live_quiz import lock_path

    db = tmp_path / "q.db"
    with live_quiz(db, "ada", "torchquiz quiz --resume"):
        assert lock_path(db, "ada").exists()
        with pytest.raises(QuizAlreadyRunning):
            with live_quiz(db, "ada", "torchquiz quiz --resume"):
                pass
    assert not lock_path(db, "ada").exists()
    with live_quiz(db, "ada", "torchquiz quiz --resume"):   # and the next quiz takes a new lock
        with pytest.raises(QuizAlreadyRunning):
            with live_quiz(db, "ada", "torchquiz quiz --resume"):
                pass
