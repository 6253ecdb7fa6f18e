"""What an SQLite error says about the store file: busy, read-only, full, damaged, or not the file at all.

One table for the store, which refuses a damaged file, and for the command line, which gives each kind
its advice (cli/main.py).
"""

# (kind, SQLite result codes, the messages that carry them where Python 3.10 gives no code)
SQLITE_PROBLEMS = (
    ("busy", ("SQLITE_BUSY",), ("database is locked",)),
    ("readonly", ("SQLITE_READONLY",), ("readonly database",)),
    ("full", ("SQLITE_FULL",), ("database or disk is full",)),
    ("damaged", ("SQLITE_CORRUPT", "SQLITE_NOTADB"), ("database disk image is malformed", "file is not a database")),
    ("io", ("SQLITE_IOERR", "SQLITE_CANTOPEN"), ("disk I/O error", "unable to open database file")),
    ("locking", ("SQLITE_PROTOCOL",), ("locking protocol",)),
    ("too_big", ("SQLITE_TOOBIG",), ("string or blob too big",)),
)
# SQLite's out-of-memory error reaches Python as MemoryError, not as an SQLite error.


def sqlite_problem(exc):
    """The kind of trouble with the store file an SQLite error reports (see SQLITE_PROBLEMS), or None
    for any other error (a wrong query: a bug)."""
    name = getattr(exc, "sqlite_errorname", None)   # Python 3.11+; extended codes: SQLITE_IOERR_WRITE, ...
    for kind, codes, marks in SQLITE_PROBLEMS:
        if (any(name == c or name.startswith(c + "_") for c in codes) if name
                else any(m in str(exc) for m in marks)):
            return kind
    return None
