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
    path = Path(path).resolve()  # a link's own folder is not where SQLite puts them
    return _writable(path) and _writable(path.parent)


def _writable(path):
    if os.access in os.supports_effective_ids:  # the effective user: the same as the real one but in a test
        return os.access(path, os.W_OK, effective_ids=True)
    return os.access(path, os.W_OK)


def connect(path, timeout, *, read_only=False):
    """An SQLite connection to `path`; read_only: SQLite's read-only mode, immutable when no DB-wal exists."""
    if not read_only:
        return sqlite3.connect(str(path), timeout=timeout, isolation_level=None, check_same_thread=False)
    real = Path(path).resolve()  # beside the real file, where SQLite keeps them, not beside a link to it
    mode = "ro" + ("&immutable=1" if not Path(f"{real}-wal").exists() else "")
    uri = f"file:{quote(str(real))}?mode={mode}"
    return sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None, check_same_thread=False)


def others_side_files(path):
    """A note naming DB-wal / DB-shm files beside `path` that belong to another user, when they are what stops
    this process writing (it may write the store file and its folder), or ''. They are never called safe to
    delete: a DB-wal can hold the store's latest answers, and someone may be using it right now."""
    real = Path(path).resolve()
    if not may_write(real):  # the store file or its folder is the cause: the usual advice
        return ""
    foreign = []
    for suffix in ("-wal", "-shm"):
        side = Path(f"{real}{suffix}")
        try:
            owner = side.stat().st_uid
        except OSError:
            continue
        if owner != os.geteuid() and not _writable(side):
            foreign.append((side, owner))
    if not foreign:
        return ""
    try:
        import pwd

        who = pwd.getpwuid(foreign[0][1]).pw_name
    except (ImportError, KeyError):
        who = f"user {foreign[0][1]}"
    names = " and ".join(str(side) for side, _ in foreign)
    return (f": SQLite's {names} belong to {who} and may not be written by you, so nothing can be saved; do not "
            f"delete them (they can hold the store's latest answers): ask {who} or an administrator to make them "
            "writable for you, or let everyone who uses the store share a group (umask 002)")
