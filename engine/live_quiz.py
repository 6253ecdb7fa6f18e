"""One live quiz per learner and store: a second one is refused, saying where the first runs.

Two quizzes for one learner would share one open session: the second would abandon the
first, which would go on recording and then mark the session finished under it. So a quiz
holds an exclusive lock (flock) on a small file beside the database while it runs. The
operating system drops the lock when the process ends in any way (quit, Ctrl-C, a crash,
a closed terminal), so a lock can never be left behind by a quiz that is gone. The file
itself says where the quiz runs (host, process, terminal, start time) for the message, and
a quiz that ends normally removes it (while still holding the lock; a quiz that had opened
the file meanwhile sees it is gone and locks a new one).
"""
import contextlib
import hashlib
import json
import os
import socket
import sys
import time
from pathlib import Path

from torchquiz.engine.store import StoreError


class QuizAlreadyRunning(StoreError):
    """The learner has a quiz running on this store right now."""


def lock_path(db_path, learner):
    """The lock file of `learner`'s quizzes on `db_path` (the name hashed: any learner name is safe)."""
    digest = hashlib.sha256(learner.encode("utf-8")).hexdigest()[:12]
    db_path = Path(db_path).expanduser().resolve()  # one lock whatever the spelling: a symlink, ~, ../
    return db_path.with_name(f".{db_path.name}.quiz-{digest}.lock")


def _where():
    try:
        terminal = os.ttyname(sys.stdin.fileno())
    except (OSError, AttributeError, ValueError):
        terminal = None
    return {"host": socket.gethostname(), "pid": os.getpid(), "terminal": terminal,
            "since": time.strftime("%H:%M", time.localtime())}


def _describe(where):
    place = f"process {where.get('pid', '?')} on {where.get('host', '?')}"
    if where.get("terminal"):
        place += f", terminal {where['terminal']}"
    if where.get("since"):
        place += f", since {where['since']}"
    return place


@contextlib.contextmanager
def live_quiz(db_path, learner, resume_command):
    """Hold `learner`'s quiz lock on `db_path` for the block, or raise QuizAlreadyRunning naming
    where the running quiz is and how to continue it once it has stopped."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; the quiz runs unguarded rather than not at all
        yield
        return
    path = lock_path(db_path, learner)
    handle = _locked(path, learner, resume_command, fcntl)
    try:
        if handle.writable():  # a lock file another account left (its quiz was killed) can only be read: no place said
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps(_where()))
            handle.flush()
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()  # still locked: nobody can take the file between this and the close
        handle.close()  # closing drops the lock


def _locked(path, learner, resume_command, fcntl):
    """The lock file, open and exclusively locked, or QuizAlreadyRunning."""
    while True:
        try:
            handle = open(path, "a+", encoding="utf-8")
        except PermissionError:  # left by another account's quiz that was killed: a lock needs no write access
            handle = open(path, "r", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            try:
                where = json.loads(handle.read() or "{}")
            except ValueError:
                where = {}
            handle.close()
            raise QuizAlreadyRunning(
                f"{learner} already has a quiz running on this store ({_describe(where)}). Finish or quit "
                f"it there (q), then continue it anywhere with: {resume_command}") from None
        try:
            current = os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino
        except FileNotFoundError:
            current = False
        if current:
            return handle
        handle.close()  # the quiz that held it ended and removed it: lock the file that is there now
