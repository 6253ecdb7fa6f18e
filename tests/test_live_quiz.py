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


def test_a_store_reached_through_a_symlink_is_one_store(tmp_path):
    """~/class.db -> /srv/course/class.db: the lock is the real file's, so the second quiz is refused."""
    db = tmp_path / "course" / "class.db"
    db.parent.mkdir()
    link = tmp_path / "home" / "class.db"
    link.parent.mkdir()
    link.symlink_to(db)
    first = hold(db, "ada")
    try:
        with pytest.raises(QuizAlreadyRunning):
            with live_quiz(link, "ada", "resume"):
                pass
    finally:
        first.kill()
        first.wait()


def test_a_lock_file_this_account_may_not_write_still_locks(tmp_path, monkeypatch):
    """A killed quiz of another account leaves its lock file (0644, theirs): the next quiz opens it to read,
    which is all flock needs, instead of stopping at 'Permission denied'."""
    import builtins

    import torchquiz.engine.live_quiz as module

    def theirs(path, mode="r", **kwargs):  # what opening another account's 0644 file for writing gives
        if "a" in mode or "w" in mode:
            raise PermissionError(13, "Permission denied", str(path))
        return builtins.open(path, mode, **kwargs)

    db = tmp_path / "q.db"
    module.lock_path(db, "ada").write_text('{"pid": 1}')
    monkeypatch.setattr(module, "open", theirs, raising=False)
    with live_quiz(db, "ada", "resume"):
        with pytest.raises(QuizAlreadyRunning):
            with live_quiz(db, "ada", "resume"):
                pass
