"""A store read by someone who may not write it: nothing is left behind that locks its owner out, a published
read-only store can be read, and side files that belong to another user are named when they block a write."""
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from torchquiz.engine import store_access
from torchquiz.engine.store import Store
from quiz_fixtures import bank

from conftest import ROOT


@pytest.fixture
def closed_store(tmp_path):
    """A store with questions and one answer, closed (so no DB-wal or DB-shm is left)."""
    path = tmp_path / "class.db"
    with Store.open(path) as store:
        store.add_questions(bank(6))
    assert not Path(f"{path}-wal").exists() and not Path(f"{path}-shm").exists()
    return path


def test_a_reader_who_may_not_write_leaves_no_side_files(closed_store, monkeypatch):
    monkeypatch.setattr("torchquiz.engine.store.may_write", lambda path: False)
    with Store.open(closed_store, create=False, read_only=True) as store:
        assert store.conn.execute("SELECT count(*) FROM questions").fetchone()[0] == 6
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            store.conn.execute("DELETE FROM questions")
    # SQLite's DB-wal and DB-shm would have been the reader's, and the owner could no longer write
    assert not Path(f"{closed_store}-wal").exists() and not Path(f"{closed_store}-shm").exists()
    monkeypatch.undo()
    with Store.open(closed_store) as store:  # the owner writes as before
        store.add_questions(bank(7)[6:])


def test_while_someone_uses_the_store_a_reader_shares_their_side_files(closed_store, monkeypatch):
    with Store.open(closed_store) as writer:
        writer.set_meta("probe", "1")
        monkeypatch.setattr("torchquiz.engine.store.may_write", lambda path: False)
        with Store.open(closed_store, create=False, read_only=True) as reader:  # not immutable: sees new writes
            with writer.write():
                writer.set_meta("probe", "2")
            assert reader.meta("probe") == "2"


def test_the_cli_reads_a_store_in_a_folder_it_may_not_write(closed_store):
    """As root (CI), the CLI runs without the capability to override permissions, so the folder's mode holds."""
    import shutil
    import subprocess

    as_user = []
    if os.geteuid() == 0:
        as_user = [shutil.which("setpriv") or "setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]
        probe = subprocess.run([*as_user, "true"], capture_output=True)
        if probe.returncode != 0:
            pytest.skip(f"root may write any folder, and setpriv cannot drop that here: {probe.stderr!r}")
    folder = closed_store.parent
    folder.chmod(0o555)
    try:
        result = subprocess.run([*as_user, sys.executable, "-m", "torchquiz.cli", "stats", "--db", str(closed_store)],
                                capture_output=True, text=True, cwd=ROOT)
        written = subprocess.run([*as_user, "touch", str(folder / "probe")], capture_output=True)
    finally:
        folder.chmod(0o755)
    assert written.returncode != 0, "the folder was writable: the test would prove nothing"
    assert result.returncode == 0 and "No answers stored yet" in result.stdout, result.stderr


def test_side_files_of_another_user_are_named_and_never_called_safe_to_delete():
    """The store and its folder are the user's, but SQLite's side files are another's: the note names them and
    does not say to delete them (a DB-wal can hold the latest answers); where the store file itself is not
    writable, that is the cause and no side file is blamed."""
    import shutil
    import tempfile

    if os.geteuid() != 0:
        pytest.skip("only root can act as two other users here")
    folder = Path(tempfile.mkdtemp(dir="/dev/shm"))
    try:
        folder.chmod(0o755)
        store = folder / "class.db"
        with Store.open(store):
            pass
        for suffix in ("-wal", "-shm"):
            Path(f"{store}{suffix}").write_bytes(b"")
            os.chown(f"{store}{suffix}", 54321, 54321)
        os.chown(folder, 54322, 54322)
        os.chown(store, 54322, 54322)
        os.seteuid(54322)  # the store's owner, who may not write the other user's side files
        try:
            note = store_access.others_side_files(store)
        finally:
            os.seteuid(0)
        assert f"{store}-wal and {store}-shm belong to user 54321" in note and "do not delete them" in note
        os.chown(store, 0, 0)
        store.chmod(0o644)
        os.seteuid(54322)  # now the store file itself may not be written: that is the cause
        try:
            assert store_access.others_side_files(store) == ""
        finally:
            os.seteuid(0)
    finally:
        shutil.rmtree(folder)


def test_a_reader_through_a_link_sees_the_writers_latest_answers(closed_store, tmp_path, monkeypatch):
    """report through ~/class.db -> the real store: DB-wal is looked for beside the real file, so a writer's
    uncheckpointed answers are read, not skipped by an immutable open."""
    link = tmp_path / "home.db"
    link.symlink_to(closed_store)
    with Store.open(closed_store) as writer:
        with writer.write():
            writer.set_meta("probe", "fresh")
        monkeypatch.setattr("torchquiz.engine.store.may_write", lambda path: False)
        with Store.open(link, create=False, read_only=True) as reader:
            assert reader.meta("probe") == "fresh"
