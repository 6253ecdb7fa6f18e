"""Refits off the learner's path.

A quiz's `finish()` must not make the learner wait for the pooled calibration: at 10^6
stored attempts one refit takes minutes.  The terminal quiz therefore hands a due refit to
its own process (`BackgroundRefit`), while the simulation runs the very same
`progress.calibrate_if_due` inline, so its refit schedule stays deterministic.

    python -m torchquiz.engine.refit --db PATH

runs the refit if one is due.  A lock file beside the store makes a second refit started
meanwhile exit at once: the running one already covers its answers, and the next finished
quiz finds the rest due.  A refit that fails changes nothing and is simply due again.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from torchquiz.engine import progress
from torchquiz.engine.store import Store

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock, a rare second refit only repeats work
    fcntl = None


class BackgroundRefit:
    """Starts a due refit in its own process; the quiz goes on at once."""

    def __init__(self):
        self.process: subprocess.Popen | None = None

    def __call__(self, store) -> bool:
        if not progress.refit_due(store):
            return False
        # Own session: the learner's Ctrl-C after the end screen does not stop the refit.
        self.process = subprocess.Popen([sys.executable, "-m", "torchquiz.engine.refit", "--db", str(store.path)],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        return True

    def wait(self, timeout=None):
        """Block until the started refit ends (tests and benchmarks only); its exit status."""
        return None if self.process is None else self.process.wait(timeout)


@contextmanager
def refit_lock(db_path):
    """Yields True when this process holds the store's refit lock, False when another does."""
    if fcntl is None:
        yield True
        return
    try:
        handle = open(f"{db_path}.refit.lock", "a")
    except OSError:
        # A shared store: the first user's lock file is theirs (or the disk is read-only). A lock needs no write access.
        try:
            handle = open(f"{db_path}.refit.lock", "r")
        except OSError:  # none there and none can be made: unlocked, a rare second refit only repeats work
            yield True
            return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m torchquiz.engine.refit", description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="the store to refit")
    args = parser.parse_args(argv)
    if not Path(args.db).is_file():
        parser.error(f"--db {args.db}: no such store")
    with refit_lock(args.db) as held:
        if not held:
            return 0
        with Store.open(args.db, create=False) as store:
            progress.calibrate_if_due(store)
    return 0


if __name__ == "__main__":
    sys.exit(main())
