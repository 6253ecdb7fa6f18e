"""Attempts made outside the terminal (a Moodle quiz, the HTML practice page), in the store.

They go into the same `learners`, `sessions` and `attempts` tables as terminal attempts, so
calibration, `report` and `stats` read them with no special case. Two side tables remember
where they came from:
- `external_sessions`: one row per imported quiz attempt, keyed by a digest of what
  identifies it in its source (learner, start time, questions). A second import of the same
  file finds every key already there and writes nothing: imports are idempotent.
- `external_marks`: Moodle's fraction for an attempt (partial credit on multiple-answer
  questions), which `attempts.correct` (0/1) cannot hold but Moodle's statistics need.
The tables are created on first import (CREATE TABLE IF NOT EXISTS, inside the import's
transaction) rather than by a schema migration, so a store that never imports is unchanged
and the schema version others depend on does not move.
"""
import hashlib
import json
from dataclasses import dataclass, field

_TABLES = (
    "CREATE TABLE IF NOT EXISTS external_sessions (session_id INTEGER PRIMARY KEY REFERENCES sessions(id), "
    "source TEXT NOT NULL, key TEXT NOT NULL UNIQUE, quiz TEXT, file TEXT, row INTEGER)",
    "CREATE INDEX IF NOT EXISTS external_sessions_quiz ON external_sessions (source, quiz)",
    "CREATE TABLE IF NOT EXISTS external_marks (attempt_id INTEGER PRIMARY KEY REFERENCES attempts(id), "
    "slot INTEGER NOT NULL, mark REAL, maxmark REAL NOT NULL DEFAULT 1.0)",
)


@dataclass(slots=True)
class ExternalAnswer:
    question_id: str
    slot: int
    response: str | None          # None: not answered (stored as skipped)
    correct: bool | None
    misconception: str | None = None
    mark: float | None = None     # Moodle's fraction, when the source gives one
    seconds: float | None = None
    answered_at: str | None = None
    hint_used: bool = False       # the practice page: hint or worked solution opened before answering


@dataclass
class ExternalSession:
    source: str                   # "moodle" or "practice"
    key: str                      # digest that names this attempt in its source
    learner: str
    quiz: str
    file: str
    row: int
    started_at: str | None
    finished_at: str | None
    answers: list = field(default_factory=list)


def digest(*parts):
    """A stable key for `parts` (strings, or lists of them); the unit separator cannot occur in
    Moodle's one-line cells, so distinct parts never join into the same text."""
    flat = "\x1f".join("\x1e".join(map(str, p)) if isinstance(p, (list, tuple)) else str(p) for p in parts)
    return hashlib.sha1(flat.encode("utf-8", "surrogatepass")).hexdigest()


def ensure_tables(conn):
    for statement in _TABLES:
        conn.execute(statement)


class SessionWriter:
    """Writes ExternalSessions inside the caller's open write transaction, in chunks.

    Ids are assigned here (max + 1) and rows go in with executemany: inside BEGIN IMMEDIATE no
    other writer can take an id, and 100,000 quiz attempts import in seconds with bounded memory.
    Learners are new rows too (a class of new students is one learner per attempt): queued alike.
    """
    CHUNK = 2000

    def __init__(self, conn, *, preload=True):
        ensure_tables(conn)
        # A large import touches every page of the attempts indexes; with SQLite's default 2 MB page
        # cache they spill to the WAL again and again. 64 MB keeps them in memory until commit.
        conn.execute("PRAGMA cache_size = -65536")
        self.conn = conn
        # A large import reads every learner and stored key at once; a practice file's one session looks up
        # its own (reading them all for each of 500 files made the last files slower than the first).
        self.preloaded = preload
        self.learners = dict(conn.execute("SELECT name, id FROM learners")) if preload else {}
        self.stored = {k for (k,) in conn.execute("SELECT key FROM external_sessions")} if preload else set()
        self.next_learner = (conn.execute("SELECT max(id) FROM learners").fetchone()[0] or 0) + 1
        self.next_session = (conn.execute("SELECT max(id) FROM sessions").fetchone()[0] or 0) + 1
        self.next_attempt = (conn.execute("SELECT max(id) FROM attempts").fetchone()[0] or 0) + 1
        self.sessions = self.answers = 0
        self._buffers = ([], [], [], [], [])
        self._filters = {}

    def known(self, key):
        if key not in self.stored and not self.preloaded and self.conn.execute(
                "SELECT 1 FROM external_sessions WHERE key = ?", (key,)).fetchone():
            self.stored.add(key)
        return key in self.stored

    def _learner(self, name, stamp):
        if name not in self.learners and not self.preloaded:
            row = self.conn.execute("SELECT id FROM learners WHERE name = ?", (name,)).fetchone()
            if row:
                self.learners[name] = row[0]
        if name not in self.learners:
            self.learners[name], self.next_learner = self.next_learner, self.next_learner + 1
            self._buffers[0].append((self.learners[name], name, stamp))
        return self.learners[name]

    def add(self, session):
        """Queue `session`; one already stored (or already queued) is left alone. True if queued."""
        if self.known(session.key):
            return False
        self.stored.add(session.key)
        learner = self._learner(session.learner, session.started_at or session.finished_at)
        _, sessions, externals, attempts, marks = self._buffers
        sid, self.next_session = self.next_session, self.next_session + 1
        filters = self._filters.get((session.source, session.quiz))
        if filters is None:
            filters = self._filters[(session.source, session.quiz)] = json.dumps(
                {"source": session.source, "quiz": session.quiz})
        sessions.append((sid, learner, len(session.answers), filters, session.started_at, session.finished_at))
        externals.append((sid, session.source, session.key, session.quiz, session.file, session.row))
        aid, finished = self.next_attempt, session.finished_at
        for a in session.answers:
            correct = a.correct
            attempts.append((aid, sid, learner, a.question_id, a.slot, a.response,
                             None if correct is None else int(correct), int(correct is None),
                             a.misconception, int(a.hint_used), a.seconds, a.answered_at or finished))
            # a whole mark is `correct` again: only partial credit and blanks need a row here
            if correct is None or (a.mark is not None and a.mark != float(correct)):
                marks.append((aid, a.slot, a.mark))
            aid += 1
        self.next_attempt = aid
        self.sessions += 1
        self.answers += len(session.answers)
        if len(sessions) >= self.CHUNK:
            self.flush()
        return True

    def flush(self):
        learners, sessions, externals, attempts, marks = self._buffers
        self.conn.executemany("INSERT INTO learners (id, name, created_at) VALUES (?, ?, ?)", learners)
        self.conn.executemany("INSERT INTO sessions (id, learner_id, status, length, filters, pending, started_at, "
                              "finished_at) VALUES (?, ?, 'finished', ?, ?, '[]', ?, ?)", sessions)
        self.conn.executemany("INSERT INTO external_sessions (session_id, source, key, quiz, file, row) "
                              "VALUES (?, ?, ?, ?, ?, ?)", externals)
        self.conn.executemany("INSERT INTO attempts (id, session_id, learner_id, question_id, position, response, "
                              "correct, skipped, misconception, hint_used, seconds, theta_before, answered_at) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)", attempts)
        self.conn.executemany("INSERT INTO external_marks (attempt_id, slot, mark) VALUES (?, ?, ?)", marks)
        self._buffers = ([], [], [], [], [])


def external_learners(store, source=None):
    """Learner ids with imported attempts (of `source`, when given)."""
    if "external_sessions" not in store.db.table_names():
        return []
    sql = "SELECT DISTINCT s.learner_id FROM external_sessions e JOIN sessions s ON s.id = e.session_id"
    args = ()
    if source:
        sql, args = sql + " WHERE e.source = ?", (source,)
    return [r[0] for r in store.conn.execute(sql, args)]


# Which stored attempts statistics count: every answer, and every question left blank or skipped,
# which Moodle's facility index counts as a mark of 0 (a quiz's hard questions left blank would
# otherwise look easy).
COUNTED_SQL = "(a.correct IS NOT NULL OR a.skipped = 1)"


def blanks_counted(store):
    """How many of the attempts statistics count were left blank or skipped (a mark of 0; calibration leaves
    them out, so its answer count is smaller by this many)."""
    return store.conn.execute("SELECT count(*) FROM attempts a WHERE a.correct IS NULL AND a.skipped = 1").fetchone()[0]


def score_sql(store, attempt="a"):
    """(join, expression): the score of each counted attempt (COUNTED_SQL) for statistics, as the LMS
    marked it where it did (Moodle's fraction, partial credit included), else right 1 / wrong 0, and 0
    for a question left blank, as Moodle counts it."""
    if "external_marks" not in store.db.table_names():
        return "", f"COALESCE({attempt}.correct, 0)"
    return (f" LEFT JOIN external_marks em ON em.attempt_id = {attempt}.id",
            f"COALESCE(em.mark, {attempt}.correct, 0)")


def moodle_marks(store):
    """Every imported Moodle question attempt as (quiz, session, slot, question id, mark), where
    mark is Moodle's fraction (or 0/1 from `correct`; 0 for a blank, as Moodle counts it)."""
    if "external_sessions" not in store.db.table_names():
        return []
    return store.conn.execute(
        "SELECT e.quiz, a.session_id, a.position, a.question_id, "
        "COALESCE(m.mark, a.correct, 0) FROM external_sessions e JOIN attempts a ON a.session_id = e.session_id "
        "LEFT JOIN external_marks m ON m.attempt_id = a.id WHERE e.source = 'moodle' "
        "ORDER BY e.quiz, a.session_id, a.position").fetchall()


def moodle_quiz_statistics(store):
    """Moodle's item statistics of every imported Moodle quiz, computed as Moodle would from the
    stored marks: {quiz: moodle_statistics(...) with "quiz": quiz_statistics(...)}; each slot is a random
    slot (the normal case, one random question per template category), so "questions" holds every drawn
    question, and "quiz" the figures of Moodle's "Quiz information" table."""
    from torchquiz.engine.moodle_stats import QuestionAttempt, Slot, moodle_statistics, quiz_statistics

    by_quiz = {}
    for quiz, session, slot, qid, mark in moodle_marks(store):
        by_quiz.setdefault(quiz, []).append(QuestionAttempt(session, slot, qid, float(mark)))
    out = {}
    for quiz, attempts in by_quiz.items():
        slots = [Slot(n, random=True) for n in sorted({a.slot for a in attempts})]
        out[quiz] = {**moodle_statistics(attempts, slots), "quiz": quiz_statistics(attempts, slots)}
    return out
