"""Refits off the learner's path: the terminal quiz hands a due refit to its own process
(`db`: conftest's store of 48 hand-written questions)."""
import subprocess
import sys
import time

from click.testing import CliRunner

from torchquiz.cli.main import main
from torchquiz.engine import progress
from torchquiz.engine.refit import BackgroundRefit, refit_lock
from torchquiz.engine.session import QuizSession
from torchquiz.engine.store import Store
from torchquiz.record.grading import grade


def answer_quiz(store, refit, length=3):
    session = QuizSession.start(store, "ada", length=length, seed=1, refit=refit)
    while (record := session.next_question()) is not None:
        letter = "A" if record["options"] else record["answer"]["text"]
        session.answer(record, grade(record, letter))
    return session


def refit_sources(store):
    return {s for (s,) in store.conn.execute("SELECT DISTINCT source FROM items")}


def test_finish_hands_a_due_refit_to_a_background_process(db):
    with Store.open(db) as store:
        refit = BackgroundRefit()
        session = answer_quiz(store, refit)
        assert progress.refit_due(store)
        session.finish()
        assert refit.process is not None, "a due refit was not started"
        assert refit.wait(timeout=120) == 0
        assert int(store.meta("refit_attempts")) == progress.answered_count(store) == 3
        assert not progress.refit_due(store)
        assert {"refit", "refit+online"} & refit_sources(store)


def test_nothing_starts_when_no_refit_is_due(db):
    with Store.open(db) as store:
        store.set_meta("refit_attempts", 10**6)
        refit = BackgroundRefit()
        answer_quiz(store, refit).finish()
        assert refit.process is None


def test_a_second_refit_exits_while_one_holds_the_lock(db):
    with Store.open(db) as store:
        answer_quiz(store, progress.calibrate_if_due)
        with refit_lock(db) as held:
            assert held
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "torchquiz.engine.refit", "--db", str(db)], timeout=120)
            assert done.returncode == 0 and time.perf_counter() - started < 60
            assert progress.refit_due(store), "the locked-out refit ran anyway"
        subprocess.run([sys.executable, "-m", "torchquiz.engine.refit", "--db", str(db)], timeout=120, check=True)
        assert not progress.refit_due(store)


def test_the_inline_default_refits_before_finish_returns(db):
    with Store.open(db) as store:
        answer_quiz(store, None).finish()
        assert not progress.refit_due(store)


def test_the_terminal_quiz_refits_in_the_background(db):
    result = CliRunner().invoke(main, ["quiz", "--db", str(db), "--learner", "ada", "--length", "2",
                                       "--topic", "batch_first", "--no-generate"], input="A\n\nA\n")
    assert result.exit_code == 0, result.output
    deadline = time.monotonic() + 120
    with Store.open(db) as store:
        while progress.refit_due(store) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert int(store.meta("refit_attempts", 0)) == 2


def test_a_lock_file_another_user_made_still_locks():
    """A shared store: the first user's refit made the lock file (0644, theirs); another user's refit must
    still take the lock rather than fail with PermissionError (its stderr goes nowhere: refits just stopped)."""
    import os
    import shutil
    import tempfile

    folder = tempfile.mkdtemp()
    try:
        os.chmod(folder, 0o755)
        lock = os.path.join(folder, "q.db.refit.lock")
        open(lock, "w").close()
        os.chmod(lock, 0o444)
        if os.geteuid() != 0:   # this user cannot write the file: the case itself
            with refit_lock(os.path.join(folder, "q.db")) as held:
                assert held
            return
        pid = os.fork()          # root writes anything: be somebody else
        if pid == 0:
            try:
                os.setgid(65534)
                os.setuid(65534)
                with refit_lock(os.path.join(folder, "q.db")) as held:
                    os._exit(0 if held else 3)
            except BaseException:
                os._exit(4)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        shutil.rmtree(folder)
