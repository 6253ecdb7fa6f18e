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


@dataclass
class ExternalAnswer:
    question_id: str
    slot: int
    response: str | None          # None: not answered (stored as skipped)
    correct: bool | None
    misconception: str | None = None
    mark: float | None = None     # Moodle's fraction, when the source gives one
    seconds: float | None = None
    answered_at: str | None = None


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
    return hashlib.sha1(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


def ensure_tables(conn):
    for statement in _TABLES:
        conn.execute(statement)


def known_keys(store, keys):
    """Which of `keys` an earlier import already stored."""
    if "external_sessions" not in store.db.table_names():
        return set()
    keys, found = list(keys), set()
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        found |= {k for (k,) in store.conn.execute(
            f"SELECT key FROM external_sessions WHERE key IN ({','.join('?' * len(chunk))})", chunk)}
    return found


def write_sessions(store, sessions):
    """Store `sessions` (ExternalSession) in one transaction; those already stored are left alone.
    Returns (sessions written, answers written).

    Ids are assigned here (max + 1) and rows go in with executemany: inside BEGIN IMMEDIATE no
    other writer can take an id, and 100,000 quiz attempts then import in seconds.
    """
    with store.write() as conn:
        ensure_tables(conn)
        learners = dict(conn.execute("SELECT name, id FROM learners"))
        stored = set(known_keys(store, [s.key for s in sessions]))
        next_session = (conn.execute("SELECT max(id) FROM sessions").fetchone()[0] or 0) + 1
        next_attempt = (conn.execute("SELECT max(id) FROM attempts").fetchone()[0] or 0) + 1
        new_learners, session_rows, external_rows, attempt_rows, mark_rows = [], [], [], [], []
        for session in sessions:
            if session.key in stored:
                continue
            stored.add(session.key)  # the same attempt twice in one file is stored once
            learner = learners.get(session.learner)
            if learner is None:
                learner = learners[session.learner] = -len(new_learners) - 1  # resolved below
                new_learners.append((session.learner, session.started_at or session.finished_at))
            sid, next_session = next_session, next_session + 1
            session_rows.append((sid, learner, len(session.answers),
                                 json.dumps({"source": session.source, "quiz": session.quiz}),
                                 session.started_at, session.finished_at))
            external_rows.append((sid, session.source, session.key, session.quiz, session.file, session.row))
            for a in session.answers:
                aid, next_attempt = next_attempt, next_attempt + 1
                attempt_rows.append((aid, sid, learner, a.question_id, a.slot, a.response,
                                     None if a.correct is None else int(a.correct), int(a.correct is None),
                                     a.misconception, a.seconds, a.answered_at or session.finished_at))
                if a.mark is not None or a.correct is None:
                    mark_rows.append((aid, a.slot, a.mark))
        if new_learners:
            conn.executemany("INSERT INTO learners (name, created_at) VALUES (?, ?)", new_learners)
            ids = dict(conn.execute("SELECT name, id FROM learners"))
            real = {-i - 1: ids[name] for i, (name, _) in enumerate(new_learners)}
            session_rows = [(r[0], real.get(r[1], r[1]), *r[2:]) for r in session_rows]
            attempt_rows = [(r[0], r[1], real.get(r[2], r[2]), *r[3:]) for r in attempt_rows]
        conn.executemany("INSERT INTO sessions (id, learner_id, status, length, filters, pending, started_at, "
                         "finished_at) VALUES (?, ?, 'finished', ?, ?, '[]', ?, ?)", session_rows)
        conn.executemany("INSERT INTO external_sessions (session_id, source, key, quiz, file, row) "
                         "VALUES (?, ?, ?, ?, ?, ?)", external_rows)
        conn.executemany("INSERT INTO attempts (id, session_id, learner_id, question_id, position, response, "
                         "correct, skipped, misconception, hint_used, seconds, theta_before, answered_at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, NULL, ?)", attempt_rows)
        conn.executemany("INSERT INTO external_marks (attempt_id, slot, mark) VALUES (?, ?, ?)", mark_rows)
    return len(session_rows), len(attempt_rows)


def external_learners(store, source=None):
    """Learner ids with imported attempts (of `source`, when given)."""
    if "external_sessions" not in store.db.table_names():
        return []
    sql = "SELECT DISTINCT s.learner_id FROM external_sessions e JOIN sessions s ON s.id = e.session_id"
    args = ()
    if source:
        sql, args = sql + " WHERE e.source = ?", (source,)
    return [r[0] for r in store.conn.execute(sql, args)]


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
    stored marks: {quiz: moodle_statistics(...)}; each slot is a random slot (the normal case, one
    random question per template category), so "questions" holds every drawn question."""
    from torchquiz.engine.moodle_stats import QuestionAttempt, Slot, moodle_statistics

    by_quiz = {}
    for quiz, session, slot, qid, mark in moodle_marks(store):
        by_quiz.setdefault(quiz, []).append(QuestionAttempt(session, slot, qid, float(mark)))
    return {quiz: moodle_statistics(attempts, [Slot(n, random=True) for n in sorted({a.slot for a in attempts})])
            for quiz, attempts in by_quiz.items()}
