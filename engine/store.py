"""The SQLite store: question records, learners, sessions, attempts, item parameters, abilities.

One file, opened through sqlite-utils. WAL mode plus a busy timeout let two quiz
processes write to one file without losing answers; every write is a short
`BEGIN IMMEDIATE` transaction so writers queue instead of failing mid-way.
The schema is versioned in `torchquiz_meta`; a file that is not ours, or that a
newer torchquiz wrote, raises a StoreError subclass instead of being touched.
"""
import contextlib
import json
import os
import sqlite3
import time
from pathlib import Path

import sqlite_utils

from torchquiz.engine.schema import MIGRATIONS, SCHEMA_VERSION, filter_sql, not_a_number, schema_problem
from torchquiz.engine.sqlite_errors import sqlite_problem
from torchquiz.engine.store_access import connect, may_write
from torchquiz.engine.store_errors import (DamagedStore, NewerSchemaError, NoStore, NotATorchquizDatabase,  # noqa: F401
                                           StoreError, UnknownQuestion, foreign_database)

APP_NAME = "torchquiz"
BUSY_TIMEOUT_MS = 15_000  # how long a write waits for another writer before it is "busy"
OVERALL = "*"  # the abilities row for all topics together; topic ids never contain '*'
_SQLITE_MAGIC = b"SQLite format 3\x00"


def default_db_path():
    """`$TORCHQUIZ_DB`, else `$XDG_DATA_HOME/torchquiz/torchquiz.db` (~/.local/share by default)."""
    if os.environ.get("TORCHQUIZ_DB"):
        return Path(os.environ["TORCHQUIZ_DB"]).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home).expanduser() / "torchquiz" / "torchquiz.db"


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Store:
    """A torchquiz database. Use `Store.open(path)`; it creates and migrates as needed."""

    on_busy = None  # called when a write finds the store still locked after busy_timeout (see write())
    opened = None   # the last store file this process opened: what an SQLite error's advice is about

    def __init__(self, conn, path):
        self.path = path
        self.conn = conn
        self.db = sqlite_utils.Database(conn, execute_plugins=False)

    @classmethod
    def open(cls, path=None, create=True, read_only=False):
        """Open the store at `path` (default: default_db_path()). With create=False a missing
        database is a NoStore error: only the commands that fill a store (bank build, bank import)
        create one, so a mistyped --db never leaves an empty database behind. read_only: a command that
        only reads, by someone who may not write the store, leaves no file behind (engine.store_access)."""
        path = Path(path).expanduser() if path else default_db_path()
        Store.opened = path
        if path.is_dir():
            raise NotATorchquizDatabase(f"{path} is a directory, not a torchquiz database")
        if path.exists() and path.stat().st_size > 0:
            with open(path, "rb") as handle:
                if handle.read(16) != _SQLITE_MAGIC:
                    raise NotATorchquizDatabase(f"{path} is not a torchquiz database (not an SQLite file)")
        elif not create and not path.exists():
            raise NoStore(f"no torchquiz database at {path}: `torchquiz bank build` or `torchquiz bank import` "
                          "makes one (nothing was created)")
        elif not create:  # an empty file: a command that only reads must not write a schema into it
            raise NoStore(f"{path} is an empty file, not a torchquiz database: `torchquiz bank build` or "
                          "`torchquiz bank import` fills it (nothing was changed)")
        else:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the database {path}: {exc.strerror or exc}") from exc
        read_only = read_only and path.exists() and not may_write(path)
        try:
            # isolation_level=None: we issue BEGIN IMMEDIATE ourselves (see write()).
            conn = connect(path, BUSY_TIMEOUT_MS / 1000, read_only=read_only)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            # Another application's database is refused before anything is written to it (WAL mode
            # rewrites the file's header).
            foreign = foreign_database(path, {name for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")})
            if foreign:
                conn.close()
                raise foreign
            if read_only:
                return cls._read_only(conn, path)
            conn.execute("PRAGMA journal_mode = WAL")
            # NORMAL in WAL mode survives a process crash or Ctrl-C; only a power cut can lose the last commit.
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as exc:
            if sqlite_problem(exc) != "damaged":  # busy, read-only, a folder that may not be read: the file may be fine
                raise
            raise NotATorchquizDatabase(f"{path} is not a usable SQLite database: {exc}") from exc
        store = cls(conn, path)
        store._migrate()
        return store

    def close(self):
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @contextlib.contextmanager
    def write(self):
        """One short write transaction; IMMEDIATE takes the write lock up front, so a
        concurrent writer waits on busy_timeout instead of failing on lock upgrade. With
        `on_busy` set (the terminal quiz), a store still busy after that is waited for again,
        `on_busy()` having said so once; without it the busy error is raised."""
        told = False
        if self.on_busy is not None:  # the quiz: say so within a second, not after the 15 s SQLite waits in C
            self.conn.execute("PRAGMA busy_timeout = 1000")
        try:
            while True:
                try:
                    self.conn.execute("BEGIN IMMEDIATE")  # the only statement that waits for the lock in WAL mode
                    break
                except sqlite3.OperationalError as exc:
                    if self.on_busy is None or sqlite_problem(exc) != "busy":
                        raise
                    if not told:
                        self.on_busy()
                        told = True
                        # SQLite sleeps in C, where Ctrl-C waits: short waits from now on
                        self.conn.execute("PRAGMA busy_timeout = 250")
        finally:
            if self.on_busy is not None:
                self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- schema ---------------------------------------------------------------------------
    def schema_version(self):
        tables = set(self.db.table_names())
        if "torchquiz_meta" not in tables:
            if tables:
                raise foreign_database(self.path, tables)
            return 0
        rows = dict(self.conn.execute("SELECT key, value FROM torchquiz_meta").fetchall())
        if rows.get("app") != APP_NAME:
            raise NotATorchquizDatabase(f"{self.path} is not a torchquiz database (no app marker)")
        problem = schema_problem(rows.get("schema_version", "0"), tables)
        if problem:  # a file restored in part, or made by hand: refused here, not halfway through a command
            raise NotATorchquizDatabase(f"{self.path} is not a usable torchquiz database: {problem}; "
                                        "restore it from a copy")
        return int(rows.get("schema_version", "0"))

    @classmethod
    def _read_only(cls, conn, path):
        store = cls(conn, path)
        version = store.schema_version()
        if version != SCHEMA_VERSION:
            conn.close()
            raise (NewerSchemaError if version > SCHEMA_VERSION else StoreError)(
                f"{path} has schema version {version} and this torchquiz reads {SCHEMA_VERSION}; you may not "
                "write it, so its owner must open it once with this torchquiz (any command) first")
        return store

    def _migrate(self):
        try:
            if self.schema_version() == SCHEMA_VERSION:
                return
            with self.write():  # re-read under the lock: another process may have migrated
                version = self.schema_version()
                if version > SCHEMA_VERSION:
                    raise NewerSchemaError(
                        f"{self.path} has schema version {version}, newer than this torchquiz "
                        f"understands ({SCHEMA_VERSION}); upgrade torchquiz to use it")
                for step in range(version + 1, SCHEMA_VERSION + 1):
                    MIGRATIONS[step](self.db)
                    self.set_meta("schema_version", str(step))
                self.set_meta("app", APP_NAME)
        except sqlite3.DatabaseError as exc:
            raise NotATorchquizDatabase(f"{self.path} is not a usable torchquiz database: {exc}") from exc

    def set_meta(self, key, value):
        self.conn.execute("INSERT OR REPLACE INTO torchquiz_meta (key, value) VALUES (?, ?)",
                          (key, str(value)))

    def meta(self, key, default=None):
        row = self.conn.execute("SELECT value FROM torchquiz_meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    @contextlib.contextmanager
    def numbers_checked(self):
        """Inside it, a TypeError or ValueError that an item's b or a explains (text where a number belongs)
        becomes the DamagedStore it is; any other stays the bug it is."""
        try:
            yield
        except (TypeError, ValueError) as exc:
            found = not_a_number(self.conn)
            if found is None:
                raise
            raise DamagedStore(f"{self.path}: the store file is damaged: {found}; restore it from a copy") from exc

    # -- questions ------------------------------------------------------------------------
    def add_questions(self, records, label_prior=None):
        """Insert question records; ids already stored are kept as they are. Returns (added, duplicates)."""
        if label_prior is None:
            from torchquiz.engine.irt import LABEL_PRIOR as label_prior
        added = duplicates = 0
        stamp = now()
        with self.write() as conn:
            for record in records:
                cursor = conn.execute(
                    "INSERT OR IGNORE INTO questions (id, template, family, difficulty, type, topic, "
                    "topics, params, record, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (record["id"], record["template"], record["family"], record["difficulty"],
                     record["type"], record["topics"][0], json.dumps(record["topics"]),
                     json.dumps(record.get("params", {}), sort_keys=True),
                     json.dumps(record, sort_keys=True), stamp))
                if cursor.rowcount == 0:
                    duplicates += 1
                    continue
                added += 1
                conn.executemany("INSERT OR IGNORE INTO question_topics (question_id, topic) VALUES (?, ?)",
                                 [(record["id"], topic) for topic in record["topics"]])
                conn.execute(
                    "INSERT INTO items (question_id, template, family, topic, label, b, a, n_seen, source, "
                    "misconceptions, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1.0, 0, 'label', ?, ?)",
                    (record["id"], record["template"], record["family"], record["topics"][0], record["difficulty"],
                     float(label_prior[record["difficulty"]]), ",".join(record_misconceptions(record)), stamp))
        return added, duplicates

    def question(self, question_id):
        row = self.conn.execute("SELECT record FROM questions WHERE id = ?", (question_id,)).fetchone()
        if row is None:
            raise UnknownQuestion(f"no question with id {question_id!r}")
        return json.loads(row[0])

    def count_questions(self, topics=(), families=()):
        where, args = filter_sql(topics, families, alias="q")
        return self.conn.execute(f"SELECT count(*) FROM questions q WHERE 1 {where}", args).fetchone()[0]

    def difficulty_by_label(self):
        """[(label, questions, mean b)] in order of mean difficulty: what a refit did, at a glance."""
        return self.conn.execute("SELECT label, count(*), avg(b) FROM items GROUP BY label ORDER BY avg(b)").fetchall()

    def topics(self):
        """Every topic any question carries, sorted."""
        return [r[0] for r in self.conn.execute("SELECT DISTINCT topic FROM question_topics ORDER BY topic")]

    def primary_topics(self):
        """Every question's first topic, sorted: the topics a learner's abilities are estimated over."""
        return [r[0] for r in self.conn.execute("SELECT DISTINCT topic FROM items ORDER BY topic")]

    def families(self):
        return [r[0] for r in self.conn.execute("SELECT DISTINCT family FROM questions ORDER BY family")]

    def pool_items(self, topics=(), families=(), ids=None):
        """Every question matching the filters as selection.Item, with its current parameters.

        One indexed scan; the quiz loads this once per session and selects in memory
        (numpy), which stays within milliseconds even for 100,000 questions.
        """
        from torchquiz.engine.selection import Item

        where, args = filter_sql(topics, families, alias="i", id_column="question_id")
        if ids is not None:
            where += f" AND i.question_id IN ({','.join('?' * len(ids))})"
            args += list(ids)
        rows = self.conn.execute(
            "SELECT i.question_id, i.template, i.topic, i.label, i.b, i.a, i.misconceptions FROM items i "
            f"WHERE 1 {where}", args)  # rowid order: sequential reads, and stable for a given file
        shared = {}  # few distinct misconception sets: build each frozenset once
        with self.numbers_checked():  # float(): a damaged b fails here, not later in numpy
            return [Item(qid, template, topic, label, float(b), float(a),
                         shared.get(m) or shared.setdefault(m, frozenset(m.split(",")) if m else frozenset()))
                    for qid, template, topic, label, b, a, m in rows]

    def item(self, question_id):
        row = self.conn.execute("SELECT question_id, topic, label, b, a, n_seen FROM items WHERE question_id = ?",
                                (question_id,)).fetchone()
        if row is None:
            raise UnknownQuestion(f"no question with id {question_id!r}")
        return dict(zip(("id", "topic", "label", "b", "a", "n_seen"), row))

    def set_difficulties(self, parameters, source="refit"):
        """Store calibrated parameters for many items at once: question id -> b, or -> (b, a)."""
        stamp = now()
        rows = [(float(v[0]), float(v[1]), source, stamp, qid) if isinstance(v, tuple)
                else (float(v), None, source, stamp, qid) for qid, v in parameters.items()]
        with self.write() as conn:
            conn.executemany("UPDATE items SET b = ?, a = COALESCE(?, a), source = ?, updated_at = ? "
                             "WHERE question_id = ?", rows)


def record_misconceptions(record):
    """Sorted ids of the misconceptions a record can diagnose (wrong options, typed wrong answers)."""
    found = {o.get("misconception") for o in record.get("options", [])}
    found |= {e.get("misconception") for e in record.get("misconception_answers", []) or []}
    return sorted(m for m in found if m)
