"""How a store file is opened: read-write, or read-only by someone who may not write it.

SQLite keeps a WAL-mode database's recent writes in `DB-wal` and its shared index in `DB-shm`. A reader
who may not write the file still creates both when nobody else has the store open, and cannot remove
them: they then belong to the reader, and the store's owner can no longer write (a student's `report`
locked the teacher out of `class.db`). So a reader who may not write the file or its folder opens it
immutable when no `DB-wal` exists (nobody has it open, and nothing of the store is outside the file);
with a `DB-wal` there, someone is using it and its files are theirs: the reader shares them read-only.
"""
import os
import sqlite3
from pathlib import Path
from urllib.parse import quote


def may_write(path):
    """Whether this process may write the store file and its folder (where SQLite puts DB-wal and DB-shm)."""
    path = Path(path)
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def connect(path, timeout, *, read_only=False):
    """An SQLite connection to `path`; read_only: SQLite's read-only mode, immutable when no DB-wal exists."""
    if not read_only:
        return sqlite3.connect(str(path), timeout=timeout, isolation_level=None, check_same_thread=False)
    mode = "ro" + ("&immutable=1" if not Path(f"{path}-wal").exists() else "")
    uri = f"file:{quote(str(Path(path).resolve()))}?mode={mode}"
    return sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None, check_same_thread=False)


def others_leftovers(path):
    """A note naming DB-wal / DB-shm files beside `path` that belong to another user (they block our writes),
    or ''."""
    foreign = []
    for suffix in ("-wal", "-shm"):
        side = Path(f"{path}{suffix}")
        try:
            owner = side.stat().st_uid
        except OSError:
            continue
        if owner != os.getuid():
            foreign.append((side, owner))
    if not foreign:
        return ""
    try:
        import pwd

        who = pwd.getpwuid(foreign[0][1]).pw_name
    except (ImportError, KeyError):
        who = f"user {foreign[0][1]}"
    names = " and ".join(str(side) for side, _ in foreign)
    return (f": {names} belong to {who}, left by a command they ran while nobody else had the store open; "
            "they hold nothing once no one uses the store, so delete them (the folder's owner can) and run this again")
